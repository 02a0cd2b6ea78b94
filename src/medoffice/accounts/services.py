"""The writers of patient-account work: desk payments, the day's close, plans, refunds,
collections holds. Money is posted through the ledger's API (payments/ledger.py) only.

Keyword-only, one transaction each; refusals raise errors.AccountsError (or the
ledger's LedgerError), both ValidationErrors naming the field, having written nothing.
"""

import logging
import smtplib
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from medoffice.accounts import gateways, plans
from medoffice.accounts.errors import (
    AccountsError,
    DayClosedError,
    PlanRefusedError,
    RefundRefusedError,
)
from medoffice.accounts.models import (
    AccountStanding,
    DayClose,
    Hold,
    PaymentPlan,
    PlanStatus,
    RefundRequest,
    RefundStatus,
    VisitPayment,
)
from medoffice.accounts.selectors import account_credit, drawer_totals
from medoffice.core.audit import audit_record
from medoffice.core.clock import today_at
from medoffice.core.models import AuditAction, AuditOutcome
from medoffice.core.money import ZERO, to_cents
from medoffice.payments import ledger
from medoffice.payments.errors import LedgerError
from medoffice.payments.models import Account, Payment, PaymentKind
from medoffice.payments.selectors import line_balances, unapplied_by_payment

logger = logging.getLogger(__name__)

DESK_METHODS = ("cash", "check", "card")


def _amount(value, field: str = "amount") -> Decimal:
    try:
        amount = to_cents(value)
    except (TypeError, ValueError) as exc:
        raise AccountsError("Enter an amount in dollars and cents.", field=field) from exc
    if amount <= ZERO:
        raise AccountsError("The amount must be more than zero.", field=field)
    return amount


@transaction.atomic
def desk_payment_take(
    *,
    patient,
    amount,
    method: str,
    reference: str = "",
    location,
    by,
    appointment=None,
    at: str = "",
    apply: bool = True,
    note: str = "",
) -> Payment:
    """Money taken at the desk (cash, check, card) for `patient`: received into the
    ledger, then applied to the oldest open patient balances; what is left stays on the
    account as a credit (a prepayment, e.g. a copay before the visit's charges exist),
    applied later by `unapplied_apply`. A card goes through the card gateway, which keeps
    only its reference."""
    value = _amount(amount)
    if method not in DESK_METHODS:
        raise AccountsError("Choose cash, check or card.", field="method")
    reference = (reference or "").strip()
    if method == "card":
        try:
            result = gateways.card_gateway().charge(
                amount=value, reference=reference, description=note or "payment"
            )
        except gateways.CardReferenceError as exc:
            raise AccountsError(str(exc), field=_reference_field(at)) from exc
        except gateways.CardDeclinedError as exc:
            raise AccountsError(str(exc), field="method") from exc
        reference = result.reference
    elif method == "check" and not reference:
        raise AccountsError("Enter the check number.", field=_reference_field(at))
    elif gateways.looks_like_card_number(reference):
        raise AccountsError(
            "That looks like a card number: never record it.", field=_reference_field(at)
        )
    try:
        payment = ledger.receive_payment(
            practice=patient.practice,
            kind=PaymentKind.PATIENT,
            amount=value,
            method=method,
            reference=reference,
            patient=patient,
            location=location,
            note=note,
            by=by,
        )
    except LedgerError as exc:
        field = "reference" if "reference" in exc.message_dict else next(iter(exc.message_dict))
        raise AccountsError(
            exc.text, field=_reference_field(at) if field == "reference" else field
        ) from exc
    if appointment is not None:
        VisitPayment.objects.create(appointment=appointment, payment=payment, at=at or "check_in")
    if apply:
        ledger.apply_payment(payment, by=by)
        if at != "check_in":  # a copay at check-in waits for the visit's charges
            credit_flag(account=payment.account, payment=payment)
    audit_record(
        action=AuditAction.CREATE,
        obj=payment,
        patient=patient,
        category="accounts",
        detail=f"desk payment {method} {value}" + (f" at {at}" if at else ""),
    )
    return payment


CREDIT_TASK = "account-credit:"


def payment_credit(payment: Payment) -> Decimal:
    """What is left of a patient payment after it paid the open balances: a credit."""
    return unapplied_by_payment([payment.pk]).get(payment.pk, ZERO)


