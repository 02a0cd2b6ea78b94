"""The privacy officer's program: risk assessment with remediation tasks and yearly history,
incidents with the breach assessment and notices, training and policy acknowledgements,
business associate agreements, and the retention purge (AU-06)."""

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from medoffice.core.models import AuditEvent
from medoffice.core.roles import Role
from medoffice.patients.models import Patient
from medoffice.privacy import services
from medoffice.privacy.models import (
    AffectedPatient,
    BusinessAssociate,
    RiskAssessment,
    SecurityIncident,
)
from medoffice.privacy.questions import QUESTIONS
from medoffice.worklist.models import Task
from tests.clock import office_today


@pytest.fixture
def officer(privacy_officer, client_for):
    return client_for(privacy_officer)


# ---------------------------------------------------------------- risk assessment


def test_risk_assessment_year_answers_tasks_and_comparison(
    officer, privacy_officer, make_user, practice
):
    owner = make_user(Role.OFFICE_MANAGER, username="manager")
    assert officer.post(reverse("privacy:assessment-start"), {"year": 2025}).status_code == 302
    first = RiskAssessment.objects.get(year=2025)
    assert first.answers.count() == len(QUESTIONS)
    again = officer.post(reverse("privacy:assessment-start"), {"year": 2025})
    assert again.status_code == 422
    assert "already exists" in again.content.decode()

    answer = first.answers.get(question_key="training")
    url = reverse("privacy:answer-edit", args=[answer.public_id])
    # A gap needs a rating, a remediation an owner and a due date.
    bad = officer.post(url, {"status": "missing", "remediation": "Train everyone"})
    assert bad.status_code == 422
    body = bad.content.decode()
    assert "Rate every gap" in body
    assert "needs an owner" in body
    assert "needs a due date" in body
    ok = officer.post(url, {
        "status": "missing", "finding": "Two hires untrained", "likelihood": 4, "impact": 4,
        "remediation": "Train the new hires", "owner": owner.pk, "due_on": "2025-03-01",
    })  # fmt: skip
    assert ok.status_code == 302
    answer.refresh_from_db()
    assert (answer.score, answer.rating) == (16, "high")
    task = Task.objects.get(kind="risk_remediation", status="open")
    assert task.assigned_user == owner
    assert task.due_on == date(2025, 3, 1)
    assert "Train the new hires" in task.title

    complete = reverse("privacy:assessment-complete", args=[first.public_id])
    officer.post(complete)
    first.refresh_from_db()
    assert first.completed_at is None  # questions left unanswered
    first.answers.exclude(pk=answer.pk).update(status="in_place", answered_at=timezone.now())
    officer.post(complete)
    first.refresh_from_db()
    assert first.completed_at is not None
    assert officer.post(url, {"status": "in_place"}).status_code == 422  # closed year

    # Next year starts from this year's answers and shows the change.
    officer.post(reverse("privacy:assessment-start"), {"year": 2026})
    second = RiskAssessment.objects.get(year=2026)
    carried = second.answers.get(question_key="training")
    assert (carried.status, carried.likelihood) == ("missing", 4)
    # Last year's answers are a starting point, not answers: each must be confirmed.
    officer.post(reverse("privacy:assessment-complete", args=[second.public_id]))
    second.refresh_from_db()
    assert second.completed_at is None
    officer.post(
        reverse("privacy:answer-edit", args=[carried.public_id]),
        {"status": "partial", "likelihood": 2, "impact": 4},
    )
    page = officer.get(reverse("privacy:assessment-detail", args=[second.public_id]))
    text = page.content.decode()
    assert "Compared with 2025" in text
    row = re.search(r'id="q-training".*?</tr>', text, re.S).group(0)
    assert "8 medium" in row
    assert "16" in row
    assert "lower" in row


def test_clinician_cannot_reach_the_privacy_screens(make_user, client_for):
    client = client_for(make_user(Role.CLINICIAN))
    for name in ("privacy:home", "privacy:incident-list", "privacy:workforce", "privacy:baa-list"):
        assert client.get(reverse(name)).status_code == 403, name


# ---------------------------------------------------------------- incidents


def _read_chart(client, patient):
    assert (
        client.get(reverse("patients:patient-detail", args=[patient.public_id])).status_code == 200
    )


