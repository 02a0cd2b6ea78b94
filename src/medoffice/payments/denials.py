"""When a payer's answer for a service line is a denial: one rule for the posting
(payments/era.py) and the ERA viewer, so that what the viewer calls denied is what went
to the denial queue."""

from decimal import Decimal

DENIED_STATUS = "4"  # CLP02: the payer denied the whole claim


def line_denied(claim_status: str, service) -> bool:
    """The claim was denied (CLP02 4), or the line was billed and paid nothing with no
    part left to the patient: a line paid 0 because it all went to the deductible or a
    copay (group PR) is adjudicated, not denied."""
    return claim_status == DENIED_STATUS or (
        service.paid == Decimal(0)
        and service.charge > Decimal(0)
        and not any(a.group == "PR" for a in service.adjustments)
    )
