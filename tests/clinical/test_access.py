"""Minimum necessary by role, sensitive notes, and emergency access (AC-03, AC-04)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from medoffice.clinical.models import EmergencyAccess
from medoffice.core.models import AuditEvent, AuditOutcome
from medoffice.core.roles import Role
from medoffice.worklist.models import Task


def _summary(client, patient):
    return client.get(reverse("api:chart-summary", args=[patient.public_id]))


def test_biller_gets_diagnoses_but_no_notes_or_clinical_lists(chart, make_user, client_for):
    client = client_for(make_user(Role.BILLER))
    patient = chart["patient"]

    body = _summary(client, patient).json()
    page = client.get(reverse("clinical:chart", args=[patient.public_id])).content.decode()

    assert [p["code"] for p in body["problems"]] == ["I10", "E11.9"]
    assert {"notes", "medications", "allergies", "results", "vitals"} & body.keys() == set()
    assert "Metformin" not in page
    assert "Penicillin" not in page
    assert "Visit notes" not in page
    assert client.get(reverse("api:note-list", args=[patient.public_id])).status_code == 403
    note = reverse("clinical:note-detail", args=[chart["note"].public_id])
    assert client.get(note).status_code == 403


def test_front_desk_sees_no_chart_at_all(chart, front_desk, client_for):
    client = client_for(front_desk)
    patient = chart["patient"]

    assert _summary(client, patient).status_code == 403
    assert client.get(reverse("clinical:chart", args=[patient.public_id])).status_code == 403
    assert client.get(reverse("clinical:previsit")).status_code == 200


def test_records_staff_and_assistants_read_notes_clinicians_sign(chart, make_user, client_for):
    note_url = reverse("clinical:note-detail", args=[chart["note"].public_id])
    for role in (Role.RECORDS, Role.MEDICAL_ASSISTANT, Role.CLINICIAN):
        client = client_for(make_user(role))
        assert client.get(note_url).status_code == 200, role
        assert "Continue metformin." in client.get(note_url).content.decode()
    sign = reverse("api:note-addendum", args=[chart["note"].public_id])
    assistant = client_for(make_user(Role.MEDICAL_ASSISTANT))
    assert assistant.post(sign, {"text": "x"}, content_type="application/json").status_code == 403


def test_a_sensitive_note_is_shown_to_its_author_only(chart, doctor, make_user, client_for):
    url = reverse("clinical:note-detail", args=[chart["private"].public_id])
    other_doctor = client_for(make_user(Role.CLINICIAN))
    records = client_for(make_user(Role.RECORDS))

    assert client_for(doctor).get(url).status_code == 200
    assert other_doctor.get(url).status_code == 404  # outside their scope (AC-02, AC-04)
    assert records.get(url).status_code == 404
    api = other_doctor.get(reverse("api:note-detail", args=[chart["private"].public_id]))
    assert api.status_code == 404
    listing = other_doctor.get(reverse("clinical:chart", args=[chart["patient"].public_id]))
    assert "Low mood" not in listing.content.decode()
    assert "Restricted" in listing.content.decode()


def test_breaking_the_glass_needs_a_reason_is_loud_and_expires(
    chart, make_user, client_for, freeze, audit_mark, audit_since, settings
):
    settings.MEDOFFICE_EMERGENCY_ACCESS_MINUTES = 5
    user = make_user(Role.CLINICIAN)
    client = client_for(user)
    patient = chart["patient"]
    note_url = reverse("clinical:note-detail", args=[chart["private"].public_id])
    glass = reverse("clinical:break-glass", args=[patient.public_id])

    refused = client.post(glass, {"reason": "need it"})
    assert refused.status_code == 422
    assert not EmergencyAccess.objects.filter(user=user).exists()

    mark = audit_mark()
    assert (
        client.post(glass, {"reason": "Unresponsive in clinic, history needed"}).status_code == 302
    )
    page = client.get(note_url)
    assert page.status_code == 200
    assert "EMERGENCY ACCESS" in page.content.decode()
    rows = audit_since(mark)
    assert rows[0].action == "privilege_change"
    assert "EMERGENCY ACCESS GRANTED" in rows[0].detail
    assert rows[-1].object_id == str(chart["private"].public_id)
    assert rows[-1].detail.startswith("EMERGENCY ACCESS")
    assert "Unresponsive" not in " ".join(r.detail for r in rows)

    freeze(timezone.now() + timedelta(minutes=6))
    assert client.get(note_url).status_code == 404


def test_roles_outside_the_emergency_group_cannot_break_the_glass(chart, make_user, client_for):
    glass = reverse("clinical:break-glass", args=[chart["patient"].public_id])
    for role in (Role.RECORDS, Role.FRONT_DESK, Role.BILLER):
        client = client_for(make_user(role))
        response = client.post(glass, {"reason": "Curious about this patient's history"})
        assert response.status_code == 403, role
    assert not EmergencyAccess.objects.exists()
    denied = AuditEvent.objects.filter(
        outcome=AuditOutcome.DENIED, detail__contains="clinical.break_glass"
    )
    assert denied.count() == 3


def test_privacy_officer_reviews_the_days_emergency_accesses(
    chart, make_user, client_for, privacy_officer
):
    doctor = client_for(make_user(Role.CLINICIAN, username="dr_who"))
    doctor.post(
        reverse("clinical:break-glass", args=[chart["patient"].public_id]),
        {"reason": "Chest pain, prior ECG needed"},
    )
    grant = EmergencyAccess.objects.get()
    # The notification row: a task for the privacy officer role, naming no patient.
    task = Task.objects.get(kind="emergency_access", status="open")
    assert task.assigned_role == Role.PRIVACY_OFFICER
    assert "dr_who" in task.title
    assert chart["patient"].last_name not in task.title + task.detail
    doctor.get(reverse("clinical:note-detail", args=[chart["private"].public_id]))
    officer = client_for(privacy_officer)

    listing = officer.get(reverse("clinical:emergency-review")).content.decode()
    officer.post(reverse("clinical:emergency-reviewed", args=[grant.public_id]), {"comment": "ok"})

    assert "dr_who" in listing
    assert "Chest pain, prior ECG needed" in listing
    assert "1 flagged action" in listing  # the sensitive note read under the grant
    grant.refresh_from_db()
    assert grant.reviewed_by == privacy_officer
    task.refresh_from_db()
    assert task.status == "done"
    assert doctor.get(reverse("clinical:emergency-review")).status_code == 403
