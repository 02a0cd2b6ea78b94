"""Home-page card of privacy (core/home.py): open security incidents (possible breaches)."""

from django.urls import reverse

from medoffice.core.home import Card, Count, home_card
from medoffice.privacy import selectors


@home_card(permission="privacy.view_riskassessment", order=72)
def incidents(user) -> Card:
    url = reverse("privacy:home")
    still_open = selectors.incidents_for(user).filter(closed_at__isnull=True).count()
    return Card("Privacy and security", url, [Count("Open incidents", still_open, url)])
