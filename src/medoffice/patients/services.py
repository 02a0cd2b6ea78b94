"""The only writers of patients, coverage and consents. Each call is one transaction and audited."""

import re
from collections.abc import Callable
from dataclasses import asdict
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from medoffice.core.audit import audit_record
from medoffice.core.clock import today_at
from medoffice.core.identifiers import mrn_from_number
from medoffice.core.models import AuditAction, Practice
from medoffice.core.uploads import checked_upload
from medoffice.core.us import ssn_normalise
from medoffice.patients.duplicates import duplicate_candidates
from medoffice.patients.errors import DuplicatePatientError, MergeError
from medoffice.patients.models import (
    Consent,
    Coverage,
    CoverageStatus,
    MrnCounter,
    Patient,
    PatientStatus,
    SubscriberRelationship,
)
from medoffice.patients.names import search_keys
from medoffice.patients.rules import dob_errors, periods_overlap, raise_if, zip_state_errors
from medoffice.patients.search import to_e164

# Apps that keep their own keys to a patient (scheduling's patient holds) register a
# function(survivor=, duplicate=) here; patient_merge calls each inside its transaction.
MERGE_HOOKS: list[Callable[..., None]] = []

PHONE_FIELDS = (
    "mobile_phone",
    "home_phone",
    "work_phone",
    "emergency_contact_phone",
    "guarantor_phone",
)
_NAME_FIELDS = ("first_name", "last_name")


def mrn_next(*, practice: Practice) -> str:
    """Take the next MRN of the practice (the counter row is locked until commit).

    Numbers whose MRN was already typed in by hand are skipped: otherwise the insert
    would fail, roll the counter back, and every later registration would fail too.
    """
    counter, _ = MrnCounter.objects.select_for_update().get_or_create(practice=practice)
    number = counter.next_number
    while Patient.objects.filter(practice=practice, mrn=mrn_from_number(number)).exists():
        number += 1
    MrnCounter.objects.filter(pk=counter.pk).update(next_number=number + 1)
    return mrn_from_number(number)


