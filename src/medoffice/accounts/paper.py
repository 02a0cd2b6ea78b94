"""Ledger and accounts -> the records the PDF layouts print (formats/pdf/account.py),
and the e-mail that carries a PDF to the patient."""

from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage

from medoffice.accounts.selectors import local_stamp
from medoffice.core.money import ZERO
from medoffice.formats.pdf.account import (
    DepositRow,
    DepositSlipRecord,
    Party,
    PaymentReceiptRecord,
    render_deposit_slip,
    render_payment_receipt,
)
from medoffice.payments.models import LedgerEntry, Payment
from medoffice.payments.selectors import account_balance, payment_unapplied

METHOD_WORDS = {"cash": "Cash", "check": "Check", "card": "Card"}


def practice_party(practice, location=None) -> Party:
    place = location or practice.locations.order_by("id").first()
    lines = []
    if place is not None:
        lines.append(f"{place.address1}, {place.city}, {place.state} {place.zip_code}")
        if place.phone:
            lines.append(f"Phone {place.phone}")
    return Party(practice.name, tuple(lines))


def receipt_number(payment: Payment) -> str:
    return f"R-{payment.pk:06d}"


def method_words(payment: Payment) -> str:
    words = METHOD_WORDS.get(payment.method, payment.get_method_display())
    if payment.method == "check" and payment.reference:
        return f"Check {payment.reference}"
    if payment.method == "card" and payment.reference:
        return f"Card (terminal reference {payment.reference})"
    return words


def receipt_record(payment: Payment) -> PaymentReceiptRecord:
    account = payment.account
    patient = account.patient
    applied = []
    rows = (
        LedgerEntry.objects.filter(payment=payment)
        .exclude(charge_id=None)
        .select_related("charge")
        .order_by("charge__date_of_service", "id")
    )
    for entry in rows:
        applied.append(
            (f"Visit {entry.charge.date_of_service:%m/%d/%Y}, {entry.charge.code}", -entry.amount)
        )
    return PaymentReceiptRecord(
        practice=practice_party(payment.account.practice, payment.location),
        patient=f"{patient.first_name} {patient.last_name}",
        account=patient.mrn,
        received_at=local_stamp(payment.received_at, payment.location),
        method=method_words(payment),
        amount=payment.amount,
        applied=tuple(applied),
        unapplied=max(payment_unapplied(payment), ZERO),
        received_by=payment.received_by.get_full_name() if payment.received_by else "",
        number=receipt_number(payment),
        balance_after=max(account_balance(account).patient_due, ZERO),
    )


def receipt_pdf(payment: Payment) -> bytes:
    return render_payment_receipt(receipt_record(payment))


def deposit_slip_pdf(close) -> bytes:
    from medoffice.accounts.selectors import drawer_totals

    drawer = drawer_totals(location=close.location, user=close.user, day=close.day)
    rows = tuple(
        DepositRow(
            METHOD_WORDS.get(p.method, p.method),
            p.reference,
            f"{p.account.patient.last_name}, {p.account.patient.first_name}",
            p.amount,
        )
        for p in drawer.payments
    )
    from decimal import Decimal

    record = DepositSlipRecord(
        practice=practice_party(close.location.practice, close.location),
        location=close.location.name,
        day=close.day,
        closed_by=close.user.get_full_name() or close.user.get_username(),
        rows=rows,
        totals=tuple((METHOD_WORDS[m], Decimal(v)) for m, v in close.posted.items()),
        counted=tuple((METHOD_WORDS[m], Decimal(v)) for m, v in close.counted.items()),
        differences=tuple(close.differences),
    )
    return render_deposit_slip(record)


def pdf_email(*, to: str, subject: str, body: str, filename: str, pdf: bytes) -> str:
    """Send `pdf` attached to a short note; returns the Message-ID."""
    email = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": make_msgid(domain=settings.CALENDAR_UID_DOMAIN)},
    )
    email.attach(filename, pdf, "application/pdf")
    email.send(fail_silently=False)
    return str(email.extra_headers["Message-ID"])


def receipt_email(payment: Payment, *, to: str = "") -> str:
    from medoffice.accounts.errors import AccountsError

    to = to or payment.account.patient.email
    if not to:
        raise AccountsError("The patient has no e-mail address on file.", field="email")
    return pdf_email(
        to=to,
        subject=f"Your payment receipt from {payment.practice.name}",
        body="Thank you for your payment. Your receipt is attached.",
        filename=f"receipt-{receipt_number(payment)}.pdf",
        pdf=receipt_pdf(payment),
    )
