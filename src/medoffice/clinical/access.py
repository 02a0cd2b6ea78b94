"""The only way views and the API reach the chart: practice scope, the minimum necessary for
the user's role, sensitive notes, emergency access, and the audit trail (AC-02, AC-03, AC-04).

What each role sees of a chart (the permissions are granted in core/roles.py):

- `clinical.view_problem`: the problem list (diagnoses). Coders and billers stop here.
- `clinical.view_chart`: medications, allergies, immunizations, vitals, results, history.
- `clinical.view_note`: visit notes and addenda. Never the front desk's or the biller's.
- Sensitive notes (behavioural health, substance use) are shown only to their author and to
  the clinician who signed them; anyone else with `clinical.view_note` sees that a restricted
  note exists, not its text, unless they break the glass for that patient.

Breaking the glass (`clinical.break_glass`) takes a reason, lasts
MEDOFFICE_EMERGENCY_ACCESS_MINUTES, and marks every audit row of that user on that patient
"EMERGENCY ACCESS" until it ends; the privacy officer reviews each grant from a daily list.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from medoffice.clinical.errors import EmergencyAccessRefusedError
from medoffice.clinical.models import (
    AmendmentRequest,
    Dictation,
    EmergencyAccess,
    Note,
    Result,
)
from medoffice.core.access import in_scope_only, patient_scope, practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction, AuditOutcome
from medoffice.core.policy import has_permission
from medoffice.patients.access import require_permission
from medoffice.patients.models import Patient

VIEW_PROBLEM = "clinical.view_problem"
VIEW_CHART = "clinical.view_chart"
VIEW_NOTE = "clinical.view_note"
BREAK_GLASS = "clinical.break_glass"
EMERGENCY_MARK = "EMERGENCY ACCESS"


@dataclass(frozen=True)
class Viewer:
    """What one user may see of one patient's chart, decided once per request."""

    user: object
    problems: bool
    chart: bool
    notes: bool
    emergency: EmergencyAccess | None

    def may_read_note(self, note: Note) -> bool:
        if not self.notes:
            return False
        if not note.is_sensitive:
            return True
        return self.emergency is not None or self.user.pk in (note.author_id, note.signed_by_id)

    def audit_detail(self, detail: str) -> str:
        if self.emergency is None:
            return detail
        return f"{EMERGENCY_MARK} {self.emergency.public_id}: {detail}"[:200]


