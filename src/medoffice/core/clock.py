"""Local days. A medical office counts its days by its own wall clock: a visit, a payment
or a signature belongs to the day it was on the location's calendar, whatever zone the
server runs in (settings.TIME_ZONE is only the fallback for a site without locations)."""

from datetime import date, tzinfo

from django.utils import timezone


def today_at(place=None) -> date:
    """Today on `place`'s wall clock: anything with a `zone` (a location, a patient, a
    practice), a tzinfo, or None for the active zone (in a request the user's office,
    OfficeTimeMiddleware; otherwise the site's)."""
    if place is None:
        return timezone.localdate()
    zone = place if isinstance(place, tzinfo) else place.zone
    return timezone.now().astimezone(zone).date()
