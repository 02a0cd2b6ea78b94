"""The closet's daily job and the task reminders, on the worker's clock: queued once a day
(several workers, one run), then run by the worker: expired lots quarantined, reorders and
upkeep due on the office manager's list, and the list e-mailed."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from medoffice.inventory.models import EquipmentRecord, Lot, MaintenancePlan
from medoffice.worklist.models import Task
from medoffice.worklist.tasks import day_began, enqueue_daily_jobs
from tests.clock import CHICAGO
from tests.inventory.conftest import TODAY

DAILY = [
    "clear_expired_searches", "inventory_daily_job", "rebuild_rollups", "prune_change_journal",
    "remind_due_tasks",
]  # fmt: skip


def test_the_daily_jobs_are_queued_once_a_day(db):
    assert enqueue_daily_jobs() == DAILY
    assert enqueue_daily_jobs() == []  # waiting, or queued since the day began
    DBTaskResult.objects.update(status="SUCCESSFUL")
    assert enqueue_daily_jobs() == []
    DBTaskResult.objects.update(enqueued_at=day_began() - timedelta(minutes=1))
    assert enqueue_daily_jobs() == DAILY


def test_the_day_begins_at_six_local_time():
    zone = ZoneInfo("America/New_York")
    early = datetime(2026, 3, 9, 5, 59, tzinfo=zone)
    later = datetime(2026, 3, 9, 6, 0, tzinfo=zone)

    assert day_began(early, zone) == datetime(2026, 3, 8, 6, 0, tzinfo=zone)
    assert day_began(later, zone) == later


def test_the_day_begins_at_six_at_the_east_most_office(location, practice):
    # The site runs on New York time; its offices are in Chicago and Los Angeles.
    practice.locations.create(
        name="Pacific", address1="1 Main St", city="Los Angeles", state="CA",
        zip_code="90001", time_zone="America/Los_Angeles",
    )  # fmt: skip
    five_thirty = datetime(2026, 11, 24, 5, 30, tzinfo=CHICAGO)  # 6:30 in New York

    assert day_began(five_thirty) == datetime(2026, 11, 23, 6, 0, tzinfo=CHICAGO)
    assert day_began(five_thirty + timedelta(minutes=30)) == five_thirty + timedelta(minutes=30)


# The worker closes connections it finds inside a transaction (as a test's would be).
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_closet_and_mails_the_list(
    transactional_db, gloves, flu_vaccine, stocked, manager, ecg, vendor, mailoutbox
):
    manager.email = "om@riverside.example"
    manager.save(update_fields=["email"])
    stocked(gloves, 5)  # below the reorder point of 12
    stocked(flu_vaccine, 3, lot="OLD")
    Lot.objects.filter(number="OLD").update(expires_on=TODAY - timedelta(days=1))
    record = EquipmentRecord.objects.create(equipment=ecg, asset_tag="EQ-7", vendor=vendor)
    MaintenancePlan.objects.create(
        record=record, kind="calibration", interval_days=365,
        last_done_on=TODAY - timedelta(days=364), performed_by="Biomed Co",
    )  # fmt: skip

    call_command("run_worker", batch=True, verbosity=0)

    jobs = DBTaskResult.objects.filter(task_path__startswith="medoffice.inventory.tasks")
    assert [(j.status, j.return_value["expired_lots"]) for j in jobs] == [("SUCCESSFUL", 1)]
    assert Lot.objects.get(number="OLD").quarantined
    kinds = set(Task.objects.filter(status="open").values_list("kind", flat=True))
    assert kinds == {"reorder", "expired_stock", "equipment_due"}
    (mail,) = [m for m in mailoutbox if m.to == ["om@riverside.example"]]
    assert "Reorder: 2 item(s)" in mail.body
    assert "Dispose of expired" in mail.body
    assert "EQ-7" in mail.body
    assert enqueue_daily_jobs() == []  # done for today


def test_the_command_runs_the_same_job_now(gloves, stocked, practice):
    from io import StringIO

    stocked(gloves, 5)
    out = StringIO()

    call_command("inventory_daily", stdout=out)

    assert f"{practice.name}: 0 upkeep due soon" in out.getvalue()
    assert "1 item(s) to reorder" in out.getvalue()
    assert Task.objects.get(kind="reorder").link == "/inventory/reorder/"
