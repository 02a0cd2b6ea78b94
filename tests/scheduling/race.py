"""SC-01: many clerks book the same few times at once; the database lets exactly one win each.

Shared by test_race.py: threads against the PostgreSQL test database, and, run as a
script (`python -m tests.scheduling.race WORKERS`), processes against the file SQLite
database of MEDOFFICE_VAR_DIR under the production settings (WAL, IMMEDIATE transactions,
busy_timeout), which the in-memory test database cannot stand in for: test_race.py puts a
copy of the test database there (tests/sqlite_file.py); `migrate` brings it up to date, or
makes it when the script is run by hand on an empty folder.
The script prints one JSON object: the office, every attempt's outcome and the checks.

`rooms` mode (`python -m tests.scheduling.race WORKERS rooms`): each worker books its own
provider at one and the same time for a visit that needs an exam room, with one room per
worker. Every worker must win, each in a different room: losing the first free room to a
simultaneous booking is no reason to refuse while another room is free.
"""

import json
import os
import sys
from datetime import date, datetime, time, timedelta

from tests.clock import CHICAGO

RELEASED = ("cancelled", "noshow", "entered-in-error")
NAMES = ["Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Gray", "Harper", "Indy",
         "Jules", "Kai", "Lane", "Morgan", "Noel", "Oakley", "Parker", "Quinn", "Riley",
         "Sage", "Tatum"]  # fmt: skip


def next_tuesday_at(hour: int, minute: int) -> datetime:
    day = datetime.now(CHICAGO).date() + timedelta(days=2)
    while day.weekday() != 1:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=CHICAGO)


