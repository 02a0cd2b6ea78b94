"""Claim -> the CMS-1500 (02/12) record the PDF layout prints (formats/pdf/cms1500.py).

The same facts the 837P carries, on paper: the payer's address in the carrier block,
the subscriber from the coverage, the diagnoses in claim order (A-L), the lines with
their pointers as letters, the billing provider (practice, group NPI, tax id) and the
service facility (the location).
"""

from decimal import Decimal

from medoffice.billing.models import Claim, PayerRules
from medoffice.billing.states import ClaimStatus
from medoffice.core.clock import today_at
from medoffice.core.money import ZERO, total
from medoffice.formats.pdf.cms1500 import (
    DX_LETTERS,
    Address,
    Cms1500,
    ServiceLine,
    render_cms1500_batch,
)

# SBR09 claim filing indicator -> box 1 insurance type.
_INSURANCE_TYPE = {
    "MA": "medicare", "MB": "medicare", "16": "medicare", "MC": "medicaid", "CH": "tricare",
    "VA": "champva", "WC": "other", "AM": "other", "LM": "other", "DS": "other", "OF": "other",
    "ZZ": "other",
}  # fmt: skip
# X12 relationship (SBR02/PAT01) -> box 6.
_RELATIONSHIP = {"18": "self", "01": "spouse", "19": "child"}

# A claim is printed while it is being prepared or after it went out (a copy); a void is not.
PRINTABLE = tuple(s for s in ClaimStatus if s != ClaimStatus.CLOSED)


def claims_for_forms(claims):
    """The claims with what the form needs, in a fixed number of queries."""
    return claims.select_related(
        "patient",
        "payer",
        "coverage",
        "provider",
        "location__practice",
        "original",
        "encounter__appointment__check_in",
    ).prefetch_related("lines")


def _name(last: str, first: str, middle: str = "") -> str:
    parts = [f"{last}, {first}"]
    if middle:
        parts.append(middle[:1])
    return ", ".join(parts)


def _patient_phone(patient) -> str:
    return patient.home_phone or patient.mobile_phone or patient.work_phone


def cms1500_record(claim: Claim, *, amount_paid: Decimal = ZERO) -> Cms1500:
    patient, coverage, payer = claim.patient, claim.coverage, claim.payer
    location, provider = claim.location, claim.provider
    practice = location.practice
    patient_address = Address(patient.address1, patient.city, patient.state, patient.zip_code)
    self_insured = coverage.relationship == "18"
    if self_insured:
        insured_name, insured_dob, insured_sex = (
            _name(patient.last_name, patient.first_name, patient.middle_name),
            patient.dob, patient.sex_at_birth,
        )  # fmt: skip
    else:
        insured_name = _name(coverage.subscriber_last_name, coverage.subscriber_first_name)
        insured_dob, insured_sex = coverage.subscriber_dob, coverage.subscriber_sex
    letters = {n: DX_LETTERS[n - 1] for n in range(1, len(claim.diagnosis_codes) + 1)}
    lines = tuple(
        ServiceLine(
            date_from=line.date_of_service,
            procedure=line.code,
            charge=line.amount,
            place_of_service=claim.place_of_service,
            modifiers=tuple(line.modifier_list),
            pointers="".join(letters.get(p, "") for p in line.pointer_list),
            units=line.units,
            rendering_npi=provider.npi,
        )  # fmt: skip
        for line in sorted(claim.lines.all(), key=lambda ln: ln.number)
    )
    return Cms1500(
        payer_name=payer.name,
        payer_address=Address(payer.address1, payer.city, payer.state, payer.zip_code),
        insurance_type=_INSURANCE_TYPE.get(payer.claim_filing_indicator, "group"),
        insured_id=coverage.member_id,
        patient_name=_name(patient.last_name, patient.first_name, patient.middle_name),
        patient_dob=patient.dob,
        patient_sex=patient.sex_at_birth if patient.sex_at_birth in ("M", "F") else "",
        insured_name=insured_name,
        patient_address=patient_address,
        patient_phone=_patient_phone(patient),
        relationship=_RELATIONSHIP.get(coverage.relationship, "other"),
        insured_address=patient_address if self_insured else Address(),
        insured_group=coverage.group_number or "NONE",
        insured_dob=insured_dob,
        insured_sex=insured_sex if insured_sex in ("M", "F") else "",
        insured_plan_name=coverage.plan_name,
        another_plan=claim.responsibility > 1 or None,
        referring_name=claim.referring_provider_name,
        referring_npi=claim.referring_provider_npi,
        diagnoses=tuple(claim.diagnosis_codes),
        resubmission_code=claim.frequency if claim.frequency != "1" else "",
        original_reference=_original_reference(claim),
        prior_authorization=claim.prior_authorization,
        lines=lines,
        tax_id=practice.tax_id,
        patient_account=claim.patient_control_number,
        accept_assignment=True,
        amount_paid=amount_paid,
        physician_signature=f"{provider.first_name} {provider.last_name} {provider.credentials}",
        physician_signature_date=today_at(location),
        facility_name=location.name,
        facility_address=Address(
            location.address1, location.city, location.state, location.zip_code
        ),  # fmt: skip
        facility_npi=practice.group_npi,
        billing_phone=location.phone,
        billing_name=practice.name,
        billing_address=Address(
            location.address1, location.city, location.state, location.zip_code
        ),  # fmt: skip
        billing_npi=practice.group_npi or provider.npi,
    )


def _original_reference(claim: Claim) -> str:
    """Box 22: the payer's number of the claim a replacement or void corrects."""
    if claim.frequency == "1":
        return ""
    original = claim.original
    return (original.payer_claim_number if original else "") or claim.payer_claim_number


def _paid_before(claim: Claim) -> Decimal:
    """Box 29: what the patient paid toward these services (copay at check-in)."""
    appointment = claim.encounter.appointment if claim.encounter.appointment_id else None
    check_in = getattr(appointment, "check_in", None) if appointment else None
    return total([check_in.copay_collected]) if check_in is not None else ZERO


def cms1500_pdf(claims: list[Claim], *, form: str = "red") -> bytes:
    records = [cms1500_record(claim, amount_paid=_paid_before(claim)) for claim in claims]
    return render_cms1500_batch(records, form=form)


def paper_payer_ids() -> list[int]:
    return list(PayerRules.objects.filter(paper_claims=True).values_list("payer_id", flat=True))