def test_incident_scope_from_the_audit_trail_clock_letters_and_export(
    officer, privacy_officer, make_user, make_patient, client_for, practice, location, freeze
):
    intruder = make_user(Role.FRONT_DESK, username="borrowed")
    bystander = make_user(Role.FRONT_DESK, username="honest")
    a = make_patient(first_name="Ann", last_name="Alpha", mrn="A-1")
    b = make_patient(first_name="Ben", last_name="Beta", mrn="B-2", state="IN",
                     zip_code="46201", city="Indianapolis")  # fmt: skip
    c = make_patient(first_name="Cy", last_name="Gamma", mrn="C-3")
    start = timezone.now() - timedelta(seconds=1)
    bad = client_for(intruder)
    _read_chart(bad, a)
    _read_chart(bad, b)
    _read_chart(bad, a)
    _read_chart(client_for(bystander), c)  # someone else: not in scope
    end = timezone.now() + timedelta(seconds=1)
    freeze(end + timedelta(minutes=1))
    _read_chart(bad, c)  # after the window
    freeze(None)

    # Noon of the local day 50 days ago: the days left do not depend on the hour the test
    # runs (50 days back across a DST change the hour shifts, near midnight so did the day).
    discovered = timezone.make_aware(
        datetime.combine(office_today() - timedelta(days=50), time(12))
    )
    incident = services.incident_report(
        practice=practice, user=privacy_officer, title="Shared password",
        description="Front desk password seen on a note", discovered_at=discovered,
        subject_user=intruder, window_start=start, window_end=end,
        letter_phi_types="Name and visit dates",
    )  # fmt: skip
    # The window is checked when saved through the form too.
    edit = officer.post(reverse("privacy:incident-edit", args=[incident.public_id]), {
        "title": "x", "description": "y", "discovered_at": "2026-03-02T09:30",
        "window_start": "2026-03-02T09:30", "window_end": "2026-03-01T09:30",
    })  # fmt: skip
    assert edit.status_code == 422
    assert "must end after it starts" in edit.content.decode()

    officer.post(reverse("privacy:incident-scope", args=[incident.public_id]))

    listed = {(x.patient.mrn, x.events) for x in AffectedPatient.objects.filter(incident=incident)}
    assert listed == {("A-1", 2), ("B-2", 1)}
    page = officer.get(reverse("privacy:incident-detail", args=[incident.public_id])).content
    text = page.decode()
    deadline = (timezone.localtime(discovered).date() + timedelta(days=60)).strftime("%m/%d/%Y")
    assert deadline in text
    assert "10 days left" in text
    assert "fewer than 500" in text
    assert "No media notice" in text

    letters = officer.get(reverse("privacy:incident-letters", args=[incident.public_id]))
    assert letters["Content-Type"] == "application/pdf"
    assert letters.content.count(b"/Type /Page\n") + letters.content.count(b"/Type /Page ") >= 2
    assert b"Dear Ann Alpha" in letters.content
    assert b"Dear Ben Beta" in letters.content
    assert b"Gamma" not in letters.content
    export = officer.get(reverse("privacy:incident-export", args=[incident.public_id]))
    lines = export.content.decode().strip().splitlines()
    assert len(lines) == 1 + 2
    assert lines[0].startswith("mrn,last_name")
    kinds = AuditEvent.objects.filter(object_id=str(incident.public_id)).values_list(
        "action", flat=True
    )
    assert {"query", "print", "export"} <= set(kinds)
    # No patient named in any audit row's detail.
    assert not AuditEvent.objects.filter(detail__contains="Alpha").exists()


def _many_patients(practice, count, state):
    Patient.objects.bulk_create(
        Patient(
            practice=practice,
            mrn=f"{state}{n}",
            first_name="P",
            last_name=f"N{n}",
            dob=date(1980, 1, 1),
            sex_at_birth="F",
            address1="1 Main St",
            city="Town",
            state=state,
            zip_code="62701",
        )  # fmt: skip
        for n in range(count)
    )
    return list(Patient.objects.filter(practice=practice, state=state))


def test_500_threshold_decides_hhs_and_media_notice(privacy_officer, practice):
    incident = services.incident_report(
        practice=practice, user=privacy_officer, title="Stolen disk", description="Burglary",
        discovered_at=timezone.now(),
    )  # fmt: skip
    illinois = _many_patients(practice, 501, "IL")
    now = timezone.now()
    AffectedPatient.objects.bulk_create(
        AffectedPatient(incident=incident, patient=p, events=1, first_at=now, last_at=now)
        for p in illinois[:499]
    )
    plan = services.notice_plan(incident)
    assert (plan.affected, plan.hhs_now, plan.media_states) == (499, False, ())
    assert plan.hhs_log_by == date(incident.discovered_at.year + 1, 3, 1)
    AffectedPatient.objects.create(incident=incident, patient=illinois[499], events=1,
                                   first_at=now, last_at=now)  # fmt: skip
    plan = services.notice_plan(incident)
    assert (plan.affected, plan.hhs_now, plan.media_states) == (500, True, ())
    AffectedPatient.objects.create(incident=incident, patient=illinois[500], events=1,
                                   first_at=now, last_at=now)  # fmt: skip
    assert services.notice_plan(incident).media_states == (("IL", 501),)


