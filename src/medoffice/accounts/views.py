"""The screens of patient accounts: the account page (a tab of the patient's record), taking
a payment at the desk, the day's close and its deposit slip, the statement run, payment
plans and refunds; and the papers (a receipt, a statement as sent). Thin: forms parse,
accounts/access.py loads, the services decide; a refusal is a 422 with the reason on its
field."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medoffice.accounts import access, paper, services, statements
from medoffice.accounts.forms import (
    DayCloseForm,
    PaymentForm,
    PlanForm,
    RefundDecisionForm,
    RefundForm,
    StatementRunForm,
)
from medoffice.accounts.models import (
    RefundStatus,
    Statement,
    StatementRun,
)
from medoffice.accounts.selectors import account_page, drawer_totals, settings_for
from medoffice.billing.models import Charge
from medoffice.core.access import patient_scope, practice_for, practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.clock import today_at
from medoffice.core.forms import apply_service_errors
from medoffice.core.models import AuditAction, Location
from medoffice.core.policy import has_permission, requires
from medoffice.patients.models import Payer
from medoffice.patients.views import render_patient_tab
from medoffice.payments import ledger

VIEW = "accounts.view_accounts"
COLLECT = "accounts.collect_payment"
CLOSE = "accounts.close_day"
STATEMENTS = "accounts.run_statements"
PLANS = "accounts.manage_plans"
REFUND = "accounts.request_refund"
APPROVE = "accounts.approve_refund"
CATEGORY = "accounts"


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# ---------------------------------------------------------------- the account page


def _account_tab(request, patient, *, status=200, plan_form=None, refund_form=None):
    user = request.user
    context = {
        "page": account_page(patient),
        "plan_form": plan_form or PlanForm(),
        "refund_form": refund_form or RefundForm(),
        "can_collect": has_permission(user, COLLECT),
        "can_plan": has_permission(user, PLANS),
        "can_refund": has_permission(user, REFUND),
        "can_statement": has_permission(user, STATEMENTS),
    }
    response = render_patient_tab(
        request, patient, "billing", context, template="accounts/tab_account.html"
    )
    response.status_code = status
    return response


def _patient(request, public_id, permission: str, detail: str, action=AuditAction.READ):
    patient = access.account_patient_get_for_user(request.user, public_id, permission=permission)
    if detail:
        audit_record(action=action, obj=patient, patient=patient, category=CATEGORY,
                     detail=detail)  # fmt: skip
    return patient


@require_GET
@requires(VIEW)
def patient_account(request, public_id):
    patient = _patient(request, public_id, VIEW, "account page")
    return _account_tab(request, patient)


@require_http_methods(["GET", "POST"])
@requires(COLLECT)
def payment_take(request, public_id):
    """Take money at the desk: applied to the oldest balance; a payment larger than what
    is owed leaves a credit, flagged here and on the billers' task list."""
    practice_id = practice_id_for(request.user)
    if request.method == "GET":
        patient = _patient(request, public_id, COLLECT, "payment form")
        form = PaymentForm(practice_id=practice_id)
        return _payment_page(request, patient, form)
    patient = _patient(request, public_id, COLLECT, "")
    visit = _visit(request, patient)
    form = PaymentForm(request.POST, practice_id=practice_id)
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.desk_payment_take(
                patient=patient, amount=data["amount"], method=data["method"],
                reference=data["reference"], location=data["location"], note=data["note"],
                appointment=visit, at="check_out" if visit else "", by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            credit = services.payment_credit(payment)
            messages.success(request, f"${payment.amount} {payment.get_method_display()} taken.")
            if credit:
                messages.warning(
                    request,
                    f"Overpayment: ${credit} more than the balance owed is kept on the account "
                    "as a credit (flagged for the billers: apply or refund).",
                )
            if visit is not None:
                return redirect(reverse("scheduling:appointment-detail", args=[visit.public_id]))
            return redirect(reverse("accounts:patient-account", args=[patient.public_id]))
    return _payment_page(request, patient, form, status=422)


def _visit(request, patient):
    """The visit a payment is taken at (check-out), from `?visit=`: the patient's own."""
    from medoffice.scheduling.models import Appointment

    wanted = request.GET.get("visit", "")
    try:
        return Appointment.objects.filter(public_id=wanted, patient=patient).first()
    except ValidationError:  # not a UUID
        return None


def _payment_page(request, patient, form, status=200):
    page = account_page(patient)
    visit = _visit(request, patient)
    if visit is not None and not form.is_bound:
        form.initial.setdefault("location", visit.location_id)
    context = {"patient": patient, "form": form, "summary": page.summary, "visit": visit}
    return render(request, "accounts/payment_form.html", context, status=status)


@require_POST
@requires(PLANS)
def plan_create(request, public_id):
    patient = _patient(request, public_id, PLANS, "")
    form = PlanForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_create(
                account=ledger.account_for(patient), total=data["total"],
                first_due=data["first_due"], frequency=data["frequency"], count=data["count"],
                amount=data["amount"], note=data["note"], by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Payment plan of ${plan.total} agreed.")
            return redirect(reverse("accounts:patient-account", args=[patient.public_id]))
    return _account_tab(request, patient, status=422, plan_form=form)


@require_POST
@requires(PLANS)
def plan_cancel(request, public_id):
    plan = access.plan_get_for_user(request.user, public_id)
    try:
        services.plan_cancel(plan=plan, by=request.user)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, "Payment plan cancelled.")
    return redirect(reverse("accounts:patient-account", args=[plan.account.patient.public_id]))


@require_POST
@requires(REFUND)
def refund_request(request, public_id):
    """Ask for a refund: of the patient's credit, or (with `line` and `payer`) of what a
    payer overpaid on a line, by check or recouped by the payer."""
    patient = _patient(request, public_id, REFUND, "")
    form = RefundForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        payer = charge = None
        if data["line"] or data["payer"]:
            charge = Charge.objects.filter(
                public_id=data["line"], encounter__patient=patient
            ).first()
            payer = Payer.objects.filter(public_id=data["payer"]).first()
            if charge is None or payer is None:
                form.add_error("amount", "That line or payer is not on this account.")
        if form.is_valid():
            try:
                services.refund_request(
                    account=ledger.account_for(patient), amount=data["amount"],
                    method=data["method"], reason=data["reason"], payer=payer, charge=charge,
                    by=request.user,
                )  # fmt: skip
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "Refund asked for: an office manager decides.")
                return redirect(reverse("accounts:patient-account", args=[patient.public_id]))
    return _account_tab(request, patient, status=422, refund_form=form)


