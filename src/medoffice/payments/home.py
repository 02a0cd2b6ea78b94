"""Home-page card of remittances (core/home.py): ERA lines waiting in suspense."""

from django.urls import reverse

from medoffice.core.access import practice_id_for
from medoffice.core.home import Card, Count, home_card
from medoffice.payments.models import SuspenseItem, SuspenseStatus


@home_card(permission="payments.work_suspense", order=34)
def suspense(user) -> Card:
    url = reverse("payments:suspense-list")
    still_open = SuspenseItem.objects.filter(
        practice_id=practice_id_for(user), status=SuspenseStatus.OPEN
    ).count()  # the suspense list's rows (payments/views.py suspense_list)
    return Card("Remittance suspense", url, [Count("Lines to match", still_open, url)])
