"""Home-page cards of the chart (core/home.py): chart prep, transcription, amendments,
the emergency-access review. Each count is the length of its page's own list, kept to the
user's scope as the page keeps it."""

from datetime import timedelta

from django.db.models import Count as Counted
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from medoffice.clinical import access, selectors
from medoffice.clinical.rules import is_overdue
from medoffice.core.access import in_scope_only, location_scope, practice_id_for
from medoffice.core.home import Card, Count, home_card


@home_card(permission="clinical.view_previsit", order=50)
def chart_prep(user) -> Card:
    tomorrow = timezone.localdate() + timedelta(days=1)
    rows = in_scope_only(
        user, selectors.previsit_list(practice_id=practice_id_for(user), day=tomorrow),
        patient_id_of=lambda row: row.appointment.patient_id,
    )  # fmt: skip
    url = reverse("clinical:previsit")
    return Card("Chart prep for tomorrow", url, [
        Count("Visits", len(rows), url),
        Count("Charts missing something", sum(1 for r in rows if r.missing), url),
    ])  # fmt: skip


@home_card(permission=access.VIEW_NOTE, order=52)
def transcription(user) -> Card:
    rows = in_scope_only(user, selectors.dictation_queue(practice_id=practice_id_for(user)))
    url = reverse("clinical:dictation-queue")
    return Card("Transcription", url, [Count("Dictations not signed", len(rows), url)])


@home_card(permission="clinical.view_amendmentrequest", order=54)
def amendments(user) -> Card:
    rows = in_scope_only(user, selectors.amendment_list_open(practice_id=practice_id_for(user)))
    today = timezone.localdate()
    url = reverse("clinical:amendment-list")
    return Card("Amendment requests", url, [
        Count("Open", len(rows), url),
        Count("Overdue", sum(1 for r in rows if is_overdue(r.due_on, today)), url),
    ], note="A patient's request to amend the record is answered within 60 days.")  # fmt: skip


@home_card(permission="clinical.review_emergencyaccess", order=70)
def emergency_review(user) -> Card:
    """Today's grants, as the review page lists them (emergency_access_list_for_user), counted
    without reading each grant's actions."""
    figures = (
        access.emergency_grants_started_on(practice_id_for(user), timezone.localdate())
        .filter(location_scope(user, "patient"))
        .aggregate(grants=Counted("pk"), waiting=Counted("pk", filter=Q(reviewed_at__isnull=True)))
    )
    url = reverse("clinical:emergency-review")
    return Card("Emergency access today", url, [
        Count("Grants", figures["grants"], url), Count("Not reviewed", figures["waiting"], url),
    ])  # fmt: skip
