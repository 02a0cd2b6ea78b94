"""The only way views and the API reach patient-account records: scope (the user's
practice, else 404) on top of the route's permission (AC-02)."""

from django.http import Http404

from medoffice.accounts.models import DayClose, PaymentPlan, RefundRequest
from medoffice.core.access import location_scope, practice_id_for
from medoffice.patients.access import patient_get_for_user
from medoffice.payments.models import Payment


def account_patient_get_for_user(user, public_id, *, permission: str):
    """The patient whose account is asked for; the caller writes the audit row (category
    accounts), so this one does not."""
    return patient_get_for_user(user, public_id, permission=permission, audit=False)


def payment_get_for_user(user, public_id) -> Payment:
    """A payment taken on a patient's account (for its receipt); the caller audits."""
    found = (
        Payment.objects.filter(
            location_scope(user, "account__patient"),
            public_id=public_id,
            practice_id=practice_id_for(user),
        )
        .exclude(account=None)
        .select_related("account__patient", "account__practice", "location", "received_by")
        .first()
    )
    if found is None:
        raise Http404
    return found


def refund_request_get_for_user(user, public_id) -> RefundRequest:
    found = (
        RefundRequest.objects.filter(
            location_scope(user, "account__patient"),
            account__practice_id=practice_id_for(user),
            public_id=public_id,
        )
        .select_related("account__patient", "payer", "charge__encounter", "requested_by")
        .first()
    )
    if found is None:
        raise Http404
    return found


def plan_get_for_user(user, public_id) -> PaymentPlan:
    found = (
        PaymentPlan.objects.filter(
            location_scope(user, "account__patient"),
            account__practice_id=practice_id_for(user),
            public_id=public_id,
        )
        .select_related("account__patient")
        .first()
    )
    if found is None:
        raise Http404
    return found


def day_close_get_for_user(user, public_id) -> DayClose:
    """A drawer closed at one of the practice's locations (the desk staff who close drawers
    read each other's closes and slips: the deposit goes to the bank together)."""
    found = (
        DayClose.objects.filter(location__practice_id=practice_id_for(user), public_id=public_id)
        .select_related("location__practice", "user")
        .first()
    )
    if found is None:
        raise Http404
    return found


def refund_requests_for_user(user):
    """The refund requests the user may see: their practice's, of patients in their scope."""
    return RefundRequest.objects.filter(
        location_scope(user, "account__patient"), account__practice_id=practice_id_for(user)
    )


def day_closes_for_user(user, *, sees_all: bool):
    """The drawer closes listed on the close page: the practice's for who approves refunds
    (the office manager), else the user's own."""
    closes = DayClose.objects.filter(location__practice_id=practice_id_for(user))
    return closes if sees_all else closes.filter(user=user)
