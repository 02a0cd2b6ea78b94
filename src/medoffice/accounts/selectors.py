"""Reads of patient-account work: the drawer's totals, credits, plans as they stand, the
summary shown on the patient page and at check-in. Sums of ledger rows, never stored."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from medoffice.accounts import plans
from medoffice.accounts.models import (
    AccountSettings,
    AccountStanding,
    PaymentPlan,
    PlanStatus,
    RefundRequest,
    Statement,
)
from medoffice.core.clock import today_at
from medoffice.core.money import ZERO, to_cents
from medoffice.payments.models import Account, Payment, PaymentKind
from medoffice.payments.selectors import account_balance


@dataclass
class DrawerTotals:
    totals: dict[str, Decimal]
    payments: list = field(default_factory=list)


def drawer_totals(*, location, user, day: date) -> DrawerTotals:
    """The patient payments `user` took at `location` on `day` (money in and out)."""
    payments = list(
        Payment.objects.filter(
            location=location, received_by=user, received_on=day, kind=PaymentKind.PATIENT
        )
        .select_related("account__patient")
        .order_by("received_at", "id")
    )
    totals: dict[str, Decimal] = {}
    for payment in payments:
        totals[payment.method] = totals.get(payment.method, ZERO) + payment.amount
    return DrawerTotals(totals, payments)


def account_credit(account: Account) -> Decimal:
    """What the practice holds for the patient beyond what they owe (zero if they owe)."""
    return max(-account_balance(account).patient_due, ZERO)


def settings_for(practice) -> AccountSettings:
    found = AccountSettings.objects.filter(practice=practice).first()
    return found or AccountSettings(practice=practice)


def plan_paid(plan: PaymentPlan) -> Decimal:
    """Patient payments on the account since the plan began (returned ones net out)."""
    total = (
        Payment.objects.filter(
            account=plan.account, kind=PaymentKind.PATIENT, received_at__gte=plan.starts_at
        )
        .filter(Q(amount__gt=0) | Q(reverses__isnull=False))
        .aggregate(total=Sum("amount"))["total"]
    )
    return to_cents(total or ZERO)


def plan_terms(plan: PaymentPlan) -> list[plans.Instalment]:
    return plans.schedule(
        total=plan.total,
        first_due=plan.first_due,
        frequency=plan.frequency,
        count=plan.count,
        amount=plan.amount,
    )


def plan_state(plan: PaymentPlan, today: date | None = None) -> plans.PlanState:
    today = today or today_at(plan.account.patient)
    grace = settings_for(plan.account.practice).plan_grace_days
    return plans.plan_state(plan_terms(plan), plan_paid(plan), today=today, grace_days=grace)


def plan_active(account: Account) -> PaymentPlan | None:
    return PaymentPlan.objects.filter(account=account, status=PlanStatus.ACTIVE).first()


@dataclass(frozen=True)
class AccountSummary:
    account: Account | None
    patient_due: Decimal
    insurance_pending: Decimal
    credit: Decimal
    plan: PaymentPlan | None
    plan_state: plans.PlanState | None
    standing: AccountStanding | None
    last_statement: Statement | None
    refunds_waiting: int


def account_summary(patient, today: date | None = None) -> AccountSummary:
    account = Account.objects.filter(patient=patient).first()
    if account is None:
        return AccountSummary(None, ZERO, ZERO, ZERO, None, None, None, None, 0)
    balance = account_balance(account)
    plan = plan_active(account)
    return AccountSummary(
        account=account,
        patient_due=max(balance.patient_due, ZERO),
        insurance_pending=balance.insurance,
        credit=max(-balance.patient_due, ZERO),
        plan=plan,
        plan_state=plan_state(plan, today) if plan else None,
        standing=AccountStanding.objects.filter(account=account).first(),
        last_statement=account.statements.order_by("-created_at").first(),
        refunds_waiting=RefundRequest.objects.filter(account=account, status="requested").count(),
    )


def local_stamp(moment, location) -> str:
    zone = location.zone if location is not None else timezone.get_current_timezone()
    return moment.astimezone(zone).strftime("%m/%d/%Y %I:%M %p %Z")


@dataclass(frozen=True)
class AccountPage:
    """What the account page shows: the summary, the balance by party and age, the ledger's
    lines (entries, newest first), statements sent, plans, refunds and payer credits."""

    summary: AccountSummary
    buckets: tuple[str, ...]
    aging: list  # aging.AgingRow per party (the patient, each payer)
    entries: list
    statements: list
    plans: list
    refunds: list
    payer_credits: list  # (charge, payer, credit)
    payments: list = field(default_factory=list)  # (payment, unapplied), newest first


def account_page(patient, today: date | None = None, *, entry_limit: int = 200) -> AccountPage:
    from medoffice.accounts import aging
    from medoffice.accounts.services import payer_credits
    from medoffice.payments.models import Party
    from medoffice.payments.selectors import account_lines, entries_for

    today = today or today_at(patient)
    summary = account_summary(patient, today)

    account = summary.account
    if account is None:
        return AccountPage(summary, aging.BUCKETS, [], [], [], [], [], [])
    from medoffice.billing.models import Charge
    from medoffice.patients.models import Payer

    lines = account_lines(account)
    charges = Charge.objects.in_bulk([line.charge_id for line in lines])
    payer_ids = {payer for line in lines for (party, payer) in line.by_party if payer}
    payers = Payer.objects.in_bulk(list(payer_ids))
    rows = []
    for line in lines:
        for (party, payer_id), amount in line.by_party.items():
            key = "Patient" if party == Party.PATIENT else payers[payer_id].name
            rows.append((key, charges[line.charge_id].date_of_service, amount))
    unapplied = account_balance(account).unapplied
    if unapplied:
        rows.append(("Patient", today, -unapplied))
    entries = list(
        entries_for(account=account)
        .select_related("payer", "charge", "payment", "posted_by")
        .order_by("-posted_at", "-id")[:entry_limit]
    )
    return AccountPage(
        summary=summary,
        buckets=aging.BUCKETS,
        aging=aging.age(rows, today),
        entries=entries,
        statements=list(account.statements.order_by("-created_at")[:50]),
        plans=[(plan, plan_state(plan, today)) for plan in account.plans.order_by("-starts_at")],
        refunds=list(account.refunds.select_related("payer", "requested_by", "decided_by")),
        payer_credits=payer_credits(account),
        payments=_payments(account),
    )


def _payments(account: Account, limit: int = 50) -> list:
    from medoffice.payments.selectors import unapplied_by_payment

    found = list(
        Payment.objects.filter(account=account)
        .select_related("location", "received_by")
        .order_by("-received_at", "-id")[:limit]
    )
    left = unapplied_by_payment([p.pk for p in found if p.amount > 0])
    return [(p, left.get(p.pk, ZERO)) for p in found]
