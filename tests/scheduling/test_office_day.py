"""The waiting list counts the patient's office day: at 11:30 pm in Chicago (tomorrow in
New York, the site's zone) a new entry waits from today, and "until today" has not passed."""

from medoffice.scheduling.waitlist import waitlist_add
from tests.clock import LATE_EVENING

OFFICE_DAY = LATE_EVENING.date()


def test_a_waitlist_entry_made_late_waits_from_the_office_day(
    patient, location, visit_type, freeze
):
    freeze(LATE_EVENING)

    entry = waitlist_add(
        patient=patient, fields={"appointment_type": visit_type, "latest": OFFICE_DAY}
    )

    assert (entry.earliest, entry.latest) == (OFFICE_DAY, OFFICE_DAY)
