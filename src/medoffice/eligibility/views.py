"""Eligibility screens: a coverage's checks, one check, the list, and the buttons that ask
the payer (from the coverage, the visit panel and the check-in screen). Thin: access,
service, render."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from medoffice.core.policy import has_permission, requires
from medoffice.eligibility import access, services
from medoffice.eligibility.access import RUN, VIEW
from medoffice.eligibility.errors import NotCheckableError
from medoffice.eligibility.forms import ListFilter, RunForm
from medoffice.eligibility.panels import explained, primary_coverage
from medoffice.eligibility.states import CheckStatus

SAID = {
    CheckStatus.ACTIVE: "The payer says the coverage is active.",
    CheckStatus.INACTIVE: "The payer says the coverage is not active.",
    CheckStatus.REJECTED: "The payer rejected the request: see what to do below.",
    CheckStatus.ERROR: "No answer from the payer: see why below.",
    CheckStatus.PENDING: "Sent: the answer will show here when the payer replies.",
}


def _ask(request, coverage, day, *, appointment=None) -> None:
    """Ask the payer now and say what it answered (or why nothing was asked)."""
    try:
        check = services.check_run(
            coverage=coverage, service_date=day, appointment=appointment,
            requested_by=request.user,
        )  # fmt: skip
    except NotCheckableError as exc:
        messages.error(request, str(exc))
        return
    level = messages.SUCCESS if check.status == CheckStatus.ACTIVE else messages.WARNING
    messages.add_message(request, level, SAID[check.status])


@requires(VIEW)
@require_GET
def coverage_checks(request, public_id):
    coverage = access.coverage_for_user(request.user, public_id)
    checks = access.checks_for_coverage(request.user, coverage)
    today = timezone.localdate()
    return render(request, "eligibility/coverage_checks.html", {
        "coverage": coverage, "patient": coverage.patient,
        "rows": [explained(c) for c in checks],
        "form": RunForm(initial={"service_date": today}),
        "can_run": has_permission(request.user, RUN),
    })  # fmt: skip


@requires(RUN)
@require_POST
def coverage_check_run(request, public_id):
    coverage = access.coverage_for_user(request.user, public_id, permission=RUN)
    form = RunForm(request.POST)
    if not form.is_valid():
        checks = access.checks_for_coverage(request.user, coverage)
        return render(request, "eligibility/coverage_checks.html", {
            "coverage": coverage, "patient": coverage.patient,
            "rows": [explained(c) for c in checks], "form": form, "can_run": True,
        }, status=422)  # fmt: skip
    _ask(request, coverage, form.cleaned_data["service_date"])
    return redirect("eligibility:coverage-checks", public_id=coverage.public_id)


@requires(RUN)
@require_POST
def appointment_check_run(request, public_id):
    """Ask about the visit's primary coverage for the visit's day; back where it was asked."""
    appointment = access.appointment_for_user(request.user, public_id)
    back = "scheduling:appointment-check-in" if request.POST.get("next") == "check_in" else (
        "scheduling:appointment-detail")  # fmt: skip
    coverage, day = primary_coverage(appointment)
    if coverage is None:
        messages.error(request, "No insurance in force on the day of the visit: self-pay.")
        return redirect(back, public_id=appointment.public_id)
    _ask(request, coverage, day, appointment=appointment)
    return redirect(back, public_id=appointment.public_id)


@requires(VIEW)
@require_GET
def check_detail(request, public_id):
    check = access.check_get_for_user(request.user, public_id)
    zone = check.appointment.location.time_zone if check.appointment_id else None
    return render(request, "eligibility/check_detail.html", {
        "zone": zone,
        **explained(check), "patient": check.patient, "coverage": check.coverage,
        "request_text": bytes(check.request_x12).decode("ascii", "replace"),
        "response_text": bytes(check.response_x12).decode("ascii", "replace"),
    })  # fmt: skip


@requires(VIEW)
@require_GET
def check_list(request):
    form = ListFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    checks = access.check_list_for_user(
        request.user, status=filters.get("status", ""), date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )  # fmt: skip
    return render(request, "eligibility/check_list.html", {
        "form": form, "rows": [explained(c) for c in checks],
    })  # fmt: skip
