"""Shared fixtures: a practice, the personas of STYLE.md, and patients made through the services."""

import importlib
from datetime import date, datetime

import pytest
from django.db import connection
from django.test import Client

from medoffice.core.identifiers import npi_from_stem
from medoffice.core.models import AuditEvent, Location, Practice, Provider
from medoffice.core.roles import Role
from medoffice.core.services import staff_user_create
from medoffice.core.testing import force_login_verified
from medoffice.patients import services as patient_services
from medoffice.patients.models import Payer

PASSWORD = "a-long-test-passphrase"


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="HH:MM",
        help="run every test with the clock at this time of the day in Chicago (the test "
        "office), ticking on from there: `--clock 23:30` is already tomorrow in New York "
        "(the site's zone), where a day counted by the wrong clock shows. Subprocesses "
        "and the browser keep the real clock.",
    )


@pytest.fixture(autouse=True, scope="session")
def _clock(request):
    wanted = request.config.getoption("--clock")
    if not wanted:
        yield
        return
    import time_machine

    from tests.clock import CHICAGO, office_today

    hour, minute = (int(part) for part in wanted.split(":"))
    instant = datetime.combine(office_today(), datetime.min.time(), tzinfo=CHICAGO).replace(
        hour=hour, minute=minute
    )
    with time_machine.travel(instant, tick=True):
        yield


# A sent claim and its posted 835 (`sent`, `remitted` and what they stand on), for every test.
pytest_plugins = ["tests.payments.remitted"]

_rows = importlib.import_module("medoffice.core.migrations.0006_audit_retention_checkpoint")
_truncate = importlib.import_module("medoffice.core.migrations.0003_audit_no_truncate")
_moves = importlib.import_module("medoffice.inventory.migrations.0002_movements_append_only")
_ledger = importlib.import_module("medoffice.payments.triggers")

# The triggers that refuse the test database's flush after a transactional test:
# SQLite flushes with DELETE, PostgreSQL with TRUNCATE.
_FLUSH_BLOCKERS = {
    "sqlite": (
        [
            s.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS")
            for s in _rows.SQLITE + _moves.SQLITE + _ledger.SQLITE
        ],
        _rows.SQLITE_REVERSE + _moves.SQLITE_REVERSE + _ledger.SQLITE_REVERSE,
    ),
    "postgresql": (
        _truncate.POSTGRES + _rows.POSTGRES_TRUNCATE,
        _truncate.POSTGRES_REVERSE + _rows.POSTGRES_TRUNCATE_REVERSE,
    ),
}


def _audit_flush_blockers(create: bool) -> None:
    """Drop them for the flush that ends a transactional test; put them back for every test."""
    create_sql, drop_sql = _FLUSH_BLOCKERS[connection.vendor]
    with connection.cursor() as cursor:
        for statement in create_sql if create else drop_sql:
            cursor.execute(statement)


@pytest.fixture
def db(db):
    _audit_flush_blockers(create=True)


@pytest.fixture
def transactional_db(transactional_db):
    _audit_flush_blockers(create=True)
    yield
    _audit_flush_blockers(create=False)


@pytest.fixture
def practice(db) -> Practice:
    return Practice.objects.create(
        name="Riverside Test Practice", group_npi=npi_from_stem("123456789"), tax_id="12-3456789"
    )


@pytest.fixture
def location(practice) -> Location:
    return Location.objects.create(
        practice=practice,
        name="Main",
        address1="100 Main St",
        city="Springfield",
        state="IL",
        zip_code="62701",
        time_zone="America/Chicago",
    )


@pytest.fixture
def provider(practice, location) -> Provider:
    doctor = Provider.objects.create(
        practice=practice,
        first_name="Ada",
        last_name="Nguyen",
        credentials="MD",
        specialty="Family medicine",
        npi=npi_from_stem("198765432"),
        taxonomy_code="207Q00000X",
    )
    doctor.locations.add(location)
    return doctor


@pytest.fixture
def other_practice(db) -> Practice:
    return Practice.objects.create(name="Elsewhere Clinic")


@pytest.fixture
def payer(db) -> Payer:
    return Payer.objects.create(name="Aetna", payer_id="60054", claim_filing_indicator="CI")


@pytest.fixture
def make_user(practice):
    counter = iter(range(1, 10_000))

    def make(role: str, *, practice_=None, username: str | None = None):
        return staff_user_create(
            username=username or f"{role}{next(counter)}",
            password=PASSWORD,
            role=role,
            practice=practice_ or practice,
        )

    return make


@pytest.fixture
def persona(make_user):
    """persona("front_desk") -> a user of that role in the test practice."""
    return make_user


@pytest.fixture
def front_desk(make_user):
    return make_user(Role.FRONT_DESK)


@pytest.fixture
def biller(make_user):
    return make_user(Role.BILLER)


@pytest.fixture
def clinician(make_user):
    return make_user(Role.CLINICIAN)


@pytest.fixture
def records_clerk(make_user):
    return make_user(Role.RECORDS)


@pytest.fixture
def privacy_officer(make_user):
    return make_user(Role.PRIVACY_OFFICER)


@pytest.fixture
def administrator(make_user):
    return make_user(Role.ADMINISTRATOR)


@pytest.fixture
def outsider(make_user, other_practice):
    """Front desk of another practice: must see nothing of ours."""
    return make_user(Role.FRONT_DESK, practice_=other_practice, username="outsider")


@pytest.fixture
def client_for():
    def make(user) -> Client:
        client = Client()
        force_login_verified(client, user)
        return client

    return make


PATIENT_DEFAULTS = {
    "first_name": "John",
    "last_name": "Smith",
    "dob": date(1980, 4, 1),
    "sex_at_birth": "M",
    "address1": "12 Oak St",
    "city": "Springfield",
    "state": "IL",
    "zip_code": "62704",
    "mobile_phone": "(217) 555-0142",
}


@pytest.fixture
def make_patient(practice):
    def make(practice_=None, **overrides):
        return patient_services.patient_register(
            practice=practice_ or practice,
            fields={**PATIENT_DEFAULTS, **overrides},
            confirm_not_duplicate=True,
        )

    return make


@pytest.fixture
def patient(make_patient):
    return make_patient()


@pytest.fixture
def audit_since():
    """audit_since(mark) -> the audit events recorded after `mark = audit_mark()`."""

    def since(mark: int):
        return list(AuditEvent.objects.filter(id__gt=mark).order_by("id"))

    return since


@pytest.fixture
def audit_mark():
    def mark() -> int:
        last = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
        return last or 0

    return mark


@pytest.fixture
def freeze(monkeypatch):
    """freeze(aware datetime): from then on timezone.now() returns it (services, selectors);
    freeze(None): the real clock again."""
    from django.utils import timezone

    real_now = timezone.now

    def set_now(instant: datetime | None) -> datetime:
        if instant is None:
            monkeypatch.setattr(timezone, "now", real_now)
            return real_now()
        assert instant.tzinfo is not None
        monkeypatch.setattr(timezone, "now", lambda: instant)
        return instant

    return set_now


@pytest.fixture
def immediate_tasks(settings):
    """The worker's jobs (messages, the HL7 feed over MLLP) run as soon as they are queued,
    in-line, in the process of the test (and of its live server)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "messaging"]}}  # fmt: skip
