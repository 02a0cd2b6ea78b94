"""A decision on the chart is dated on the patient's office day: at 11:30 pm in Chicago
(already tomorrow in New York, the site's zone) an amendment denied is denied that day."""

from medoffice.clinical import services
from medoffice.core.roles import Role
from tests.clock import LATE_EVENING

OFFICE_DAY = LATE_EVENING.date()


def test_an_amendment_decided_late_is_dated_on_the_office_day(patient, location, make_user, freeze):
    freeze(LATE_EVENING)
    request = services.amendment_receive(
        patient=patient, received_on=OFFICE_DAY, requested_change="My allergy is to latex."
    )

    services.amendment_deny(
        request=request, decided_by=make_user(Role.RECORDS),
        reason="The record is accurate and complete.",
    )  # fmt: skip

    request.refresh_from_db()
    assert request.decided_on == OFFICE_DAY  # it was "tomorrow", after it was received
