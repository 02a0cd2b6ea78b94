"""The test office's clock. The test location is in Chicago while the site runs on New
York time (settings.TIME_ZONE): between 11 pm and midnight in Chicago the two disagree on
the date, which is how tests catch a day counted by the wrong clock. A test that means
"today at the office" says office_today(), never timezone.localdate()."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

CHICAGO = ZoneInfo("America/Chicago")
# 11:30 pm in Chicago on 24 November 2026 is already the 25th in New York (05:30 UTC):
# freeze the clock here to show a day counted on the office's clock, not the site's.
LATE_EVENING = datetime(2026, 11, 24, 23, 30, tzinfo=CHICAGO)


def office_today() -> date:
    return timezone.now().astimezone(CHICAGO).date()
