"""The billers' claim screens: claims by status with their filters, one claim with its
history and files, sending the ready claims, checking for the clearinghouse's answers,
resending a fixed claim, replacing or voiding one, and the batches and files exchanged."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from medoffice.billing import access, claim_selectors
from medoffice.billing import claims as claim_services
from medoffice.billing.errors import BillingError
from medoffice.billing.models import ClaimFrequency
from medoffice.billing.states import CLAIM_AT_PAYER, ClaimStatus
from medoffice.core.access import practice_id_for
from medoffice.core.policy import has_permission, requires
from medoffice.core.redirects import safe_next
from medoffice.patients.models import Payer

VIEW = "billing.view_claim"
CHANGE = "billing.change_claim"
CORRECT = "billing.correct_claim"
SEND = "billing.send_claimbatch"
BATCHES = "billing.view_claimbatch"
QUEUES = "billing.view_claim_queues"
RESENDABLE = (ClaimStatus.REJECTED, ClaimStatus.DRAFT, ClaimStatus.SCRUBBED)


class ClaimFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *ClaimStatus.choices])
    payer = forms.ModelChoiceField(
        queryset=Payer.objects.none(), required=False, empty_label="Any payer"
    )
    date_from = forms.DateField(
        label="Service from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(
        label="Claim, MRN or last name", required=False, max_length=50,
        widget=forms.TextInput(attrs={"type": "search"}),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = Payer.objects.filter(is_active=True).order_by("name")


class CorrectionForm(forms.Form):
    frequency = forms.ChoiceField(
        choices=[(ClaimFrequency.REPLACEMENT, "Replace (7)"), (ClaimFrequency.VOID, "Void (8)")]
    )
    reason = forms.CharField(max_length=300)


def _detail_url(claim) -> str:
    return reverse("billing:claim-detail", args=[claim.public_id])


@requires(VIEW)
@require_GET
def claim_list(request):
    form = ClaimFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    status = filters.get("status")
    claims = access.claim_list_for_user(
        request.user, statuses=[status] if status else (),
        payer_id=filters["payer"].pk if filters.get("payer") else None,
        date_from=filters.get("date_from"), date_to=filters.get("date_to"),
        query=filters.get("q") or "",
    )  # fmt: skip
    counts = access.claim_counts_for_user(request.user)
    return render(
        request, "billing/claim_list.html",
        {"claims": claims, "form": form, "counts": counts, "statuses": ClaimStatus,
         "status_labels": [(s, s.label, counts[s]) for s in ClaimStatus],
         "can_send": has_permission(request.user, SEND),
         "can_work": has_permission(request.user, QUEUES)},
    )  # fmt: skip


@requires(VIEW)
@require_GET
def claim_detail(request, public_id):
    claim = access.claim_get_for_user(request.user, public_id)
    return render(request, "billing/claim_detail.html", _detail_context(request, claim))


def _detail_context(request, claim, **extra) -> dict:
    errors = [i for i in claim.issues if i["severity"] == "error"]
    warnings = [i for i in claim.issues if i["severity"] != "error"]
    return {
        "claim": claim, "errors": errors, "warnings": warnings,
        "files": claim_selectors.claim_files(claim),
        "can_resend": claim.status in RESENDABLE and has_permission(request.user, SEND),
        "can_correct": claim.status in CLAIM_AT_PAYER and has_permission(request.user, CORRECT),
        "can_work": has_permission(request.user, QUEUES),
        "correction_form": extra.pop("correction_form", None) or CorrectionForm(),
        **extra,
    }  # fmt: skip


@requires(SEND)
@require_POST
def claim_resend(request, public_id):
    from medoffice.billing.exchange import claim_resend as resend

    claim = access.claim_get_for_user(request.user, public_id, permission=SEND, audit=False)
    try:
        outcomes = resend(claim=claim, by=request.user)
    except BillingError as exc:
        messages.error(request, str(exc))
        return redirect(_detail_url(claim))
    if outcomes and outcomes[0].sent:
        messages.success(request, "Sent again in a batch of its own.")
    elif outcomes:
        messages.warning(
            request, f"Queued, not sent yet: {outcomes[0].error}. It will be tried again."
        )
    return redirect(_detail_url(claim))


@requires(CORRECT)
@require_POST
def claim_correct(request, public_id):
    claim = access.claim_get_for_user(request.user, public_id, permission=CORRECT, audit=False)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, claim, correction_form=form)
        return render(request, "billing/claim_detail.html", context, status=422)
    try:
        correction = claim_services.claim_correct(
            claim=claim, frequency=form.cleaned_data["frequency"],
            reason=form.cleaned_data["reason"], by=request.user,
        )  # fmt: skip
    except BillingError as exc:
        form.add_error(None, str(exc))
        context = _detail_context(request, claim, correction_form=form)
        return render(request, "billing/claim_detail.html", context, status=422)
    messages.success(
        request, f"{correction.get_frequency_display()} made: it goes out with the next send."
    )
    return redirect(_detail_url(correction))


@requires(SEND)
@require_POST
def claims_send(request):
    from medoffice.billing.exchange import claims_send as send

    report = send(practice_id=practice_id_for(request.user), by=request.user)
    parts = [f"{report.sent_claims} claim(s) sent"]
    if report.with_errors:
        parts.append(f"{report.with_errors} held back with scrubber errors")
    if report.waiting_claims:
        errors = {o.error for o in report.batches if not o.sent}
        parts.append(f"{report.waiting_claims} queued, not sent: {'; '.join(sorted(errors))}")
    for payer, count in report.unrouted.items():
        parts.append(f"{count} for {payer} wait: no clearinghouse connection takes them")
    level = messages.WARNING if report.waiting_claims or report.unrouted else messages.SUCCESS
    messages.add_message(request, level, ". ".join(parts) + ".")
    return redirect("billing:claim-list")


@requires(SEND)
@require_POST
def responses_check(request):
    from medoffice.billing.acks import responses_pick_up_for_practice

    reports = responses_pick_up_for_practice(
        practice_id=practice_id_for(request.user), by=request.user
    )
    rejected = 0
    for report in reports:
        level = messages.WARNING if report.error or report.quarantined else messages.SUCCESS
        messages.add_message(request, level, report.summary())
        rejected += report.rejected_claims
    if rejected:
        messages.warning(
            request, f"{rejected} claim(s) rejected: fix and resend them from Work queues, "
            "Rejections.",
        )  # fmt: skip
    if not reports:
        messages.warning(request, "No active clearinghouse connection to check.")
    return redirect(safe_next(request) or reverse("billing:claim-list"))


@requires(BATCHES)
@require_GET
def batch_list(request):
    practice_id = practice_id_for(request.user)
    batches = claim_selectors.batch_list(practice_id=practice_id)
    files = claim_selectors.received_files(practice_id=practice_id)
    return render(
        request, "billing/batch_list.html",
        {"batches": batches, "files": files, "can_send": has_permission(request.user, SEND)},
    )  # fmt: skip


@requires(BATCHES)
@require_GET
def exchange_file(request, public_id):
    """A file sent or received, as text (support staff read X12 here)."""
    from pathlib import Path

    record = access.exchange_file_get_for_user(request.user, public_id)
    try:
        content = Path(record.stored_path).read_bytes() if record.stored_path else b""
    except OSError:
        content = b"(the stored copy of this file is not on this server)"
    response = HttpResponse(content, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{record.name}"'
    return response