def race_office(workers: int, *, providers: int = 2, starts: int = 2) -> dict:
    """`providers` providers seeing 15-minute visits on Tuesday mornings, one patient per worker.

    The slots are every provider at each of the first `starts` quarter hours from 9:00, in
    time order: `providers` x `starts` of them (tests/attack/test_concurrency.py asks for more).
    """
    from medoffice.core.identifiers import npi_from_stem
    from medoffice.core.models import Location, Practice, Provider
    from medoffice.patients.services import patient_register
    from medoffice.scheduling.models import AppointmentType, TemplateBlock

    practice = Practice.objects.create(name="Race Practice", group_npi=npi_from_stem("123456789"))
    location = Location.objects.create(
        practice=practice, name="Main", address1="1 Main St", city="Springfield", state="IL",
        zip_code="62701", time_zone="America/Chicago",
    )  # fmt: skip
    doctors = []
    for n in range(providers):
        doctor = Provider.objects.create(
            practice=practice, first_name=NAMES[n], last_name="Racer", credentials="MD",
            npi=npi_from_stem(f"17{n:02d}54321"),
        )  # fmt: skip
        doctor.locations.add(location)
        TemplateBlock.objects.create(
            provider=doctor, location=location, weekday=1, start_time=time(9, 0),
            end_time=time(12, 0), slot_minutes=15,
        )  # fmt: skip
        doctors.append(doctor.id)
    visit = AppointmentType.objects.create(
        practice=practice, name="Race visit", duration_minutes=15
    )
    patients = [
        patient_register(
            practice=practice,
            confirm_not_duplicate=True,
            fields={
                "first_name": NAMES[i % len(NAMES)],
                "last_name": f"Racer{i}",
                "dob": date(1980, 4, 1),
                "sex_at_birth": "F",
                "address1": "1 Oak St",
                "city": "Springfield",
                "state": "IL",
                "zip_code": "62704",
            },
        ).id  # fmt: skip
        for i in range(workers)
    ]
    times = [next_tuesday_at(9 + (15 * n) // 60, (15 * n) % 60).isoformat() for n in range(starts)]
    return {"location": location.id, "type": visit.id, "patients": patients,
            "slots": [[p, t] for t in times for p in doctors]}  # fmt: skip


def room_race_office(workers: int) -> dict:
    """One provider, one exam room and one patient per worker; one time for all of them."""
    from medoffice.core.identifiers import npi_from_stem
    from medoffice.core.models import Location, Practice, Provider
    from medoffice.patients.services import patient_register
    from medoffice.scheduling.models import AppointmentType, Room, TemplateBlock

    practice = Practice.objects.create(name="Room Race", group_npi=npi_from_stem("123456789"))
    location = Location.objects.create(
        practice=practice, name="Main", address1="1 Main St", city="Springfield", state="IL",
        zip_code="62701", time_zone="America/Chicago",
    )  # fmt: skip
    for n in range(workers):
        Room.objects.create(location=location, name=f"Exam {n + 1}", kind="exam")
    providers = []
    for n in range(workers):
        doctor = Provider.objects.create(
            practice=practice, first_name=NAMES[n], last_name="Roomer", credentials="MD",
            npi=npi_from_stem(f"1{n:02d}6543210"[:9]),
        )  # fmt: skip
        doctor.locations.add(location)
        TemplateBlock.objects.create(
            provider=doctor, location=location, weekday=1, start_time=time(9, 0),
            end_time=time(12, 0), slot_minutes=15,
        )  # fmt: skip
        providers.append(doctor.id)
    visit = AppointmentType.objects.create(
        practice=practice, name="Exam visit", duration_minutes=15, room_kind="exam"
    )
    patients = [
        patient_register(
            practice=practice,
            confirm_not_duplicate=True,
            fields={
                "first_name": NAMES[i],
                "last_name": "Roomer",
                "dob": date(1975, 6, 2),
                "sex_at_birth": "M",
                "address1": "2 Elm St",
                "city": "Springfield",
                "state": "IL",
                "zip_code": "62704",
            },
        ).id  # fmt: skip
        for i in range(workers)
    ]
    start = next_tuesday_at(10, 0).isoformat()
    # worker i books provider i: each slot is wanted by exactly one worker
    return {"location": location.id, "type": visit.id, "patients": patients,
            "slots": [[p, start] for p in providers], "own_slot": True}  # fmt: skip


def attempt_all(office: dict, index: int, wait) -> list[list]:
    """Worker `index`: after `wait()`, try every slot for its own patient; one outcome each.

    Outcomes: ["won", appointment id], ["taken"] (SlotTakenError), ["refused", fields]
    (ValidationError) or ["error", repr] (anything else, which the test treats as a failure).
    Closes this thread's or process's connection at the end.
    """
    from django.core.exceptions import ValidationError
    from django.db import connection

    from medoffice.core.models import Location, Provider
    from medoffice.patients.models import Patient
    from medoffice.scheduling.errors import SlotTakenError
    from medoffice.scheduling.models import AppointmentType
    from medoffice.scheduling.services import appointment_book

    try:
        patient = Patient.objects.get(pk=office["patients"][index])
        visit = AppointmentType.objects.get(pk=office["type"])
        location = Location.objects.get(pk=office["location"])
        providers = Provider.objects.in_bulk([p for p, _ in office["slots"]])
        slots = office["slots"][index:] + office["slots"][:index]  # start in different places
        if office.get("own_slot"):
            slots = slots[:1]  # its own provider only
        results = []
        wait()
        for provider_id, start in slots:
            try:
                appointment = appointment_book(
                    patient=patient, appointment_type=visit, provider=providers[provider_id],
                    location=location, starts_at=datetime.fromisoformat(start),
                )  # fmt: skip
                outcome = ["won", appointment.id]
            except SlotTakenError:
                outcome = ["taken"]
            except ValidationError as exc:
                outcome = ["refused", sorted(exc.message_dict)]
            except Exception as exc:  # noqa: BLE001 - reported, and failed, by the test
                outcome = ["error", repr(exc)]
            results.append([index, provider_id, start, *outcome])
        return results
    finally:
        connection.close()


def database_checks() -> dict:
    """Raw SQL, trusting nothing in Python: duplicate holds and overlapping live visits."""
    from django.db import connection

    placeholders = ", ".join(["%s"] * len(RELEASED))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT kind, resource_id, unit FROM scheduling_hold"
            " GROUP BY kind, resource_id, unit HAVING COUNT(*) > 1) AS dup"
        )
        duplicate_holds = cursor.fetchone()[0]
        overlaps = {}
        for column in ("provider_id", "patient_id"):
            cursor.execute(
                f"SELECT a.id, b.id FROM scheduling_appointment a"  # noqa: S608 - fixed names
                f" JOIN scheduling_appointment b ON a.{column} = b.{column} AND a.id < b.id"
                f" AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
                f" WHERE a.status NOT IN ({placeholders}) AND b.status NOT IN ({placeholders})",
                [*RELEASED, *RELEASED],
            )
            overlaps[column] = [list(row) for row in cursor.fetchall()]
        cursor.execute("SELECT COUNT(*) FROM scheduling_appointment")
        appointments = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM scheduling_hold")
        holds = cursor.fetchone()[0]
        cursor.execute(
            "SELECT room_id FROM scheduling_appointment WHERE room_id IS NOT NULL ORDER BY id"
        )
        rooms = [row[0] for row in cursor.fetchall()]
    return {
        "rooms": rooms,
        "duplicate_holds": duplicate_holds,
        "provider_overlaps": overlaps["provider_id"],
        "patient_overlaps": overlaps["patient_id"],
        "appointments": appointments,
        "holds": holds,
    }


def _sqlite_race(workers: int, mode: str = "slots") -> dict:
    """In a fresh process: migrate the file database, then fork one process per worker."""
    import multiprocessing

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA busy_timeout")
        busy = cursor.fetchone()[0]
    office = room_race_office(workers) if mode == "rooms" else race_office(workers)
    connections.close_all()  # each forked worker opens its own connection

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(workers)
    queue = context.Queue()

    def work(index: int) -> None:
        queue.put(attempt_all(office, index, lambda: barrier.wait(timeout=30)))

    processes = [context.Process(target=work, args=(i,)) for i in range(workers)]
    for process in processes:
        process.start()
    outcomes = [row for _ in processes for row in queue.get(timeout=60)]
    for process in processes:
        process.join(timeout=30)
    return {
        "database": str(settings.DATABASES["default"]["NAME"]),
        "options": {
            k: v
            for k, v in settings.DATABASES["default"].get("OPTIONS", {}).items()
            if k in ("transaction_mode", "timeout")
        },
        "journal_mode": journal,
        "busy_timeout": busy,
        "exit_codes": [p.exitcode for p in processes],
        "office": office,
        "outcomes": outcomes,
        "checks": database_checks(),
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medoffice.settings")
    if os.environ.get("DATABASE_URL"):
        sys.exit("unset DATABASE_URL: this race runs on the default file SQLite database")
    mode = sys.argv[2] if len(sys.argv) > 2 else "slots"
    sys.stdout.write(json.dumps(_sqlite_race(int(sys.argv[1]), mode)) + "\n")
