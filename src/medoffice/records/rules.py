"""Pure decisions of release of information: deadlines, what a release needs, what the
accounting covers. No ORM, no request: plain values in, answers out.
"""

from dataclasses import dataclass
from datetime import date, timedelta

# 45 CFR 164.524(b)(2): act on a request for access within 30 days; one extension of at
# most 30 more days, with the reason given in writing within the first 30.
RESPONSE_DAYS = 30
EXTENSION_DAYS = 30
# 164.528(a)(1): an accounting covers the six years before the request.
ACCOUNTING_YEARS = 6

# The parts of the chart a request may ask for (minimum necessary). Other apps add theirs
# to SECTIONS through records.packet.register_section.
CORE_SECTIONS = ("demographics", "insurance", "visits", "documents")

# Who may be released to under which basis. The patient's right of access covers the
# patient and a personal representative; TPO covers providers and insurers.
BASES_FOR = {
    "patient": {"access", "authorization"},
    "representative": {"access", "authorization"},
    "attorney": {"authorization", "judicial"},
    "insurer": {"authorization", "payment", "operations"},
    "provider": {"authorization", "treatment"},
    "agency": {
        "authorization", "judicial", "law_enforcement", "public_health", "oversight",
        "required_by_law",
    },
}  # fmt: skip
# Bases that need a paper on file before anything is released: the patient's signed
# authorisation, or the court order / subpoena.
NEEDS_PAPER = {"authorization", "judicial"}


def due_date(received_on: date) -> date:
    return received_on + timedelta(days=RESPONSE_DAYS)


def extension_allowed(
    *, received_on: date, due_on: date, extended_due_on: date | None, new_due_on: date, today: date
) -> list[str]:
    """Reasons a proposed extension is refused (empty: allowed)."""
    reasons = []
    if extended_due_on is not None:
        reasons.append("The request was extended once already; only one extension is allowed.")
    if today > due_on:
        reasons.append("An extension must be taken before the first due date has passed.")
    if new_due_on <= due_on:
        reasons.append("The new due date must be after the current one.")
    if new_due_on > received_on + timedelta(days=RESPONSE_DAYS + EXTENSION_DAYS):
        reasons.append(f"An extension adds at most {EXTENSION_DAYS} days.")
    return reasons


@dataclass(frozen=True)
class ReleaseFacts:
    status: str
    requester_kind: str
    basis: str
    identity_verified: bool
    identity_failed: bool
    has_authorization: bool
    authorization_signed_on: date | None
    authorization_expires_on: date | None
    has_packet: bool
    sections: tuple[str, ...]
    today: date


def release_blockers(facts: ReleaseFacts) -> list[str]:
    """Why the request cannot be released yet, in words for the records clerk."""
    reasons = []
    if facts.status in ("released", "denied", "withdrawn"):
        reasons.append(f"The request is {facts.status} already.")
        return reasons
    if facts.identity_failed:
        reasons.append("An identity check failed: the request cannot be released.")
    elif not facts.identity_verified:
        reasons.append("The requester's identity has not been verified.")
    if facts.basis not in BASES_FOR.get(facts.requester_kind, set()):
        reasons.append("That basis does not allow a release to this kind of requester.")
    if facts.basis == "judicial" and not facts.has_authorization:
        reasons.append("No court order or subpoena is on file for this request.")
    if facts.basis == "authorization":
        if not facts.has_authorization:
            reasons.append("No signed authorisation is on file for this request.")
        elif facts.authorization_signed_on is None:
            reasons.append("Enter the date the authorisation was signed.")
        elif facts.authorization_expires_on is None:
            reasons.append("Enter the authorisation's expiry date or event date.")
        elif facts.authorization_expires_on < facts.today:
            reasons.append("The authorisation has expired: ask for a new one.")
    if not facts.sections:
        reasons.append("The scope names no section of the chart.")
    if not facts.has_packet:
        reasons.append("Prepare the release packet first.")
    return reasons


def is_late(*, released_on: date, due_on: date) -> bool:
    return released_on > due_on


def accounting_start(as_of: date) -> date:
    """The first day an accounting asked for on `as_of` covers (six years back)."""
    try:
        return as_of.replace(year=as_of.year - ACCOUNTING_YEARS)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - ACCOUNTING_YEARS, day=28)


def in_scope(day: date | None, scope_from: date | None, scope_to: date | None) -> bool:
    if day is None:
        return True
    if scope_from and day < scope_from:
        return False
    return not (scope_to and day > scope_to)
