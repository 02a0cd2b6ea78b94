"""A front-desk visit in a real browser: book from the record, find it on the day board,
check the patient in, check out."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from medoffice.patients.models import Patient
from medoffice.scheduling.models import Appointment, AppointmentType, Room, TemplateBlock


@pytest.fixture
def open_all_week(provider, location):
    """The provider sees patients 7:00-19:00 every day, so open times always exist."""
    Room.objects.create(location=location, name="Exam 1")
    for weekday in range(7):
        TemplateBlock.objects.create(
            provider=provider, location=location, weekday=weekday,
            start_time=time(7, 0), end_time=time(19, 0), slot_minutes=20,
        )  # fmt: skip
    return AppointmentType.objects.create(
        practice=location.practice, name="Follow-up visit", duration_minutes=20,
        room_kind="exam",
    )  # fmt: skip


def test_book_from_the_record_then_check_in_and_out_on_the_board(
    page, login, front_desk, patient, open_all_week, freeze
):
    # The office's clock (the live server shares this process): 7:50 on a Tuesday, so the
    # first open time is this morning and the visit can be checked in.
    zone = ZoneInfo(open_all_week.practice.locations.get().time_zone)
    day = datetime.now(zone).date() + timedelta(days=1)
    while day.weekday() != 1:
        day += timedelta(days=1)
    freeze(datetime.combine(day, time(7, 50), tzinfo=zone))
    login(front_desk)
    page.goto(f"/patients/{patient.public_id}/appointments/")
    page.get_by_role("link", name="Book a visit").click()
    page.select_option("#id_appointment_type", label="Follow-up visit (20 min)")
    page.fill("#id_reason", "Cough")
    page.get_by_role("button", name="Find open times").click()
    first_time = page.locator("table tbody tr").first.locator("td").first.inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Book").first.click()
    expect(page.locator(".message")).to_contain_text("Booked Follow-up visit")
    booked = Appointment.objects.get(patient=patient)
    assert booked.reason == "Cough"
    clock = first_time.split(" ", 2)[2]  # "Mon 11/23/2026 9:00 AM" -> "9:00 AM"
    expect(page.locator("#tab-panel")).to_contain_text(clock)

    day = first_time.split(" ")[1]  # mm/dd/yyyy
    month, dom, year = day.split("/")
    page.goto(f"/schedule/?location={booked.location.public_id}&day={year}-{month}-{dom}")
    visit = page.locator("article.visit", has_text="Smith, John")
    expect(visit).to_contain_text(clock.split(" ")[0])
    visit.get_by_role("link", name="Check in").click()
    expect(page.locator(".copay-due")).to_contain_text("$0.00")
    page.get_by_label("Name, birth date, address and phone confirmed").check()
    page.get_by_role("button", name="Check in").click()
    expect(page.locator(".message")).to_contain_text("checked in")
    visit = page.locator("article.visit", has_text="Smith, John")
    visit.get_by_role("button", name="Roomed").click()
    visit = page.locator("article.visit", has_text="Smith, John")
    visit.get_by_role("button", name="Provider in").click()
    visit = page.locator("article.visit", has_text="Smith, John")
    expect(visit).to_contain_text("With provider")
    visit.get_by_role("button", name="Check out").click()
    expect(page.locator(".message")).to_contain_text("Checked out")
    booked.refresh_from_db()
    assert booked.status == "fulfilled"
    assert booked.arrived_at is not None
    assert booked.checked_out_at is not None


def test_a_front_desk_day(page, login, front_desk, open_all_week, make_patient, payer, freeze,
                          immediate_tasks):  # fmt: skip
    """Register a new patient and book the first open time; move it; cancel it and see the
    waiting patient offered the time (who takes it from the link); book again from the day
    board; check in with the copay shown; room; provider; check out."""
    from decimal import Decimal

    from django.core import mail

    from medoffice.patients.services import consent_record, coverage_add
    from medoffice.scheduling.models import WaitlistOffer
    from medoffice.scheduling.waitlist import waitlist_add
    from tests.browser.test_front_desk import fill_registration, submit_registration

    zone = ZoneInfo(open_all_week.practice.locations.get().time_zone)
    day = datetime.now(zone).date() + timedelta(days=1)
    while day.weekday() != 1:
        day += timedelta(days=1)
    # Early, so the freed time is still more than an hour away and can be offered around.
    freeze(datetime.combine(day, time(5, 50), tzinfo=zone))
    waiting = make_patient(first_name="Wanda", last_name="Waits", email="wanda@example.org")
    consent_record(patient=waiting, kind="email", signed_on=date(2024, 1, 1))
    waitlist_add(patient=waiting, fields={"appointment_type": open_all_week})

    login(front_desk)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register patient").click()
    fill_registration(page, **{"#id_first_name": "Nora", "#id_last_name": "Newcomb"})
    page.check("#id_privacy_notice")
    submit_registration(page)
    expect(page.locator(".message")).to_contain_text("Registered")
    nora = Patient.objects.get(last_name="Newcomb")
    coverage_add(patient=nora, fields={"payer": payer, "member_id": "W5550001", "order": 1,
                                       "relationship": "18", "effective_start": date(2024, 1, 1),
                                       "copay": Decimal("30.00")})  # fmt: skip

    # Book the first open time: 7:00 this morning.
    page.goto(f"/patients/{nora.public_id}/appointments/book/")
    page.select_option("#id_appointment_type", label="Follow-up visit (20 min)")
    page.get_by_role("button", name="Find open times").click()
    expect(page.locator("table tbody tr").first).to_contain_text("7:00 AM")
    with page.expect_navigation():
        page.get_by_role("button", name="Book").first.click()
    expect(page.locator(".message")).to_contain_text("Booked Follow-up visit")

    # Move it to the next open time, then cancel it.
    page.locator("#tab-panel table a").first.click()
    page.get_by_role("link", name="Reschedule").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Move here").nth(1).click()
    expect(page.locator(".message")).to_contain_text("Moved to")
    visit = Appointment.objects.get(patient=nora)
    page.select_option("#id_reason", "Patient cancelled")
    page.get_by_role("button", name="Cancel the visit").click()
    expect(page.locator(".message")).to_contain_text("Cancelled")
    page.snap("cancelled")

    # The waiting patient was offered each freed time (the move freed 7:00, the cancellation
    # the later one) and takes the cancelled time from the e-mailed link.
    offers = WaitlistOffer.objects.filter(entry__patient=waiting).order_by("starts_at")
    assert [o.starts_at.astimezone(zone).strftime("%H:%M") for o in offers] == ["07:00", "07:40"]
    offer = offers.get(starts_at=visit.starts_at)
    emails = [m for m in mail.outbox if "An earlier visit is open" in m.subject]
    assert [m.to for m in emails] == [["wanda@example.org"]] * 2
    assert any(f"/offers/{offer.token}/" in m.body for m in emails)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Waiting list").click()
    expect(page.locator("table")).to_contain_text("Waits, Wanda")
    expect(page.locator("table")).to_contain_text("offered")
    page.goto(f"/offers/{offer.token}/")
    page.get_by_role("button", name="Take this time").click()
    expect(page.locator(".message")).to_contain_text("You are booked")
    assert Appointment.objects.get(patient=waiting).starts_at == visit.starts_at

    # Nora is booked again from the day board's first open time, and her day goes on.
    page.goto(f"/schedule/?location={visit.location.public_id}&day={day.isoformat()}")
    page.locator("a.open-time").first.click()
    page.fill("#book-q", "Newcomb")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("button", name="Book").click()
    expect(page.locator(".message")).to_contain_text("Booked")
    card = page.locator("article.visit", has_text="Newcomb, Nora")
    card.get_by_role("link", name="Check in").click()
    expect(page.locator(".copay-due")).to_contain_text("$30.00")
    page.get_by_label("Name, birth date, address and phone confirmed").check()
    page.get_by_label("Insurance card seen").check()
    page.fill("#id_copay_collected", "30.00")
    page.select_option("#id_copay_method", "card")
    page.fill("#id_copay_reference", "APPR 3318")
    page.snap("check-in")
    page.get_by_role("button", name="Check in").click()
    expect(page.locator(".message")).to_contain_text("checked in")
    for step in ("Roomed", "Provider in", "Check out"):
        page.locator("article.visit", has_text="Newcomb, Nora").get_by_role(
            "button", name=step
        ).click()
    expect(page.locator(".message")).to_contain_text("Checked out")
    page.snap("day-board")
    seen = Appointment.objects.get(patient=nora, status="fulfilled")
    assert seen.check_in.copay_collected == Decimal("30.00")
