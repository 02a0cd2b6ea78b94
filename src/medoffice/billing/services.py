"""The only writers of billing: open an encounter, save its superbill, sign it, correct it,
and make its charges. Each runs in one transaction: on any refusal nothing is saved."""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from medoffice.billing.codes import CodeBook
from medoffice.billing.errors import (
    EncounterStateError,
    FeeScheduleMissingError,
    PriceMissingError,
)
from medoffice.billing.events import announce_signed
from medoffice.billing.models import (
    Charge,
    Encounter,
    EncounterDiagnosis,
    EncounterLine,
    EncounterVersion,
)
from medoffice.billing.rules import Superbill, superbill_check
from medoffice.billing.selectors import (
    charge_schedule_for,
    current_lines,
    primary_coverage_on,
    schedule_prices,
    superbill_template_for,
    unit_price,
)
from medoffice.billing.states import EncounterStatus, can_move
from medoffice.coding.loaders import dotted
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.core.money import extend, total
from medoffice.scheduling.models import Appointment
from medoffice.scheduling.states import AppointmentStatus

logger = logging.getLogger(__name__)

HEADER_FIELDS = (
    "place_of_service", "referring_provider_name", "referring_provider_npi", "prior_authorization",
)  # fmt: skip
CATEGORY = "billing"


def _move(encounter: Encounter, status: str) -> None:
    if not can_move(encounter.status, status):
        raise EncounterStateError(
            f"An encounter that is {encounter.get_status_display().lower()} cannot become "
            f"{EncounterStatus(status).label.lower()}."
        )
    encounter.status = status


def _locked(encounter: Encounter) -> Encounter:
    return (
        Encounter.objects.select_for_update(of=("self",))
        .select_related("patient", "provider", "location", "coverage__payer")
        .get(pk=encounter.pk)
    )


# ---------------------------------------------------------------- opening


@transaction.atomic
def encounter_open(
    *, patient, provider, location, date_of_service, place_of_service: str = "",
    appointment: Appointment | None = None,
) -> Encounter:  # fmt: skip
    """A new open encounter with the primary coverage active on the date of service."""
    encounter = Encounter(
        practice_id=location.practice_id,
        patient=patient,
        provider=provider,
        location=location,
        appointment=appointment,
        date_of_service=date_of_service,
        place_of_service=place_of_service or location.place_of_service,
        coverage=primary_coverage_on(patient, date_of_service),
        template=superbill_template_for(practice_id=location.practice_id, provider=provider),
    )
    encounter.full_clean()
    encounter.save()
    audit_record(
        action=AuditAction.CREATE, obj=encounter, patient=patient, category=CATEGORY,
        detail="encounter opened" + (" at check-in" if appointment else ""),
    )  # fmt: skip
    return encounter


def encounter_open_for_appointment(*, appointment: Appointment) -> Encounter:
    """The checked-in visit's encounter: opened once (again, if a voided one is checked in)."""
    existing = Encounter.objects.filter(appointment=appointment).first()
    if existing is not None:
        if existing.status == EncounterStatus.VOID:
            with transaction.atomic():
                existing = _locked(existing)
                _move(existing, EncounterStatus.OPEN)
                existing.save(update_fields=["status", "updated_at"])
                audit_record(
                    action=AuditAction.UPDATE, obj=existing, patient=existing.patient,
                    category=CATEGORY, detail="reopened at check-in",
                )  # fmt: skip
        return existing
    zone = appointment.location.zone
    try:
        return encounter_open(
            patient=appointment.patient,
            provider=appointment.provider,
            location=appointment.location,
            date_of_service=appointment.starts_at.astimezone(zone).date(),
            place_of_service=appointment.place_of_service,
            appointment=appointment,
        )
    except IntegrityError:
        # Opened meanwhile by another request for the same check-in.
        return Encounter.objects.get(appointment=appointment)


