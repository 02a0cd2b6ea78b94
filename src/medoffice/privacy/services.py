"""The only writers of the privacy program's records; every change is audited (detail holds
codes and counts, never patient data)."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from medoffice.core.audit import audit_record
from medoffice.core.clock import today_at
from medoffice.core.models import AuditAction, Practice
from medoffice.core.roles import Role
from medoffice.core.selectors import patients_touched
from medoffice.patients.models import Patient
from medoffice.privacy.models import (
    HHS_THRESHOLD,
    MEDIA_THRESHOLD,
    AffectedPatient,
    BusinessAssociate,
    Decision,
    PolicyAcknowledgement,
    PrivacyPolicy,
    RiskAnswer,
    RiskAssessment,
    SecurityIncident,
    TrainingRecord,
)
from medoffice.privacy.questions import BY_KEY, QUESTIONS
from medoffice.worklist.services import task_raise, task_settle

RENEWAL_NOTICE_DAYS = 90


def _audit(action, obj, detail: str, category: str = "privacy") -> None:
    audit_record(action=action, obj=obj, category=category, detail=detail)


# ---------------------------------------------------------------- risk assessment


@transaction.atomic
def assessment_start(*, practice: Practice, user, year: int) -> RiskAssessment:
    """Open the year's assessment; last year's answers are the starting point (to confirm)."""
    if RiskAssessment.objects.filter(practice=practice, year=year).exists():
        raise ValidationError(f"The {year} assessment already exists.")
    previous = (
        RiskAssessment.objects.filter(practice=practice, year__lt=year).order_by("-year").first()
    )
    before = {a.question_key: a for a in previous.answers.all()} if previous else {}
    assessment = RiskAssessment.objects.create(
        practice=practice, year=year, started_at=timezone.now(), started_by=user
    )
    answers = []
    for question in QUESTIONS:
        last = before.get(question.key)
        answers.append(
            RiskAnswer(
                assessment=assessment,
                question_key=question.key,
                safeguard=question.safeguard,
                status=last.status if last else "",
                finding=last.finding if last else "",
                likelihood=last.likelihood if last else None,
                impact=last.impact if last else None,
            )  # fmt: skip
        )
    RiskAnswer.objects.bulk_create(answers)
    _audit(AuditAction.CREATE, assessment, f"risk assessment {year} started")
    return assessment


def _remediation_key(answer: RiskAnswer) -> str:
    return f"privacy:risk:{answer.public_id}"


@transaction.atomic
def answer_save(*, answer: RiskAnswer, user, **fields) -> RiskAnswer:
    """Record one answer; a remediation with an owner and a due date goes on the owner's task
    list (and comes off it when the remediation is cleared)."""
    if answer.assessment.completed_at is not None:
        raise ValidationError("This assessment is complete; start next year's to change answers.")
    for name, value in fields.items():
        setattr(answer, name, value)
    answer.answered_at = timezone.now()
    answer.full_clean()
    answer.save()
    practice = answer.assessment.practice
    if answer.remediation:
        question = BY_KEY[answer.question_key]
        task_raise(
            practice=practice, kind="risk_remediation", source_key=_remediation_key(answer),
            title=f"Security risk {answer.assessment.year}: {answer.remediation}",
            detail=f"{question.citation} ({answer.rating or 'unrated'} risk)",
            due_on=answer.due_on, user=answer.owner,
            link=reverse("privacy:assessment-detail", args=[answer.assessment.public_id]),
        )  # fmt: skip
    else:
        task_settle(practice=practice, source_key=_remediation_key(answer), by=user)
    _audit(
        AuditAction.UPDATE, answer.assessment,
        f"risk answer {answer.question_key}: {answer.status or 'unanswered'} {answer.rating}",
    )  # fmt: skip
    return answer


@transaction.atomic
def assessment_complete(*, assessment: RiskAssessment, user) -> RiskAssessment:
    open_answers = assessment.answers.filter(answered_at__isnull=True).count()
    if open_answers:
        raise ValidationError(
            f"{open_answers} questions are not answered (or last year's answer not confirmed)."
        )
    unrated = assessment.answers.filter(status__in=["partial", "missing"]).filter(
        likelihood__isnull=True
    ) | assessment.answers.filter(status__in=["partial", "missing"], impact__isnull=True)
    if unrated.exists():
        raise ValidationError("Rate likelihood and impact of every gap (partly or not in place).")
    assessment.completed_at, assessment.completed_by = timezone.now(), user
    assessment.save(update_fields=["completed_at", "completed_by"])
    _audit(AuditAction.UPDATE, assessment, f"risk assessment {assessment.year} completed")
    return assessment


# ---------------------------------------------------------------- incidents and breaches


@transaction.atomic
def incident_report(*, practice: Practice, user, **fields) -> SecurityIncident:
    incident = SecurityIncident(practice=practice, reported_by=user, **fields)
    _check_window(incident)
    incident.full_clean()
    incident.save()
    _audit(AuditAction.CREATE, incident, "security incident logged", category="security")
    return incident


def _check_window(incident: SecurityIncident) -> None:
    if (
        incident.window_start
        and incident.window_end
        and incident.window_end <= incident.window_start
    ):
        raise ValidationError({"window_end": "The window must end after it starts."})


@transaction.atomic
def incident_update(*, incident: SecurityIncident, **fields) -> SecurityIncident:
    for name, value in fields.items():
        setattr(incident, name, value)
    _check_window(incident)
    incident.full_clean()
    incident.save()
    _audit(AuditAction.UPDATE, incident, "security incident updated", category="security")
    return incident


@transaction.atomic
def incident_scope(*, incident: SecurityIncident) -> int:
    """PR-04: list the patients the incident's account touched in its window, from the audit
    trail; replaces an earlier list. Returns how many."""
    user_id = incident.subject_user_id or (
        incident.subject_token.user_id if incident.subject_token else None
    )
    if user_id is None or not incident.window_start or not incident.window_end:
        raise ValidationError("Name the account (or token) and the time window first.")
    touched = patients_touched(
        user_id=user_id, start=incident.window_start, end=incident.window_end
    )
    by_public_id = {
        str(p.public_id): p
        for p in Patient.objects.filter(
            practice=incident.practice, public_id__in=[t.patient_id for t in touched]
        )
    }
    incident.affected.all().delete()
    AffectedPatient.objects.bulk_create(
        AffectedPatient(
            incident=incident,
            patient=by_public_id[t.patient_id],
            events=t.events,
            first_at=t.first_at,
            last_at=t.last_at,
        )  # fmt: skip
        for t in touched
        if t.patient_id in by_public_id
    )
    incident.scoped_at = timezone.now()
    incident.save(update_fields=["scoped_at"])
    count = incident.affected.count()
    audit_record(
        action=AuditAction.QUERY, obj=incident, category="security",
        detail=f"breach scope: user {user_id}, {count} patients",
    )  # fmt: skip
    return count


FACTORS = ("nature", "person", "acquired", "mitigated")


@transaction.atomic
def incident_assess(*, incident: SecurityIncident, **fields) -> SecurityIncident:
    """The four-factor assessment and the decision (164.402(2)): a breach is presumed unless
    the assessment shows a low probability that the PHI has been compromised."""
    for name, value in fields.items():
        setattr(incident, name, value)
    if incident.decision != Decision.PENDING:
        missing = [
            f for f in FACTORS
            if not getattr(incident, f"factor_{f}") or not getattr(incident, f"factor_{f}_risk")
        ]  # fmt: skip
        if missing and not incident.secured:
            raise ValidationError(
                f"Assess all four factors before deciding (missing: {', '.join(missing)})."
            )
        if incident.decision == Decision.BREACH and incident.secured:
            raise ValidationError(
                {"decision": "PHI encrypted per HHS guidance is secured: not a reportable breach."}
            )
        high = any(getattr(incident, f"factor_{f}_risk") == "high" for f in FACTORS)
        if incident.decision == Decision.NOT_BREACH and high and not incident.secured:
            raise ValidationError(
                {"decision": "A factor is rated high: the probability of compromise is not low."}
            )
        incident.decided_at = timezone.now()
    else:
        incident.decided_at = None
    incident.full_clean()
    incident.save()
    _audit(
        AuditAction.UPDATE, incident, f"breach assessment: {incident.decision}", category="security"
    )
    return incident


@transaction.atomic
def incident_notices(*, incident: SecurityIncident, **dates) -> SecurityIncident:
    for name, value in dates.items():
        setattr(incident, name, value)
    incident.save(update_fields=list(dates))
    _audit(AuditAction.UPDATE, incident, "breach notices recorded", category="security")
    return incident


@dataclass(frozen=True)
class NoticePlan:
    affected: int
    deadline: date
    days_left: int
    hhs_now: bool  # 500 or more: HHS at the same time as the individuals
    hhs_log_by: date  # fewer: in the yearly log, within 60 days after the calendar year ends
    media_states: tuple[tuple[str, int], ...]  # states with more than 500 residents affected
    by_state: tuple[tuple[str, int], ...]


def notice_plan(incident: SecurityIncident, *, today: date | None = None) -> NoticePlan:
    today = today or today_at(incident.practice)
    states = Counter(incident.affected.values_list("patient__state", flat=True))
    affected = sum(states.values())
    year_end_log = date(incident.discovered_on.year + 1, 3, 1)  # 60 days after Dec 31
    return NoticePlan(
        affected=affected,
        deadline=incident.notice_deadline,
        days_left=(incident.notice_deadline - today).days,
        hhs_now=affected >= HHS_THRESHOLD,
        hhs_log_by=year_end_log,
        media_states=tuple(sorted((s, n) for s, n in states.items() if n > MEDIA_THRESHOLD)),
        by_state=tuple(sorted(states.items())),
    )


# ---------------------------------------------------------------- training and policies


@transaction.atomic
def training_record(*, practice: Practice, recorded_by, **fields) -> TrainingRecord:
    record = TrainingRecord(practice=practice, recorded_by=recorded_by, **fields)
    if record.valid_until and record.completed_on and record.valid_until <= record.completed_on:
        raise ValidationError({"valid_until": "Must be after the completion date."})
    record.full_clean()
    record.save()
    audit_record(
        action=AuditAction.CREATE, object_type="privacy.trainingrecord", object_id=str(record.pk),
        category="privacy", detail=f"training recorded for user {record.user_id}",
    )  # fmt: skip
    return record


@transaction.atomic
def policy_add(*, practice: Practice, **fields) -> PrivacyPolicy:
    policy = PrivacyPolicy(practice=practice, **fields)
    policy.full_clean()
    policy.save()
    _audit(AuditAction.CREATE, policy, f"policy version {policy.version} added")
    return policy


@transaction.atomic
def policy_acknowledge(*, policy: PrivacyPolicy, user) -> PolicyAcknowledgement:
    ack, created = PolicyAcknowledgement.objects.get_or_create(
        policy=policy, user=user, defaults={"acknowledged_at": timezone.now()}
    )
    if created:
        _audit(AuditAction.CREATE, policy, f"policy version {policy.version} acknowledged")
    return ack


# ---------------------------------------------------------------- business associates


def _renewal_key(ba: BusinessAssociate) -> str:
    return f"privacy:baa:{ba.public_id}"


def baa_tasks(ba: BusinessAssociate, *, today: date | None = None) -> None:
    """An unsigned agreement, or one ending within 90 days, is a task for the privacy officer."""
    today = today or today_at(ba.practice)
    link = reverse("privacy:baa-edit", args=[ba.public_id])
    if ba.terminated_on:
        task_settle(practice=ba.practice, source_key=_renewal_key(ba))
    elif ba.signed_on is None:
        task_raise(
            practice=ba.practice, kind="baa_signature", source_key=_renewal_key(ba),
            title=f"Get the business associate agreement with {ba.vendor} signed",
            due_on=today, role=Role.PRIVACY_OFFICER, link=link,
        )  # fmt: skip
    elif ba.expires_on and (ba.expires_on - today).days <= RENEWAL_NOTICE_DAYS:
        task_raise(
            practice=ba.practice, kind="baa_renewal", source_key=_renewal_key(ba),
            title=f"Renew the business associate agreement with {ba.vendor}",
            detail=f"Expires {ba.expires_on.isoformat()}", due_on=ba.expires_on,
            role=Role.PRIVACY_OFFICER, link=link,
        )  # fmt: skip
    else:
        task_settle(practice=ba.practice, source_key=_renewal_key(ba))


@transaction.atomic
def baa_save(*, ba: BusinessAssociate) -> BusinessAssociate:
    created = ba.pk is None
    if ba.signed_on and ba.expires_on and ba.expires_on <= ba.signed_on:
        raise ValidationError({"expires_on": "Must be after the signing date."})
    ba.full_clean()
    ba.save()
    baa_tasks(ba)
    _audit(
        AuditAction.CREATE if created else AuditAction.UPDATE, ba,
        "business associate agreement " + ("added" if created else "changed"),
    )  # fmt: skip
    return ba


def baa_tasks_all(*, today: date | None = None) -> int:
    """The daily job: raise or settle the renewal task of every agreement."""
    count = 0
    for ba in BusinessAssociate.objects.select_related("practice"):
        baa_tasks(ba, today=today)
        count += 1
    return count


def aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))
