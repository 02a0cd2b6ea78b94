"""Check-in: what it verifies, shows and records; and what it refuses, leaving nothing behind."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from medoffice.patients import services as patient_services
from medoffice.scheduling.errors import StatusMoveError
from medoffice.scheduling.front_desk import (
    changes_since,
    consents_missing,
    copay_due,
    last_check_in,
    visit_check_in,
    visit_snapshot,
    visit_step,
)
from medoffice.scheduling.models import Appointment, CheckIn
from medoffice.scheduling.services import appointment_set_status
from tests.clock import office_today
from tests.scheduling.conftest import next_weekday_at

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def insured(patient, payer):
    patient_services.coverage_add(
        patient=patient,
        fields={"payer": payer, "member_id": "W1234567", "order": 1, "relationship": "18",
                "effective_start": date(2024, 1, 1), "copay": Decimal("25.00")},
        cards={"card_front": SimpleUploadedFile("f.png", PNG, content_type="image/png")},
    )  # fmt: skip
    return patient


@pytest.fixture
def visit(office, book, insured):
    return book(insured, next_weekday_at(9, 0))


@pytest.fixture
def on_the_day(visit, freeze):
    freeze(visit.starts_at - timedelta(minutes=10))
    return visit


def check_in(appointment, **fields):
    return visit_check_in(
        appointment=appointment,
        **{"demographics_verified": True, "insurance_verified": True} | fields,
    )


def test_the_copay_due_comes_from_the_primary_coverage(visit, office, book, patients):
    assert copay_due(visit) == Decimal("25.00")
    (self_pay,) = patients(1)
    assert copay_due(book(self_pay, next_weekday_at(10, 0))) == Decimal("0.00")


def test_consents_required_for_the_visit_and_those_on_file(visit, insured):
    assert consents_missing(visit) == [
        "treatment", "privacy_notice", "financial_policy", "assignment_of_benefits",
    ]  # fmt: skip
    patient_services.consent_record(patient=insured, kind="treatment", signed_on=date(2024, 1, 1))
    assert "treatment" not in consents_missing(visit)


def test_check_in_records_copay_consents_and_arrival(on_the_day, front_desk, audit_mark,
                                                     audit_since):  # fmt: skip
    mark = audit_mark()
    record = check_in(
        on_the_day, checked_in_by=front_desk, consents_signed=["treatment", "privacy_notice"],
        copay_collected=Decimal("25.00"), copay_method="card", copay_reference="A1",
    )  # fmt: skip
    on_the_day.refresh_from_db()
    assert on_the_day.status == "arrived"
    assert record.checked_in_at == on_the_day.arrived_at
    assert record.copay_due == record.copay_collected == Decimal("25.00")
    assert record.copay_outstanding == Decimal("0.00")
    assert consents_missing(on_the_day) == ["financial_policy", "assignment_of_benefits"]
    assert record.snapshot["coverages"]["Primary"]["member_id"] == "W1234567"
    kinds = [(e.object_type, e.action) for e in audit_since(mark)]
    assert kinds == [
        ("patients.consent", "create"), ("patients.consent", "create"),
        ("scheduling.appointment", "update"), ("payments.payment", "create"),
        ("scheduling.checkin", "create"),
    ]  # fmt: skip
    # the copay is in the patient's account (the ledger), with the terminal's reference
    from medoffice.payments.models import Payment

    (payment,) = Payment.objects.filter(account__patient=on_the_day.patient)
    assert (payment.amount, payment.method, payment.reference) == (Decimal("25.00"), "card", "A1")
    assert payment.visit.appointment == on_the_day


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"copay_collected": Decimal("30.00"), "copay_method": "cash"}, "copay_collected"),
        ({"copay_collected": Decimal("-1.00"), "copay_method": "cash"}, "copay_collected"),
        ({"copay_collected": Decimal("10.001"), "copay_method": "cash"}, "copay_collected"),
        ({"copay_collected": Decimal("10.00"), "copay_method": ""}, "copay_method"),
        ({"copay_collected": Decimal("10.00"), "copay_method": "bitcoin"}, "copay_method"),
        ({"copay_collected": Decimal("0.00"), "copay_method": "cash"}, "copay_collected"),
        ({"copay_collected": Decimal("25.00"), "copay_method": "check"}, "copay_reference"),
        ({"copay_collected": Decimal("25.00"), "copay_method": "card",
          "copay_reference": "4111 1111 1111 1111"}, "copay_reference"),
        ({"demographics_verified": False}, "demographics_verified"),
        ({"consents_signed": ["tattoo"]}, "consents_signed"),
    ],
    ids=["over", "negative", "fraction", "no-method", "bad-method", "method-no-amount",
         "check-no-number", "card-number", "unverified", "unknown-consent"],
)  # fmt: skip
def test_a_refused_check_in_changes_nothing(on_the_day, insured, fields, field, audit_mark,
                                            audit_since):  # fmt: skip
    mark = audit_mark()
    with pytest.raises(ValidationError) as excinfo:
        check_in(on_the_day, **({"consents_signed": ["treatment"]} | fields))
    assert field in excinfo.value.message_dict
    on_the_day.refresh_from_db()
    assert on_the_day.status == "booked"
    assert on_the_day.arrived_at is None
    assert not CheckIn.objects.exists()
    assert not insured.consents.exists()
    assert audit_since(mark) == []


def test_check_in_is_only_on_the_visit_day(visit, freeze):
    freeze(visit.starts_at - timedelta(days=1))
    with pytest.raises(StatusMoveError, match="day of the visit"):
        check_in(visit)
    assert Appointment.objects.get(pk=visit.pk).status == "booked"
    assert not CheckIn.objects.exists()


def test_arrival_is_not_a_plain_status_move(on_the_day):
    with pytest.raises(StatusMoveError, match="check-in screen"):
        appointment_set_status(appointment=on_the_day, status="arrived")


def test_what_changed_since_the_last_visit(office, book, insured, payer, freeze, arrive):
    first = arrive(book(insured, next_weekday_at(9, 0)))
    appointment_set_status(appointment=first, status="fulfilled")
    freeze(None)
    second = book(insured, next_weekday_at(9, 0, weekday=3))
    patient_services.patient_update(
        patient=insured, fields={"city": "Peoria", "email": "new@example.com"}
    )
    coverage = insured.coverages.get()
    patient_services.coverage_update(coverage=coverage, fields={"member_id": "W7654321"})
    previous = last_check_in(second)
    assert previous.appointment_id == first.id
    changes = changes_since(previous.snapshot, visit_snapshot(insured, office_today()))
    assert {(c.label, c.after) for c in changes} == {
        ("City", "Peoria"), ("E-mail", "new@example.com"), ("Primary member id", "W7654321"),
    }  # fmt: skip


def test_undoing_a_check_in_with_a_copay_collected_is_refused(on_the_day):
    check_in(on_the_day, copay_collected=Decimal("25.00"), copay_method="cash")
    with pytest.raises(StatusMoveError, match="refund"):
        appointment_set_status(appointment=on_the_day, status="booked")
    assert CheckIn.objects.count() == 1


def test_undoing_a_check_in_without_money_clears_it(on_the_day):
    check_in(on_the_day)
    appointment_set_status(appointment=on_the_day, status="booked")
    on_the_day.refresh_from_db()
    assert on_the_day.arrived_at is None
    assert not CheckIn.objects.exists()
    check_in(on_the_day)  # and it can be done again, properly
    assert CheckIn.objects.count() == 1


def test_rooming_and_the_provider_are_stamped_once_in_order(on_the_day, freeze):
    with pytest.raises(StatusMoveError, match="Check the patient in"):
        visit_step(appointment=on_the_day, step="roomed")
    check_in(on_the_day)
    freeze(on_the_day.starts_at + timedelta(minutes=5))
    visit_step(appointment=on_the_day, step="roomed")
    with pytest.raises(StatusMoveError, match="Already"):
        visit_step(appointment=on_the_day, step="roomed")
    freeze(on_the_day.starts_at + timedelta(minutes=9))
    visit = visit_step(appointment=on_the_day, step="seen")
    assert (visit.roomed_at - visit.arrived_at) == timedelta(minutes=15)
    assert (visit.seen_at - visit.roomed_at) == timedelta(minutes=4)


def test_the_check_in_screen_shows_copay_cards_changes_and_missing_consents(
    on_the_day, front_desk, client_for
):
    client = client_for(front_desk)
    url = reverse("scheduling:appointment-check-in", args=[on_the_day.public_id])
    html = client.get(url).content.decode()
    assert "Due today: <strong>$25.00</strong>" in html
    assert "First visit" in html
    assert 'alt="Card front"' in html
    assert "Assignment of benefits" in html
    response = client.post(url, {"copay_collected": "40", "copay_method": "cash"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Confirm name, birth date and address" in html
    assert "More than the $25.00 copay due" in html
    assert not CheckIn.objects.exists()


def test_the_api_checks_in_and_says_why_it_cannot(visit, freeze, front_desk, client_for):
    client = client_for(front_desk)
    url = reverse("api:appointment-check-in", args=[visit.public_id])
    body = {"demographics_verified": True, "copay_collected": "25.00", "copay_method": "card",
            "copay_reference": "T-100", "consents_signed": ["treatment"]}  # fmt: skip
    early = client.post(url, body, content_type="application/json")
    assert early.status_code == 409
    assert "day of the visit" in early.json()["detail"]
    freeze(visit.starts_at - timedelta(minutes=5))
    client = client_for(front_desk)  # a fresh session at the frozen time
    done = client.post(url, body, content_type="application/json")
    assert done.status_code == 201
    assert done.json()["copay_due"] == "25.00"
    assert done.json()["appointment"]["status"] == "arrived"
    again = client.post(url, body, content_type="application/json")
    assert again.status_code == 409
