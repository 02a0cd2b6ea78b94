"""What other parts of the office hear when an encounter is signed or corrected.

`encounter_signed` is sent after the signing (or correcting) transaction commits,
so a listener (the supply closet taking what was used off the shelf) never acts on
a superbill that was rolled back, and cannot undo a signature. Listeners must not
raise. Billing imports none of its listeners: they connect themselves.
"""

from django.db import transaction
from django.dispatch import Signal

# kwargs: encounter (the signed Encounter, current version), amended (bool).
encounter_signed = Signal()


def announce_signed(encounter, *, amended: bool) -> None:
    transaction.on_commit(
        lambda: encounter_signed.send(sender=type(encounter), encounter=encounter, amended=amended)
    )
