"""A front-desk visit in a real browser: book from the record, find it on the day board,
check the patient in, check out."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

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
