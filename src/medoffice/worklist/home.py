"""Home-page card of the worklist (core/home.py): the user's open tasks."""

from django.urls import reverse

from medoffice.core.home import Card, Count, home_card
from medoffice.core.policy import AUTHENTICATED
from medoffice.worklist.selectors import task_counts_for_user


@home_card(permission=AUTHENTICATED, order=90)
def tasks(user) -> Card:
    counts = task_counts_for_user(user)
    url = reverse("worklist:task-list")
    return Card("My tasks", url, [
        Count("Open", counts["open"], url), Count("Overdue", counts["overdue"], url),
    ])  # fmt: skip
