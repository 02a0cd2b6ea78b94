"""The cancellation list: who is offered a freed time, first to accept wins, the rest are told."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from medoffice.messaging.models import Message
from medoffice.patients.services import consent_record
from medoffice.scheduling.models import Appointment, OfferStatus, WaitlistOffer, WaitlistStatus
from medoffice.scheduling.services import appointment_cancel, appointment_reschedule
from medoffice.scheduling.waitlist import (
    OfferClosedError,
    Opening,
    candidates,
    offer_accept,
    offer_decline,
    offer_opening,
    waitlist_add,
)
from tests.scheduling.conftest import next_weekday_at

# Messages are sent as soon as they are queued (the worker's job, done in-line).
pytestmark = pytest.mark.usefixtures("immediate_tasks")


def sent(kind: str) -> list:
    """E-mails of the waiting list: "open" (an offer) or "taken"."""
    words = {"open": "An earlier visit is open", "taken": "has been taken"}[kind]
    return [m for m in mail.outbox if words in m.subject]


@pytest.fixture
def waiting(patients, visit_type):
    """Four waiting patients (with e-mail consent): two normal, one urgent, one for Fridays."""
    people = patients(4)
    for n, person in enumerate(people):
        person.email = f"p{n}@example.org"
        person.save()
        consent_record(patient=person, kind="email", signed_on=date(2024, 1, 1))
    normal1 = waitlist_add(patient=people[0], fields={"appointment_type": visit_type})
    normal2 = waitlist_add(patient=people[1], fields={"appointment_type": visit_type})
    urgent = waitlist_add(patient=people[2], fields={"appointment_type": visit_type,
                                                     "priority": 1})  # fmt: skip
    fridays = waitlist_add(patient=people[3], fields={"appointment_type": visit_type,
                                                      "weekdays": "4"})  # fmt: skip
    return [urgent, normal1, normal2, fridays]


@pytest.fixture
def booked(office, book, patient):
    return book(patient, next_weekday_at(10, 0))


def cancel(appointment, capture):
    with capture(execute=True):
        appointment_cancel(appointment=appointment, reason="Patient cancelled")


def test_a_cancelled_time_is_offered_to_the_best_ranked_suited_patients(
    booked, waiting, django_capture_on_commit_callbacks, settings
):
    settings.MEDOFFICE_WAITLIST_OFFERS_PER_OPENING = 2
    cancel(booked, django_capture_on_commit_callbacks)
    offers = list(WaitlistOffer.objects.order_by("id"))
    assert [o.entry for o in offers] == [waiting[0], waiting[1]]  # urgent first, then longest
    assert {o.starts_at for o in offers} == {booked.starts_at}
    assert sorted(m.to[0] for m in sent("open")) == ["p0@example.org", "p2@example.org"]
    body = sent("open")[0].body
    assert "/offers/" in body
    assert "Patient cancelled" not in body
    assert "Office visit" not in body  # minimum necessary: no visit type
    assert Message.objects.filter(purpose="waitlist_offer", status="sent").count() == 2


def test_an_opening_suits_only_matching_entries(office, waiting, provider, location, patients,
                                                practice, visit_type):  # fmt: skip
    from medoffice.scheduling.models import AppointmentType

    long_type = AppointmentType.objects.create(practice=practice, name="Physical",
                                               duration_minutes=60)  # fmt: skip
    (someone,) = patients(1)
    waitlist_add(patient=someone, fields={"appointment_type": long_type})
    tuesday = next_weekday_at(10, 0)
    opening = Opening(provider, location, tuesday, tuesday + timedelta(minutes=30))
    suited = candidates(opening)
    assert waiting[3] not in suited  # Fridays only
    assert all(e.appointment_type == visit_type for e in suited)  # 60 minutes do not fit
    afternoon = waitlist_add(
        patient=waiting[3].patient,
        fields={"appointment_type": long_type, "part_of_day": "afternoon"},
    )
    assert afternoon not in candidates(Opening(provider, location, tuesday,
                                               tuesday + timedelta(hours=2)))  # fmt: skip


def test_first_to_accept_is_booked_and_the_others_are_told(
    booked, waiting, django_capture_on_commit_callbacks
):
    cancel(booked, django_capture_on_commit_callbacks)
    first, second, third = WaitlistOffer.objects.order_by("id")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        appointment = offer_accept(offer=first)
    assert appointment.patient == first.entry.patient
    assert appointment.starts_at == booked.starts_at
    first.entry.refresh_from_db()
    assert first.entry.status == WaitlistStatus.BOOKED
    second.refresh_from_db()
    assert second.status == OfferStatus.TAKEN
    told = {second.entry.patient.email, third.entry.patient.email}
    assert {m.to[0] for m in sent("taken")} == told
    with pytest.raises(OfferClosedError, match="taken"):
        offer_accept(offer=second)
    assert Appointment.objects.filter(starts_at=booked.starts_at, status="booked").count() == 1


def test_an_offer_whose_time_was_booked_meanwhile_says_so(
    booked, waiting, book, patients, django_capture_on_commit_callbacks
):
    cancel(booked, django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.order_by("id").first()
    (walk_in,) = patients(1)
    book(walk_in, booked.starts_at)  # the front desk gave it away by phone
    with pytest.raises(OfferClosedError, match="just taken"):
        offer_accept(offer=offer)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.TAKEN
    assert offer.entry.status == WaitlistStatus.WAITING


def test_an_expired_or_declined_offer_cannot_be_accepted(
    booked, waiting, freeze, django_capture_on_commit_callbacks
):
    cancel(booked, django_capture_on_commit_callbacks)
    first, second, *_ = WaitlistOffer.objects.order_by("id")
    offer_decline(offer=first)
    with pytest.raises(OfferClosedError, match="declined"):
        offer_accept(offer=first)
    freeze(second.expires_at + timedelta(minutes=1))
    with pytest.raises(OfferClosedError, match="expired"):
        offer_accept(offer=second)


def test_a_moved_visit_offers_its_old_time(booked, waiting, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appointment_reschedule(appointment=booked, starts_at=next_weekday_at(11, 0))
    assert {o.starts_at for o in WaitlistOffer.objects.all()} == {next_weekday_at(10, 0)}


def test_a_time_about_to_begin_is_not_offered(office, waiting, provider, location, freeze):
    soon = next_weekday_at(10, 0)
    freeze(soon - timedelta(minutes=50))
    assert offer_opening(Opening(provider, location, soon, soon + timedelta(minutes=30))) == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"latest": date(2020, 1, 1)}, "latest"), ({"weekdays": "1,9"}, "weekdays"),
     ({"part_of_day": "midnight"}, "part_of_day")],
)  # fmt: skip
def test_bad_entries_are_refused(patient, visit_type, fields, field):
    with pytest.raises(ValidationError) as excinfo:
        waitlist_add(patient=patient, fields={"appointment_type": visit_type} | fields)
    assert field in excinfo.value.message_dict


def test_one_waiting_entry_per_patient_and_type(patient, visit_type):
    waitlist_add(patient=patient, fields={"appointment_type": visit_type})
    with pytest.raises(ValidationError, match="Already waiting"):
        waitlist_add(patient=patient, fields={"appointment_type": visit_type})


def test_the_patient_answers_on_the_offer_page(booked, waiting, django_capture_on_commit_callbacks):
    cancel(booked, django_capture_on_commit_callbacks)
    first, second, *_ = WaitlistOffer.objects.order_by("id")
    browser = Client()
    page = browser.get(reverse("scheduling:offer", args=[first.token]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Take this time" in html
    assert first.entry.patient.last_name not in html  # the link may be forwarded: no name
    taken = browser.post(reverse("scheduling:offer", args=[first.token]), {"answer": "accept"})
    assert "You are booked" in taken.content.decode()
    late = browser.post(reverse("scheduling:offer", args=[second.token]), {"answer": "accept"})
    assert late.status_code == 409
    assert "stay on the waiting list" in late.content.decode()
    assert browser.get(reverse("scheduling:offer", args=["not-a-token"])).status_code == 404


def test_staff_add_from_the_record_and_see_the_list(patient, visit_type, front_desk,
                                                    client_for):  # fmt: skip
    client = client_for(front_desk)
    url = reverse("scheduling:waitlist-add", args=[patient.public_id])
    bad = client.post(url, {"appointment_type": visit_type.pk, "priority": 3,
                            "earliest": "2030-01-10", "latest": "2030-01-01"})  # fmt: skip
    assert bad.status_code == 422
    assert "before the first" in bad.content.decode()
    ok = client.post(url, {"appointment_type": visit_type.pk, "priority": 2, "weekdays": ["0", "2"],
                           "part_of_day": "morning", "note": "Prefers mornings"})  # fmt: skip
    assert ok.status_code == 302
    listing = client.get(reverse("scheduling:waitlist")).content.decode()
    assert patient.last_name in listing
    assert "days 0,2" in listing
    entry = patient.waitlist.get()
    client.post(reverse("scheduling:waitlist-remove", args=[entry.public_id]))
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.REMOVED


def test_a_text_answered_yes_books_the_offered_time(
    booked, patients, visit_type, django_capture_on_commit_callbacks, settings, client
):
    from medoffice.messaging.models import SmsOutbox

    settings.SMS_WEBHOOK_TOKEN = "hook-secret"
    (texter,) = patients(1)
    texter.mobile_phone = "+12175550123"
    texter.preferred_contact_method = "sms"
    texter.save()
    consent_record(patient=texter, kind="sms", signed_on=date(2024, 1, 1))
    entry = waitlist_add(patient=texter, fields={"appointment_type": visit_type})
    cancel(booked, django_capture_on_commit_callbacks)
    (offer_text,) = [m for m in SmsOutbox.objects.all() if "earlier visit" in m.body]
    assert "Reply YES" in offer_text.body
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("messaging:sms-inbound"),
            {"From": "+12175550123", "Body": "yes", "MessageSid": "SM1"},
            headers={"X-Medoffice-Webhook-Token": "hook-secret"},
        )
    assert answer.status_code in (200, 204)
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.BOOKED
    assert entry.booked_appointment.starts_at == booked.starts_at
    assert any("you are booked" in m.body for m in SmsOutbox.objects.all())


def test_finding_candidates_takes_the_same_queries_however_many_wait(
    office, patients, visit_type, provider, location, django_assert_max_num_queries
):
    for person in patients(12):
        waitlist_add(patient=person, fields={"appointment_type": visit_type})
    tuesday = next_weekday_at(10, 0)
    with django_assert_max_num_queries(3):
        assert len(candidates(Opening(provider, location, tuesday,
                                      tuesday + timedelta(minutes=30)))) == 12  # fmt: skip