def test_four_factor_assessment_rules(officer, privacy_officer, practice):
    incident = services.incident_report(
        practice=practice, user=privacy_officer, title="Misdirected fax", description="Wrong",
        discovered_at=timezone.now(),
    )  # fmt: skip
    url = reverse("privacy:incident-assess", args=[incident.public_id])
    factors = {
        "factor_nature": "Name and one lab result", "factor_nature_risk": "low",
        "factor_person": "Another clinic, bound by HIPAA", "factor_person_risk": "low",
        "factor_acquired": "Returned unread", "factor_acquired_risk": "low",
        "factor_mitigated": "Written assurance of destruction", "factor_mitigated_risk": "low",
    }  # fmt: skip
    missing = officer.post(url, {"decision": "not_breach"})
    assert missing.status_code == 422
    assert "Assess all four factors" in missing.content.decode()
    high = officer.post(url, {**factors, "factor_person_risk": "high", "decision": "not_breach"})
    assert high.status_code == 422
    secured = officer.post(url, {**factors, "secured": "on", "decision": "breach"})
    assert "secured" in secured.content.decode()
    assert officer.post(url, {**factors, "decision": "not_breach"}).status_code == 302
    incident.refresh_from_db()
    assert incident.decision == "not_breach"
    assert incident.decided_at is not None


# ---------------------------------------------------------------- training and policies


def test_training_and_policy_acknowledgements_and_overdue_list(
    officer, privacy_officer, make_user, client_for, practice
):
    worker = make_user(Role.FRONT_DESK, username="newhire")
    officer.post(reverse("privacy:policy-add"), {
        "title": "Acceptable use", "version": "1", "effective_on": "2025-01-01"})  # fmt: skip
    duplicate = officer.post(reverse("privacy:policy-add"), {
        "title": "Acceptable use", "version": "1", "effective_on": "2025-01-01"})  # fmt: skip
    assert duplicate.status_code == 422
    page = officer.get(reverse("privacy:workforce")).content.decode()
    row = re.search(r"newhire.*?</tr>", page, re.S).group(0)
    assert "never trained" in row
    assert "Acceptable use v1" in row

    bad = officer.post(reverse("privacy:training-add"), {
        "user": worker.pk, "course": "HIPAA", "completed_on": "2026-01-10",
        "valid_until": "2025-01-10"})  # fmt: skip
    assert bad.status_code == 422
    officer.post(reverse("privacy:training-add"), {
        "user": worker.pk, "course": "HIPAA", "completed_on": office_today().isoformat(),
        "valid_until": (office_today() + timedelta(days=365)).isoformat()})  # fmt: skip
    mine = client_for(worker)
    listing = mine.get(reverse("privacy:my-policies")).content.decode()
    policy_id = re.search(r"/policies/([0-9a-f-]{36})/acknowledge/", listing).group(1)
    assert mine.post(reverse("privacy:policy-ack", args=[policy_id])).status_code == 302
    assert mine.post(reverse("privacy:policy-ack", args=[policy_id])).status_code == 302  # once
    page = officer.get(reverse("privacy:workforce")).content.decode()
    row = re.search(r"newhire.*?</tr>", page, re.S).group(0)
    assert "overdue" not in row
    assert "none" in row
    assert re.search(r"<li>newhire \d\d/\d\d/\d{4} \d\d:\d\d</li>", page)  # who, when
    # A new version in force: everyone must acknowledge again.
    officer.post(reverse("privacy:policy-add"), {
        "title": "Acceptable use", "version": "2",
        "effective_on": office_today().isoformat()})  # fmt: skip
    page = officer.get(reverse("privacy:workforce")).content.decode()
    row = re.search(r"newhire.*?</tr>", page, re.S).group(0)
    assert "Acceptable use v2" in row


# ---------------------------------------------------------------- business associates