# ---------------------------------------------------------------- refunds to decide


def _refund_list(request, *, status=200, form=None, failed=None):
    base = access.refund_requests_for_user(request.user).select_related(
        "account__patient", "payer", "requested_by", "decided_by"
    )
    audit_record(action=AuditAction.READ, object_type="accounts.refundrequest",
                 category=CATEGORY, detail="refunds listed")  # fmt: skip
    return render(
        request, "accounts/refund_list.html",
        {"waiting": base.filter(status=RefundStatus.REQUESTED).order_by("requested_at"),
         "decided": base.exclude(status=RefundStatus.REQUESTED).order_by("-decided_at")[:50],
         "form": form or RefundDecisionForm(), "failed": failed,
         "can_approve": has_permission(request.user, APPROVE)},
        status=status,
    )  # fmt: skip


@require_GET
@requires(REFUND)
def refund_list(request):
    return _refund_list(request)


@require_POST
@requires(APPROVE)
def refund_decide(request, public_id):
    """An office manager approves (the refund is posted) or refuses; never their own."""
    refund = access.refund_request_get_for_user(request.user, public_id)
    form = RefundDecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.refund_decide(
                request=refund, approve=data["decision"] == "approve", by=request.user,
                note=data["note"], reference=data["reference"],
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Refund of ${refund.amount} {data['decision']}d.")
            return redirect(reverse("accounts:refund-list"))
    return _refund_list(request, status=422, form=form, failed=refund)


# ---------------------------------------------------------------- the day's close


def _drawer_page(request, form, location, day, *, status=200):
    """The close form beside what the ledger says the user took at `location` on `day`."""
    closes = access.day_closes_for_user(
        request.user, sees_all=has_permission(request.user, APPROVE)
    )
    drawer = drawer_totals(location=location, user=request.user, day=day) if location else None
    return render(
        request, "accounts/day_close.html",
        {"form": form, "drawer": drawer, "location": location, "day": day,
         "closes": closes.select_related("location", "user")[:60]},
        status=status,
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@requires(CLOSE)
def day_close(request):
    """Close your drawer for a location and day: what the ledger says you took, by method,
    against what you counted; each difference flagged; then the deposit slip."""
    practice_id = practice_id_for(request.user)
    locations = Location.objects.filter(practice_id=practice_id).order_by("name")
    chosen = request.POST.get("location") or request.GET.get("location")
    location = (locations.filter(pk=chosen).first() if str(chosen).isdigit() else None) or (
        locations.first()
    )
    day = today_at(location) if location else None
    what = "closed" if request.method == "POST" else "viewed"
    audit_record(action=AuditAction.READ, object_type="accounts.dayclose", category=CATEGORY,
                 detail=f"drawer {what}")  # fmt: skip
    if request.method == "GET":
        form = DayCloseForm(initial={"location": location, "day": day}, practice_id=practice_id)
        return _drawer_page(request, form, location, day)
    form = DayCloseForm(request.POST, practice_id=practice_id)
    if form.is_valid():
        data = form.cleaned_data
        location, day = data["location"], data["day"]
        try:
            close = services.day_close(
                location=location, user=request.user, day=day, counted=form.counted(),
                by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if close.differences:
                messages.warning(request, "Drawer closed with differences: see below.")
            else:
                messages.success(request, "Drawer closed: counted equals posted.")
            return redirect(reverse("accounts:day-close-detail", args=[close.public_id]))
    return _drawer_page(request, form, location, day, status=422)


@require_GET
@requires(CLOSE)
def day_close_detail(request, public_id):
    close = access.day_close_get_for_user(request.user, public_id)
    drawer = drawer_totals(location=close.location, user=close.user, day=close.day)
    audit_record(action=AuditAction.READ, obj=close, category=CATEGORY, detail="day close")
    rows = [
        (method, close.posted.get(method, "0.00"), close.counted.get(method, "0.00"))
        for method in services.DESK_METHODS
    ]
    return render(request, "accounts/day_close_detail.html",
                  {"close": close, "drawer": drawer, "rows": rows})  # fmt: skip


@require_GET
@requires(CLOSE)
def deposit_slip(request, public_id):
    close = access.day_close_get_for_user(request.user, public_id)
    audit_record(action=AuditAction.PRINT, obj=close, category=CATEGORY, detail="deposit slip")
    return _pdf(paper.deposit_slip_pdf(close), f"deposit-{close.day:%Y%m%d}.pdf")


# ---------------------------------------------------------------- statements


@require_GET
@requires(STATEMENTS)
def statement_run_page(request):
    """The statement run: a preview of the cycle chosen (who gets one, who is skipped and
    why), the button that sends it, and the runs and statements before."""
    practice = practice_for(request.user)
    config = settings_for(practice)
    form = StatementRunForm(request.GET or None, cycles=config.cycles)
    cycle = form.cleaned_data["cycle"] if form.is_bound and form.is_valid() else None
    candidates = statements.statement_candidates(practice=practice, cycle=cycle)
    audit_record(action=AuditAction.QUERY, object_type="accounts.statement", category=CATEGORY,
                 detail=f"statement preview, {len(candidates)} accounts")  # fmt: skip
    sending = [c for c in candidates if not c.skip]
    return render(
        request, "accounts/statement_run.html",
        {"form": form if form.is_bound else StatementRunForm(cycles=config.cycles),
         "cycle": cycle, "sending": sending, "skipped": [c for c in candidates if c.skip],
         "total": sum((c.amount for c in sending), 0), "config": config,
         "today_cycle": statements.cycle_of_day(timezone.localdate(), config.cycles),
         "runs": StatementRun.objects.filter(practice=practice).select_related("ran_by")[:20],
         "sent": Statement.objects.filter(account__practice=practice)
         .select_related("account__patient")[:50]},
        status=422 if form.is_bound and not form.is_valid() else 200,
    )  # fmt: skip


@require_POST
@requires(STATEMENTS)
def statement_run_send(request):
    practice = practice_for(request.user)
    form = StatementRunForm(request.POST, cycles=settings_for(practice).cycles)
    if not form.is_valid():
        messages.error(request, "Choose a cycle from the list.")
        return redirect(reverse("accounts:statement-run"))
    result = statements.statement_run(
        practice=practice, cycle=form.cleaned_data["cycle"], by=request.user,
        email=form.cleaned_data["email"],
    )  # fmt: skip
    messages.success(
        request,
        f"{len(result.issued)} statement(s) made (${result.run.amount}); "
        f"{len(result.skipped)} account(s) skipped, each with the reason below.",
    )
    return redirect(reverse("accounts:statement-run"))


# ---------------------------------------------------------------- the papers


@require_GET
@requires(VIEW)
def receipt_pdf(request, public_id):
    payment = access.payment_get_for_user(request.user, public_id)
    audit_record(action=AuditAction.PRINT, obj=payment, patient=payment.account.patient,
                 category=CATEGORY, detail="payment receipt")  # fmt: skip
    return _pdf(paper.receipt_pdf(payment), f"receipt-{paper.receipt_number(payment)}.pdf")


@require_POST
@requires(COLLECT)
def receipt_send(request, public_id):
    """E-mail a payment's receipt to the patient (consent and address checked by the
    service); back to the account page saying where it went, or why not."""
    payment = access.payment_get_for_user(request.user, public_id)
    patient = payment.account.patient
    try:
        to = services.receipt_send(payment, by=request.user)
    except ValidationError as exc:
        messages.error(request, f"Receipt not e-mailed: {exc}")
        audit_record(action=AuditAction.READ, obj=patient, patient=patient, category=CATEGORY,
                     detail="account page")  # fmt: skip
        return _account_tab(request, patient, status=422)
    messages.success(request, f"Receipt {paper.receipt_number(payment)} e-mailed to {to}.")
    return redirect(reverse("accounts:patient-account", args=[patient.public_id]))


@require_GET
@requires(VIEW)
def statement_pdf(request, public_id):
    statement = (
        Statement.objects.filter(
            patient_scope(request.user, "account__patient"), public_id=public_id
        )
        .select_related("account__patient")
        .first()
    )
    if statement is None:
        raise Http404
    audit_record(action=AuditAction.PRINT, obj=statement, patient=statement.account.patient,
                 category=CATEGORY, detail="statement")  # fmt: skip
    return _pdf(bytes(statement.pdf), f"statement-{statement.statement_date:%Y%m%d}.pdf")
