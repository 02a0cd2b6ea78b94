"""The billers' screens for claims after they go out: the work queues, one claim's work page
(reasons, field to fix, notes, assignment, resend, status request, close), appeals, and the
CMS-1500 paper form (one claim, or every paper payer's ready claims)."""

from datetime import date

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from medoffice.billing import appeals as appeal_letters
from medoffice.billing import claim_work, explanations, follow_up, work_access
from medoffice.billing.claim_forms import cms1500_pdf
from medoffice.billing.claims import claims_move
from medoffice.billing.errors import BillingError
from medoffice.billing.models import AppealMethod, AppealOutcome, AppealStatus, FindingSource
from medoffice.billing.states import ClaimStatus
from medoffice.billing.worklists import AWAITING, QUEUES
from medoffice.core.access import practice_id_for
from medoffice.core.models import AuditAction
from medoffice.core.money import to_cents
from medoffice.core.policy import has_permission, requires

S = ClaimStatus


def _claim_url(claim) -> str:
    return reverse("billing:claim-work", args=[claim.public_id])


def _errors(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(m for ms in getattr(exc, "message_dict", {"": exc.messages}).values()
                        for m in ms)  # fmt: skip
    return str(exc)


def fix_link(target, claim) -> str | None:
    """Where the biller corrects what a reason names (None: a configuration screen); the
    patient's screens bring the biller back to the claim's work page once saved."""
    if target is None:
        return None
    key = target.key
    back = urlencode({"next": _claim_url(claim)})
    if key == "patient":
        return reverse("patients:patient-edit", args=[claim.patient.public_id]) + f"?{back}"
    if key == "coverage":
        return reverse("patients:coverage-edit", args=[claim.coverage.public_id]) + f"?{back}"
    if key in ("diagnoses", "services", "modifiers", "pointers", "place_of_service",
               "prior_authorization", "referring_provider", "date_of_service"):  # fmt: skip
        return reverse("billing:encounter-detail", args=[claim.encounter.public_id])
    return None


@requires(work_access.VIEW_QUEUES)
@require_GET
def work_home(request):
    return redirect("billing:claim-queue", queue="rejections")


@requires(work_access.VIEW_QUEUES)
@require_GET
def claim_queue(request, queue):
    if queue not in QUEUES:
        raise Http404
    options = {}
    if queue == "deadlines":
        try:
            options["within_days"] = max(1, min(365, int(request.GET.get("within", 30))))
        except ValueError:
            options["within_days"] = 30
    if queue == "appeals" and request.GET.get("open") == "1":
        options["open_only"] = True  # the open ones, as the tab counts them
    rows = work_access.queue_for_user(request.user, queue, **options)
    links = {}
    if queue == "rejections":
        links = {row.claim.pk: [(f, fix_link(f, row.claim)) for f in row.fixes] for row in rows}
    return render(request, "billing/claim_queue.html", {
        "queue": queue, "queues": QUEUES, "rows": rows, "fix_links": links,
        "counts": work_access.queue_counts_for_user(request.user),
        "within": options.get("within_days", 30),
        "can_print": has_permission(request.user, work_access.PRINT),
    })  # fmt: skip


@requires(work_access.VIEW_QUEUES)
@require_GET
def claim_work_page(request, public_id):
    claim = work_access.claim_for_work(request.user, public_id)
    findings = list(claim.findings.order_by("-at"))
    open_findings = [f for f in findings if f.resolved_at is None and claim.status == S.REJECTED]
    adjustments = []
    remark_codes = [f.code for f in findings if f.source == FindingSource.REMIT_835]
    for adjudication in claim.adjudications.filter(superseded=False).prefetch_related(
        "adjustments"
    ):
        for a in adjudication.adjustments.all():
            adjustments.append(
                (a, adjudication, explanations.explain_adjustment(a.group, a.reason, remark_codes))
            )
    targets = [explanations.FIX_TARGETS.get(f.fix) for f in open_findings]
    reasons = [(f, t, fix_link(t, claim)) for f, t in zip(open_findings, targets, strict=True)]
    staff = get_user_model().objects.filter(
        staff__practice_id=practice_id_for(request.user), is_active=True,
        groups__permissions__codename="work_claim",
    ).distinct().order_by("username")  # fmt: skip
    user = request.user
    return render(request, "billing/claim_work.html", {
        "claim": claim, "reasons": reasons, "findings": findings, "adjustments": adjustments,
        "events": claim.events.select_related("by", "source_file").order_by("-at", "-id"),
        "notes": claim.notes.select_related("by"), "inquiries": claim.inquiries.all()[:10],
        "appeals": claim.appeals.order_by("-created_at"), "work": getattr(claim, "work", None),
        "staff": staff, "lines": claim.lines.order_by("number"),
        "can_work": has_permission(user, work_access.WORK),
        "can_appeal": has_permission(user, work_access.ADD_APPEAL)
        and claim.status in claim_work.APPEALABLE,
        "can_print": has_permission(user, work_access.PRINT),
        "awaiting": claim.status in AWAITING, "rejected": claim.status == S.REJECTED,
        "closable": claim.status not in (S.CLOSED, S.DRAFT, S.SCRUBBED, S.QUEUED),
        "methods": AppealMethod.choices, "outcomes": AppealOutcome.choices,
    })  # fmt: skip


def _act(request, public_id, detail: str):
    return work_access.claim_for_work(
        request.user, public_id, permission=work_access.WORK, action=AuditAction.UPDATE,
        detail=detail, audit=False,
    )  # fmt: skip


@requires(work_access.WORK)
@require_POST
def claim_note(request, public_id):
    claim = _act(request, public_id, "note")
    try:
        claim_work.claim_note_add(claim=claim, text=request.POST.get("text", ""), by=request.user)
        messages.success(request, "Note added.")
    except BillingError as exc:
        messages.error(request, str(exc))
    return redirect(_claim_url(claim))


@requires(work_access.WORK)
@require_POST
def claim_assign(request, public_id):
    claim = _act(request, public_id, "assign")
    practice_id = practice_id_for(request.user)
    assignee = None
    if request.POST.get("assigned_to"):
        assignee = (
            get_user_model()
            .objects.filter(staff__practice_id=practice_id, username=request.POST["assigned_to"])
            .first()
        )
        if assignee is None:
            messages.error(request, "No such colleague in this practice.")
            return redirect(_claim_url(claim))
    follow_up_on = None
    if request.POST.get("follow_up_on"):
        try:
            follow_up_on = date.fromisoformat(request.POST["follow_up_on"])
        except ValueError:
            messages.error(request, "The follow-up date is not a date (YYYY-MM-DD).")
            return redirect(_claim_url(claim))
    claim_work.claim_assign(claim=claim, assigned_to=assignee, follow_up_on=follow_up_on)
    messages.success(request, "Assignment saved.")
    return redirect(_claim_url(claim))


@requires(work_access.WORK)
@require_POST
def claim_close(request, public_id):
    claim = _act(request, public_id, "close")
    try:
        claim_work.claim_close(claim=claim, reason=request.POST.get("reason", ""), by=request.user)
        messages.success(request, "Claim closed.")
    except BillingError as exc:
        messages.error(request, str(exc))
    return redirect(_claim_url(claim))


@requires(work_access.WORK)
@require_POST
def claim_status_request(request, public_id):
    claim = _act(request, public_id, "status request")
    try:
        inquiry = follow_up.status_request_send(claim=claim, by=request.user)
    except BillingError as exc:
        messages.error(request, str(exc))
    else:
        if inquiry.error:
            messages.error(request, f"Not sent yet: {inquiry.error}")
        else:
            messages.success(request, f"Status request sent (trace {inquiry.trace_number}).")
    return redirect(_claim_url(claim))


@requires(work_access.ADD_APPEAL)
@require_POST
def appeal_start(request, public_id):
    claim = work_access.claim_for_work(
        request.user, public_id, permission=work_access.ADD_APPEAL, audit=False
    )
    draft = appeal_letters.appeal_draft(claim, template=request.POST.get("template") or None)
    try:
        appeal = claim_work.appeal_create(
            claim=claim, template=draft.template, subject=draft.subject, body=draft.body,
            reasons=draft.reasons, amount_disputed=draft.amount_disputed,
            enclosures=draft.enclosures,
            deadline=claim_work.appeal_deadline(claim, appeal_letters.decision_date(claim)),
            by=request.user,
        )  # fmt: skip
    except (BillingError, ValidationError) as exc:
        messages.error(request, _errors(exc))
        return redirect(_claim_url(claim))
    messages.success(request, "Appeal drafted from the template: check the letter.")
    return redirect("billing:appeal-detail", public_id=appeal.public_id)


@requires(work_access.VIEW_APPEAL)
@require_GET
def appeal_detail(request, public_id):
    appeal = work_access.appeal_get_for_user(request.user, public_id)
    return render(request, "billing/appeal_detail.html", {
        "appeal": appeal, "claim": appeal.claim,
        "can_change": has_permission(request.user, work_access.CHANGE_APPEAL),
        "templates": appeal_letters.templates(), "methods": AppealMethod.choices,
        "outcomes": AppealOutcome.choices, "today": timezone.localdate(),
        "is_draft": appeal.status == AppealStatus.DRAFT,
        "is_filed": appeal.status == AppealStatus.FILED,
    })  # fmt: skip


def _date(value: str, label: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError({label: ["Give a date (YYYY-MM-DD)."]}) from None


@requires(work_access.CHANGE_APPEAL)
@require_POST
def appeal_update(request, public_id, step):
    appeal = work_access.appeal_get_for_user(
        request.user, public_id, permission=work_access.CHANGE_APPEAL, audit=False
    )
    post = request.POST
    try:
        if step == "edit":
            claim_work.appeal_edit(
                appeal=appeal, subject=post.get("subject", ""), body=post.get("body", ""),
                enclosures=post.get("enclosures", ""),
            )  # fmt: skip
            messages.success(request, "Letter saved.")
        elif step == "file":
            claim_work.appeal_file(
                appeal=appeal, filed_on=_date(post.get("filed_on"), "filed_on"),
                method=post.get("method", ""), reference=post.get("reference", ""),
                by=request.user,
            )  # fmt: skip
            messages.success(request, "Appeal filed: the claim is now appealed.")
        elif step == "decide":
            amount = post.get("amount_recovered", "").strip()
            claim_work.appeal_decide(
                appeal=appeal, outcome=post.get("outcome", ""),
                decided_on=_date(post.get("decided_on"), "decided_on"),
                amount_recovered=to_cents(amount) if amount else None,
                note=post.get("note", ""), by=request.user,
            )  # fmt: skip
            messages.success(request, "Decision recorded.")
        elif step == "withdraw":
            claim_work.appeal_withdraw(appeal=appeal, by=request.user)
            messages.success(request, "Appeal withdrawn.")
        else:
            raise Http404
    except (BillingError, ValidationError, ValueError) as exc:
        messages.error(request, _errors(exc))
    return redirect("billing:appeal-detail", public_id=appeal.public_id)


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@requires(work_access.VIEW_APPEAL)
@require_GET
def appeal_letter(request, public_id):
    appeal = work_access.appeal_get_for_user(
        request.user, public_id, action=AuditAction.PRINT, detail="appeal letter printed"
    )
    return _pdf(appeal_letters.appeal_pdf(appeal), f"appeal-{appeal.public_id}.pdf")


def _form(request) -> str:
    return "plain" if request.GET.get("form") == "plain" else "red"


@requires(work_access.PRINT)
@require_GET
def claim_cms1500(request, public_id):
    claims = work_access.claims_for_print(request.user, public_ids=[public_id])
    if not claims:
        raise Http404
    return _pdf(cms1500_pdf(claims, form=_form(request)), f"cms1500-{public_id}.pdf")


@requires(work_access.PRINT)
@require_GET
def paper_claims_pdf(request):
    claims = work_access.claims_for_print(request.user, paper_only=True)
    if not claims:
        messages.info(request, "No paper payer's claim is ready to print.")
        return redirect("billing:claim-queue", queue="deadlines")
    return _pdf(cms1500_pdf(claims, form=_form(request)), "cms1500-paper-claims.pdf")


@requires(work_access.PRINT)
@require_POST
def paper_claims_mailed(request):
    """The printed paper claims went in the mail: they are sent."""
    claims = work_access.claims_for_print(request.user, paper_only=True)
    now = timezone.now()
    with transaction.atomic():
        claims_move(
            [(c.id, c.status) for c in claims if c.status == S.SCRUBBED], S.QUEUED,
            note="printed on the CMS-1500 paper form", by=request.user, now=now,
        )  # fmt: skip
        moved = claims_move(
            [(c.id, S.QUEUED) for c in claims], S.SENT, by=request.user, now=now,
            note="mailed on the CMS-1500 paper form", fields={"sent_at": now},
        )  # fmt: skip
    messages.success(request, f"{moved} paper claim(s) marked as mailed.")
    return redirect("billing:claim-queue", queue="no-response")
