"""The batch before the visits: every booked visit of the next days is asked about once."""

import json
from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from medoffice.eligibility import tasks
from medoffice.eligibility.models import EligibilityCheck
from medoffice.eligibility.services import batch_run
from medoffice.patients import services as patient_services
from medoffice.scheduling.services import appointment_set_status
from tests.scheduling.conftest import CHICAGO, next_weekday_at


@pytest.fixture
def week(visit, book, make_patient, payer):
    """The visit (insured, Tuesday 9:00), a self-pay visit and a cancelled insured visit the
    same morning, and an insured visit on Friday."""
    self_pay = book(make_patient(first_name="Sam", last_name="Cash"), next_weekday_at(10, 0))
    other = make_patient(first_name="Ola", last_name="Berg")
    patient_services.coverage_add(
        patient=other,
        fields={"payer": payer, "member_id": "W2222222", "order": 1, "relationship": "18",
                "effective_start": visit.starts_at.date().replace(year=2024)},
    )  # fmt: skip
    cancelled = book(other, next_weekday_at(11, 0))
    appointment_set_status(appointment=cancelled, status="cancelled", reason="patient called")
    tuesday = visit.starts_at.astimezone(CHICAGO).date()
    friday = book(other, datetime.combine(tuesday + timedelta(days=3), time(9), tzinfo=CHICAGO))
    return {"visit": visit, "self_pay": self_pay, "friday": friday}


def test_the_batch_asks_about_each_booked_insured_visit_in_the_window(week, freeze):
    freeze(week["visit"].starts_at - timedelta(days=1))

    counts = batch_run(days=2)

    assert counts == {"visits": 2, "asked": 1, "skipped": 0, "self_pay": 1, "failed": 0}
    (check,) = EligibilityCheck.objects.all()
    assert check.appointment == week["visit"]
    assert check.trigger == "batch"
    assert check.requested_by is None
    assert check.status == "active"


def test_the_batch_does_not_ask_again_about_a_fresh_answer(week, freeze):
    freeze(week["visit"].starts_at - timedelta(days=1))
    batch_run(days=2)

    assert batch_run(days=2)["skipped"] == 1
    assert EligibilityCheck.objects.count() == 1


def test_a_wider_window_takes_the_later_visit_too(week, freeze):
    freeze(week["visit"].starts_at - timedelta(days=1))

    assert batch_run(days=5)["asked"] == 2


def test_the_batch_runs_as_a_background_task(week, freeze, immediate_tasks):
    freeze(week["visit"].starts_at - timedelta(days=1))

    result = tasks.run_batch.enqueue(2)

    assert result.return_value["asked"] == 1
    assert EligibilityCheck.objects.get().status == "active"


def test_the_command_runs_the_batch_and_prints_the_counts(week, freeze):
    freeze(week["visit"].starts_at - timedelta(days=1))
    out = StringIO()

    call_command("eligibility", "run", "--days", "2", stdout=out)

    assert json.loads(out.getvalue())["asked"] == 1


def test_the_command_refuses_a_window_beyond_two_weeks(db):
    with pytest.raises(CommandError, match="between 0 and 14"):
        call_command("eligibility", "run", "--days", "30")


def test_the_workers_clock_queues_the_batch_hourly_and_the_pickup_every_five_minutes(db):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from medoffice.eligibility.tasks import enqueue_eligibility_unless_waiting

    assert enqueue_eligibility_unless_waiting() == {"batch": True, "collect": True}
    assert enqueue_eligibility_unless_waiting() == {"batch": False, "collect": False}
    # Both ran (no longer waiting) ten minutes ago: only the pickup is due again.
    DBTaskResult.objects.update(
        status="SUCCESSFUL", enqueued_at=timezone.now() - timedelta(minutes=10)
    )
    assert enqueue_eligibility_unless_waiting() == {"batch": False, "collect": True}
