"""Patient statements: what each visit cost, what insurance paid, what you owe and why.

`statement_record` builds the printed record from the ledger; `statement_issue` keeps
a statement (the PDF as sent) and moves the account along the dunning sequence;
`statement_run` is the batch of one cycle. A patient without a mailing address gets no
statement: the issue is refused (and the batch lists them) with the reason.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from medoffice.accounts.errors import AccountsError, NoAddressError
from medoffice.accounts.models import (
    AccountSettings,
    AccountStanding,
    CollectionStatus,
    Hold,
    Statement,
    StatementRun,
)
from medoffice.accounts.paper import pdf_email, practice_party
from medoffice.accounts.selectors import plan_active, plan_state, settings_for
from medoffice.accounts.services import standing_of
from medoffice.core.audit import audit_record
from medoffice.core.clock import today_at
from medoffice.core.models import AuditAction
from medoffice.core.money import ZERO, to_cents
from medoffice.formats.pdf.account import (
    Party,
    StatementLine,
    StatementRecord,
    StatementVisit,
    render_statement,
)
from medoffice.payments.models import Account, EntryKind, LedgerEntry
from medoffice.payments.models import Party as LedgerParty
from medoffice.payments.selectors import account_balance

PR_REASONS = {"1": "Deductible", "2": "Coinsurance", "3": "Copay"}


def mailing_party(patient) -> Party:
    """The guarantor's name and address; refused when there is no address to mail to."""
    if not (patient.address1.strip() and patient.city.strip() and patient.zip_code.strip()):
        raise NoAddressError(
            "No statement: the patient has no mailing address (street, city and ZIP). "
            "Add the address on the patient's page first.",
            field="address",
        )
    name = patient.guarantor_name.strip() or f"{patient.first_name} {patient.last_name}"
    street = patient.address1 + (f", {patient.address2}" if patient.address2 else "")
    return Party(name, (street, f"{patient.city}, {patient.state} {patient.zip_code}"))


def cycle_of(account: Account, cycles: int) -> int:
    return account.pk % max(cycles, 1) + 1


def _visits(account: Account) -> tuple[tuple[StatementVisit, ...], Decimal]:
    """The visits with something still owed by the patient (or pending with insurance)."""
    lines: dict[int, dict] = {}
    entries = (
        LedgerEntry.objects.filter(account=account)
        .exclude(charge_id=None)
        .select_related("charge__line", "charge__encounter__provider", "payer")
        .order_by("charge__date_of_service", "charge_id", "id")
    )
    for e in entries:
        line = lines.setdefault(
            e.charge_id,
            {
                "charge": e.charge,
                "charged": ZERO,
                "ins": ZERO,
                "adj": ZERO,
                "you_paid": ZERO,
                "owe": ZERO,
                "pending": ZERO,
                "why": {},
                "payers": set(),
            },
        )
        if e.payer is not None:
            line["payers"].add(e.payer.name)
        if e.kind == EntryKind.CHARGE:
            line["charged"] += e.amount
        elif e.kind == EntryKind.INSURANCE_PAYMENT:
            line["ins"] -= e.amount
        elif e.kind in (EntryKind.CONTRACTUAL, EntryKind.ADJUSTMENT, EntryKind.WRITE_OFF):
            line["adj"] -= e.amount
        elif e.kind in (EntryKind.PATIENT_PAYMENT, EntryKind.REFUND):
            line["you_paid"] -= e.amount
        if e.party == LedgerParty.PATIENT:
            line["owe"] += e.amount
            if e.kind == EntryKind.TRANSFER and e.amount > 0:
                label = PR_REASONS.get(e.reason, "Not covered by your plan")
                line["why"][label] = line["why"].get(label, ZERO) + e.amount
        elif e.party == LedgerParty.INSURANCE:
            line["pending"] += e.amount
    by_visit: dict[int, list] = {}
    for line in lines.values():
        if line["owe"] == ZERO and line["pending"] == ZERO:
            continue
        by_visit.setdefault(line["charge"].encounter_id, []).append(line)
    visits = []
    for group in by_visit.values():
        charge = group[0]["charge"]
        payers = sorted({p for line in group for p in line["payers"]})
        rows = []
        for line in group:
            why = "; ".join(f"{k} ${v}" for k, v in line["why"].items())
            if line["pending"] > ZERO:
                why = (why + "; " if why else "") + f"${line['pending']} waiting for insurance"
            if not why and line["owe"] > ZERO:
                why = (
                    "No insurance on file for this visit" if not payers else "Not paid by insurance"
                )
            desc = line["charge"].line.description or "Service"
            rows.append(
                StatementLine(
                    f"{desc[:44]} ({line['charge'].code})",
                    line["charged"],
                    line["ins"],
                    line["adj"],
                    line["you_paid"],
                    max(line["owe"], ZERO),
                    why,
                )
            )
        visits.append(
            StatementVisit(
                charge.date_of_service,
                str(charge.encounter.provider),
                ", ".join(payers) or "No insurance on file",
                tuple(rows),
            )
        )
    return tuple(visits), sum((max(li["owe"], ZERO) for li in lines.values()), ZERO)


