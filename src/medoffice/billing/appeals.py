"""Appeal letters: a template (billing/data/appeal_templates.toml) chosen for the denial's
reasons and filled with the claim's facts; the letter as PDF (formats/pdf/appeal.py)."""

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from string import Template

from django.utils import timezone

from medoffice.billing import explanations
from medoffice.billing.models import Adjustment, Appeal, Claim
from medoffice.billing.states import ClaimStatus
from medoffice.coding.loaders import dotted
from medoffice.core.clock import today_at
from medoffice.core.money import ZERO, dollars
from medoffice.formats.pdf.appeal import AppealLetter, AppealLine, render_appeal_letter

# Adjustments that are never the reason for an appeal: the patient's share, the contract.
NOT_APPEALED = {("CO", "45"), ("CO", "253"), ("CO", "A2"), ("CO", "42"), ("CO", "131")}


@cache
def templates() -> dict[str, dict]:
    data = resources.files("medoffice.billing").joinpath("data/appeal_templates.toml")
    return tomllib.loads(data.read_text(encoding="utf-8"))


def denial_adjustments(claim: Claim) -> list[Adjustment]:
    """The current (not superseded) adjustments that say why the payer did not pay."""
    rows = Adjustment.objects.filter(
        adjudication__claim=claim, adjudication__superseded=False
    ).select_related("adjudication__line")
    return [a for a in rows if a.group != "PR" and (a.group, a.reason) not in NOT_APPEALED]


def choose_template(reasons: list[str]) -> str:
    for key, template in templates().items():
        if key != "general" and any(r in template["reasons"] for r in reasons):
            return key
    return "general"


@dataclass(frozen=True)
class Draft:
    template: str
    subject: str
    body: str
    reasons: str
    enclosures: str
    amount_disputed: Decimal


def decision_date(claim: Claim):
    """When the payer decided: its latest remittance date, else when the claim was denied."""
    paid = (
        claim.adjudications.filter(superseded=False).order_by("-paid_date")
        .values_list("paid_date", flat=True).first()
    )  # fmt: skip
    if paid:
        return paid
    event = (
        claim.events.filter(to_status__in=[ClaimStatus.DENIED, ClaimStatus.PARTIALLY_PAID])
        .order_by("-at")
        .first()
    )
    return timezone.localdate(event.at, claim.location.zone) if event else None


def appeal_facts(claim: Claim, adjustments: list[Adjustment]) -> dict[str, str]:
    patient, coverage = claim.patient, claim.coverage
    explained = [explanations.explain_adjustment(a.group, a.reason) for a in adjustments]
    first_sent = claim.events.filter(to_status=ClaimStatus.SENT).order_by("at").first()
    sent_day = timezone.localdate(first_sent.at, claim.location.zone) if first_sent else None
    decided = decision_date(claim)
    days = f"{claim.service_from:%m/%d/%Y}"
    if claim.service_to != claim.service_from:
        days += f" to {claim.service_to:%m/%d/%Y}"
    provider = claim.provider
    authorization = (
        f"The services were authorized: authorization number {claim.prior_authorization}, "
        "shown on the claim and in the enclosed approval."
        if claim.prior_authorization
        else "We have asked you for the authorization and enclose the record of that request."
    )
    return {
        "patient_name": f"{patient.first_name} {patient.last_name}",
        "patient_dob": f"{patient.dob:%m/%d/%Y}",
        "member_id": coverage.member_id,
        "payer_name": claim.payer.name,
        "payer_claim_number": claim.payer_claim_number or "(not given)",
        "account": claim.patient_control_number,
        "dates_of_service": days,
        "charged": dollars(claim.total_charge),
        "paid": dollars(claim.paid_amount),
        "decision_date": f"{decided:%m/%d/%Y}" if decided else "(date of your remittance)",
        "reasons_explained": "; ".join(f"{e.code} ({e.title.lower()})" for e in explained)
        or "no reason given",
        "diagnoses": ", ".join(dotted(code) for code in claim.diagnosis_codes) or "(none)",
        "provider_name": " ".join(
            v for v in (provider.first_name, provider.last_name, provider.credentials) if v
        ),
        "first_sent": f"{sent_day:%m/%d/%Y}" if sent_day else "(see the enclosed report)",
        "days_to_file": str((sent_day - claim.service_from).days) if sent_day else "(n/a)",
        "authorization_sentence": authorization,
    }


