"""The task list: raised by any capability under a source key (raising again refreshes, never
duplicates), seen by the person or the role it is for, done with a click, reminded by e-mail
once a day."""

from datetime import timedelta

import pytest

from medoffice.core.roles import Role
from medoffice.worklist.models import Task
from medoffice.worklist.services import task_raise, tasks_remind
from tests.clock import office_today


@pytest.fixture
def manager(make_user):
    user = make_user(Role.OFFICE_MANAGER)
    user.email = "om@riverside.example"
    user.save()
    return user


def _raise(practice, **kw):
    fields = {
        "kind": "reorder",
        "source_key": "inventory:reorder:1",
        "title": "Order gloves",
        "due_on": office_today() + timedelta(days=1),
        "role": Role.OFFICE_MANAGER,
    }
    fields.update(kw)
    return task_raise(practice=practice, **fields)  # fmt: skip


def test_raising_the_same_source_again_refreshes_the_open_task(practice):
    first = _raise(practice)
    second = _raise(practice, title="Order gloves (2 boxes left)")

    assert first.pk == second.pk
    assert Task.objects.get().title == "Order gloves (2 boxes left)"


def test_a_role_sees_its_tasks_and_others_get_404(practice, manager, make_user, client_for):
    task = _raise(practice)
    assistant = client_for(make_user(Role.MEDICAL_ASSISTANT))
    office_manager = client_for(manager)

    assert "Order gloves" in office_manager.get("/tasks/").content.decode()
    assert "Order gloves" not in assistant.get("/tasks/").content.decode()
    assert assistant.post(f"/tasks/{task.public_id}/done/").status_code == 404
    assert [t["title"] for t in office_manager.get("/api/tasks/").json()] == ["Order gloves"]

    assert office_manager.post(f"/tasks/{task.public_id}/done/").status_code == 302
    task.refresh_from_db()
    assert (task.status, task.done_by) == ("done", manager)


def test_another_practices_user_never_sees_the_task(practice, other_practice, make_user,
                                                    client_for):  # fmt: skip
    task = _raise(practice)
    elsewhere = client_for(make_user(Role.OFFICE_MANAGER, practice_=other_practice))

    assert "Order gloves" not in elsewhere.get("/tasks/").content.decode()
    assert elsewhere.post(f"/tasks/{task.public_id}/done/").status_code == 404


def test_tasks_due_soon_are_e_mailed_once_a_day(practice, manager, mailoutbox):
    _raise(practice)
    _raise(practice, source_key="x:2", title="Calibrate the scale",
           due_on=office_today() + timedelta(days=30))  # fmt: skip

    assert tasks_remind(days_ahead=3) == 1
    assert tasks_remind(days_ahead=3) == 0

    (mail,) = mailoutbox
    assert mail.to == ["om@riverside.example"]
    assert "Order gloves" in mail.body
    assert "Calibrate" not in mail.body
