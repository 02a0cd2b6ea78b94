"""The no-show and wait dashboard: rates per provider and the patients who often miss."""

from datetime import timedelta

from django.urls import reverse

from medoffice.scheduling.front_desk import visit_step
from medoffice.scheduling.selectors import dashboard_figures
from tests.scheduling.conftest import next_weekday_at


def test_rates_waits_and_frequent_no_shows(office, book, patients, move, freeze, practice,
                                           second_provider):  # fmt: skip
    often, once, good = patients(3)
    visits = [book(often, next_weekday_at(9, 0)), book(once, next_weekday_at(9, 30)),
              book(good, next_weekday_at(10, 0)), book(often, next_weekday_at(11, 0))]  # fmt: skip
    for visit in (visits[0], visits[1], visits[3]):
        move(visit, "noshow")
    move(visits[2], "arrived")  # 10 minutes early: 9:50
    freeze(next_weekday_at(10, 2))
    visit_step(appointment=visits[2], step="roomed")
    freeze(next_weekday_at(10, 10))
    visit_step(appointment=visits[2], step="seen")
    freeze(next_weekday_at(12, 0))
    figures, frequent = dashboard_figures(
        practice_id=practice.id, starts=next_weekday_at(0, 0), ends=next_weekday_at(23, 0)
    )
    (mine,) = figures
    assert (mine.due, mine.no_shows) == (4, 3)
    assert mine.no_show_rate == 0.75
    assert mine.avg_wait_for_room == 12.0
    assert mine.avg_wait_for_provider == 8.0
    assert [(f.patient_id, f.no_shows) for f in frequent] == [(often.id, 2)]


def test_the_dashboard_page_and_the_booking_warning(office, book, patients, move, freeze,
                                                    front_desk, client_for):  # fmt: skip
    (often,) = patients(1)
    for hour in (9, 10):
        move(book(often, next_weekday_at(hour, 0)), "noshow")
    freeze(next_weekday_at(12, 0) + timedelta(days=1))
    client = client_for(front_desk)
    html = client.get(reverse("scheduling:dashboard"), {"days": "30"}).content.decode()
    assert "No-show rate: <strong>100%</strong>" in html
    assert often.last_name in html
    book_page = client.get(reverse("scheduling:appointment-book", args=[often.public_id]))
    assert "2 missed visits in the last 12 months" in book_page.content.decode()
    assert client.get(reverse("scheduling:dashboard"), {"days": "lots"}).status_code == 200