def _normalise_phones(fields: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in PHONE_FIELDS:
        value = (fields.get(name) or "").strip()
        if not value:
            fields[name] = ""
            continue
        e164 = to_e164(value)
        if not e164:
            errors[name] = [f"{value!s} is not a valid phone number."]
        else:
            fields[name] = e164
    return errors


def _apply_search_keys(patient: Patient) -> None:
    keys = search_keys(first_name=patient.first_name, last_name=patient.last_name)
    for name, value in asdict(keys).items():
        setattr(patient, name, value)


def patient_field_errors(
    *, practice_id: int, fields: dict, patient_pk: int | None = None
) -> dict[str, list[str]]:
    """The checks that need more than one field or the database, on whatever is filled in.

    Phones in `fields` are rewritten to E.164. Used on save and while the user types.
    """
    errors = _normalise_phones(fields)
    if fields.get("ssn"):
        try:
            fields["ssn"] = ssn_normalise(fields["ssn"])
        except ValidationError as exc:
            errors["ssn"] = exc.messages
    if fields.get("dob"):
        try:
            fields["dob"] = Patient._meta.get_field("dob").to_python(fields["dob"])
        except ValidationError as exc:
            errors["dob"] = exc.messages
        else:
            today = today_at(Practice.objects.get(pk=practice_id))  # also for API clients
            errors["dob"] = dob_errors(fields["dob"], today)
    if fields.get("zip_code") and fields.get("state"):
        errors["zip_code"] = zip_state_errors(fields["zip_code"], fields["state"])
    mrn = fields.get("mrn")
    if mrn and (
        Patient.objects.filter(practice_id=practice_id, mrn=mrn).exclude(pk=patient_pk).exists()
    ):
        errors["mrn"] = [f"MRN {mrn} belongs to another patient."]
    return {name: messages for name, messages in errors.items() if messages}


def _validate_patient(patient: Patient, field_errors: dict) -> None:
    errors: dict[str, list[str]] = {k: list(v) for k, v in field_errors.items()}
    try:
        patient.full_clean(validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    for name in errors:
        errors[name] = list(dict.fromkeys(errors[name]))
    raise_if(errors)


@transaction.atomic
def patient_register(
    *,
    practice: Practice,
    fields: dict,
    confirm_not_duplicate: bool = False,
    consents: list[dict] | None = None,
    imported_from: str = "",
) -> Patient:
    """Create a patient, after checking the fields and looking for an existing record.

    Raises ValidationError with field errors, or DuplicatePatientError with the
    candidates unless the user confirmed this is a different person. `imported_from`
    names the source system of an import (which did its own duplicate matching).
    """
    fields = dict(fields)
    fields["mrn"] = (fields.get("mrn") or "").strip().upper()
    field_errors = patient_field_errors(practice_id=practice.id, fields=fields)
    mrn = fields.pop("mrn")
    patient = Patient(practice=practice, mrn=mrn or "PENDING", **fields)
    _apply_search_keys(patient)
    _validate_patient(patient, field_errors)
    if not confirm_not_duplicate:
        candidates = duplicate_candidates(
            practice_id=practice.id,
            first_name=patient.first_name,
            last_name=patient.last_name,
            dob=patient.dob,
            phones=patient.phones,
        )
        if candidates:
            raise DuplicatePatientError(candidates)
    if not mrn:
        patient.mrn = mrn_next(practice=practice)
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError as exc:
        # Another clerk took the same MRN between our check and our insert.
        raise ValidationError({"mrn": [f"MRN {patient.mrn} belongs to another patient."]}) from exc
    audit_record(
        action=AuditAction.CREATE,
        obj=patient,
        patient=patient,
        category="demographics",
        detail=(
            f"imported from {imported_from}"[:200]
            if imported_from
            else "duplicate warning overridden"
            if confirm_not_duplicate
            else ""
        ),
    )
    for consent in consents or []:
        # Signed at the desk without a date: today at the patient's office.
        consent_record(patient=patient, **({"signed_on": today_at(patient)} | consent))
    return patient


@transaction.atomic
def patient_update(*, patient: Patient, fields: dict) -> Patient:
    fields = dict(fields)
    if "mrn" in fields:
        fields["mrn"] = (fields["mrn"] or "").strip().upper() or patient.mrn
    full = {name: getattr(patient, name) for name in ("dob", "state", "zip_code")} | fields
    field_errors = patient_field_errors(
        practice_id=patient.practice_id, fields=full, patient_pk=patient.pk
    )
    fields.update({name: full[name] for name in PHONE_FIELDS if name in fields})
    changed = sorted(name for name, value in fields.items() if getattr(patient, name) != value)
    for name, value in fields.items():
        setattr(patient, name, value)
    if set(changed) & set(_NAME_FIELDS):
        _apply_search_keys(patient)
    _validate_patient(patient, field_errors)
    patient.save()
    audit_record(
        action=AuditAction.UPDATE,
        obj=patient,
        patient=patient,
        category="demographics",
        detail="fields: " + ",".join(changed),
    )
    return patient


def _validate_coverage(coverage: Coverage) -> None:
    errors: dict[str, list[str]] = {}
    start, end = coverage.effective_start, coverage.effective_end
    if isinstance(start, date) and isinstance(end, date) and end < start:
        # Said on the field; the check constraint stays as the database's backstop.
        errors["effective_end"] = ["The coverage ends before it starts."]
    try:
        coverage.full_clean(exclude=["patient"], validate_constraints=not errors)
    except ValidationError as exc:
        errors.update({k: list(v) for k, v in exc.message_dict.items()})
    payer = coverage.payer if coverage.payer_id else None
    has_pattern = payer is not None and payer.member_id_pattern and coverage.member_id
    if has_pattern:
        try:
            matches = re.fullmatch(payer.member_id_pattern, coverage.member_id)
        except re.error:
            # Payers are configured in the admin: a broken pattern must not stop the desk.
            errors.setdefault("payer", []).append(
                f"The member id format configured for {payer.name} is not valid;"
                " ask an administrator to correct it."
            )
        else:
            if not matches:
                errors.setdefault("member_id", []).append(
                    f"This is not a {payer.name} member id"
                    f" (expected format {payer.member_id_pattern})."
                )
    if coverage.relationship != SubscriberRelationship.SELF:
        for name in ("subscriber_first_name", "subscriber_last_name", "subscriber_dob"):
            if not getattr(coverage, name):
                errors.setdefault(name, []).append("Needed when the patient is not the subscriber.")
    period_ok = "effective_start" not in errors and "effective_end" not in errors
    if (
        period_ok
        and coverage.status == CoverageStatus.ACTIVE
        and coverage.effective_start
        and coverage.order
    ):
        clashing = (
            Coverage.objects.filter(
                patient_id=coverage.patient_id, order=coverage.order, status=CoverageStatus.ACTIVE
            )
            .exclude(pk=coverage.pk)
            .select_related("payer")
        )
        for other in clashing:
            if periods_overlap(
                coverage.effective_start,
                coverage.effective_end,
                other.effective_start,
                other.effective_end,
            ):
                errors.setdefault("order", []).append(
                    f"{other.payer.name} is already {coverage.get_order_display().lower()}"
                    f" from {other.effective_start:%m/%d/%Y}; end it first or choose another order."
                )
    raise_if(errors)


def _attach_cards(coverage: Coverage, cards: dict) -> None:
    errors = {}
    for side in ("card_front", "card_back"):
        upload = cards.get(side)
        if upload:
            try:
                setattr(coverage, side, checked_upload(upload))
            except ValidationError as exc:
                errors[side] = exc.messages
    raise_if(errors)


@transaction.atomic
def coverage_add(*, patient: Patient, fields: dict, cards: dict | None = None) -> Coverage:
    # Lock the patient so two clerks cannot add overlapping primaries at once.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    coverage = Coverage(patient=patient, **fields)
    _attach_cards(coverage, cards or {})
    _validate_coverage(coverage)
    coverage.save()
    audit_record(action=AuditAction.CREATE, obj=coverage, patient=patient, category="insurance")
    return coverage


@transaction.atomic
def coverage_update(*, coverage: Coverage, fields: dict, cards: dict | None = None) -> Coverage:
    Patient.objects.select_for_update().filter(pk=coverage.patient_id).first()
    changed = sorted(name for name, value in fields.items() if getattr(coverage, name) != value)
    for name, value in fields.items():
        setattr(coverage, name, value)
    _attach_cards(coverage, cards or {})
    _validate_coverage(coverage)
    coverage.save()
    audit_record(
        action=AuditAction.UPDATE,
        obj=coverage,
        patient=coverage.patient,
        category="insurance",
        detail="fields: " + ",".join(changed + [c for c in (cards or {}) if cards[c]]),
    )
    return coverage


@transaction.atomic
def consent_record(
    *,
    patient: Patient,
    kind: str,
    signed_on: date,
    signed_by: str = "",
    expires_on: date | None = None,
    document=None,
) -> Consent:
    consent = Consent(
        patient=patient, kind=kind, signed_on=signed_on, signed_by=signed_by, expires_on=expires_on
    )
    errors = {}
    if document:
        try:
            consent.document = checked_upload(document)
        except ValidationError as exc:
            errors["document"] = exc.messages
    try:
        consent.full_clean(exclude=["patient"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if signed_on and signed_on > today_at(patient):
        errors.setdefault("signed_on", []).append("The signing date is in the future.")
    if expires_on and signed_on and expires_on < signed_on:
        errors.setdefault("expires_on", []).append("Expires before it was signed.")
    raise_if(errors)
    consent.save()
    audit_record(action=AuditAction.CREATE, obj=consent, patient=patient, category="consents")
    return consent


@transaction.atomic
def consent_revoke(*, consent: Consent, revoked_on: date) -> Consent:
    if revoked_on < consent.signed_on:
        raise ValidationError({"revoked_on": ["Revoked before it was signed."]})
    consent.revoked_on = revoked_on
    consent.save(update_fields=["revoked_on"])
    audit_record(
        action=AuditAction.UPDATE,
        obj=consent,
        patient=consent.patient,
        category="consents",
        detail="revoked",
    )
    return consent


def _refuse_coverage_clash(survivor: Patient, duplicate: Patient) -> None:
    """Two active policies of the same order for the same dates would make billing guess."""
    active = Coverage.objects.filter(status=CoverageStatus.ACTIVE).select_related("payer")
    kept = list(active.filter(patient=survivor))
    for moving in active.filter(patient=duplicate):
        for other in kept:
            if other.order == moving.order and periods_overlap(
                moving.effective_start, moving.effective_end,
                other.effective_start, other.effective_end,
            ):  # fmt: skip
                raise MergeError(
                    f"Both records have an active {moving.get_order_display().lower()} policy"
                    f" for the same dates ({moving.payer.name} and {other.payer.name}):"
                    " end or re-order one of them first."
                )


@transaction.atomic
def patient_merge(*, survivor: Patient, duplicate: Patient) -> Patient:
    """Move everything that points at `duplicate` to `survivor` and retire `duplicate`.

    The retired record keeps its MRN and points to the survivor, so an old
    MRN on paper still finds the right chart.
    """
    if survivor.pk == duplicate.pk:
        raise MergeError("A record cannot be merged into itself.")
    if survivor.practice_id != duplicate.practice_id:
        raise MergeError("Records of different practices cannot be merged.")
    locked = {
        p.pk: p
        for p in Patient.objects.select_for_update().filter(pk__in=[survivor.pk, duplicate.pk])
    }
    if PatientStatus.MERGED in (locked[survivor.pk].status, locked[duplicate.pk].status):
        raise MergeError("One of the records has already been merged.")
    _refuse_coverage_clash(survivor, duplicate)
    moved = 0
    for relation in Patient._meta.related_objects:
        if relation.related_model is Patient or not (relation.one_to_many or relation.one_to_one):
            continue
        moved += relation.related_model._base_manager.filter(
            **{relation.field.name: duplicate}
        ).update(**{relation.field.name: survivor})
    for hook in MERGE_HOOKS:
        hook(survivor=survivor, duplicate=duplicate)
    duplicate.status = PatientStatus.MERGED
    duplicate.merged_into = survivor
    duplicate.save(update_fields=["status", "merged_into", "updated_at"])
    for patient, role in ((survivor, "survivor"), (duplicate, "retired")):
        audit_record(
            action=AuditAction.MERGE,
            obj=patient,
            patient=patient,
            category="demographics",
            detail=f"{role}; merged {duplicate.public_id} into {survivor.public_id}; "
            f"{moved} related records moved",
        )
    return survivor