def test_business_associate_register_raises_renewal_tasks(officer, practice):
    soon = office_today() + timedelta(days=30)
    assert officer.post(reverse("privacy:baa-add"), {
        "vendor": "Cloud Fax", "services": "Fax", "phi_shared": "Faxed records",
        "signed_on": "2024-01-01", "expires_on": soon.isoformat()}).status_code == 302  # fmt: skip
    officer.post(reverse("privacy:baa-add"), {
        "vendor": "Shred Co", "services": "Shredding", "phi_shared": "Paper"})  # fmt: skip
    bad = officer.post(reverse("privacy:baa-add"), {
        "vendor": "X", "services": "Y", "phi_shared": "Z", "signed_on": "2025-01-01",
        "expires_on": "2024-01-01"})  # fmt: skip
    assert bad.status_code == 422
    tasks = {t.kind: t for t in Task.objects.filter(status="open")}
    assert tasks["baa_renewal"].due_on == soon
    assert tasks["baa_renewal"].assigned_role == Role.PRIVACY_OFFICER
    assert "Shred Co" in tasks["baa_signature"].title
    fax = BusinessAssociate.objects.get(vendor="Cloud Fax")
    officer.post(reverse("privacy:baa-edit", args=[fax.public_id]), {
        "vendor": "Cloud Fax", "services": "Fax", "phi_shared": "Faxed records",
        "signed_on": "2024-01-01", "expires_on": str(soon + timedelta(days=730))})  # fmt: skip
    assert not Task.objects.filter(kind="baa_renewal", status="open").exists()
    listing = officer.get(reverse("privacy:baa-list")).content.decode()
    assert "unsigned" in listing
    assert "in force" in listing


# ---------------------------------------------------------------- retention (AU-06)


def test_retention_purge_keeps_everything_younger_than_six_years(
    privacy_officer, practice, freeze, capsys
):
    now = timezone.now()
    old = services.incident_report(
        practice=practice, user=privacy_officer, title="Old", description="2018",
        discovered_at=now - timedelta(days=365 * 8),
    )  # fmt: skip
    SecurityIncident.objects.filter(pk=old.pk).update(closed_at=now - timedelta(days=365 * 7))
    young = services.incident_report(
        practice=practice, user=privacy_officer, title="Young", description="closed 5 y ago",
        discovered_at=now - timedelta(days=365 * 6),
    )  # fmt: skip
    SecurityIncident.objects.filter(pk=young.pk).update(closed_at=now - timedelta(days=365 * 5))
    open_one = services.incident_report(
        practice=practice, user=privacy_officer, title="Open", description="never closed",
        discovered_at=now - timedelta(days=365 * 9),
    )  # fmt: skip
    audit_before = AuditEvent.objects.count()

    call_command("retention_purge", "--dry-run")
    out = capsys.readouterr().out
    assert "dry run: would delete 1 incidents" in out
    assert SecurityIncident.objects.count() == 3
    call_command("retention_purge")
    out = capsys.readouterr().out
    assert "deleted 1 incidents" in out
    assert set(SecurityIncident.objects.values_list("pk", flat=True)) == {young.pk, open_one.pk}
    # All audit rows are younger than six years: none deleted, four rows added.
    assert AuditEvent.objects.count() == audit_before + 4
    rows = AuditEvent.objects.filter(category="retention").order_by("id")
    assert [r.action for r in rows] == ["query", "query", "delete", "delete"]


def test_operator_commands_for_retention_and_renewals(officer, practice, capsys):
    from medoffice.cli import main

    main(["retention", "purge", "--dry-run"])
    assert "dry run: would delete 0 audit rows" in capsys.readouterr().out
    BusinessAssociate.objects.create(
        practice=practice, vendor="Billing Co", services="Claims", phi_shared="Claims data"
    )  # made outside the screens: the daily job finds it
    main(["privacy", "renewals"])
    assert "checked 1 business associate agreements" in capsys.readouterr().out
    assert Task.objects.filter(kind="baa_signature", status="open").count() == 1


def test_worker_tasks_run_the_purge_and_the_renewals(practice, immediate_tasks):
    from medoffice.privacy.tasks import baa_renewals, retention_purge

    BusinessAssociate.objects.create(
        practice=practice, vendor="Billing Co", services="Claims", phi_shared="Claims data"
    )
    assert retention_purge.enqueue(dry_run=True).return_value["audit_rows"] == 0
    assert baa_renewals.enqueue().return_value == 1
    assert AuditEvent.objects.filter(category="retention", username="worker").count() == 2
