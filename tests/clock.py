"""The test office's clock. The test location is in Chicago while the site runs on New
York time (settings.TIME_ZONE): between 11 pm and midnight in Chicago the two disagree on
the date, which is how tests catch a day counted by the wrong clock. A test that means
"today at the office" says office_today(), never timezone.localdate()."""

from datetime import date
from zoneinfo import ZoneInfo

from django.utils import timezone

CHICAGO = ZoneInfo("America/Chicago")


def office_today() -> date:
    return timezone.now().astimezone(CHICAGO).date()