def statement_record(account: Account, *, today: date, notice: int = 0) -> StatementRecord:
    patient = account.patient
    party = mailing_party(patient)
    config = settings_for(account.practice)
    visits, owed_on_lines = _visits(account)
    due = max(account_balance(account).patient_due, ZERO)
    plan = plan_active(account)
    plan_line = ""
    if plan is not None:
        state = plan_state(plan, today)
        if state.next_due:
            plan_line = (
                f"Payment plan: ${state.balance} left; next instalment "
                f"${state.next_amount} due {state.next_due:%m/%d/%Y}."
            )
    texts = config.notice_texts
    return StatementRecord(
        practice=practice_party(account.practice),
        patient=party,
        account=patient.mrn,
        statement_date=today,
        due_date=today + timedelta(days=config.due_days),
        visits=visits,
        previous_payments=max(owed_on_lines - due, ZERO),
        amount_due=due,
        how_to_pay=tuple(w.strip() for w in config.how_to_pay.splitlines() if w.strip()),
        message=texts[notice - 1] if 0 < notice <= len(texts) else "",
        plan=plan_line,
    )


def statement_pdf(account: Account, *, today: date | None = None) -> bytes:
    return render_statement(statement_record(account, today=today or today_at(account.patient)))


def _next_notice(account: Account, today: date) -> int:
    """0 for a plain statement; n for the n-th notice when the last statement's due date
    passed without payment and the account has no hold."""
    standing = standing_of(account)
    if standing.hold:
        return 0
    last = account.statements.order_by("-created_at").first()
    if last is None or last.due_date >= today:
        return standing.notices_sent
    paid_since = account.payments.filter(received_at__gte=last.created_at, amount__gt=0).exists()
    return 0 if paid_since else standing.notices_sent + 1


def statement_issue(
    *,
    account: Account,
    by=None,
    today: date | None = None,
    email: bool = False,
    cycle: int | None = None,
) -> Statement:
    """Make (and keep) the account's statement; with `email`, send it to the patient."""
    today = today or today_at(account.patient)
    notice = _next_notice(account, today)
    texts = settings_for(account.practice).notice_texts
    standing = standing_of(account)
    if notice > len(texts):
        standing.status, standing.changed_at = CollectionStatus.COLLECTIONS, timezone.now()
        standing.save()
        audit_record(
            action=AuditAction.UPDATE,
            obj=account,
            patient=account.patient,
            category="accounts",
            detail="sent to collections",
        )
        raise AccountsError(
            "The dunning notices are used up: the account is now in "
            "collections, and gets no further statements."
        )
    with transaction.atomic():
        return _issue(account, notice, standing, by=by, today=today, email=email, cycle=cycle)


def _issue(account, notice, standing, *, by, today, email, cycle) -> Statement:
    record = statement_record(account, today=today, notice=notice)
    if record.amount_due <= ZERO:
        raise AccountsError("Nothing is owed: no statement to send.", field="amount")
    pdf = render_statement(record)
    emailed = ""
    if email:
        to = account.patient.email
        if not to:
            raise AccountsError("The patient has no e-mail address on file.", field="email")
        pdf_email(
            to=to,
            subject=f"Your statement from {account.practice.name}",
            body=f"Your statement of {today:%m/%d/%Y} is attached. Amount due: "
            f"${record.amount_due}, by {record.due_date:%m/%d/%Y}.",
            filename=f"statement-{today:%Y%m%d}.pdf",
            pdf=pdf,
        )
        emailed = to
    statement = Statement.objects.create(
        account=account,
        statement_date=today,
        due_date=record.due_date,
        amount_due=record.amount_due,
        notice=notice,
        cycle=cycle,
        pdf=pdf,
        emailed_to=emailed,
        created_by=by,
        created_at=timezone.now(),
    )
    if notice != standing.notices_sent or (notice and standing.status != CollectionStatus.DUNNING):
        standing.notices_sent = notice
        standing.status = CollectionStatus.DUNNING if notice else CollectionStatus.CURRENT
        standing.changed_at = timezone.now()
        standing.save()
    audit_record(
        action=AuditAction.CREATE,
        obj=statement,
        patient=account.patient,
        category="accounts",
        detail=f"statement notice {notice}",
    )
    return statement