def appeal_draft(claim: Claim, *, template: str | None = None) -> Draft:
    """The letter for this claim: the template for its reasons, filled with its facts."""
    adjustments = denial_adjustments(claim)
    reasons = sorted({a.reason for a in adjustments})
    key = template if template in templates() else choose_template(reasons)
    chosen = templates()[key]
    facts = appeal_facts(claim, adjustments)
    body = Template(chosen["body"].strip()).safe_substitute(facts)
    disputed = sum((a.amount for a in adjustments), ZERO)
    if disputed <= ZERO:
        disputed = max(claim.total_charge - claim.paid_amount, ZERO)
    return Draft(
        template=key,
        subject=f"{chosen['title']}: {facts['patient_name']}, claim {facts['payer_claim_number']}",
        body=body,
        reasons=", ".join(f"{a.group}-{a.reason}" for a in adjustments),
        enclosures="\n".join(chosen["enclosures"]),
        amount_disputed=disputed,
    )


def appeal_pdf(appeal: Appeal) -> bytes:
    claim = appeal.claim
    practice, location = claim.location.practice, claim.location
    patient, payer = claim.patient, claim.payer
    by_line: dict[int | None, list[str]] = {}
    for a in denial_adjustments(claim):
        by_line.setdefault(a.adjudication.line_id, []).append(f"{a.group}-{a.reason}")
    paid: dict[int, Decimal] = {}
    for adjudication in claim.adjudications.filter(superseded=False, line__isnull=False):
        paid[adjudication.line_id] = paid.get(adjudication.line_id, ZERO) + adjudication.paid_amount
    lines = tuple(
        AppealLine(
            line.date_of_service,
            "-".join([line.code, *line.modifier_list]),
            line.amount,
            paid.get(line.id, ZERO),
            "; ".join(by_line.get(line.id, []) or by_line.get(None, [])),
        )  # fmt: skip
        for line in claim.lines.order_by("number")
    )
    ids = " · ".join(
        v for v in (practice.group_npi and f"NPI {practice.group_npi}",
                    practice.tax_id and f"Tax ID {practice.tax_id}") if v
    )  # fmt: skip
    letter = AppealLetter(
        practice=practice.name,
        practice_lines=tuple(
            v
            for v in (
                f"{location.address1}, {location.city}, {location.state} {location.zip_code}",
                location.phone and f"Phone {location.phone}",
                ids,
            )
            if v
        ),  # fmt: skip
        letter_date=appeal.filed_on or today_at(location),
        payer_name=payer.name,
        payer_lines=tuple(
            v
            for v in (
                "Appeals",
                payer.address1,
                f"{payer.city}, {payer.state} {payer.zip_code}".strip(", "),
            )
            if v.strip()
        ),  # fmt: skip
        subject=appeal.subject,
        facts=(
            ("Patient", f"{patient.first_name} {patient.last_name}"),
            ("Date of birth", f"{patient.dob:%m/%d/%Y}"),
            ("Member ID", claim.coverage.member_id),
            ("Claim number", claim.payer_claim_number or "(not given)"),
            ("Our account", claim.patient_control_number),
            ("Amount in dispute", dollars(appeal.amount_disputed)),
            ("Appeal level", str(appeal.level)),
        ),
        lines=lines,
        paragraphs=tuple(p.strip() for p in appeal.body.split("\n\n") if p.strip()),
        enclosures=tuple(e.strip() for e in appeal.enclosures.splitlines() if e.strip()),
        signer=f"{claim.provider.first_name} {claim.provider.last_name}",
        signer_title=f"{claim.provider.credentials}, for {practice.name}".strip(", "),
    )
    return render_appeal_letter(letter)
