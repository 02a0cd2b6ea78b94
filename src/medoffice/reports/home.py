"""Home-page card of reports (core/home.py): the way to the practice dashboard."""

from django.urls import reverse

from medoffice.core.home import Card, home_card


@home_card(permission="reports.view_dashboard", order=44)
def dashboard(user) -> Card:
    note = "Visits, charges, collections and what is owed, by week and location."
    return Card("Practice dashboard", reverse("reports:dashboard"), note=note)
