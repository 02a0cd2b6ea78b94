"""The ledger hears billing: a signed (or corrected) encounter's charges are posted.

`encounter_signed` is sent after billing's transaction commits; a failure here is
logged (the error's class and the encounter's opaque id, never PHI) and swallowed:
`medoffice ledger check` names any charge left unposted and `ledger.post_charges()`
posts it later.
"""

import logging

logger = logging.getLogger(__name__)


def on_encounter_signed(sender, encounter, amended=False, **kwargs) -> None:
    try:
        from medoffice.payments.ledger import post_charges

        post_charges(encounter=encounter)
    except Exception as exc:
        logger.error(
            "Charges of encounter %s not posted to the ledger (%s)",
            encounter.public_id,
            type(exc).__name__,
        )
