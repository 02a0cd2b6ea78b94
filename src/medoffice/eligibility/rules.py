"""Pure decisions about a payer's eligibility answer: what it means and what to do.

`Answer` is the 271 as the office keeps it (x12map.py reads it from the bytes with the
codec, which also picks the figures). No ORM, no request: `outcome(answer)` says which
status the check gets, and `explain_reject(code, follow_up)` turns an AAA reject into
plain words with the next step for the front desk.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# AAA03 reject reasons that say the payer could not answer now, not that anything about
# the patient is wrong: the check is an error (ask again later), not a rejection.
NOT_ANSWERED = frozenset({"42", "79", "80"})


@dataclass(frozen=True)
class Amounts:
    """One network's figures: what the front desk tells the patient."""

    copay: Decimal | None = None  # office visit
    coinsurance_percent: Decimal | None = None  # 20 for 20 %
    deductible: Decimal | None = None
    deductible_remaining: Decimal | None = None
    out_of_pocket: Decimal | None = None
    out_of_pocket_remaining: Decimal | None = None

    def as_json(self) -> dict:
        return {
            name: None if getattr(self, name) is None else str(getattr(self, name))
            for name in AMOUNT_NAMES
        }

    @classmethod
    def from_json(cls, data: dict | None) -> "Amounts":
        data = data or {}
        return cls(**{
            name: None if data.get(name) in (None, "") else Decimal(data[name])
            for name in AMOUNT_NAMES
        })  # fmt: skip

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in AMOUNT_NAMES)


AMOUNT_NAMES = (
    "copay", "coinsurance_percent", "deductible", "deductible_remaining", "out_of_pocket",
    "out_of_pocket_remaining",
)  # fmt: skip


@dataclass(frozen=True)
class Reject:
    code: str  # AAA03
    follow_up: str = ""  # AAA04
    level: str = "subscriber"  # where the payer put it: payer, provider, subscriber...


@dataclass(frozen=True)
class Answer:
    """A 271 answer to one request (its TRN trace number), as the office keeps it: whether
    the payer says active (None: it did not say), its figures per network (read by the
    codec's summary), and every benefit line in words for the record."""

    trace_number: str
    active: bool | None = None
    rejects: tuple[Reject, ...] = ()
    plan_name: str = ""
    coverage_begins: date | None = None
    coverage_ends: date | None = None
    in_network: Amounts = field(default_factory=Amounts)
    out_of_network: Amounts = field(default_factory=Amounts)
    lines: tuple[dict, ...] = ()  # each EB line: its codes and its description in words


@dataclass(frozen=True)
class Outcome:
    status: str  # a CheckStatus value
    reject: Reject | None = None
    error_reason: str = ""


def outcome(answer: Answer) -> Outcome:
    """The status a check gets from its answer; a reject anywhere wins over benefits."""
    if answer.rejects:
        first = answer.rejects[0]
        if first.code in NOT_ANSWERED:
            said = explain_reject(first.code, first.follow_up)
            return Outcome("error", reject=first, error_reason=f"{said.problem} {said.action}")
        return Outcome("rejected", reject=first)
    if answer.active is True:
        return Outcome("active")
    if answer.active is False:
        return Outcome("inactive")
    return Outcome(
        "error", error_reason="The payer's answer says neither active nor inactive coverage."
    )


@dataclass(frozen=True)
class Explanation:
    problem: str
    action: str