def credit_flag(*, account: Account, payment: Payment | None = None) -> Decimal:
    """A payment larger than what the patient owed leaves a credit: flag it for the billers
    (a task: apply it to the next visit or refund it). The task closes by itself once the
    account has no credit left. Returns the credit of `payment` (or of the account)."""
    from medoffice.worklist.services import task_raise, task_settle

    left = payment_credit(payment) if payment is not None else account_credit(account)
    credit = account_credit(account)
    key = f"{CREDIT_TASK}{account.public_id}"
    if credit <= ZERO:
        task_settle(practice=account.practice, source_key=key)
        return left
    if left > ZERO:
        from django.urls import reverse

        task_raise(
            practice=account.practice,
            kind="account_credit",
            source_key=key,
            title=f"Credit of ${credit} on account {account.patient.mrn}: apply or refund",
            detail="A payment was larger than the balance owed; the rest is kept as a credit.",
            link=reverse("accounts:patient-account", args=[account.patient.public_id]),
            role="biller",
        )
    return left


def _reference_field(at: str) -> str:
    return "copay_reference" if at == "check_in" else "reference"


def unapplied_apply(*, account: Account, by=None) -> Decimal:
    """Apply every unapplied patient payment of the account to its oldest open patient
    balances (oldest payment first). Returns the amount applied."""
    applied = ZERO
    with transaction.atomic():
        payments = list(
            Payment.objects.filter(
                account=account, kind=PaymentKind.PATIENT, amount__gt=0, reverses__isnull=True
            )
            .exclude(reversed_by__isnull=False)
            .order_by("received_at", "id")
        )
        left = unapplied_by_payment([p.pk for p in payments])
        for payment in payments:
            if left.get(payment.pk, ZERO) <= ZERO:
                continue
            entries = ledger.apply_payment(payment, by=by)
            applied -= sum((e.amount for e in entries), ZERO)
        if applied:
            credit_flag(account=account)
    return applied


def on_encounter_signed(sender, encounter, **kwargs) -> None:
    """After the ledger posted a signed visit's charges: prepayments (a copay taken at
    check-in) are applied to them. A failure is logged and left for `unapplied_apply`."""
    try:
        account = Account.objects.filter(patient_id=encounter.patient_id).first()
        if account is not None:
            unapplied_apply(account=account)
    except Exception as exc:
        logger.error(
            "Prepayments not applied for encounter %s (%s)", encounter.public_id, type(exc).__name__
        )


# ---------------------------------------------------------------- the day's close


@transaction.atomic
def day_close(*, location, user, day: date, counted: dict, by) -> DayClose:
    """Close `user`'s drawer at `location` for `day`: the posted totals by method come from
    the ledger; `counted` is what is in the drawer; each difference is flagged in words."""
    posted = drawer_totals(location=location, user=user, day=day)
    counts = {}
    for method in DESK_METHODS:
        raw = counted.get(method, "0")
        try:
            value = to_cents(raw if raw not in (None, "") else "0")
        except (TypeError, ValueError) as exc:
            raise AccountsError("Enter an amount in dollars and cents.", field=method) from exc
        if value < ZERO:
            raise AccountsError("A counted amount cannot be negative.", field=method)
        counts[method] = value
    differences = []
    for method in DESK_METHODS:
        have, want = counts[method], posted.totals.get(method, ZERO)
        if have != want:
            word = "over" if have > want else "short"
            differences.append(
                f"{method.title()}: counted ${have}, posted ${want} ({word} ${abs(have - want)})"
            )
    try:
        with transaction.atomic():
            close = DayClose.objects.create(
                location=location,
                user=user,
                day=day,
                posted={m: str(posted.totals.get(m, ZERO)) for m in DESK_METHODS},
                counted={m: str(v) for m, v in counts.items()},
                differences=differences,
                payment_count=len(posted.payments),
                closed_at=timezone.now(),
            )
    except IntegrityError as exc:
        raise DayClosedError("This drawer is already closed for that day.", field="day") from exc
    audit_record(
        action=AuditAction.CREATE,
        obj=close,
        category="accounts",
        detail=f"day closed, {len(differences)} difference(s)",
    )
    return close


# ---------------------------------------------------------------- standing and holds


