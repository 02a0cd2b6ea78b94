"""What eligibility adds to a visit (scheduling/hooks.py): the benefits on the visit panel
and the check-in screen, and the copay due from the payer's latest active answer."""

from django.template.loader import render_to_string
from django.utils import timezone

from medoffice.core.policy import has_permission
from medoffice.eligibility import rules, selectors
from medoffice.eligibility.access import RUN, VIEW
from medoffice.scheduling.front_desk import coverages_on, visit_day
from medoffice.scheduling.hooks import CopayQuote


def primary_coverage(appointment):
    day = visit_day(appointment)
    return next((c for c in coverages_on(appointment.patient, day) if c.order == 1), None), day


def explained(check) -> dict:
    """The plain-language view of one check for the templates."""
    summary = check.amounts()
    reject = rules.explain_reject(check.reject_code, check.reject_follow_up) if (
        check.reject_code) else None  # fmt: skip
    return {"check": check, "summary": summary, "reject": reject}


def visit_section(request, appointment, screen: str) -> str:
    user = getattr(request, "user", None)
    if not has_permission(user, VIEW):
        return ""
    coverage, day = primary_coverage(appointment)
    # Shown as part of the visit, whose read the visit's screen audits (one row per page,
    # as for the coverage shown at check-in); opening the check itself is audited.
    check = selectors.check_latest_for_coverage(coverage.pk, day) if coverage else None
    context = {
        "appointment": appointment,
        "coverage": coverage,
        "day": day,
        "screen": screen,
        "can_run": has_permission(user, RUN),
        **(explained(check) if check else {}),
    }
    # Times in the visit's own office's wall-clock time, as the rest of the visit's screens.
    with timezone.override(appointment.location.zone):
        return render_to_string("eligibility/visit_section.html", context, request=request)


def copay_from_eligibility(appointment, coverage) -> CopayQuote | None:
    check = selectors.check_latest_active(coverage.pk, visit_day(appointment))
    if check is None or check.copay is None:
        return None
    zone = appointment.location.zone
    when = check.answered_at.astimezone(zone).strftime("%m/%d/%Y")
    return CopayQuote(
        check.copay,
        source="eligibility",
        said=f"office visit copay from {coverage.payer.name}'s eligibility answer of {when}",
    )
