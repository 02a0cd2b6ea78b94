"""The papers of patient accounts: a payment's receipt and a statement as sent (PDF)."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from medoffice.accounts import paper
from medoffice.accounts.models import Statement
from medoffice.core.access import practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.core.policy import requires
from medoffice.payments.models import Payment

VIEW = "accounts.view_accounts"


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@require_GET
@requires(VIEW)
def receipt_pdf(request, public_id):
    payment = (
        Payment.objects.filter(public_id=public_id, practice_id=practice_id_for(request.user))
        .exclude(account=None)
        .select_related("account__patient", "account__practice", "location", "received_by")
        .first()
    )
    if payment is None:
        raise Http404
    audit_record(action=AuditAction.PRINT, obj=payment, patient=payment.account.patient,
                 category="accounts", detail="payment receipt")  # fmt: skip
    return _pdf(paper.receipt_pdf(payment), f"receipt-{paper.receipt_number(payment)}.pdf")


@require_GET
@requires(VIEW)
def statement_pdf(request, public_id):
    statement = (
        Statement.objects.filter(
            public_id=public_id, account__practice_id=practice_id_for(request.user)
        )
        .select_related("account__patient")
        .first()
    )
    if statement is None:
        raise Http404
    audit_record(action=AuditAction.PRINT, obj=statement, patient=statement.account.patient,
                 category="accounts", detail="statement")  # fmt: skip
    return _pdf(bytes(statement.pdf), f"statement-{statement.statement_date:%Y%m%d}.pdf")
