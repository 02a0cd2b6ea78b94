"""insert_row writes the row objects.create() writes (defaults, stamps, time zones)."""

import pytest

from medoffice.core.bulk import insert_row
from medoffice.core.models import Location
from medoffice.interop.models import OutboundMessage

pytestmark = pytest.mark.django_db


def _stored(model, pk, *, apart=("id", "public_id", "name", "control_id", "created_at")):
    return {k: v for k, v in model.objects.filter(pk=pk).values().get().items() if k not in apart}


def test_a_row_inserted_once_prepared_equals_one_created(practice):
    created = Location.objects.create(practice=practice, name="Main")
    inserted = insert_row(Location(practice=practice, name="Annex"))
    assert inserted.pk
    assert inserted.pk != created.pk
    assert not inserted._state.adding
    assert _stored(Location, inserted.pk) == _stored(Location, created.pk)
    assert Location.objects.get(pk=inserted.pk).public_id == inserted.public_id


def test_an_aware_time_is_stored_as_the_same_instant(db):
    from django.utils import timezone

    now = timezone.now()
    message = insert_row(OutboundMessage(trigger="S12", text="MSH|", created_at=now))
    stored = OutboundMessage.objects.get(pk=message.pk)
    assert (stored.created_at, stored.status, stored.control_id) == (
        now,
        OutboundMessage._meta.get_field("status").default,
        message.control_id,
    )


def test_a_row_that_brings_its_own_key_is_inserted_with_it(db):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from medoffice.core.models import AuditEvent

    event = insert_row(
        AuditEvent(id=987_654, at=timezone.now(), username="u", action="create",
                   outcome="success", mac="0" * 64, user_id=None)
    )  # fmt: skip
    assert AuditEvent.objects.get(pk=987_654).username == "u"
    assert event.pk == 987_654
    row = insert_row(
        DBTaskResult(args_kwargs={"args": ["a", 1], "kwargs": {}}, task_path="x.y",
                     queue_name="default", backend_name="default", run_after=timezone.now())
    )  # fmt: skip
    stored = DBTaskResult.objects.get(pk=row.pk)
    assert (stored.args_kwargs, stored.status, stored.worker_ids) == (
        {"args": ["a", 1], "kwargs": {}}, "READY", []
    )  # fmt: skip


def test_values_taken_as_they_are_equal_the_orms_preparation(practice):
    """The shortcut for plain values (core/bulk._db_value) against the fields' own
    get_db_prep_save, for every kind of value a booking's rows carry: wall-clock times in
    another zone, None in times, keys, text and flags, and values of another type."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from django.db import connection

    from medoffice.core.bulk import _db_value, _row_values, _single_insert
    from medoffice.scheduling.models import Appointment

    when = datetime(2027, 3, 14, 1, 30, tzinfo=ZoneInfo("America/New_York"))
    rows = [
        Appointment(patient_id=1, appointment_type_id=2, provider_id=3, location_id=4,
                    room_id=None, starts_at=when, ends_at=when, reason="O'Brien|^",
                    overbooked=True, urgent=False),
        Appointment(patient_id="5", appointment_type_id=2, provider_id=3, location_id=4,
                    starts_at=when.astimezone(UTC), ends_at=when, reason=""),
        OutboundMessage(control_id="C1", trigger="S12", text="MSH|", created_at=when),
    ]  # fmt: skip
    for row in rows:
        _sql, fields, _assigned = _single_insert(type(row), connection.vendor)
        for field in fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                continue  # stamped anew at each preparation
            ours = _db_value(field, row)
            theirs = field.get_db_prep_save(field.pre_save(row, True), connection)
            assert (type(ours), ours) == (type(theirs), theirs), field.name
        # insert_row's steps worked out once per model give the same values
        stamped = {
            n for n, f in enumerate(fields)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        }  # fmt: skip
        planned = [
            (type(v), v) for n, v in enumerate(_row_values(row, connection)) if n not in stamped
        ]
        each = [
            (type(v), v)
            for n, v in enumerate(_db_value(f, row) for f in fields)
            if n not in stamped
        ]
        assert planned == each
