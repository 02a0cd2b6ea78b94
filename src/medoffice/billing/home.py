"""Home-page cards of billing (core/home.py): the coding queue, claims, the work queues."""

from django.urls import reverse

from medoffice.billing import access, work_access
from medoffice.billing.states import ClaimStatus
from medoffice.billing.worklists import QUEUES
from medoffice.core.home import Card, Count, home_card


@home_card(permission="billing.view_coding_queue", order=20)
def coding(user) -> Card:
    url = reverse("billing:queue")
    return Card(
        "Coding", url, [Count("Encounters to code", access.queue_count_for_user(user), url)]
    )


@home_card(permission=access.CLAIM_VIEW, order=30)
def claims(user) -> Card:
    counts = access.claim_counts_for_user(user)
    url = reverse("billing:claim-list")
    shown = (ClaimStatus.DRAFT, ClaimStatus.SCRUBBED, ClaimStatus.QUEUED)
    figures = [Count(s.label, counts[s], f"{url}?status={s.value}") for s in shown]
    note = "Scrubbed claims go out with the next send; drafts still have errors to fix."
    return Card("Claims to send", url, figures, note=note)


@home_card(permission=work_access.VIEW_QUEUES, order=32)
def work_queues(user) -> Card:
    counts = work_access.queue_counts_for_user(user)

    def link(queue: str) -> str:
        url = reverse("billing:claim-queue", kwargs={"queue": queue})
        return f"{url}?open=1" if queue == "appeals" else url

    return Card("Claim work queues", link("rejections"), [
        Count(label, counts[queue], link(queue)) for queue, label in QUEUES.items()
    ])  # fmt: skip
