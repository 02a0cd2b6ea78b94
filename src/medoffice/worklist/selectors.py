"""Reads of the task list."""

from django.db.models import Count, Q
from django.utils import timezone

from medoffice.worklist.models import Task, TaskStatus


def task_list_for_user(user, *, include_closed: bool = False):
    """The user's own tasks and their role's, of their practice, soonest due first."""
    staff = getattr(user, "staff", None)
    if staff is None:
        return Task.objects.none()
    tasks = Task.objects.filter(practice_id=staff.practice_id).filter(
        Q(assigned_user=user) | Q(assigned_user__isnull=True, assigned_role=staff.role)
    )
    if not include_closed:
        tasks = tasks.filter(status=TaskStatus.OPEN)
    return tasks.order_by("due_on", "id")


def task_get_for_user(user, public_id):
    return task_list_for_user(user, include_closed=True).filter(public_id=public_id).first()


def task_counts_for_user(user) -> dict[str, int]:
    """{"open": the task list's rows, "overdue": those due before the user's office day}."""
    return (
        task_list_for_user(user)
        .order_by()
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=timezone.localdate())))
    )