def encounter_void_for_appointment(*, appointment: Appointment) -> Encounter | None:
    """A check-in undone: its encounter is void if nothing was coded on it yet."""
    with transaction.atomic():
        encounter = Encounter.objects.select_for_update().filter(appointment=appointment).first()
        if encounter is None or encounter.status != EncounterStatus.OPEN:
            return encounter
        if encounter.diagnoses.exists() or encounter.lines.exists():
            return encounter  # the clinician has started: keep it for them to finish or sign
        _move(encounter, EncounterStatus.VOID)
        encounter.save(update_fields=["status", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE, obj=encounter, patient=appointment.patient,
            category=CATEGORY, detail="void: check-in undone",
        )  # fmt: skip
        return encounter


def on_appointment_status(*, appointment: Appointment, previous_status: str) -> None:
    """What billing does when a visit's status moves (called by the signal listener)."""
    if appointment.status == AppointmentStatus.ARRIVED:
        encounter_open_for_appointment(appointment=appointment)
    elif (
        previous_status == AppointmentStatus.ARRIVED
        and appointment.status == AppointmentStatus.BOOKED
    ):
        encounter_void_for_appointment(appointment=appointment)


# ---------------------------------------------------------------- the superbill


def _checked(diagnoses, lines, *, day) -> tuple[Superbill, CodeBook]:
    """The superbill checked for shape and against the code sets (codes that exist at all)."""
    superbill = superbill_check(diagnoses, lines)
    book = CodeBook(icd10=superbill.diagnoses, procedures=[line.code for line in superbill.lines])
    errors: dict[str, list[str]] = {}
    unknown_dx = [dotted(c) for c in superbill.diagnoses if not book.icd10_known(c)]
    if unknown_dx:
        errors["diagnoses"] = [
            f"Not in any loaded ICD-10-CM release: {', '.join(unknown_dx)}. Check for a typo."
        ]
    unknown_px = sorted(
        {line.code for line in superbill.lines if not book.procedure_known(line.code)}
    )
    if unknown_px:
        errors["lines"] = [
            f"Not a CPT or HCPCS code the practice has loaded: {', '.join(unknown_px)}."
        ]
    if errors:
        raise ValidationError(errors)
    return superbill, book


def _apply_header(encounter: Encounter, header: dict | None) -> None:
    for name, value in (header or {}).items():
        if name not in HEADER_FIELDS:
            raise ValidationError({name: ["Cannot be changed here."]})
        setattr(encounter, name, (value or "").strip())
    encounter.coverage = primary_coverage_on(encounter.patient, encounter.date_of_service)
    encounter.full_clean(exclude=["appointment", "template"])


def _write_diagnoses(encounter: Encounter, superbill: Superbill, book: CodeBook) -> None:
    encounter.diagnoses.all().delete()
    EncounterDiagnosis.objects.bulk_create(
        EncounterDiagnosis(
            encounter=encounter,
            order=order,
            code=code,
            description=book.icd10_description(code, encounter.date_of_service),
        )  # fmt: skip
        for order, code in enumerate(superbill.diagnoses, start=1)
    )


def _new_lines(encounter: Encounter, superbill: Superbill, book: CodeBook, version: int):
    lines = []
    for clean in superbill.lines:
        line = EncounterLine(
            encounter=encounter, number=clean.number, code=clean.code, units=clean.units,
            description=book.procedure_description(clean.code, encounter.date_of_service),
            version=version,
        )  # fmt: skip
        line.set_modifiers(clean.modifiers)
        line.set_pointers(clean.pointers)
        line.full_clean(exclude=["encounter"])
        lines.append(line)
    return lines


@transaction.atomic
def superbill_save(*, encounter: Encounter, diagnoses, lines, header: dict | None = None):
    """Replace an open encounter's diagnoses and lines (and header fields) with these."""
    encounter = _locked(encounter)
    if encounter.status != EncounterStatus.OPEN:
        raise EncounterStateError(
            "This encounter is signed: corrections make a new version (Correct, with a reason)."
        )
    superbill, book = _checked(diagnoses, lines, day=encounter.date_of_service)
    _apply_header(encounter, header)
    encounter.save()
    _write_diagnoses(encounter, superbill, book)
    encounter.lines.all().delete()
    EncounterLine.objects.bulk_create(_new_lines(encounter, superbill, book, encounter.version))
    audit_record(
        action=AuditAction.UPDATE, obj=encounter, patient=encounter.patient, category=CATEGORY,
        detail=f"superbill saved: {len(superbill.diagnoses)} diagnoses, "
        f"{len(superbill.lines)} lines",
    )  # fmt: skip
    return encounter


# ---------------------------------------------------------------- signing and charges


def _prices_for(encounter: Encounter, lines: list[EncounterLine]) -> None:
    """Price each line from the practice's fee schedule, or refuse naming the codes unpriced."""
    schedule = charge_schedule_for(practice_id=encounter.practice_id, day=encounter.date_of_service)
    if schedule is None:
        raise FeeScheduleMissingError(
            f"No practice fee schedule covers {encounter.date_of_service:%m/%d/%Y}: "
            "the office manager adds one (Configuration -> Fee schedules)."
        )
    prices = schedule_prices(schedule)
    missing = []
    for line in lines:
        price = unit_price(prices, line.code, line.modifiers)
        if price is None:
            missing.append(line.code)
            continue
        line.unit_price = price
        line.charge_amount = extend(price, line.units)
    if missing:
        raise PriceMissingError(schedule.name, list(dict.fromkeys(missing)))


def encounter_content(encounter: Encounter, lines=None) -> dict:
    """What a version says, as plain JSON (kept in EncounterVersion)."""
    lines = current_lines(encounter) if lines is None else lines
    return {
        "date_of_service": encounter.date_of_service.isoformat(),
        "place_of_service": encounter.place_of_service,
        "provider_npi": encounter.provider.npi,
        "coverage": str(encounter.coverage.public_id) if encounter.coverage_id else None,
        "referring_provider_npi": encounter.referring_provider_npi,
        "referring_provider_name": encounter.referring_provider_name,
        "prior_authorization": encounter.prior_authorization,
        "diagnoses": [
            {"order": d.order, "code": d.code, "description": d.description}
            for d in encounter.diagnoses.order_by("order")
        ],
        "lines": [
            {
                "number": line.number,
                "code": line.code,
                "modifiers": list(line.modifiers),
                "units": line.units,
                "pointers": list(line.pointers),
                "unit_price": str(line.unit_price) if line.unit_price is not None else None,
                "charge": str(line.charge_amount) if line.charge_amount is not None else None,
            }  # fmt: skip
            for line in lines
        ],
    }


def _charges_for(encounter: Encounter, lines: list[EncounterLine], now) -> list[Charge]:
    return Charge.objects.bulk_create(
        Charge(
            encounter=encounter,
            line=line,
            provider=encounter.provider,
            coverage=encounter.coverage,
            date_of_service=encounter.date_of_service,
            code=line.code,
            modifiers=" ".join(line.modifiers),
            units=line.units,
            amount=line.charge_amount,
            encounter_version=encounter.version,
            created_at=now,
        )  # fmt: skip
        for line in lines
    )


def _reversals(encounter: Encounter, now) -> list[Charge]:
    standing = Charge.objects.filter(
        encounter=encounter, reverses__isnull=True, reversed_by__isnull=True
    ).order_by("id")
    return Charge.objects.bulk_create(
        Charge(
            encounter=encounter,
            line_id=c.line_id,
            provider_id=c.provider_id,
            coverage_id=c.coverage_id,
            date_of_service=c.date_of_service,
            code=c.code,
            modifiers=c.modifiers,
            units=c.units,
            amount=-c.amount,
            encounter_version=encounter.version,
            reverses=c,
            created_at=now,
        )  # fmt: skip
        for c in standing
    )


def _audit_charges(encounter: Encounter, made: list[Charge], reversed_: list[Charge]) -> None:
    parts = [f"{len(made)} charges ${total(c.amount for c in made)}"]
    if reversed_:
        parts.append(f"{len(reversed_)} reversed ${total(c.amount for c in reversed_)}")
    audit_record(
        action=AuditAction.CREATE, object_type="billing.charge", object_id=str(encounter.public_id),
        patient=encounter.patient, category=CATEGORY,
        detail=f"version {encounter.version}: " + "; ".join(parts),
    )  # fmt: skip


@transaction.atomic
def encounter_sign(*, encounter: Encounter, signed_by) -> Encounter:
    """Lock the superbill, price it from the fee schedule and make its charges."""
    encounter = _locked(encounter)
    if encounter.status != EncounterStatus.OPEN:
        raise EncounterStateError("This encounter is already signed.")
    lines = list(encounter.lines.filter(retired_in_version__isnull=True).order_by("number"))
    problems = []
    if not encounter.diagnoses.exists():
        problems.append("Add at least one diagnosis before signing.")
    if not lines:
        problems.append("Add at least one service before signing.")
    if problems:
        raise ValidationError({"superbill": problems})
    encounter.coverage = primary_coverage_on(encounter.patient, encounter.date_of_service)
    _prices_for(encounter, lines)
    now = timezone.now()
    EncounterLine.objects.bulk_update(lines, ["unit_price", "charge_amount"])
    _move(encounter, EncounterStatus.SIGNED)
    encounter.signed_by = signed_by
    encounter.signed_at = now
    encounter.save()
    EncounterVersion.objects.create(
        encounter=encounter, version=encounter.version, content=encounter_content(encounter, lines),
        reason="Signed", made_by=signed_by, made_at=now,
    )  # fmt: skip
    audit_record(
        action=AuditAction.UPDATE, obj=encounter, patient=encounter.patient, category=CATEGORY,
        detail=f"signed version {encounter.version}",
    )  # fmt: skip
    _audit_charges(encounter, _charges_for(encounter, lines, now), [])
    announce_signed(encounter, amended=False)
    return encounter


def _billing_identity(encounter: Encounter, lines) -> tuple:
    """What the charges depend on: a correction that keeps it keeps the charges."""
    return (
        encounter.coverage_id,
        tuple((line.number, line.code, tuple(line.modifiers), line.units) for line in lines),
    )


@transaction.atomic
def encounter_amend(
    *, encounter: Encounter, amended_by, reason: str, diagnoses, lines, header: dict | None = None
) -> Encounter:
    """Correct a signed encounter: a new version with the reason, the old one kept.

    When services, units, modifiers or the coverage change, the old lines are retired,
    their charges reversed and new charges made; a change of diagnoses or pointers
    alone keeps the lines and charges.
    """
    encounter = _locked(encounter)
    if not encounter.is_signed:
        raise EncounterStateError("Only a signed encounter is corrected; save and sign this one.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the signed encounter is corrected."]})
    if len(reason) > 300:
        raise ValidationError({"reason": ["At most 300 characters."]})
    superbill, book = _checked(diagnoses, lines, day=encounter.date_of_service)
    before = encounter_content(encounter)
    old_lines = list(encounter.lines.filter(retired_in_version__isnull=True).order_by("number"))
    old_identity = _billing_identity(encounter, old_lines)
    _apply_header(encounter, header)
    new_version = encounter.version + 1
    new_lines = _new_lines(encounter, superbill, book, new_version)
    lines_change = _billing_identity(encounter, new_lines) != old_identity
    if lines_change:
        _prices_for(encounter, new_lines)
    _write_diagnoses(encounter, superbill, book)
    if not lines_change:
        for old, new in zip(old_lines, new_lines, strict=True):
            old.set_pointers(new.pointers)
        EncounterLine.objects.bulk_update(
            old_lines, ["pointer1", "pointer2", "pointer3", "pointer4"]
        )
        new_lines = old_lines
    after = encounter_content(encounter, new_lines)
    if lines_change:
        after = None  # prices are set once the new lines are saved
    elif after == before:
        raise ValidationError({"superbill": ["Nothing was changed."]})
    now = timezone.now()
    _move(encounter, EncounterStatus.AMENDED)
    encounter.version = new_version
    encounter.save()
    made, reversed_ = [], []
    if lines_change:
        EncounterLine.objects.filter(pk__in=[line.pk for line in old_lines]).update(
            retired_in_version=new_version
        )
        EncounterLine.objects.bulk_create(new_lines)
        new_lines = list(encounter.lines.filter(retired_in_version__isnull=True).order_by("number"))
        reversed_ = _reversals(encounter, now)
        made = _charges_for(encounter, new_lines, now)
    EncounterVersion.objects.create(
        encounter=encounter, version=new_version, content=encounter_content(encounter, new_lines),
        reason=reason, made_by=amended_by, made_at=now,
    )  # fmt: skip
    audit_record(
        action=AuditAction.UPDATE, obj=encounter, patient=encounter.patient, category=CATEGORY,
        detail=f"corrected: version {new_version}"
        + (" (services changed)" if lines_change else " (diagnoses or pointers)"),
    )  # fmt: skip
    if lines_change:
        _audit_charges(encounter, made, reversed_)
        announce_signed(encounter, amended=True)
    return encounter