def standing_of(account: Account) -> AccountStanding:
    found = AccountStanding.objects.filter(account=account).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return AccountStanding.objects.create(account=account, changed_at=timezone.now())
    except IntegrityError:
        return AccountStanding.objects.get(account=account)


@transaction.atomic
def hold_set(*, account: Account, hold: str, note: str = "", by=None) -> AccountStanding:
    """Put the dunning sequence on hold (plan, dispute, other) or lift the hold (""). A
    hold keeps the account out of further notices and out of collections."""
    if hold not in Hold.values:
        raise AccountsError("Choose plan, dispute, other or no hold.", field="hold")
    if hold in (Hold.DISPUTE, Hold.OTHER) and not note.strip():
        raise AccountsError("Say what the hold is about.", field="hold_note")
    standing = standing_of(account)
    standing = AccountStanding.objects.select_for_update().get(pk=standing.pk)
    standing.hold, standing.hold_note, standing.changed_at = hold, note.strip(), timezone.now()
    standing.save()
    audit_record(
        action=AuditAction.UPDATE,
        obj=account,
        patient=account.patient,
        category="accounts",
        detail=f"hold {hold or 'lifted'}",
    )
    return standing


# ---------------------------------------------------------------- payment plans


@transaction.atomic
def plan_create(
    *,
    account: Account,
    total,
    first_due: date,
    frequency: str = "monthly",
    count: int | None = None,
    amount=None,
    note: str = "",
    by=None,
) -> PaymentPlan:
    """Agree a schedule of instalments for (part of) the patient's balance; the account's
    dunning is held while the plan is active."""
    from medoffice.payments.selectors import account_balance

    try:
        terms = plans.schedule(
            total=total, first_due=first_due, frequency=frequency, count=count, amount=amount
        )
    except plans.PlanError as exc:
        raise PlanRefusedError(str(exc), field=exc.field) from exc
    value = to_cents(total)
    due = account_balance(account).patient_due
    if value > due:
        raise PlanRefusedError(
            f"The patient owes ${max(due, ZERO)}: a plan cannot be for more.", field="total"
        )
    if PaymentPlan.objects.filter(account=account, status=PlanStatus.ACTIVE).exists():
        raise PlanRefusedError("The account already has an active plan: cancel it first.")
    plan = PaymentPlan.objects.create(
        account=account,
        total=value,
        frequency=frequency,
        first_due=first_due,
        count=len(terms) if count else None,
        amount=to_cents(amount) if amount else None,
        note=note.strip()[:200],
        starts_at=timezone.now(),
        created_by=by,
    )
    hold_set(account=account, hold=Hold.PLAN, note="payment plan", by=by)
    audit_record(
        action=AuditAction.CREATE,
        obj=plan,
        patient=account.patient,
        category="accounts",
        detail=f"plan {len(terms)} x {frequency}",
    )
    return plan


@transaction.atomic
def plan_cancel(*, plan: PaymentPlan, by=None) -> PaymentPlan:
    plan = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.ACTIVE:
        raise PlanRefusedError("Only an active plan can be cancelled.", field="status")
    plan.status = PlanStatus.CANCELLED
    plan.save(update_fields=["status"])
    standing = standing_of(plan.account)
    if standing.hold == Hold.PLAN:
        hold_set(account=plan.account, hold=Hold.NONE, by=by)
    audit_record(
        action=AuditAction.UPDATE,
        obj=plan,
        patient=plan.account.patient,
        category="accounts",
        detail="plan cancelled",
    )
    return plan


# ---------------------------------------------------------------- refunds


REFUND_METHODS = ("check", "card", "cash")


def payer_credit(charge, payer) -> Decimal:
    """What `payer` paid on the line beyond what it owed (zero if nothing)."""
    owed = line_balances([charge.pk]).get(charge.pk, {}).get(("insurance", payer.pk), ZERO)
    return max(-owed, ZERO)


def payer_credits(account: Account) -> list[tuple]:
    """(charge, payer, credit) for every line of the account a payer overpaid."""
    from medoffice.billing.models import Charge
    from medoffice.patients.models import Payer
    from medoffice.payments.models import LedgerEntry

    charge_ids = list(
        LedgerEntry.objects.filter(account=account, party="insurance")
        .exclude(charge_id=None)
        .values_list("charge_id", flat=True)
        .distinct()
    )
    found = []
    for charge_id, parties in sorted(line_balances(charge_ids).items()):
        for (party, payer_id), owed in parties.items():
            if party == "insurance" and owed < ZERO:
                found.append((charge_id, payer_id, -owed))
    charges = Charge.objects.in_bulk([c for c, _, _ in found])
    payers = Payer.objects.in_bulk([p for _, p, _ in found])
    return [(charges[c], payers[p], credit) for c, p, credit in found]


