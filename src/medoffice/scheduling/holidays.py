"""Office holidays: US federal holidays loaded from the `holidays` package, then editable."""

import holidays as public_holidays

from medoffice.core.models import Practice
from medoffice.scheduling.models import Holiday


def holidays_load_federal(*, practice: Practice, years: list[int]) -> int:
    """Add the US federal holidays of `years` that the practice does not have yet."""
    existing = set(Holiday.objects.filter(practice=practice).values_list("day", flat=True))
    new = [
        Holiday(practice=practice, day=day, name=name)
        for day, name in sorted(public_holidays.US(years=years).items())
        if day not in existing
    ]
    Holiday.objects.bulk_create(new)
    return len(new)
