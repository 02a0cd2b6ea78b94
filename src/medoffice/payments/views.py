"""The biller's ERA screens: the remittances imported (and an upload), one ERA in plain
language, and the suspense queue where unmatched lines are matched by hand."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from medoffice.billing.models import ClaimLine
from medoffice.core.access import practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.core.policy import has_permission, requires
from medoffice.payments import era as era_services
from medoffice.payments.access import era_file_get_for_user, suspense_item_get_for_user
from medoffice.payments.errors import LedgerError
from medoffice.payments.models import EraFile, SuspenseItem, SuspenseStatus
from medoffice.payments.viewer import SHOW, era_page, era_view

VIEW = "payments.view_ledger"
IMPORT = "payments.import_era"
SUSPENSE = "payments.work_suspense"
MAX_UPLOAD = 50 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(label="835 file")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("The file is larger than 50 MB.")
        return upload


class MatchForm(forms.Form):
    claim = forms.CharField(label="Claim (patient control number)", max_length=38)
    line = forms.IntegerField(label="Line number", min_value=1, max_value=99)


class CloseForm(forms.Form):
    note = forms.CharField(label="Why, without posting", max_length=300)


def _era_list(request, form, status=200):
    practice_id = practice_id_for(request.user)
    files = (
        EraFile.objects.filter(practice_id=practice_id)
        .defer("content")
        .prefetch_related("payments")[:200]
    )
    open_items = SuspenseItem.objects.filter(
        practice_id=practice_id, status=SuspenseStatus.OPEN
    ).count()
    return render(
        request, "payments/era_list.html",
        {"files": files, "form": form, "open_items": open_items,
         "can_import": has_permission(request.user, IMPORT),
         "can_suspense": has_permission(request.user, SUSPENSE)},
        status=status,
    )  # fmt: skip


@requires(VIEW)
@require_GET
def era_list(request):
    return _era_list(request, UploadForm())


@requires(IMPORT)
@require_POST
def era_upload(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _era_list(request, form, status=422)
    upload = form.cleaned_data["file"]
    result = era_services.era_import(
        upload.read(), practice=practice_id_for(request.user), name=upload.name,
        origin="upload", by=request.user,
    )  # fmt: skip
    if result.status == "rejected":
        form.add_error("file", f"Rejected, nothing posted: {result.message}")
        return _era_list(request, form, status=422)
    if result.status == "already_posted":
        messages.info(request, f"{upload.name}: {result.message}.")
        return redirect(reverse("payments:era-list"))
    messages.success(request, f"{upload.name}: {result.message}.")
    return redirect(reverse("payments:era-detail", args=[result.era_file.public_id]))


def _era_file(request, public_id) -> EraFile:
    return era_file_get_for_user(request.user, public_id)


@requires(VIEW)
@require_GET
def era_detail(request, public_id):
    record = _era_file(request, public_id)
    payments, error = era_view(record)
    show = request.GET.get("show", "all")
    if show not in SHOW:
        show = "all"
    text = request.GET.get("q", "").strip()[:60]
    shown = era_page(payments, request.user, show=show, text=text, page=request.GET.get("page"))
    audit_record(
        action=AuditAction.READ, obj=record, category=era_services.CATEGORY,
        detail=f"ERA viewed ({record.claim_count} claims; page {shown.page.number}, {show})",
    )  # fmt: skip
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "payments/era_detail.html",
        {"record": record, "all_payments": payments, "shown": shown, "error": error,
         "show": show, "text": text, "choices": SHOW, "query": query.urlencode()},
    )  # fmt: skip


@requires(SUSPENSE)
@require_GET
def suspense_list(request):
    items = (
        SuspenseItem.objects.filter(
            practice_id=practice_id_for(request.user), status=SuspenseStatus.OPEN
        )
        .select_related("era_claim__era_payment__era_file")
        .order_by("created_at", "id")[:500]
    )
    return render(
        request, "payments/suspense_list.html",
        {"items": items, "match_form": MatchForm(), "close_form": CloseForm()},
    )  # fmt: skip


def _item(request, public_id) -> SuspenseItem:
    return suspense_item_get_for_user(request.user, public_id)


@requires(SUSPENSE)
@require_POST
def suspense_match(request, public_id):
    item = _item(request, public_id)
    form = MatchForm(request.POST)
    if form.is_valid():
        line = ClaimLine.objects.filter(
            claim__practice_id=item.practice_id,
            claim__patient_control_number=form.cleaned_data["claim"].strip().upper(),
            number=form.cleaned_data["line"],
        ).first()
        if line is None:
            form.add_error("claim", "No such claim line in this practice.")
        else:
            try:
                era_services.suspense_match(item, line=line, by=request.user)
            except LedgerError as exc:
                form.add_error(None, exc.text)
            else:
                messages.success(request, "Posted to the claim line.")
                return redirect(reverse("payments:suspense-list"))
    for field, errors in form.errors.items():
        for error in errors:
            messages.error(request, f"{'' if field == '__all__' else field + ': '}{error}")
    return redirect(reverse("payments:suspense-list"))


@requires(SUSPENSE)
@require_POST
def suspense_close(request, public_id):
    item = _item(request, public_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            era_services.suspense_close(item, note=form.cleaned_data["note"], by=request.user)
        except LedgerError as exc:
            messages.error(request, exc.text)
        else:
            messages.success(request, "Set aside without posting.")
    else:
        messages.error(request, "Say why it is closed without posting.")
    return redirect(reverse("payments:suspense-list"))
