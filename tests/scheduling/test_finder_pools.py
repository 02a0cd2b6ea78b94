"""Large resource pools are asked per time instead of read for the whole day: same answers."""

import pytest

from medoffice.scheduling import selectors
from medoffice.scheduling.models import Room
from medoffice.scheduling.services import appointment_book
from tests.scheduling.conftest import next_weekday_at


@pytest.fixture
def busy_office(weekday_mornings, location, provider, second_provider, visit_type, make_patient):
    for number in range(3, 6):
        Room.objects.create(location=location, name=f"Exam {number}")
    Room.objects.create(location=location, name="Exam 1")
    Room.objects.create(location=location, name="Exam 2")
    start = next_weekday_at(9)
    for index, doctor in enumerate((provider, second_provider)):
        patient = make_patient(first_name=f"Pat{index}", last_name="Busy", mobile_phone="")
        appointment_book(
            patient=patient, appointment_type=visit_type, provider=doctor, location=location,
            starts_at=start,
        )  # fmt: skip
    return start


def _found(visit_type, after):
    return [
        (s.starts_at, s.provider_id, s.room_id)
        for s in selectors.find_slots(appointment_type=visit_type, after=after, limit=12)
    ]


def test_lazy_pools_offer_the_same_slots_and_rooms(busy_office, visit_type, monkeypatch):
    after = busy_office.replace(hour=0)
    preloaded = _found(visit_type, after)
    asked = []
    real_pool_busy = selectors._pool_busy
    monkeypatch.setattr(selectors, "LAZY_POOL_SIZE", 0)
    monkeypatch.setattr(
        selectors, "_pool_busy", lambda *args: asked.append(args) or real_pool_busy(*args)
    )
    lazy = _found(visit_type, after)
    assert asked, "the lazy path was not taken"
    assert lazy == preloaded
    assert len(lazy) == 12
