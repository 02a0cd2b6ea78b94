"""Plain-language explanations of what payers send back, and which part of the claim to fix.

- Denials and adjustments (835 CAS, 277 STC): the group code (CO, PR, OA, PI), the claim
  adjustment reason code (CARC) and the remittance advice remark codes (RARC).
- Rejections: 277CA claim status (category, status code, entity) and 999 syntax errors.

Pure decisions over the tables in billing/data/ (no ORM, no request). Every answer names a
fix target: the screen and field the biller corrects before sending the claim again.
Codes not in our tables still get an answer that says so, never an error.
"""

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class FixTarget:
    key: str
    screen: str  # where the biller goes
    fields: str  # what to look at there


FIX_TARGETS: dict[str, FixTarget] = {
    t.key: t
    for t in (
        FixTarget("patient", "Patient registration", "name, date of birth, sex, address"),
        FixTarget(
            "coverage",
            "Patient's insurance",
            "payer, member ID, group number, subscriber and relationship, coverage dates, order",
        ),  # fmt: skip
        FixTarget("diagnoses", "Encounter (superbill)", "diagnosis codes"),
        FixTarget("services", "Encounter (superbill)", "service codes, units and charges"),
        FixTarget("modifiers", "Encounter (superbill)", "modifiers of the service lines"),
        FixTarget("pointers", "Encounter (superbill)", "diagnosis pointers of the lines"),
        FixTarget("place_of_service", "Encounter (superbill)", "place of service"),
        FixTarget("prior_authorization", "Encounter (superbill)", "prior authorization number"),
        FixTarget("referring_provider", "Encounter (superbill)", "referring provider name and NPI"),
        FixTarget("date_of_service", "Encounter", "date of service"),
        FixTarget("rendering_provider", "Configuration: Providers", "the provider's NPI, taxonomy"),
        FixTarget(
            "billing_provider",
            "Configuration: Practice and locations",
            "group NPI, tax ID, billing and service addresses",
        ),  # fmt: skip
        FixTarget("payer_setup", "Configuration: Payers", "payer ID and claim filing indicator"),
        FixTarget(
            "claim",
            "Claim",
            "frequency (replacement/void), the payer's claim number, other-payer amounts",
        ),  # fmt: skip
        FixTarget("none", "Nothing to correct", "check the claim's history before acting"),
    )
}

KINDS = {
    "fix": "Correct and resend",
    "appeal": "Appeal if you disagree",
    "patient": "Patient owes it",
    "write_off": "Write off (contractual)",
    "other_payer": "Bill another payer",
    "info": "Information only",
}


@dataclass(frozen=True)
class Remark:
    code: str
    meaning: str
    action: str
    fix: FixTarget | None
    known: bool = True


@dataclass(frozen=True)
class AdjustmentExplanation:
    """One CAS (group + CARC) with its remark codes, explained."""

    group: str
    group_name: str
    group_meaning: str
    reason: str
    title: str
    meaning: str
    action: str
    kind: str  # key of KINDS
    fix: FixTarget | None
    remarks: tuple[Remark, ...] = ()
    known: bool = True

    @property
    def code(self) -> str:
        return f"{self.group}-{self.reason}" if self.group else self.reason

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]

    @property
    def billable_to_patient(self) -> bool:
        return self.group == "PR"


@dataclass(frozen=True)
class Rejection:
    """Why the clearinghouse or payer rejected a claim, and where to correct it."""

    code: str  # "A7:562:82", "999 IK3 NM1 8 / IK4 9 7"
    reason: str  # one plain sentence
    fix: FixTarget | None
    rejected: bool


@cache
def _adjustment_table() -> dict:
    data = resources.files("medoffice.billing").joinpath("data/adjustment_codes.toml")
    return tomllib.loads(data.read_text(encoding="utf-8"))


@cache
def _rejection_table() -> dict:
    data = resources.files("medoffice.billing").joinpath("data/rejection_codes.toml")
    return tomllib.loads(data.read_text(encoding="utf-8"))


def _target(key: str | None) -> FixTarget | None:
    return FIX_TARGETS[key] if key else None


def _norm(code: str) -> str:
    return (code or "").strip().upper()


def explain_remark(code: str) -> Remark:
    code = _norm(code)
    entry = _adjustment_table()["rarc"].get(code)
    if entry is None:
        return Remark(
            code, f"Remark {code} is not in MedOffice's table.",
            "Look it up in the payer's remittance or the X12 remark code list.", None, known=False,
        )  # fmt: skip
    return Remark(code, entry["meaning"], entry["action"], _target(entry.get("fix")))


