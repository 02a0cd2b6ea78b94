"""The only way views and the API reach patients: scope, permission, audit (AC-02, AU-01).

Anything outside the user's practice is reported as absent (404), so ids of
other practices' patients cannot be probed.
"""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404

from medoffice.core.access import location_limit, patient_scope, practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction, AuditOutcome
from medoffice.core.policy import has_permission
from medoffice.core.prepared import PreparedFieldLookup
from medoffice.patients.models import Consent, Coverage, Patient
from medoffice.patients.search import SearchOutcome, patient_search


def require_permission(user, permission: str, *, patient=None, category: str = "") -> None:
    """Refuse (403) and audit the refusal unless `user` holds `permission`."""
    if not has_permission(user, permission):
        audit_record(
            action=AuditAction.READ,
            outcome=AuditOutcome.DENIED,
            patient=patient,
            category=category,
            detail=f"lacks {permission}",
        )
        raise PermissionDenied


# What a booking needs of its patient (scheduling/api.py): no demographics, no sealed ids.
BOOKING_COLUMNS = ("id", "public_id", "practice_id", "status")
_patient_of_practice = PreparedFieldLookup(
    Patient, ("practice_id", "public_id"), only=BOOKING_COLUMNS
)


def patient_get_for_user(
    user,
    public_id,
    *,
    permission: str = "patients.view_patient",
    audit: bool = True,
    related: bool = True,
    only: tuple[str, ...] = (),
) -> Patient:
    """`related=False`: the patient's row alone, without the care provider, home location and
    merged-into record that pages show (a booking through the API needs none of them);
    `only`: just these fields loaded (the others are read if asked for; a booking needs
    neither the demographics nor the sealed identifiers, whose opening is not free)."""
    if not related and only == BOOKING_COLUMNS and location_limit(user) is None:
        # A user of the whole practice: its scope is the practice (patient_scope), asked by
        # SQL compiled once per thread; it is the API booking's lookup, on every request.
        try:
            key = public_id if isinstance(public_id, UUID) else UUID(str(public_id))
        except ValueError:
            raise Http404 from None
        patient = _patient_of_practice.first(practice_id_for(user), key)
    else:
        patients = Patient.objects.filter(patient_scope(user), public_id=public_id)
        if related:
            patients = patients.select_related(
                "primary_care_provider", "home_location", "merged_into"
            )
        if only:
            patients = patients.only(*only)
        patient = next(iter(patients[:1]), None)  # public ids are unique: no ordering needed
    if patient is None:
        raise Http404
    require_permission(user, permission, patient=patient, category="demographics")
    if audit:
        audit_record(action=AuditAction.READ, obj=patient, patient=patient, category="demographics")
    return patient


def patient_ssn_reveal_for_user(user, public_id) -> str:
    """The full SSN, for a role holding reveal_patient_ssn (AC-03); every reveal is audited."""
    patient = patient_get_for_user(
        user, public_id, permission="patients.reveal_patient_ssn", audit=False
    )
    audit_record(
        action=AuditAction.READ,
        obj=patient,
        patient=patient,
        category="identifiers",
        detail="full SSN shown" if patient.ssn else "full SSN asked for: none on file",
    )
    return patient.ssn


def coverage_list_for_user(user, patient: Patient) -> list[Coverage]:
    require_permission(user, "patients.view_coverage", patient=patient, category="insurance")
    coverages = list(patient.coverages.select_related("payer"))
    audit_record(
        action=AuditAction.READ,
        object_type="patients.coverage",
        patient=patient,
        category="insurance",
        detail=f"{len(coverages)} coverages listed",
    )
    return coverages


def coverage_get_for_user(
    user, public_id, *, permission: str = "patients.view_coverage", audit: bool = True
):
    coverage = (
        Coverage.objects.select_related("patient", "payer")
        .filter(patient_scope(user, "patient"), public_id=public_id)
        .first()
    )
    if coverage is None:
        raise Http404
    require_permission(user, permission, patient=coverage.patient, category="insurance")
    if audit:
        audit_record(
            action=AuditAction.READ, obj=coverage, patient=coverage.patient, category="insurance"
        )
    return coverage


def consent_get_for_user(user, public_id, *, permission: str) -> Consent:
    consent = (
        Consent.objects.select_related("patient")
        .filter(patient_scope(user, "patient"), public_id=public_id)
        .first()
    )
    if consent is None:
        raise Http404
    require_permission(user, permission, patient=consent.patient, category="consents")
    return consent


def duplicate_candidates_shown(candidates) -> None:
    """Listing possible duplicates discloses other patients' identities: one audit row."""
    audit_record(
        action=AuditAction.QUERY,
        object_type="patients.patient",
        category="demographics",
        detail=f"duplicate check: {len(candidates)} candidates shown",
    )


def consent_list_for_user(user, patient: Patient) -> list[Consent]:
    require_permission(user, "patients.view_consent", patient=patient, category="consents")
    consents = list(patient.consents.all())
    audit_record(
        action=AuditAction.READ,
        object_type="patients.consent",
        patient=patient,
        category="consents",
        detail=f"{len(consents)} consents listed",
    )
    return consents


def patient_search_for_user(user, query: str, *, limit: int = 25) -> SearchOutcome:
    practice_id = practice_id_for(user)
    require_permission(user, "patients.view_patient", category="demographics")
    limited = location_limit(user) is not None
    # A location-limited user's matches are the practice's, kept when in scope: searched
    # with room to spare, then checked by id in one statement, so the search's indexes serve.
    outcome = patient_search(
        practice_id=practice_id, query=query, limit=limit * (4 if limited else 1)
    )
    if limited:
        ids = [p.pk for p in outcome.results]
        visible = set(
            Patient.objects.filter(patient_scope(user), pk__in=ids).values_list("pk", flat=True)
        )
        if has_permission(user, "clinical.break_glass"):
            outcome.outside = [p for p in outcome.results if p.pk not in visible][:limit]
        outcome.results = [p for p in outcome.results if p.pk in visible][:limit]
    audit_record(
        action=AuditAction.QUERY,
        object_type="patients.patient",
        category="demographics",
        detail=f"search by {outcome.mode}: {len(outcome.results)} results"
        + (f", {len(outcome.outside)} outside the user's locations" if outcome.outside else ""),
    )
    return outcome
