"""The breach-notice clock starts on the office's day of the discovery: an incident found at
11:30 pm in Chicago (already tomorrow in New York, the site's zone) was found that Chicago
day, and on 31 December late in the evening it is still that year's (the yearly HHS log)."""

from datetime import datetime, timedelta

from medoffice.privacy import services
from medoffice.privacy.models import SecurityIncident
from tests.clock import CHICAGO, LATE_EVENING

OFFICE_DAY = LATE_EVENING.date()


def _incident(practice, user, discovered_at) -> SecurityIncident:
    made = services.incident_report(
        practice=practice, user=user, title="Laptop left on a train",
        description="An unencrypted laptop was lost", discovered_at=discovered_at,
    )  # fmt: skip
    return SecurityIncident.objects.get(pk=made.pk)  # as read back: in UTC


def test_the_notice_deadline_counts_from_the_office_day(
    practice, location, privacy_officer, freeze
):
    freeze(LATE_EVENING)
    incident = _incident(practice, privacy_officer, LATE_EVENING)

    plan = services.notice_plan(incident)

    assert incident.notice_deadline == OFFICE_DAY + timedelta(days=60)
    assert plan.days_left == 60


def test_an_incident_found_on_new_years_eve_goes_in_that_years_log(
    practice, location, privacy_officer
):
    eve = datetime(2026, 12, 31, 22, 0, tzinfo=CHICAGO)  # 1 January in UTC and New York
    incident = _incident(practice, privacy_officer, eve)

    assert services.notice_plan(incident).hhs_log_by.isoformat() == "2027-03-01"