def active_emergency(user, patient: Patient) -> EmergencyAccess | None:
    if not has_permission(user, BREAK_GLASS):
        return None
    return (
        EmergencyAccess.objects.filter(user=user, patient=patient, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )


def viewer_for(user, patient: Patient) -> Viewer:
    return Viewer(
        user=user,
        problems=has_permission(user, VIEW_PROBLEM),
        chart=has_permission(user, VIEW_CHART),
        notes=has_permission(user, VIEW_NOTE),
        emergency=active_emergency(user, patient),
    )


def _in_scope(queryset, user, public_id, *, patient_path: str = "patient__"):
    """The record of the user's practice with this public id, else 404 (as if absent)."""
    found = queryset.filter(
        patient_scope(user, patient_path.removesuffix("__") or None), public_id=public_id
    ).first()
    if found is None:
        raise Http404
    return found


def break_glass_patient_for_user(user, public_id, *, audit: bool = True) -> Patient:
    """The patient whose chart a member of the emergency group asks to open: any patient of
    the practice, also outside the user's locations (that is what breaking the glass is
    for). Refused (403) without the permission; the asking is audited."""
    patient = (
        Patient.objects.filter(practice_id=practice_id_for(user), public_id=public_id)
        .select_related("primary_care_provider")
        .first()
    )
    if patient is None:
        raise Http404
    require_permission(user, BREAK_GLASS, patient=patient, category="emergency")
    if audit:
        audit_record(
            action=AuditAction.READ, object_type="clinical.chart",
            object_id=str(patient.public_id), patient=patient, category="emergency",
            detail="emergency access form",
        )  # fmt: skip
    return patient


def _patient_in_scope(user, public_id) -> Patient:
    return _in_scope(
        Patient.objects.select_related("primary_care_provider"), user, public_id, patient_path=""
    )


def chart_get_for_user(
    user, public_id, *, permission: str = VIEW_PROBLEM, category: str = "chart",
    action: str = AuditAction.READ, detail: str = "chart summary", audit: bool = True,
) -> tuple[Patient, Viewer]:  # fmt: skip
    """The patient and what this user may see of the chart; one audit row (flagged when the
    user has broken the glass for this patient)."""
    patient = _patient_in_scope(user, public_id)
    require_permission(user, permission, patient=patient, category=category)
    viewer = viewer_for(user, patient)
    if audit:
        audit_record(
            action=action, object_type="clinical.chart", object_id=str(patient.public_id),
            patient=patient, category=category, detail=viewer.audit_detail(detail),
        )  # fmt: skip
    return patient, viewer


def _refuse_sensitive(note: Note) -> None:
    """A sensitive note is outside the scope of everyone but its author and signer, unless
    they break the glass (AC-04): like any object outside scope it answers 404 (AC-02), also
    once an emergency grant has expired. The refusal is audited."""
    audit_record(
        action=AuditAction.READ, outcome=AuditOutcome.DENIED, obj=note, patient=note.patient,
        category="notes", detail=f"sensitive note ({note.sensitivity}): not the author",
    )  # fmt: skip
    raise Http404


def note_get_for_user(
    user, public_id, *, permission: str = VIEW_NOTE, audit: bool = True,
    action: str = AuditAction.READ, detail: str = "",
) -> tuple[Note, Viewer]:  # fmt: skip
    note = _in_scope(
        Note.objects.select_related("patient", "provider", "author", "signed_by", "encounter"),
        user,
        public_id,
    )
    require_permission(user, permission, patient=note.patient, category="notes")
    viewer = viewer_for(user, note.patient)
    if not viewer.may_read_note(note):
        _refuse_sensitive(note)
    if audit:
        audit_record(
            action=action, obj=note, patient=note.patient, category="notes",
            detail=viewer.audit_detail(detail or note.status),
        )  # fmt: skip
    return note, viewer


def result_get_for_user(user, public_id, *, permission: str, audit: bool = True) -> Result:
    result = _in_scope(
        Result.objects.select_related("patient", "ordering_provider"), user, public_id
    )
    require_permission(user, permission, patient=result.patient, category="results")
    if audit:
        viewer = viewer_for(user, result.patient)
        audit_record(
            action=AuditAction.READ, obj=result, patient=result.patient, category="results",
            detail=viewer.audit_detail("result"),
        )  # fmt: skip
    return result


def dictation_get_for_user(
    user, public_id, *, permission: str, detail: str = "", audit: bool = True
) -> Dictation:
    dictation = _in_scope(
        Dictation.objects.select_related("patient", "provider", "encounter", "note"),
        user,
        public_id,
    )
    require_permission(user, permission, patient=dictation.patient, category="notes")
    if audit:
        audit_record(
            action=AuditAction.READ, obj=dictation, patient=dictation.patient, category="notes",
            detail=detail or dictation.status,
        )  # fmt: skip
    return dictation


def amendment_get_for_user(user, public_id, *, permission: str) -> AmendmentRequest:
    amendment = _in_scope(
        AmendmentRequest.objects.select_related("patient", "note"), user, public_id
    )
    require_permission(user, permission, patient=amendment.patient, category="amendments")
    return amendment


def emergency_access_open(user, public_id, *, reason: str) -> EmergencyAccess:
    """Break the glass: refused without the permission or without a reason; loudly audited."""
    patient = break_glass_patient_for_user(user, public_id, audit=False)
    reason = (reason or "").strip()
    if len(reason) < 10:
        audit_record(
            action=AuditAction.READ, outcome=AuditOutcome.DENIED, patient=patient,
            category="emergency", detail=f"{EMERGENCY_MARK} refused: no reason given",
        )  # fmt: skip
        raise EmergencyAccessRefusedError(
            "Say why you need this chart now (at least 10 characters): the privacy officer "
            "reviews every emergency access."
        )
    now = timezone.now()
    grant = EmergencyAccess.objects.create(
        user=user, patient=patient, reason=reason[:300], started_at=now,
        expires_at=now + timedelta(minutes=settings.MEDOFFICE_EMERGENCY_ACCESS_MINUTES),
    )  # fmt: skip
    # The reason may name the clinical situation: it stays in the grant, not the audit row.
    audit_record(
        action=AuditAction.PRIVILEGE_CHANGE, obj=grant, patient=patient, category="emergency",
        detail=f"{EMERGENCY_MARK} GRANTED until {grant.expires_at:%Y-%m-%dT%H:%MZ}",
    )  # fmt: skip
    _notify_privacy_officer(grant, patient)
    return grant


def emergency_task_key(grant: EmergencyAccess) -> str:
    return f"emergency-access:{grant.public_id}"


def _notify_privacy_officer(grant: EmergencyAccess, patient: Patient) -> None:
    """AC-04: the notification row: a task on the privacy officer's list (and in their
    reminder e-mail) to review this grant. It names the user, never the patient."""
    from django.urls import reverse

    from medoffice.core.roles import Role
    from medoffice.worklist.services import task_raise

    # The worker has no user's zone: the review day and time are the practice's office's.
    started = timezone.localtime(grant.started_at, patient.practice.zone)
    day = started.date()
    task_raise(
        practice=patient.practice, kind="emergency_access", source_key=emergency_task_key(grant),
        title=f"Review an emergency access by {grant.user.get_username()}",
        detail=f"Broke the glass at {started:%m/%d/%Y %H:%M}",

        due_on=day + timedelta(days=1), role=Role.PRIVACY_OFFICER,
        link=f"{reverse('clinical:emergency-review')}?day={day.isoformat()}",
    )  # fmt: skip


def emergency_grants_started_on(practice_id: int, day):
    """The practice's grants started on `day` (the office day of the current clock)."""
    start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
    return EmergencyAccess.objects.filter(
        patient__practice_id=practice_id, started_at__gte=start,
        started_at__lt=start + timedelta(days=1),
    )  # fmt: skip


def emergency_access_list_for_user(user, *, day) -> list[EmergencyAccess]:
    """The privacy officer's daily review list: every grant started on `day` (office day)."""
    require_permission(user, "clinical.review_emergencyaccess", category="emergency")
    grants = list(
        emergency_grants_started_on(practice_id_for(user), day)
        .select_related("user", "patient", "reviewed_by")
        .order_by("started_at")
    )
    grants = in_scope_only(user, grants)
    for grant in grants:
        grant.flagged_actions = emergency_actions(grant)
    audit_record(
        action=AuditAction.READ, object_type="clinical.emergencyaccess", category="emergency",
        detail=f"emergency access review {day.isoformat()}: {len(grants)} grants",
    )  # fmt: skip
    return grants


def emergency_actions(grant: EmergencyAccess) -> list:
    """Every audit row flagged with this grant: what the user did under it (AC-04)."""
    from medoffice.core.models import AuditEvent

    return list(
        AuditEvent.objects.filter(
            patient_id=str(grant.patient.public_id),
            at__gte=grant.started_at,
            at__lte=grant.expires_at,
            user_id=grant.user_id,
            detail__startswith=f"{EMERGENCY_MARK} {grant.public_id}",
        ).order_by("id")
    )


def emergency_access_get_for_review(user, public_id) -> EmergencyAccess:
    grant = _in_scope(EmergencyAccess.objects.select_related("patient"), user, public_id)
    require_permission(
        user, "clinical.review_emergencyaccess", patient=grant.patient, category="emergency"
    )
    return grant


# ---------------------------------------------------------------- one chart entry (FHIR API)


def chart_entry_get_for_user(
    user, model, public_id, *, permission: str, category: str, related=(), audit: bool = True
):
    """One row of a chart list (problem, medication, allergy, immunization, vital) of the
    user's practice, for a role holding `permission`; audited like the chart (flagged under
    emergency access). Another practice's row, or none, is 404."""
    entry = _in_scope(model.objects.select_related("patient", *related), user, public_id)
    require_permission(user, permission, patient=entry.patient, category=category)
    if audit:
        viewer = viewer_for(user, entry.patient)
        audit_record(
            action=AuditAction.READ, obj=entry, patient=entry.patient, category=category,
            detail=viewer.audit_detail(model._meta.model_name),
        )  # fmt: skip
    return entry


def chart_entries_for_user(user, model, *, permission: str, category: str):
    """The rows of `model` of the patients the user may reach (practice, location limit), for
    a role holding `permission` (403 otherwise). Not audited here: the search audits once."""
    require_permission(user, permission, category=category)
    return model.objects.filter(patient_scope(user, "patient")).select_related("patient")