# AAA03 reject reasons (X12 element 901) as the front desk needs them: what is wrong, and
# what to do about it. Codes not listed get a general explanation with the code.
_CHECK_CARD = "Look at the insurance card with the patient, correct the insurance, check again."
REJECTS: dict[str, Explanation] = {
    "15": Explanation("The payer says required information is missing from the request.",
                      "Complete the insurance (subscriber, member id, dates) and check again."),
    "41": Explanation("The payer does not allow this office to ask about this member.",
                      "Call the payer's provider line; the office may need to enrol first."),
    "42": Explanation("The payer's system could not answer right now.",
                      "Nothing to correct: check again later (the batch tries again)."),
    "43": Explanation("The payer does not recognise the office's provider id (NPI).",
                      "Ask the office manager to check the practice's NPI with the payer."),
    "44": Explanation("The payer says the provider's name is missing or wrong.",
                      "Ask the office manager to check the practice's name and NPI."),
    "50": Explanation("The provider is not allowed to ask this payer about eligibility.",
                      "Ask the office manager: the practice may need to enrol with the payer."),
    "51": Explanation("The payer has no record of this provider.",
                      "Ask the office manager to check the practice's enrolment with the payer."),
    "52": Explanation("The date of service is outside the provider's enrolment with this plan.",
                      "Ask the office manager; the visit may be out of network."),
    "56": Explanation("The payer cannot answer for the date asked about.",
                      "Check the visit date; the payer may only answer for today or recent days."),
    "57": Explanation("The date of service is missing or not valid.",
                      "Check the visit date, then check again."),
    "58": Explanation("The birth date is missing or not valid.",
                      "Confirm the birth date with the patient, correct it, check again."),
    "60": Explanation("The birth date we sent is after the date of service.",
                      "Correct the birth date (patient or subscriber), then check again."),
    "62": Explanation("The date of service is outside the period the payer answers for.",
                      "Check again closer to the visit."),
    "63": Explanation("The payer does not answer for dates in the future.",
                      "Check again on the day of the visit."),
    "64": Explanation("The patient's id is missing or not valid.", _CHECK_CARD),
    "65": Explanation("The patient's name is missing or not valid.",
                      "Check the name's spelling against the card, correct it, check again."),
    "67": Explanation("The payer cannot find this patient.", _CHECK_CARD),
    "71": Explanation("The birth date does not match the payer's record.",
                      "Confirm the birth date with the patient and the card; correct it, check"
                      " again, or call the payer."),
    "72": Explanation("The member id is not valid for this payer.", _CHECK_CARD),
    "73": Explanation("The subscriber's name is missing or does not match the payer's record.",
                      "Check the subscriber's name against the card (exact spelling), correct"
                      " it, check again."),
    "75": Explanation("The payer cannot find the subscriber.",
                      "Check the member id and payer on the card; ask whether the patient has"
                      " new insurance."),
    "76": Explanation("The payer has more than one member with this id.",
                      "Call the payer's provider line with the card at hand."),
    "77": Explanation("The subscriber was found but not this patient (a dependant).",
                      "Check the patient's name and birth date and their relationship to the"
                      " subscriber; a newborn may not be added yet."),
    "78": Explanation("The subscriber is not in the group or plan named.",
                      "Check the group number on the card, correct it, check again."),
    "79": Explanation("The payer could not identify who sent the request.",
                      "Nothing to correct on the patient: ask the office manager to check the"
                      " clearinghouse set-up."),
    "80": Explanation("The payer did not answer in time.",
                      "Nothing to correct: check again later."),
    "97": Explanation("The provider's address is missing or not valid.",
                      "Ask the office manager to check the practice's address."),
    "T4": Explanation("The payer's name or id is missing.",
                      "Check the payer chosen on the insurance."),
}  # fmt: skip

FOLLOW_UPS = {
    "C": "The payer asks for a corrected request.",
    "N": "The payer will not take this request again as it is.",
    "P": "The payer asks for the same request again.",
    "R": "The request may be sent again.",
    "S": "Do not send again.",
    "W": "Wait 30 days before asking again.",
    "X": "Wait 10 days before asking again.",
    "Y": "Do not send again: the payer will answer by other means.",
}


def explain_reject(code: str, follow_up: str = "") -> Explanation:
    known = REJECTS.get(code)
    if known is None:
        known = Explanation(
            f"The payer rejected the request (reason code {code or 'not given'}).",
            "Call the payer's provider line with the card at hand.",
        )
    if follow_up in FOLLOW_UPS:
        return Explanation(known.problem, f"{known.action} {FOLLOW_UPS[follow_up]}")
    return known
