"""Home-page cards of patient accounts (core/home.py): refunds, the day's close."""

from datetime import timedelta

from django.db.models import Count as Counted
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from medoffice.accounts import access
from medoffice.accounts.views import APPROVE, CLOSE, REFUND
from medoffice.core.home import Card, Count, home_card
from medoffice.core.policy import has_permission


@home_card(permission=REFUND, order=40)
def refunds(user) -> Card:
    url = reverse("accounts:refund-list")
    waiting = access.refund_requests_for_user(user).filter(status="requested").count()
    title = "Refunds to approve" if has_permission(user, APPROVE) else "Refunds requested"
    return Card(title, url, [Count("Awaiting a decision", waiting, url)])


@home_card(permission=CLOSE, order=42)
def day_close(user) -> Card:
    url = reverse("accounts:day-close")
    yesterday = timezone.localdate() - timedelta(days=1)
    figures = (
        access.day_closes_for_user(user, sees_all=has_permission(user, APPROVE))
        .filter(day=yesterday)
        .aggregate(closed=Counted("pk"), differing=Counted("pk", filter=~Q(differences=[])))
    )
    return Card("Yesterday's drawers", url, [
        Count("Closed", figures["closed"], url),
        Count("With differences", figures["differing"], url),
    ])  # fmt: skip
