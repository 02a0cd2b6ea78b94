"""The copay collected at check-in goes to the patient's account (the payments ledger).

Registered with scheduling's hooks (apps.py): `visit_check_in` calls `collect_copay`
inside its transaction, so a refused payment (a card number typed as the reference, a
card payment without the terminal's reference) refuses the whole check-in.
"""

from medoffice.core.money import ZERO


def collect_copay(check_in, *, by=None):
    from medoffice.accounts.services import desk_payment_take

    if check_in.copay_collected <= ZERO or check_in.copay_method not in ("cash", "card", "check"):
        return None
    appointment = check_in.appointment
    return desk_payment_take(
        patient=appointment.patient,
        amount=check_in.copay_collected,
        method=check_in.copay_method,
        reference=check_in.copay_reference,
        location=appointment.location,
        appointment=appointment,
        at="check_in",
        note="copay at check-in",
        by=by,
    )


def visit_section(request, appointment, screen: str) -> str:
    """The patient's balance, plan and this visit's desk payments (with their receipts) on
    the visit panel and the check-in screen, for staff who may see accounts."""
    from django.template.loader import render_to_string

    from medoffice.accounts.models import VisitPayment
    from medoffice.accounts.selectors import account_summary

    if not request.user.has_perm("accounts.view_accounts"):
        return ""
    summary = account_summary(appointment.patient)
    paid_here = list(
        VisitPayment.objects.filter(appointment=appointment)
        .select_related("payment")
        .order_by("payment__received_at")
    )
    if summary.account is None and not paid_here:
        return ""
    return render_to_string(
        "accounts/visit_section.html",
        {
            "summary": summary,
            "paid_here": paid_here,
            "screen": screen,
            "can_collect": request.user.has_perm("accounts.collect_payment"),
            "appointment_id": appointment.public_id,
            "patient_id": appointment.patient.public_id,
        },
        request=request,
    )
