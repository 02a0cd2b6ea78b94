"""The task list: my tasks and my role's, soonest due first; done or dismissed with a click."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from medoffice.core.policy import AUTHENTICATED, requires
from medoffice.worklist.selectors import task_get_for_user, task_list_for_user
from medoffice.worklist.services import task_complete


@require_GET
@requires(AUTHENTICATED)
def task_list(request):
    return render(request, "worklist/task_list.html", {"tasks": task_list_for_user(request.user)})


@require_POST
@requires(AUTHENTICATED)
def task_done(request, public_id):
    task = task_get_for_user(request.user, public_id)
    if task is None:
        raise Http404
    try:
        task_complete(task=task, user=request.user, dismiss=request.POST.get("dismiss") == "1")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("worklist:task-list")