def explain_adjustment(group: str, reason: str, remarks=()) -> AdjustmentExplanation:
    """`explain_adjustment("CO", "16", ["M51"])`: what it means, who pays, what to do."""
    table = _adjustment_table()
    group, reason = _norm(group), _norm(reason)
    group_entry = table["groups"].get(group, {"name": group or "No group", "meaning": ""})
    explained = tuple(explain_remark(code) for code in remarks if _norm(code))
    entry = table["carc"].get(reason)
    if entry is None:
        fix = next((r.fix for r in explained if r.fix), None)
        return AdjustmentExplanation(
            group, group_entry["name"], group_entry["meaning"], reason,
            f"Reason {reason}", f"Reason code {reason} is not in MedOffice's table.",
            "Look it up in the payer's remittance or the X12 reason code list.",
            "fix" if fix else "appeal", fix, explained, known=False,
        )  # fmt: skip
    # The remark codes name the field more precisely than a general reason (CO-16).
    fix = next((r.fix for r in explained if r.fix), None) or _target(entry.get("fix"))
    kind = entry["kind"]
    if group == "PR" and kind in ("write_off", "info"):
        kind = "patient"
    return AdjustmentExplanation(
        group, group_entry["name"], group_entry["meaning"], reason, entry["title"],
        entry["meaning"], entry["action"], kind, fix, explained,
    )  # fmt: skip


def parse_adjustment(text: str) -> tuple[str, str]:
    """'CO-45', 'CO45', 'co 45', '45' -> ('CO', '45')."""
    value = _norm(text).replace(" ", "").replace("-", "")
    if value[:2] in _adjustment_table()["groups"]:
        return value[:2], value[2:]
    return "", value


def explain_claim_status(category: str, status: str = "", entity: str = "") -> Rejection:
    """A 277CA (or 277) STC01: category, status code and entity, e.g. ('A7', '562', '82')."""
    table = _rejection_table()
    category, status, entity = _norm(category), _norm(status), _norm(entity)
    cat = table["category"].get(category)
    rejected = cat is not None and cat["outcome"] == "rejected"
    parts = []
    if cat is not None:
        parts.append(cat["meaning"])
    else:
        parts.append(f"Status category {category} is not in MedOffice's table.")
    entry = table["status"].get(status) if status else None
    fix = None
    if entry is not None:
        who = table["entity"].get(entity)
        meaning = entry["meaning"]
        parts.append(meaning + (f" (about {who})" if who else ""))
        fix = _target(entry.get("fix_by_entity", {}).get(entity) or entry.get("fix"))
    elif status:
        parts.append(f"Status code {status} is not in MedOffice's table.")
    if fix is None and entity:
        fix = _target(_ENTITY_FIX.get(entity))
    code = ":".join(p for p in (category, status, entity) if p)
    return Rejection(code, " ".join(parts), fix if rejected else None, rejected)


_ENTITY_FIX = {
    "IL": "coverage",
    "QC": "patient",
    "82": "rendering_provider",
    "85": "billing_provider",
    "87": "billing_provider",
    "77": "billing_provider",
    "DN": "referring_provider",
    "DK": "referring_provider",
    "PR": "payer_setup",
}


def explain_syntax_error(
    *, ack: str = "R", segment: str = "", qualifier: str = "", segment_error: str = "",
    element: int | None = None, element_error: str = "",
) -> Rejection:  # fmt: skip
    """A 999's finding: IK5/AK9 code, IK3 segment id (+ the qualifier our 837 had there) and
    error, IK4 element position and error."""
    table = _rejection_table()
    ack, segment, qualifier = _norm(ack), _norm(segment), _norm(qualifier)
    status = table["ack"].get(ack, {"meaning": f"Acknowledgment code {ack}."})["meaning"]
    parts = [status]
    if segment:
        what = table["segment_error"].get(_norm(segment_error), "an error")
        parts.append(f"Segment {segment}: {what}.")
    if element is not None:
        what = table["element_error"].get(_norm(element_error), "an error")
        parts.append(f"Element {segment}{element:02d}: {what}.")
    fixes = table["segment_fix"]
    key = fixes.get(f"{segment}*{qualifier}") or fixes.get(segment)
    if key is None and segment:
        key = "claim"
    code = " ".join(
        p
        for p in (ack, segment, _norm(segment_error), element and str(element), element_error)
        if p
    )
    return Rejection(f"999 {code}", " ".join(parts), _target(key), ack not in ("A", "E"))
