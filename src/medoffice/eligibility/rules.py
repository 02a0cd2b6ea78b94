"""Pure decisions about a payer's eligibility answer: what it means and what to do.

`Answer` is the 271 as the office needs it (x12map.py reads it from the bytes). No ORM,
no request: `outcome(answer)` says which status the check gets, `summarize(lines)` picks
the numbers the front desk asks about, and `explain_reject(code, follow_up)` turns an
AAA reject into plain words with the next step.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

# EB01 eligibility or benefit information codes we read.
ACTIVE_CODES = frozenset({"1", "2", "3", "4", "5"})  # active (5: pending investigation)
INACTIVE_CODES = frozenset({"6", "7", "8"})  # inactive, pending eligibility update, cancelled
COINSURANCE, COPAY, DEDUCTIBLE, OUT_OF_POCKET = "A", "B", "C", "G"
# EB06 time period qualifiers: "remaining" against everything else (the whole period).
REMAINING = "29"
PLAN_SERVICE, OFFICE_VISIT = "30", "98"
IN_NETWORK, OUT_OF_NETWORK, BOTH_NETWORKS = "Y", "N", "W"

# AAA03 reject reasons that say the payer could not answer now, not that anything about
# the patient is wrong: the check is an error (ask again later), not a rejection.
NOT_ANSWERED = frozenset({"42", "79", "80"})


@dataclass(frozen=True)
class BenefitLine:
    """One EB segment: EB01 info code, EB02 level, EB03 service types, EB05 plan, EB06 period,
    EB07 amount, EB08 percent (a fraction: 0.2 is 20 %), EB12 in-network indicator."""

    info: str
    coverage_level: str = ""
    service_types: tuple[str, ...] = ()
    plan: str = ""
    period: str = ""
    amount: Decimal | None = None
    percent: Decimal | None = None
    network: str = ""
    messages: tuple[str, ...] = ()

    def as_json(self) -> dict:
        return {
            "info": self.info, "coverage_level": self.coverage_level,
            "service_types": list(self.service_types), "plan": self.plan,
            "period": self.period,
            "amount": None if self.amount is None else str(self.amount),
            "percent": None if self.percent is None else str(self.percent),
            "network": self.network, "messages": list(self.messages),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict) -> "BenefitLine":
        def dec(value):
            return None if value in (None, "") else Decimal(value)

        return cls(
            info=data.get("info", ""), coverage_level=data.get("coverage_level", ""),
            service_types=tuple(data.get("service_types", ())), plan=data.get("plan", ""),
            period=data.get("period", ""), amount=dec(data.get("amount")),
            percent=dec(data.get("percent")), network=data.get("network", ""),
            messages=tuple(data.get("messages", ())),
        )  # fmt: skip


@dataclass(frozen=True)
class Reject:
    code: str  # AAA03
    follow_up: str = ""  # AAA04
    loop: str = ""  # where the payer put it: 2000A payer, 2100B provider, 2100C subscriber...


@dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str = ""
    member_id: str = ""
    dob: date | None = None
    sex: str = ""


@dataclass(frozen=True)
class Inquiry:
    """A 270 as the office asks it: who asks (the practice), whom (the payer), about whom
    (the subscriber and, when the patient is a dependant, the patient), for which day."""

    trace_number: str
    payer_id: str
    payer_name: str
    provider_name: str
    provider_npi: str
    subscriber: Person
    patient: Person | None = None  # None: the patient is the subscriber
    relationship: str = "18"
    service_date: date | None = None
    service_types: tuple[str, ...] = ("98",)
    group_number: str = ""


@dataclass(frozen=True)
class Answer:
    """A 271 as the office reads it, for one request (its TRN trace number)."""

    trace_number: str
    rejects: tuple[Reject, ...] = ()
    benefits: tuple[BenefitLine, ...] = ()
    plan_name: str = ""
    group_number: str = ""
    coverage_begins: date | None = None
    coverage_ends: date | None = None


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
    infos = {line.info for line in answer.benefits}
    if infos & ACTIVE_CODES:
        return Outcome("active")
    if infos & INACTIVE_CODES:
        return Outcome("inactive")
    return Outcome(
        "error", error_reason="The payer's answer says neither active nor inactive coverage."
    )


@dataclass(frozen=True)
class Amounts:
    copay: Decimal | None = None
    coinsurance_percent: Decimal | None = None  # 20.00 for 20 %
    deductible: Decimal | None = None
    deductible_remaining: Decimal | None = None
    out_of_pocket: Decimal | None = None
    out_of_pocket_remaining: Decimal | None = None

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in self.__dataclass_fields__)


@dataclass(frozen=True)
class Summary:
    in_network: Amounts = field(default_factory=Amounts)
    out_of_network: Amounts = field(default_factory=Amounts)
    plan: str = ""


def _in(line: BenefitLine, network: str) -> bool:
    if line.network in ("", "U", BOTH_NETWORKS):
        return True
    return line.network == network


def _first(lines, info: str, network: str, *, remaining: bool | None = None, percent=False):
    """The value of the first line of kind `info` for the network, preferring the office
    visit's own line over the plan-wide one, individual over family."""
    candidates = [
        line
        for line in lines
        if line.info == info
        and _in(line, network)
        and (remaining is None or (line.period == REMAINING) == remaining)
        and (line.percent if percent else line.amount) is not None
    ]

    def rank(line: BenefitLine) -> tuple[int, int]:
        service = 0 if OFFICE_VISIT in line.service_types else 1 if (
            not line.service_types or PLAN_SERVICE in line.service_types) else 2  # fmt: skip
        level = 0 if line.coverage_level in ("", "IND") else 1
        return service, level

    if not candidates:
        return None
    best = min(candidates, key=rank)
    if percent:
        return (best.percent * 100).quantize(Decimal("0.01"))
    return best.amount


def _amounts(lines, network: str) -> Amounts:
    return Amounts(
        copay=_first(lines, COPAY, network),
        coinsurance_percent=_first(lines, COINSURANCE, network, percent=True),
        deductible=_first(lines, DEDUCTIBLE, network, remaining=False),
        deductible_remaining=_first(lines, DEDUCTIBLE, network, remaining=True),
        out_of_pocket=_first(lines, OUT_OF_POCKET, network, remaining=False),
        out_of_pocket_remaining=_first(lines, OUT_OF_POCKET, network, remaining=True),
    )


def summarize(lines) -> Summary:
    lines = tuple(lines)
    plan = next((line.plan for line in lines if line.info in ACTIVE_CODES and line.plan), "")
    return Summary(
        in_network=_amounts(lines, IN_NETWORK),
        out_of_network=_amounts(lines, OUT_OF_NETWORK),
        plan=plan,
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
