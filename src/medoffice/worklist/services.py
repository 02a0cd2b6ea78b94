"""The only writers of tasks: raise (idempotent by source key), complete, dismiss, remind."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from medoffice.core.clock import today_at
from medoffice.core.models import Practice, StaffProfile
from medoffice.worklist.models import Task, TaskStatus


@transaction.atomic
def task_raise(
    *,
    practice: Practice,
    kind: str,
    source_key: str,
    title: str,
    due_on: date | None = None,
    detail: str = "",
    link: str = "",
    role: str = "",
    user=None,
) -> Task:
    """Open a task, or refresh the open one with the same source key."""
    task = (
        Task.objects.select_for_update()
        .filter(practice=practice, source_key=source_key, status=TaskStatus.OPEN)
        .first()
    )
    if task is None:
        task = Task(practice=practice, source_key=source_key, created_at=timezone.now())
    task.kind, task.title, task.detail, task.link = kind, title[:200], detail[:500], link
    task.due_on, task.assigned_role, task.assigned_user = due_on, role, user
    task.full_clean(validate_constraints=False)
    task.save()
    return task


def task_settle(*, practice: Practice, source_key: str, by=None) -> int:
    """Mark the open task of this source done (what it asked for happened)."""
    return Task.objects.filter(
        practice=practice, source_key=source_key, status=TaskStatus.OPEN
    ).update(status=TaskStatus.DONE, done_at=timezone.now(), done_by=by)


def task_settle_prefix(*, practice: Practice, prefix: str, keep: set[str]) -> int:
    """Close the open tasks of a source family whose condition is gone (not in `keep`)."""
    stale = Task.objects.filter(
        practice=practice, source_key__startswith=prefix, status=TaskStatus.OPEN
    ).exclude(source_key__in=keep)
    return stale.update(status=TaskStatus.DONE, done_at=timezone.now())


@transaction.atomic
def task_complete(*, task: Task, user, dismiss: bool = False) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.status != TaskStatus.OPEN:
        raise ValidationError({"status": ["This task is already closed."]})
    task.status = TaskStatus.DISMISSED if dismiss else TaskStatus.DONE
    task.done_at = timezone.now()
    task.done_by = user
    task.save(update_fields=["status", "done_at", "done_by"])
    return task


def tasks_remind(*, days_ahead: int = 3) -> int:
    """E-mail each staff member the open tasks due within `days_ahead` days that were not yet
    reminded today: one message per person. Returns the number of messages sent. "Today"
    is each practice's office day (the worker runs on the site's clock)."""
    today_of = {
        practice.pk: today_at(practice)
        for practice in Practice.objects.filter(
            pk__in=Task.objects.filter(status=TaskStatus.OPEN).values("practice_id")
        )
    }
    if not today_of:
        return 0
    latest = max(today_of.values()) + timedelta(days=days_ahead)
    due = [
        task
        for task in Task.objects.filter(status=TaskStatus.OPEN, due_on__lte=latest)
        .exclude(reminded_on__gte=max(today_of.values()))
        .select_related("assigned_user")
        if task.due_on <= today_of[task.practice_id] + timedelta(days=days_ahead)
        and task.reminded_on != today_of[task.practice_id]
    ]
    by_user: dict[int, tuple] = {}
    for task in due:
        if task.assigned_user is not None:
            people = [task.assigned_user]
        else:
            people = [
                s.user
                for s in StaffProfile.objects.filter(
                    practice_id=task.practice_id, role=task.assigned_role, user__is_active=True
                ).select_related("user")
            ]
        for person in people:
            if person.email:
                by_user.setdefault(person.pk, (person, []))[1].append(task)
    sent = 0
    for person, tasks in by_user.values():
        lines = [f"- {t.title} (due {t.due_on:%b %d})" for t in tasks]
        send_mail(
            subject=f"MedOffice: {len(tasks)} task(s) due soon",
            message="Tasks due soon on your list:\n\n" + "\n".join(lines) + "\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[person.email],
        )
        sent += 1
    for practice_id, today in today_of.items():
        Task.objects.filter(pk__in=[t.pk for t in due if t.practice_id == practice_id]).update(
            reminded_on=today
        )
    return sent
