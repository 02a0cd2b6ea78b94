"""AU-04: the audit report filters by user, patient, action and dates, sorts by every column,
exports CSV with exactly the rows that matched, and is closed to everyone but auditors."""

import csv
import io
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.urls import reverse

from medoffice.core.audit import audit_record, audit_verify
from medoffice.core.context import Actor
from medoffice.core.models import AuditAction, AuditEvent, AuditOutcome
from medoffice.core.selectors import AUDIT_SORT_KEYS
from medoffice.core.views import CSV_COLUMNS

PATIENT_A = "11111111-1111-1111-1111-111111111111"
PATIENT_B = "22222222-2222-2222-2222-222222222222"

# (at, username, role, action, category, object_type, patient_id, client_ip, outcome).
# Times are deliberately out of id order so sorting by time differs from sorting by id.
# Office zone is America/New_York; 2025-03-09 is the spring-forward day.
SEEDED = [
    ("2025-03-09T05:00:00", "carol", "biller", "read", "insurance", "patients.coverage",
     PATIENT_A, "10.0.0.33", "success"),  # Mar 9 00:00 EST: first instant of the 9th
    ("2025-03-09T04:59:59", "alice", "front_desk", "update", "demographics", "patients.patient",
     PATIENT_B, "10.0.0.11", "success"),  # Mar 8 23:59:59 EST: still the 8th
    ("2025-03-10T03:59:59", "bob", "clinician", "read", "demographics", "patients.patient",
     PATIENT_B, "10.0.0.22", "denied"),  # Mar 9 23:59:59 EDT: last instant of the 9th
    ("2025-03-10T04:00:00", "alice", "front_desk", "query", "demographics", "patients.patient",
     "", "10.0.0.44", "success"),  # Mar 10 00:00 EDT: the 10th
    ("2025-01-15T12:00:00", "dave", "records", "merge", "consents", "patients.consent",
     PATIENT_A, "10.0.0.55", "failure"),
    ("2025-02-01T12:00:00", "carol", "biller", "export", "billing", "core.auditevent",
     "", "10.0.0.66", "success"),
]  # fmt: skip


@pytest.fixture
def seeded(db):
    """The SEEDED events (patient ids set through a stand-in object), returned by index."""
    events = []
    for row in SEEDED:
        at, username, role, action, category, object_type, patient_id, ip, outcome = row
        when = datetime.fromisoformat(at).replace(tzinfo=UTC)
        n = len(events)
        # Object ids, request ids and details run against id order, so each sort shows.
        actor = Actor(
            user_id=len(username), username=username, role=role, client_ip=ip,
            request_id=f"req-{5 - n}",
        )  # fmt: skip
        patient = _PatientRef(patient_id) if patient_id else None
        with mock.patch("django.utils.timezone.now", return_value=when):
            events.append(
                audit_record(
                    action=action,
                    outcome=outcome,
                    category=category,
                    object_type=object_type,
                    object_id=f"obj-{5 - n}",
                    patient=patient,
                    detail=f"{action} by {username}",
                    actor=actor,
                )
            )
    return events


class _PatientRef:
    def __init__(self, public_id: str):
        self.public_id = public_id


@pytest.fixture
def auditor_client(seeded, privacy_officer, client_for):
    return client_for(privacy_officer)


def _listed(client, **params) -> list[AuditEvent]:
    response = client.get(reverse("core:audit-list"), params)
    assert response.status_code == 200
    assert response.context["page"].paginator.count <= 100, "test data must fit on one page"
    return list(response.context["page"].object_list)


def _ids(events) -> list[int]:
    return [e.id for e in events]


def _seeded_ids(seeded, *indexes) -> list[int]:
    return sorted(seeded[i].id for i in indexes)


def test_filters_by_user(auditor_client, seeded):
    assert sorted(_ids(_listed(auditor_client, username="alice"))) == _seeded_ids(seeded, 1, 3)


def test_filters_by_patient(auditor_client, seeded):
    listed = _listed(auditor_client, patient_id=PATIENT_A)
    assert sorted(_ids(listed)) == _seeded_ids(seeded, 0, 4)


def test_filters_by_action(auditor_client, seeded):
    assert sorted(_ids(_listed(auditor_client, action="read"))) == _seeded_ids(seeded, 0, 2)


def test_filters_by_office_day_across_the_dst_change(auditor_client, seeded):
    listed = _listed(auditor_client, date_from="2025-03-09", date_to="2025-03-09")
    assert sorted(_ids(listed)) == _seeded_ids(seeded, 0, 2)


def test_filters_by_open_ended_date_ranges(auditor_client, seeded):
    before = _listed(auditor_client, date_to="2025-03-08")
    assert sorted(_ids(before)) == _seeded_ids(seeded, 1, 4, 5)
    after = {e.id for e in _listed(auditor_client, date_from="2025-03-10")}
    assert seeded[3].id in after
    assert after.isdisjoint(_seeded_ids(seeded, 0, 1, 2, 4, 5))


