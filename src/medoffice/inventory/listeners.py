"""The supply closet hears billing: a signed (or corrected) encounter takes its supply and
drug lines off the shelf. Sent after billing commits; a failure here is logged (the
error's class and the encounter's opaque id, never PHI) and swallowed, never undoing
a signature."""

import logging

logger = logging.getLogger(__name__)


def on_encounter_signed(sender, encounter, amended, **kwargs) -> None:
    try:
        from medoffice.inventory.services import encounter_stock_sync

        encounter_stock_sync(encounter=encounter, by=encounter.signed_by)
    except Exception as exc:
        logger.error(
            "Stock not taken for encounter %s (%s)", encounter.public_id, type(exc).__name__
        )
