"""Home-page cards of records (core/home.py): release-of-information requests, the inbox."""

from django.urls import reverse

from medoffice.core.access import in_scope_only, practice_id_for
from medoffice.core.home import Card, Count, home_card
from medoffice.records import selectors, services


@home_card(permission="records.view_roirequest", order=60)
def release_requests(user) -> Card:
    rows = in_scope_only(user, selectors.roi_queue(practice_id=practice_id_for(user)))
    url = reverse("records:roi-queue")
    return Card("Records requests", url, [
        Count("Open", len(rows), url),
        Count("Overdue", sum(1 for r in rows if selectors.is_overdue(r)), url),
    ], note="Access requests are due within 30 days of receipt (HIPAA 164.524).")  # fmt: skip


@home_card(permission="records.view_communication", order=62)
def inbox(user) -> Card:
    questions = selectors.clinical_inbox(provider=services.provider_for_user(user))
    follow_ups = selectors.follow_ups_for(user=user)
    url = reverse("records:inbox")
    return Card("Inbox", url, [
        Count("Questions to answer", len(questions), url),
        Count("My follow-ups", len(follow_ups), url),
    ])  # fmt: skip
