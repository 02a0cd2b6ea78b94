"""The visit's day at the front desk: check-in, rooming, the provider, check-out.

Check-in is the one way a visit becomes "arrived": it verifies demographics and
insurance against what was verified at the patient's last visit, records the
consents still missing, shows the copay the primary coverage asks for and
records what was collected. Rooming and the provider's arrival are timestamps
on the arrived visit (FHIR has no status for them); the waits between them are
what the board and the dashboard show.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.patients.models import ConsentKind, Coverage, CoverageStatus, Patient
from medoffice.patients.services import consent_record
from medoffice.scheduling.errors import StatusMoveError
from medoffice.scheduling.hooks import CopayQuote, copay_collect, copay_from_sources
from medoffice.scheduling.models import Appointment, CheckIn, CopayMethod, Modality
from medoffice.scheduling.services import move_status
from medoffice.scheduling.states import AppointmentStatus

ZERO = Decimal("0.00")
MAX_COPAY = Decimal("10000.00")

# Signed once and kept on file; a visit cannot go ahead without them.
ALWAYS_REQUIRED = (ConsentKind.TREATMENT, ConsentKind.PRIVACY_NOTICE, ConsentKind.FINANCIAL_POLICY)

DEMOGRAPHIC_FIELDS = (
    ("first_name", "First name"), ("middle_name", "Middle name"), ("last_name", "Last name"),
    ("dob", "Date of birth"), ("sex_at_birth", "Sex at birth"), ("address1", "Street address"),
    ("address2", "Apt, suite"), ("city", "City"), ("state", "State"), ("zip_code", "ZIP code"),
    ("mobile_phone", "Mobile phone"), ("home_phone", "Home phone"), ("email", "E-mail"),
    ("emergency_contact_name", "Emergency contact"),
    ("emergency_contact_phone", "Emergency contact phone"),
    ("guarantor_name", "Guarantor"),
)  # fmt: skip
COVERAGE_FIELDS = (
    ("payer", "Payer"), ("plan_name", "Plan"), ("member_id", "Member id"),
    ("group_number", "Group number"), ("relationship", "Relationship to subscriber"),
    ("subscriber_last_name", "Subscriber last name"), ("effective_end", "Coverage ends"),
    ("copay", "Copay"),
)  # fmt: skip
ORDER_NAMES = {1: "Primary", 2: "Secondary", 3: "Tertiary"}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def visit_day(appointment: Appointment) -> date:
    return appointment.starts_at.astimezone(appointment.location.zone).date()


def coverages_on(patient: Patient, day: date) -> list[Coverage]:
    return [
        c
        for c in patient.coverages.select_related("payer").filter(status=CoverageStatus.ACTIVE)
        if c.is_active_on(day)
    ]


def copay_quote(appointment: Appointment) -> CopayQuote:
    """The copay due and where it comes from: a registered source (the payer's latest
    eligibility answer), else the primary coverage's card copay; nothing for self-pay."""
    primary = next((c for c in coverages_on(appointment.patient, visit_day(appointment))
                    if c.order == 1), None)  # fmt: skip
    if primary is None:
        return CopayQuote(ZERO, source="self_pay", said="no insurance on the day: self-pay")
    quote = copay_from_sources(appointment, primary)
    if quote is not None:
        return quote
    if primary.copay is None:
        return CopayQuote(ZERO, said="no copay on the insurance card")
    return CopayQuote(primary.copay)


def copay_due(appointment: Appointment) -> Decimal:
    return copay_quote(appointment).amount


def consents_required(appointment: Appointment) -> list[str]:
    kinds = list(ALWAYS_REQUIRED)
    if coverages_on(appointment.patient, visit_day(appointment)):
        kinds.append(ConsentKind.ASSIGNMENT_OF_BENEFITS)
    if appointment.appointment_type.modality == Modality.TELEHEALTH:
        kinds.append(ConsentKind.TELEHEALTH)
    return kinds


def consents_missing(appointment: Appointment) -> list[str]:
    day = visit_day(appointment)
    in_force = {c.kind for c in appointment.patient.consents.all() if c.is_in_force_on(day)}
    return [kind for kind in consents_required(appointment) if kind not in in_force]


def _text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def visit_snapshot(patient: Patient, day: date) -> dict:
    """Demographics and insurance as strings, as the front desk sees them today."""
    coverages = {}
    for coverage in coverages_on(patient, day):
        values = {name: _text(getattr(coverage, name)) for name, _ in COVERAGE_FIELDS}
        values["payer"] = coverage.payer.name
        coverages[ORDER_NAMES.get(coverage.order, str(coverage.order))] = values
    return {
        "demographics": {name: _text(getattr(patient, name)) for name, _ in DEMOGRAPHIC_FIELDS},
        "coverages": coverages,
    }


def last_check_in(appointment: Appointment) -> CheckIn | None:
    return (
        CheckIn.objects.filter(appointment__patient_id=appointment.patient_id)
        .exclude(appointment=appointment)
        .order_by("-checked_in_at")
        .first()
    )