@dataclass
class RunResult:
    issued: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # (account, reason)
    run: StatementRun | None = None


@dataclass(frozen=True)
class Candidate:
    """One account of a run: what it owes and, when it gets no statement, why not."""

    account: Account
    amount: Decimal
    skip: str = ""


def cycle_of_day(day: date, cycles: int) -> int:
    """The cycle whose turn it is on `day`: the month split into `cycles` equal parts."""
    cycles = max(cycles, 1)
    length = calendar.monthrange(day.year, day.month)[1]
    return min(cycles, (day.day - 1) * cycles // length + 1)


def statement_candidates(
    *, practice, cycle: int | None = None, today: date | None = None
) -> list[Candidate]:
    """Every account of the cycle (all cycles when None) with something owed, and whether
    it gets a statement: skipped, with the reason, when under the minimum, in collections,
    on hold for a dispute, sent one within `statement_every_days`, or without an address."""
    today = today or today_at(practice)
    config = settings_for(practice)
    since = today - timedelta(days=config.statement_every_days)
    found = []
    accounts = Account.objects.filter(practice=practice).select_related("patient").order_by("id")
    for account in accounts:
        if cycle is not None and cycle_of(account, config.cycles) != cycle:
            continue
        due = account_balance(account).patient_due
        if due <= ZERO:
            continue
        if due < config.statement_minimum:
            skip = f"under the minimum of ${to_cents(config.statement_minimum)}"
        else:
            skip = _skip_reason(account, since)
        found.append(Candidate(account, due, skip))
    return found


def _skip_reason(account: Account, since: date) -> str:
    standing = AccountStanding.objects.filter(account=account).first()
    if standing is not None and standing.status == CollectionStatus.COLLECTIONS:
        return "in collections"
    if standing is not None and standing.hold in (Hold.DISPUTE, Hold.OTHER):
        note = f": {standing.hold_note}" if standing.hold_note else ""
        return f"on hold ({standing.get_hold_display().lower()}{note})"
    last = account.statements.filter(statement_date__gt=since).order_by("-created_at").first()
    if last is not None:
        return f"had a statement on {last.statement_date:%m/%d/%Y}"
    try:
        mailing_party(account.patient)
    except NoAddressError:
        return "no mailing address"
    return ""


def statement_run(
    *, practice, cycle: int | None = None, by=None, today: date | None = None, email: bool = False
) -> RunResult:
    """The batch of one cycle (all cycles when None): a statement for each candidate not
    skipped (`statement_candidates`); one account's refusal does not stop the others. The
    run is kept (`StatementRun`) with what went out and who was skipped, and why."""
    today = today or today_at(practice)
    result = RunResult()
    for candidate in statement_candidates(practice=practice, cycle=cycle, today=today):
        account = candidate.account
        if candidate.skip:
            result.skipped.append((account, candidate.skip))
            continue
        try:
            with transaction.atomic():
                result.issued.append(
                    statement_issue(
                        account=account,
                        by=by,
                        today=today,
                        email=email and bool(account.patient.email),
                        cycle=cycle,
                    )
                )
        except AccountsError as exc:
            result.skipped.append((account, exc.text))
    # Its own savepoint: the statements above stand even if keeping the run's record fails
    # (a rerun skips the accounts just sent and records itself).
    with transaction.atomic():
        result.run = StatementRun.objects.create(
            practice=practice,
            cycle=cycle,
            ran_at=timezone.now(),
            ran_by=by,
            issued=len(result.issued),
            amount=sum((s.amount_due for s in result.issued), ZERO),
            skipped=[
                {
                    "account": str(account.public_id),
                    "patient": f"{account.patient.last_name}, {account.patient.first_name}",
                    "reason": reason,
                }
                for account, reason in result.skipped
            ],
        )
    return result


def statement_cycles_due(*, today: date | None = None) -> dict[str, int]:  # practice -> sent
    """The worker's daily job: for each practice that asked for it (Account settings,
    `statements_on_clock`), run the cycle whose turn it is today, e-mailing statements
    to patients with an address. A second run the same day sends nothing new (an account
    gets one statement per `statement_every_days`); each practice's day is its own office's."""
    sent = {}
    for config in AccountSettings.objects.filter(statements_on_clock=True).select_related(
        "practice"
    ):
        day = today or today_at(config.practice)
        cycle = cycle_of_day(day, config.cycles)
        result = statement_run(practice=config.practice, cycle=cycle, today=day, email=True)

        sent[config.practice.name] = len(result.issued)
    return sent


__all__ = [
    "Hold",
    "cycle_of_day",
    "statement_candidates",
    "statement_cycles_due",
    "statement_issue",
    "statement_pdf",
    "statement_record",
    "statement_run",
]
