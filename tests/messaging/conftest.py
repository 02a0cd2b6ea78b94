"""A reachable patient, a visit to remind, a frozen clock, and the SMS outbox to read."""

from datetime import UTC, date, datetime, timedelta

import pytest

from medoffice.messaging.models import Message, SmsOutbox
from medoffice.patients.services import consent_record
from tests.scheduling.conftest import (  # noqa: F401 - fixtures shared with scheduling
    book,
    rooms,
    visit_type,
)

# A Friday, 9:00 in Chicago (CST, UTC-6): the visit every test reminds.
VISIT = datetime(2027, 3, 5, 15, 0, tzinfo=UTC)
BOOKED_AT = VISIT - timedelta(days=10)


@pytest.fixture
def consent(db):
    def sign(patient, *kinds, signed_on=date(2026, 1, 5)):
        for kind in kinds:
            consent_record(patient=patient, kind=kind, signed_on=signed_on)
        return patient

    return sign


@pytest.fixture
def reachable(make_patient, consent):
    """make(**fields) -> a patient with a mobile phone and e-mail who consented to both."""

    def make(**fields):
        defaults = {"email": "john.smith@example.org", "preferred_contact_method": "sms"}
        patient = make_patient(**{**defaults, **fields})
        return consent(patient, "sms", "email")

    return make


@pytest.fixture
def visit(freeze, book, rooms, location, reachable):  # noqa: F811 - the fixtures above
    """A visit booked ten days ahead for a patient reachable by text and e-mail."""
    location.phone = "(217) 555-0100"
    location.save()
    freeze(BOOKED_AT)
    return book(reachable(), VISIT, override=True)


@pytest.fixture
def texts():
    """texts() -> the (to, body) pairs in the SMS outbox, oldest first."""

    def read():
        return list(SmsOutbox.objects.order_by("created_at", "id").values_list("to", "body"))

    return read


def reminders():
    return list(Message.objects.filter(purpose="reminder").order_by("created_at", "id"))
