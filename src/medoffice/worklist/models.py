"""The office's task list: chores for a person or for everyone in a role, with a due date.

Any capability adds tasks through `services.task_raise` with a `source_key` that names
what the task is about (e.g. ``equipment:calibration:12:2026-12-01``): raising the same
key again updates the open task instead of adding a second one, so a daily job can
raise its tasks every day. Tasks carry no PHI: titles name items, equipment, counts.
"""

import uuid

from django.conf import settings
from django.db import models

from medoffice.core.models import Practice
from medoffice.core.roles import Role


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DISMISSED = "dismissed", "Dismissed"


class Task(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40, help_text="reorder, equipment_due, repair, ...")
    source_key = models.CharField(max_length=120)
    title = models.CharField(max_length=200)
    detail = models.CharField(max_length=500, blank=True)
    link = models.CharField(max_length=200, blank=True, help_text="A path in the office")
    due_on = models.DateField(null=True, blank=True)
    assigned_role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    assigned_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["practice", "status", "due_on"], name="task_open_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "source_key"],
                condition=models.Q(status="open"),
                name="task_one_open_per_source",
            ),
            models.CheckConstraint(
                condition=~models.Q(assigned_role="") | models.Q(assigned_user__isnull=False),
                name="task_has_an_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.title