@transaction.atomic
def refund_request(
    *,
    account: Account,
    amount,
    method: str,
    reason: str,
    by,
    payer=None,
    charge=None,
) -> RefundRequest:
    """Ask for the refund of (part of) a credit; an office manager decides. To the patient:
    out of the account's credit. To a payer (`payer` and `charge`): out of what the payer
    overpaid on that line, by check or recouped by the payer from a later remittance."""
    value = _amount(amount)
    if not reason.strip():
        raise RefundRefusedError("Say why the credit is refunded.", field="reason")
    if payer is None:
        if method not in REFUND_METHODS:
            raise RefundRefusedError("Refund by check, card or cash.", field="method")
        credit = account_credit(account)
        if value > credit:
            raise RefundRefusedError(
                f"The account's credit is ${credit}: a refund of ${value} is more.",
                field="amount",
            )
    else:
        if method not in ("check", "recoup"):
            raise RefundRefusedError(
                "Refund an insurer by check, or record that it recouped the money.",
                field="method",
            )
        if charge is None or charge.encounter.patient_id != account.patient_id:
            raise RefundRefusedError("Choose the service line the payer overpaid.", field="line")
        credit = payer_credit(charge, payer)
        if value > credit:
            raise RefundRefusedError(
                f"{payer.name} has a credit of ${credit} on this line: a refund of ${value} "
                "is more.",
                field="amount",
            )
    request = RefundRequest.objects.create(
        account=account,
        amount=value,
        method=method,
        reason=reason.strip()[:200],
        payer=payer,
        charge=charge,
        requested_by=by,
        requested_at=timezone.now(),
    )
    audit_record(
        action=AuditAction.CREATE,
        obj=request,
        patient=account.patient,
        category="accounts",
        detail=f"refund requested {value}" + (" to a payer" if payer else ""),
    )
    return request


@transaction.atomic
def refund_decide(
    *, request: RefundRequest, approve: bool, by, note: str = "", reference: str = ""
) -> RefundRequest:
    """An office manager approves (the refund is posted: a negative payment out of the
    unapplied payments, oldest first, then out of line credits) or refuses it. The one
    who asked cannot approve their own request."""
    request = RefundRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RefundStatus.REQUESTED:
        raise RefundRefusedError("This refund was already decided.", field="status")
    if not by.has_perm("accounts.approve_refund"):
        raise RefundRefusedError("Only an office manager approves refunds.", field="status")
    if approve and request.requested_by_id == by.pk:
        raise RefundRefusedError(
            "Someone else must approve a refund you asked for.", field="status"
        )
    if approve and request.payer_id is not None:
        _refund_payer(request, by=by, reference=reference)
    elif approve:
        credit = account_credit(request.account)
        if request.amount > credit:
            raise RefundRefusedError(
                f"The account's credit is now ${credit}: less than the ${request.amount} asked.",
                field="amount",
            )
        request.payment = _refund_post(request, by=by, reference=reference)
    request.status = RefundStatus.APPROVED if approve else RefundStatus.REFUSED
    request.decided_by, request.decided_at = by, timezone.now()
    request.decision_note = note.strip()[:200]
    request.save()
    audit_record(
        action=AuditAction.UPDATE,
        obj=request,
        patient=request.account.patient,
        category="accounts",
        detail=f"refund {request.status}",
    )
    if approve and request.payer_id is None:
        credit_flag(account=request.account)
    return request