def changes_since(previous: dict, current: dict) -> list[Change]:
    """What differs between two snapshots, labelled for the front desk."""
    changes = []
    before, after = previous.get("demographics", {}), current.get("demographics", {})
    for name, label in DEMOGRAPHIC_FIELDS:
        if name in before and before[name] != after.get(name, ""):
            changes.append(Change(label, before[name], after.get(name, "")))
    old_cov, new_cov = previous.get("coverages", {}), current.get("coverages", {})
    for order in sorted(set(old_cov) | set(new_cov)):
        if order not in new_cov:
            changes.append(Change(f"{order} insurance", old_cov[order]["payer"], "none"))
            continue
        if order not in old_cov:
            changes.append(Change(f"{order} insurance", "none", new_cov[order]["payer"]))
            continue
        for name, label in COVERAGE_FIELDS:
            if old_cov[order].get(name, "") != new_cov[order].get(name, ""):
                changes.append(
                    Change(f"{order} {label.lower()}", old_cov[order].get(name, ""),
                           new_cov[order].get(name, ""))
                )  # fmt: skip
    return changes


def _copay_errors(due: Decimal, collected, method: str, reference: str) -> dict:
    errors: dict[str, list[str]] = {}
    if not isinstance(collected, Decimal) or not collected.is_finite():
        return {"copay_collected": ["Enter an amount in dollars and cents."]}
    if collected < 0:
        errors["copay_collected"] = ["The amount cannot be negative."]
    elif collected != collected.quantize(Decimal("0.01")):
        errors["copay_collected"] = ["Enter dollars and cents (two decimals)."]
    elif collected > max(due, ZERO) or collected > MAX_COPAY:
        errors["copay_collected"] = [
            f"More than the ${due} copay due: post other payments in billing."
        ]
    if method not in CopayMethod.values:
        errors["copay_method"] = ["Choose how the copay was paid."]
    elif collected > 0 and method in ("", CopayMethod.WAIVED):
        errors["copay_method"] = ["Say how the copay was paid: cash, card or check."]
    elif collected == 0 and method in (CopayMethod.CASH, CopayMethod.CARD, CopayMethod.CHECK):
        errors["copay_collected"] = ["Enter the amount collected."]
    if method == CopayMethod.CHECK and not reference.strip():
        errors["copay_reference"] = ["Enter the check number."]
    return errors


@transaction.atomic
def visit_check_in(
    *,
    appointment: Appointment,
    checked_in_by=None,
    demographics_verified: bool,
    insurance_verified: bool,
    consents_signed: list[str] = (),
    copay_collected: Decimal = ZERO,
    copay_method: str = "",
    copay_reference: str = "",
    note: str = "",
) -> CheckIn:
    """Check the patient in: all of it is recorded, or (on any error) none of it."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    quote = copay_quote(appointment)
    due = quote.amount
    errors = _copay_errors(due, copay_collected, copay_method, copay_reference)
    if not demographics_verified:
        errors["demographics_verified"] = ["Confirm name, birth date and address with the patient."]
    unknown = set(consents_signed) - set(ConsentKind.values)
    if unknown:
        errors["consents_signed"] = ["Unknown consent: " + ", ".join(sorted(unknown))]
    if errors:
        raise ValidationError(errors)
    today = timezone.now().astimezone(appointment.location.zone).date()
    for kind in consents_signed:
        consent_record(patient=appointment.patient, kind=kind, signed_on=today)
    move_status(appointment, AppointmentStatus.ARRIVED)
    snapshot = visit_snapshot(appointment.patient, today)
    snapshot["copay"] = {"due": str(due), "source": quote.source, "said": quote.said}
    check_in = CheckIn.objects.create(
        appointment=appointment,
        checked_in_by=checked_in_by,
        checked_in_at=appointment.arrived_at,
        demographics_verified=demographics_verified,
        insurance_verified=insurance_verified,
        snapshot=snapshot,
        copay_due=due,
        copay_collected=copay_collected,
        copay_method=copay_method,
        copay_reference=copay_reference.strip(),
        note=note.strip(),
    )
    copay_collect(check_in, by=checked_in_by)
    audit_record(
        action=AuditAction.CREATE,
        obj=check_in,
        patient=appointment.patient,
        category="scheduling",
        detail=(
            f"checked in; copay due {due} ({quote.source}) collected {copay_collected}"
            f" {copay_method}"
        ).strip(),
    )
    return check_in


@transaction.atomic
def visit_step(*, appointment: Appointment, step: str) -> Appointment:
    """Stamp rooming ("roomed") or the provider's arrival ("seen") on an arrived visit."""
    stamps = {"roomed": "roomed_at", "seen": "seen_at"}
    if step not in stamps:
        raise StatusMoveError(f"Unknown step {step!r}: roomed or seen.")
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != AppointmentStatus.ARRIVED:
        raise StatusMoveError("Check the patient in first.")
    if getattr(appointment, stamps[step]) is not None:
        raise StatusMoveError(f"Already {step}.")
    now = timezone.now()
    setattr(appointment, stamps[step], now)
    if step == "seen" and appointment.roomed_at is None:
        appointment.roomed_at = now  # seen at the desk or by video: no wait for a room
    appointment.save(update_fields=["roomed_at", "seen_at", "updated_at"])
    audit_record(
        action=AuditAction.UPDATE,
        obj=appointment,
        patient=appointment.patient,
        category="scheduling",
        detail=step,
    )
    return appointment
