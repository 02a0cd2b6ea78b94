"""The worker reminds of tasks on the practice's day: at 11:30 pm in Chicago (tomorrow in
New York, the site's zone) "due within 3 days" counts from the Chicago day."""

from datetime import timedelta

from medoffice.core.roles import Role
from medoffice.worklist.models import Task
from medoffice.worklist.services import task_raise, tasks_remind
from tests.clock import LATE_EVENING

OFFICE_DAY = LATE_EVENING.date()


def test_reminders_count_days_from_the_office_day(
    practice, location, make_user, freeze, mailoutbox
):
    manager = make_user(Role.OFFICE_MANAGER)
    manager.email = "om@riverside.example"
    manager.save()
    for key, days in (("soon", 3), ("later", 4)):
        task_raise(practice=practice, kind="reorder", source_key=key, title=f"Task {key}",
                   due_on=OFFICE_DAY + timedelta(days=days), role=Role.OFFICE_MANAGER)  # fmt: skip
    freeze(LATE_EVENING)

    assert tasks_remind(days_ahead=3) == 1

    (mail,) = mailoutbox
    assert "Task soon" in mail.body
    assert "Task later" not in mail.body  # 3 days from New York's day, 4 from Chicago's
    assert Task.objects.get(source_key="soon").reminded_on == OFFICE_DAY