def _refund_payer(request: RefundRequest, *, by, reference: str) -> None:
    """A payer's overpayment on a line: paid back by check (a refund payment to the payer,
    on the line) or recouped by the payer on a later ERA (its provider-level recoupment
    moved onto the line). Either way the payer's credit on the line is what goes."""
    credit = payer_credit(request.charge, request.payer)
    if request.amount > credit:
        raise RefundRefusedError(
            f"{request.payer.name}'s credit on the line is now ${credit}: less than the "
            f"${request.amount} asked.",
            field="amount",
        )
    try:
        if request.method == "recoup":
            ledger.recoupment_apply(
                charge=request.charge, payer=request.payer, amount=request.amount,
                note=request.reason, by=by,
            )  # fmt: skip
        else:
            if not reference.strip():
                raise RefundRefusedError("Enter the refund check's number.", field="reference")
            request.payment, _ = ledger.refund(
                amount=request.amount, method="check", reference=reference.strip(),
                payer=request.payer, charge=request.charge, by=by, note=request.reason,
            )  # fmt: skip
    except LedgerError as exc:
        raise RefundRefusedError(exc.text, field="method") from exc


def _refund_post(request: RefundRequest, *, by, reference: str) -> Payment:
    account, left = request.account, request.amount
    first = None
    payments = list(
        Payment.objects.filter(account=account, kind=PaymentKind.PATIENT, amount__gt=0).order_by(
            "received_at", "id"
        )
    )
    unapplied = unapplied_by_payment([p.pk for p in payments])
    for payment in payments:
        take = min(unapplied.get(payment.pk, ZERO), left)
        if take <= ZERO:
            continue
        out, _ = ledger.refund(
            amount=take,
            method=request.method,
            reference=reference,
            account=account,
            from_payment=payment,
            by=by,
            note=request.reason,
        )
        first = first or out
        left -= take
        if left <= ZERO:
            return first
    from medoffice.payments.models import LedgerEntry

    charge_ids = list(
        LedgerEntry.objects.filter(account=account)
        .exclude(charge_id=None)
        .values_list("charge_id", flat=True)
        .distinct()
    )
    from medoffice.billing.models import Charge

    for charge_id, parties in sorted(line_balances(charge_ids).items()):
        owed = parties.get(("patient", None), ZERO)
        take = min(-owed, left)
        if take <= ZERO:
            continue
        out, _ = ledger.refund(
            amount=take,
            method=request.method,
            reference=reference,
            account=account,
            charge=Charge.objects.get(pk=charge_id),
            by=by,
            note=request.reason,
        )
        first = first or out
        left -= take
        if left <= ZERO:
            return first
    raise RefundRefusedError("The credit is not there to refund.", field="amount")


# ---------------------------------------------------------------- e-mailed receipts


def receipt_send(payment: Payment, *, by=None) -> str:
    """E-mail the receipt (PDF) of money a patient paid to the patient's address on file;
    returns the address. Refused, sending nothing, when the payment is not a patient's
    payment, there is no address, or no consent to e-mail is in force today (the same
    rule as reminders); a mail server that refuses or does not answer is a clear error
    too. Audited as a disclosure of PHI to the patient (export), also when it fails."""
    from medoffice.accounts import paper
    from medoffice.messaging.selectors import consent_kinds_in_force
    from medoffice.patients.models import ConsentKind

    if payment.account_id is None or payment.amount <= ZERO:
        raise AccountsError("Only money received from a patient has a receipt.", field="payment")
    patient = payment.account.patient
    to = patient.email.strip()
    if not to:
        raise AccountsError(
            "The patient has no e-mail address on file: add it on the patient's page, or "
            "print the receipt.",
            field="email",
        )
    if ConsentKind.EMAIL not in consent_kinds_in_force(patient, today_at(patient)):
        raise AccountsError(
            "The patient has no consent to e-mail in force (never signed, expired or "
            "revoked): record the consent on the patient's page, or print the receipt.",
            field="email",
        )
    try:
        paper.receipt_email(payment, to=to)
    except (OSError, smtplib.SMTPException) as exc:
        audit_record(
            action=AuditAction.EXPORT, outcome=AuditOutcome.FAILURE, obj=payment,
            patient=patient, category="accounts", detail="payment receipt e-mail not sent",
        )  # fmt: skip
        logger.warning("receipt e-mail failed: %s", type(exc).__name__)
        raise AccountsError(
            "The receipt could not be sent: the mail server refused it or did not answer. "
            "Try again later, or print the receipt.",
            field="email",
        ) from exc
    audit_record(
        action=AuditAction.EXPORT, obj=payment, patient=patient, category="accounts",
        detail="payment receipt e-mailed to the patient",
    )  # fmt: skip
    return to
