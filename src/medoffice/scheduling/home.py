"""Home-page cards of the schedule (core/home.py): each location's day, the waiting list."""

from django.urls import reverse
from django.utils.http import urlencode

from medoffice.core.clock import today_at
from medoffice.core.home import Card, Count, home_card
from medoffice.scheduling import access
from medoffice.scheduling.selectors import BOARD_STATES, day_board_counts

VIEW = "scheduling.view_appointment"


@home_card(permission=VIEW, order=10)
def todays_visits(user) -> list[Card]:
    """A card per location the user works at: its day board's visits by state."""
    locations = access.desk_locations_for_user(user)
    counts = day_board_counts(days={location: today_at(location) for location in locations})
    board = reverse("scheduling:day-board")
    cards = []
    for location in locations:
        url = f"{board}?{urlencode({'location': location.public_id})}"
        figures = counts[location.pk]
        cards.append(Card(
            f"Today at {location.name}", url,
            [Count(label, figures[key], url) for key, (label, _) in BOARD_STATES.items()],
        ))  # fmt: skip
    return cards


@home_card(permission=VIEW, order=12)
def waiting_list(user) -> Card:
    counts = access.waitlist_counts_for_user(user)
    url = reverse("scheduling:waitlist")
    figures = [
        Count("Waiting", counts["waiting"], url),
        Count("Offers open", counts["offered"], url),
    ]
    note = "A cancelled time is offered to the patients it suits; the first to accept books it."
    return Card("Waiting list", url, figures, note=note)