def test_combines_filters(auditor_client, seeded):
    listed = _listed(
        auditor_client,
        username="bob",
        patient_id=PATIENT_B,
        action="read",
        date_from="2025-03-01",
        date_to="2025-03-31",
    )
    assert _ids(listed) == [seeded[2].id]


def test_review_is_audited_and_its_page_shows_what_it_counts(
    auditor_client, privacy_officer, seeded
):
    before = AuditEvent.objects.count()

    response = auditor_client.get(reverse("core:audit-list"))

    page = response.context["page"]
    assert page.paginator.count == len(page.object_list) == before
    review = AuditEvent.objects.order_by("-id").first()
    assert review.id == before + 1
    assert (review.action, review.category, review.user_id) == (
        AuditAction.READ,
        "audit",
        privacy_officer.pk,
    )


def _expected_order(key: str, descending: bool) -> list[int]:
    rows = list(AuditEvent.objects.all())

    def value(e):
        found = getattr(e, key)
        return -1 if found is None else found  # rows without a user sort first

    return [e.id for e in sorted(rows, key=lambda e: (value(e), e.id), reverse=descending)]


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("key", AUDIT_SORT_KEYS)
def test_sorts_by_every_column(auditor_client, key, descending):
    expected = _expected_order(key, descending)  # the trail as it is when the page is asked for

    listed = _listed(auditor_client, sort=f"-{key}" if descending else key)

    assert _ids(listed) == expected
    # The data makes each order differ from plain id order, so the sort really happened.
    if key != "id":
        assert _expected_order(key, descending) != _expected_order("id", descending)


def test_every_column_header_offers_its_sort(auditor_client):
    page = auditor_client.get(reverse("core:audit-list")).content.decode()

    for key in AUDIT_SORT_KEYS:
        assert f'sort={key}"' in page, key


def _export(client, **params):
    response = client.get(reverse("core:audit-export"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return rows[0], rows[1:]


def test_export_holds_exactly_the_rows_in_the_trail_at_export_time(auditor_client):
    at_export = list(AuditEvent.objects.values_list("id", flat=True))

    header, rows = _export(auditor_client)

    assert header == list(CSV_COLUMNS)
    assert len(rows) == len(at_export)
    assert sorted(int(r[0]) for r in rows) == sorted(at_export)
    export_event = AuditEvent.objects.order_by("-id").first()
    assert export_event.action == AuditAction.EXPORT
    assert export_event.detail == f"csv export of {len(at_export)} rows"
    assert audit_verify().ok


def test_filtered_export_holds_exactly_the_matching_rows(auditor_client, seeded, privacy_officer):
    matching = AuditEvent.objects.filter(action="read").count()

    _header, rows = _export(auditor_client, action="read")

    assert len(rows) == matching == 2
    assert {r[CSV_COLUMNS.index("action")] for r in rows} == {"read"}
    export_event = AuditEvent.objects.order_by("-id").first()
    assert (export_event.action, export_event.user_id) == (AuditAction.EXPORT, privacy_officer.pk)
    assert export_event.outcome == AuditOutcome.SUCCESS
    assert export_event.detail == "csv export of 2 rows"


def test_export_rows_carry_the_stored_values(auditor_client, seeded):
    _header, rows = _export(auditor_client, username="dave")

    (row,) = rows
    record = dict(zip(CSV_COLUMNS, row, strict=True))
    event = seeded[4]
    assert record["id"] == str(event.id)
    assert record["at"] == event.at.isoformat()
    assert record["patient_id"] == PATIENT_A
    assert record["outcome"] == "failure"
    assert record["mac"] == event.mac


@pytest.mark.parametrize("route", ["core:audit-list", "core:audit-export"])
def test_non_auditor_is_refused_the_report_and_the_export(route, seeded, front_desk, client_for):
    before = AuditEvent.objects.filter(action=AuditAction.EXPORT).count()

    response = client_for(front_desk).get(reverse(route))

    assert response.status_code == 403
    assert b"alice" not in response.content
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == before


def test_an_invalid_filter_lists_nothing_and_says_why(auditor_client):
    response = auditor_client.get(
        reverse("core:audit-list"), {"date_from": "2025-03-10", "date_to": "2025-03-01"}
    )
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert "The end date is before the start date." in response.content.decode()
    export = auditor_client.get(
        reverse("core:audit-export"), {"date_from": "2025-03-10", "date_to": "2025-03-01"}
    )
    assert export.status_code == 400
    assert b"date_to" in export.content


def test_export_cells_cannot_run_as_spreadsheet_formulas(auditor_client, client):
    client.post(reverse("core:login"), {"username": '=HYPERLINK("http://x")', "password": "x"})
    header, rows = _export(auditor_client, action="login_failed")
    usernames = [row[header.index("username")] for row in rows]
    assert usernames == ['\'=HYPERLINK("http://x")']
