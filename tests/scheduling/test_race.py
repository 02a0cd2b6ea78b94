"""SC-01 under real concurrency: racing bookings get exactly one winner per slot, the losers a
clear refusal, and raw SQL finds no duplicate hold and no overlapping live visits.

PostgreSQL: threads against the test database. SQLite: the test database is in-memory
shared-cache, where a second writer gets "database table is locked" at once instead of
waiting, so the race runs in worker processes against a file copy of the test database
under the production settings (see race.py).
"""

import sys
import threading
import time
from collections import Counter
from datetime import datetime

import pytest
from django.db import connection, transaction

from medoffice.core.models import Location, Provider
from medoffice.patients.models import Patient
from medoffice.scheduling.models import Appointment, AppointmentType
from medoffice.scheduling.services import appointment_book, appointment_cancel
from tests.scheduling.conftest import next_weekday_at
from tests.scheduling.race import attempt_all, database_checks, race_office, room_race_office
from tests.sqlite_file import script_on_a_file_copy

WORKERS = 8


def _check(office: dict, outcomes: list[list], checks: dict) -> None:
    slots = {(p, s) for p, s in office["slots"]}
    assert len(outcomes) == WORKERS * len(slots)
    errors = [row for row in outcomes if row[3] == "error"]
    assert errors == []
    winners = Counter((p, s) for _, p, s, kind, *_ in outcomes if kind == "won")
    assert winners == Counter(dict.fromkeys(slots, 1))  # each slot exactly one winner
    for _, _, _, kind, *detail in outcomes:
        assert kind in ("won", "taken", "refused")
        if kind == "refused":  # the finder no longer offers the time: starts_at and only it
            assert detail == [["starts_at"]]
    # one patient never won two visits at the same time
    by_patient_time = Counter((w, s) for w, _, s, kind, *_ in outcomes if kind == "won")
    assert max(by_patient_time.values()) == 1
    assert checks["duplicate_holds"] == 0
    assert checks["provider_overlaps"] == []
    assert checks["patient_overlaps"] == []
    assert checks["appointments"] == len(slots)
    assert checks["holds"] == len(slots) * 2 * 3  # provider + patient, 15 minutes = 3 units


def _race_threads(office: dict) -> list[list]:
    """Every worker's outcomes, the workers threads released together by a barrier."""
    barrier = threading.Barrier(WORKERS)
    results: list[list] = [[] for _ in range(WORKERS)]

    def work(index: int) -> None:
        results[index] = attempt_all(office, index, lambda: barrier.wait(timeout=30))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return [row for rows in results for row in rows]


@pytest.mark.django_db(transaction=True)
def test_racing_threads_on_postgresql_get_one_winner_per_slot(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("in-memory SQLite test database: see the file-database race below")
    office = race_office(WORKERS)
    _check(office, _race_threads(office), database_checks())


@pytest.mark.skipif(sys.platform == "win32", reason="fork")
def test_racing_processes_on_a_file_sqlite_database_get_one_winner_per_slot(
    tmp_path, transactional_db
):
    report = script_on_a_file_copy(tmp_path, "tests.scheduling.race", WORKERS, timeout=120)
    assert report["database"] == str(tmp_path / "medoffice.sqlite3")
    assert report["options"] == {"transaction_mode": "IMMEDIATE", "timeout": 20}
    assert (report["journal_mode"], report["busy_timeout"]) == ("wal", 20000)
    assert report["exit_codes"] == [0] * WORKERS
    _check(report["office"], report["outcomes"], report["checks"])


def test_the_overlap_query_does_find_overlaps(office, patients, book):
    """The SQL check is not vacuous: an overbooked visit overlaps, a cancelled one does not."""
    first_patient, second_patient = patients(2)
    book(first_patient, next_weekday_at(9))
    extra = book(second_patient, next_weekday_at(9, 15), overbook=True)
    checks = database_checks()
    assert len(checks["provider_overlaps"]) == 1
    assert checks["duplicate_holds"] == 0
    appointment_cancel(appointment=extra, reason="duplicate entry")
    assert database_checks()["provider_overlaps"] == []
    assert Appointment.objects.count() == 2


def _check_rooms(office: dict, outcomes: list[list], checks: dict) -> None:
    workers = len(office["slots"])
    assert [row[3:4] for row in outcomes] == [["won"]] * workers, outcomes
    assert checks["duplicate_holds"] == 0
    assert checks["appointments"] == workers
    assert sorted(checks["rooms"]) == sorted(set(checks["rooms"]))  # a room each
    assert len(checks["rooms"]) == workers
    assert checks["holds"] == workers * 3 * 3  # provider, patient, room; 3 units each


@pytest.mark.django_db(transaction=True)
def test_racing_threads_on_postgresql_each_get_a_free_room(transactional_db):
    """Eight clerks book eight providers at one time, one exam room each: all eight win."""
    if connection.vendor != "postgresql":
        pytest.skip("in-memory SQLite test database: see the file-database race below")
    office = room_race_office(WORKERS)
    _check_rooms(office, _race_threads(office), database_checks())


@pytest.mark.skipif(sys.platform == "win32", reason="fork")
def test_racing_processes_on_a_file_sqlite_database_each_get_a_free_room(
    tmp_path, transactional_db
):
    report = script_on_a_file_copy(tmp_path, "tests.scheduling.race", WORKERS, "rooms", timeout=120)
    assert report["exit_codes"] == [0] * WORKERS
    _check_rooms(report["office"], report["outcomes"], report["checks"])


def _wait_for_a_lock_wait(seconds: float = 20) -> bool:
    """Whether another session of this database came to wait on a row lock within `seconds`."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_booking_that_loses_its_room_to_an_open_transaction_takes_the_next_room(
    transactional_db,
):
    """The race made certain: clerk A's booking has taken Exam 1 but not committed; clerk B,
    booking another provider at the same time, reads Exam 1 as free, and its insert waits
    for A. A commits: B's hold on Exam 1 is refused by the database, and B books Exam 2."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes the write lock at BEGIN: a booking never reads stale holds")
    office = room_race_office(2)
    first_booked, let_first_commit = threading.Event(), threading.Event()
    results: list = [None, None]

    def first() -> None:
        try:
            with transaction.atomic():
                provider_id, start = office["slots"][0]
                appointment = appointment_book(
                    patient=Patient.objects.get(pk=office["patients"][0]),
                    appointment_type=AppointmentType.objects.get(pk=office["type"]),
                    provider=Provider.objects.get(pk=provider_id),
                    location=Location.objects.get(pk=office["location"]),
                    starts_at=datetime.fromisoformat(start),
                )
                results[0] = [[0, provider_id, start, "won", appointment.id]]
                first_booked.set()
                let_first_commit.wait(timeout=30)
        finally:
            first_booked.set()
            connection.close()

    def second() -> None:
        results[1] = attempt_all(office, 1, lambda: None)

    one = threading.Thread(target=first)
    one.start()
    assert first_booked.wait(timeout=30)
    two = threading.Thread(target=second)
    two.start()
    waited = _wait_for_a_lock_wait()
    let_first_commit.set()
    one.join(timeout=30)
    two.join(timeout=30)
    assert waited  # B did read Exam 1 as free and try to hold it
    _check_rooms(office, [*results[0], *results[1]], database_checks())
    rooms = dict(Appointment.objects.values_list("provider_id", "room__name"))
    assert rooms == {office["slots"][0][0]: "Exam 1", office["slots"][1][0]: "Exam 2"}
