"""Reads for the privacy officer's screens, always within the user's practice."""

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils import timezone

from medoffice.core.access import practice_id_for
from medoffice.privacy.models import (
    BusinessAssociate,
    PolicyAcknowledgement,
    PrivacyPolicy,
    RiskAnswer,
    RiskAssessment,
    SecurityIncident,
    TrainingRecord,
)
from medoffice.privacy.questions import BY_KEY, SAFEGUARDS


def in_practice(queryset, user, public_id):
    found = queryset.filter(practice_id=practice_id_for(user), public_id=public_id).first()
    if found is None:
        raise Http404
    return found


def answer_get(user, public_id) -> RiskAnswer:
    found = (
        RiskAnswer.objects.select_related("assessment__practice")
        .filter(assessment__practice_id=practice_id_for(user), public_id=public_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


@dataclass
class AnswerRow:
    answer: RiskAnswer
    question: object
    previous: RiskAnswer | None

    @property
    def change(self) -> str:
        """Better, worse or same against last year's score."""
        if self.previous is None or self.previous.score is None or self.answer.score is None:
            return ""
        if self.answer.score < self.previous.score:
            return "lower"
        if self.answer.score > self.previous.score:
            return "higher"
        return "same"


@dataclass
class SafeguardSection:
    key: str
    title: str
    rows: list[AnswerRow] = field(default_factory=list)


def assessment_sections(assessment: RiskAssessment) -> tuple[list[SafeguardSection], object]:
    """The questionnaire grouped by safeguard, each answer beside last year's."""
    previous = (
        RiskAssessment.objects.filter(practice=assessment.practice, year__lt=assessment.year)
        .order_by("-year")
        .first()
    )
    before = {a.question_key: a for a in previous.answers.all()} if previous else {}
    sections = {key: SafeguardSection(key, title) for key, title in SAFEGUARDS}
    order = {key: n for n, key in enumerate(BY_KEY)}
    answers = sorted(
        assessment.answers.select_related("owner"), key=lambda a: order.get(a.question_key, 99)
    )
    for answer in answers:
        sections[answer.safeguard].rows.append(
            AnswerRow(answer, BY_KEY.get(answer.question_key), before.get(answer.question_key))
        )
    return list(sections.values()), previous


def assessment_summary(assessment: RiskAssessment) -> dict:
    counts = {"high": 0, "medium": 0, "low": 0, "open": 0}
    for answer in assessment.answers.all():
        if answer.rating:
            counts[answer.rating] += 1
        if answer.answered_at is None:  # not answered, or last year's not confirmed yet
            counts["open"] += 1
    return counts


def assessments_for(user) -> list[tuple[RiskAssessment, dict]]:
    assessments = RiskAssessment.objects.filter(practice_id=practice_id_for(user)).prefetch_related(
        "answers"
    )
    return [(a, assessment_summary(a)) for a in assessments]


def incidents_for(user):
    return SecurityIncident.objects.filter(practice_id=practice_id_for(user)).select_related(
        "reported_by"
    )


def current_policies(practice_id: int, today: date) -> list[PrivacyPolicy]:
    """The version in force of each policy title."""
    current: dict[str, PrivacyPolicy] = {}
    for policy in PrivacyPolicy.objects.filter(
        practice_id=practice_id, effective_on__lte=today
    ).order_by("title", "-effective_on", "-id"):
        current.setdefault(policy.title, policy)
    return list(current.values())


@dataclass
class WorkforceRow:
    user: object
    role: str
    training_until: date | None
    missing_policies: list[PrivacyPolicy]

    @property
    def training_overdue(self) -> bool:
        return self.training_until is None or self.training_until < timezone.localdate()

    @property
    def overdue(self) -> bool:
        return self.training_overdue or bool(self.missing_policies)


def workforce(user, *, today: date | None = None) -> list[WorkforceRow]:
    """Every active staff member: training valid until when, and policies not acknowledged."""
    today = today or timezone.localdate()
    practice_id = practice_id_for(user)
    policies = current_policies(practice_id, today)
    acked = set(
        PolicyAcknowledgement.objects.filter(policy__in=policies).values_list(
            "user_id", "policy_id"
        )
    )
    training: dict[int, date] = {}
    for user_id, until in TrainingRecord.objects.filter(practice_id=practice_id).values_list(
        "user_id", "valid_until"
    ):
        training[user_id] = max(until, training.get(user_id, until))
    people = (
        get_user_model()
        .objects.filter(is_active=True, staff__practice_id=practice_id)
        .select_related("staff")
        .order_by("last_name", "username")
    )
    return [
        WorkforceRow(
            person,
            person.staff.get_role_display(),
            training.get(person.pk),
            [p for p in policies if (person.pk, p.pk) not in acked],
        )
        for person in people
    ]


def my_policies(user, *, today: date | None = None) -> list[tuple[PrivacyPolicy, object]]:
    today = today or timezone.localdate()
    policies = current_policies(practice_id_for(user), today)
    acks = {
        a.policy_id: a for a in PolicyAcknowledgement.objects.filter(user=user, policy__in=policies)
    }
    return [(p, acks.get(p.pk)) for p in policies]


def business_associates_for(user):
    return BusinessAssociate.objects.filter(practice_id=practice_id_for(user))


def baa_state(ba: BusinessAssociate, today: date) -> str:
    if ba.terminated_on:
        return "terminated"
    if ba.signed_on is None:
        return "unsigned"
    if ba.expires_on and ba.expires_on < today:
        return "expired"
    if ba.expires_on and (ba.expires_on - today).days <= 90:
        return "renew"
    return "in force"
