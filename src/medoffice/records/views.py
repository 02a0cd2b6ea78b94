"""Records screens: documents, the communications log and inbox, release of information,
transfers and referrals. Thin: parse with a form, call access/services, render."""

import base64

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medoffice.core.access import in_scope_only, practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.forms import apply_service_errors
from medoffice.core.models import AuditAction, AuditOutcome
from medoffice.core.policy import has_permission, requires
from medoffice.patients import access as patient_access
from medoffice.patients.views import render_patient_tab
from medoffice.records import access, files, selectors, services
from medoffice.records.errors import DocumentIntegrityError, ReleaseRefused, TransitionRefused
from medoffice.records.forms import (
    AnswerForm,
    AuthorizationForm,
    CloseForm,
    CommunicationForm,
    ConsultForm,
    DisclosureForm,
    DocumentForm,
    DocumentSearchForm,
    ExtendForm,
    IdentityCheckForm,
    ReferralForm,
    ReferralStatusForm,
    RoiRequestForm,
    ScheduleForm,
    SendForm,
    TransferInForm,
    TransferOutForm,
)
from medoffice.records.models import RoiStatus, TransferDirection
from medoffice.records.packet import SECTIONS
from medoffice.records.printing import accounting_pdf_bytes


def _patient(request, public_id, permission):
    return patient_access.patient_get_for_user(
        request.user, public_id, permission=permission, audit=False
    )


def _pdf(data: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Content-Security-Policy"] = "sandbox"
    return response


def _integrity_failure(request, exc: DocumentIntegrityError, *, obj, patient) -> HttpResponse:
    audit_record(
        action=AuditAction.READ,
        outcome=AuditOutcome.FAILURE,
        obj=obj,
        patient=patient,
        category="documents",
        detail="integrity check failed: file not served",
    )
    return render(request, "records/integrity_error.html", {"message": str(exc)}, status=409)


# Documents ----------------------------------------------------------------------------------


def _documents_tab(request, patient, *, form=None, status=200):
    search = DocumentSearchForm(request.GET or None)
    query = search.cleaned_data if search.is_valid() else {}
    documents = access.document_list_for_user(
        request.user, patient, category=query.get("category", ""), text=query.get("q", "")
    )
    clinical = access.may_see_clinical(request.user)
    context = {
        "documents": documents,
        "search": search,
        "thumbnails": {d.pk: _data_uri(d.thumbnail) for d in documents if d.thumbnail},
        "form": form or DocumentForm(patient=patient, clinical=clinical),
        "can_add": has_permission(request.user, "records.add_document"),
    }
    response = render_patient_tab(
        request, patient, "documents", context, template="records/tab_documents.html"
    )
    response.status_code = status
    return response


def _data_uri(field_file) -> str:
    try:
        with field_file.open("rb") as handle:
            return "data:image/png;base64," + base64.b64encode(handle.read()).decode()
    except OSError:
        return ""


@requires("records.view_document")
@require_GET
def document_list(request, public_id):
    patient = _patient(request, public_id, "records.view_document")
    return _documents_tab(request, patient)


@requires("records.add_document")
@require_POST
def document_add(request, public_id):
    patient = _patient(request, public_id, "records.add_document")
    clinical = access.may_see_clinical(request.user)
    form = DocumentForm(request.POST, request.FILES, patient=patient, clinical=clinical)
    if form.is_valid():
        data = form.cleaned_data
        try:
            document = services.document_file(
                patient=patient,
                upload=data["file"],
                category=data["category"],
                title=data["title"],
                document_date=data["document_date"],
                encounter=data["encounter"],
                source="scan",
                filed_by=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Filed: {document.title} ({document.pages} pages).")
            return redirect("records:document-list", public_id=patient.public_id)
    return _documents_tab(request, patient, form=form, status=422)


@requires("records.view_document")
@require_GET
def document_detail(request, public_id):
    """The in-browser viewer: one page at a time, drawn on the server (no plug-in, no script)."""
    document = access.document_get_for_user(request.user, public_id)
    try:
        page = max(1, min(int(request.GET.get("page", "1")), document.pages))
    except ValueError:
        page = 1
    try:
        data = files.read_verified(document.file, document.sha256)
    except DocumentIntegrityError as exc:
        return _integrity_failure(request, exc, obj=document, patient=document.patient)
    image = files.render_page(data, document.kind, page - 1, width=files.VIEW_WIDTH)
    return render(
        request,
        "records/document_detail.html",
        {
            "document": document,
            "patient": document.patient,
            "page": page,
            "pages": range(1, document.pages + 1),
            "image": "data:image/png;base64," + base64.b64encode(image).decode(),
        },
    )


@requires("records.view_document")
@require_GET
def document_file(request, public_id):
    document = access.document_get_for_user(request.user, public_id)
    try:
        data = files.read_verified(document.file, document.sha256)
    except DocumentIntegrityError as exc:
        return _integrity_failure(request, exc, obj=document, patient=document.patient)
    response = HttpResponse(data, content_type=files.CONTENT_TYPES[document.kind])
    extension = files.EXTENSIONS[document.kind]
    response["Content-Disposition"] = f'attachment; filename="document{extension}"'
    response["Content-Security-Policy"] = "sandbox"
    return response


# Communications -----------------------------------------------------------------------------


def _log_tab(request, patient, *, form=None, send_form=None, status=200):
    entries = access.communication_list_for_user(request.user, patient)
    documents = access.documents_visible_to(request.user, patient)
    context = {
        "entries": entries,
        "form": form or CommunicationForm(practice_id=patient.practice_id),
        "send_form": send_form or SendForm(documents=documents),
        "can_add": has_permission(request.user, "records.add_communication"),
        "can_answer": has_permission(request.user, "records.answer_communication"),
    }
    response = render_patient_tab(
        request, patient, "log", context, template="records/tab_communications.html"
    )
    response.status_code = status
    return response


@requires("records.view_communication")
@require_GET
def communication_list(request, public_id):
    patient = _patient(request, public_id, "records.view_communication")
    return _log_tab(request, patient)


@requires("records.add_communication")
@require_POST
def communication_add(request, public_id):
    patient = _patient(request, public_id, "records.add_communication")
    form = CommunicationForm(request.POST, practice_id=patient.practice_id)
    if form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            entry = services.communication_log(
                patient=patient, fields=fields, handled_by=request.user
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            note = f" Sent to {entry.routed_to}'s inbox." if entry.routed_to else ""
            messages.success(request, f"Logged: {entry.subject}.{note}")
            return redirect("records:communication-list", public_id=patient.public_id)
    return _log_tab(request, patient, form=form, status=422)


@requires("records.add_communication")
@require_POST
def communication_send(request, public_id):
    patient = _patient(request, public_id, "records.add_communication")
    documents = access.documents_visible_to(request.user, patient)
    form = SendForm(request.POST, documents=documents)
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.communication_send(
                patient=patient,
                channel=data["channel"],
                to=data["to"],
                party=data["party"],
                subject=data["subject"],
                body=data["body"],
                documents=list(data["documents"]),
                sent_by=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{entry.get_channel_display()}: {entry.delivery_detail}.")
            return redirect("records:communication-list", public_id=patient.public_id)
    return _log_tab(request, patient, send_form=form, status=422)


@requires("records.answer_communication")
@require_POST
def communication_answer(request, public_id):
    entry = access.communication_get_for_user(
        request.user, public_id, permission="records.answer_communication", audit=False
    )
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.communication_answer(
                communication=entry, answer=form.cleaned_data["answer"], answered_by=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Answer recorded on the chart.")
    else:
        messages.error(request, "Write the answer.")
    return redirect(request.POST.get("next") or "records:inbox")


@requires("records.change_communication")
@require_POST
def communication_done(request, public_id):
    entry = access.communication_get_for_user(
        request.user, public_id, permission="records.change_communication", audit=False
    )
    try:
        services.communication_follow_up_done(communication=entry)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("records:communication-list", public_id=entry.patient.public_id)


@requires("records.view_communication")
@require_GET
def inbox(request):
    practice_id_for(request.user)
    provider = services.provider_for_user(request.user)
    questions = selectors.clinical_inbox(provider=provider)
    follow_ups = selectors.follow_ups_for(user=request.user)
    audit_record(
        action=AuditAction.READ,
        object_type="records.communication",
        category="communications",
        detail=f"inbox: {len(questions)} questions, {len(follow_ups)} follow-ups",
    )
    return render(
        request,
        "records/inbox.html",
        {
            "questions": questions,
            "follow_ups": follow_ups,
            "provider": provider,
            "can_answer": has_permission(request.user, "records.answer_communication"),
            "answer_form": AnswerForm(),
        },
    )


# Release of information ---------------------------------------------------------------------


@requires("records.view_roirequest")
@require_GET
def roi_queue(request):
    practice_id = practice_id_for(request.user)
    show_all = request.GET.get("all") == "1"
    requests = selectors.roi_queue(practice_id=practice_id, include_closed=show_all)
    requests = in_scope_only(request.user, requests)
    audit_record(
        action=AuditAction.READ,
        object_type="records.roirequest",
        category="release",
        detail=f"request queue: {len(requests)} listed",
    )
    rows = [(r, selectors.is_overdue(r)) for r in requests]
    return render(request, "records/roi_queue.html", {"rows": rows, "show_all": show_all})


@requires("records.view_roirequest")
@require_GET
def release_list(request, public_id):
    patient = _patient(request, public_id, "records.view_roirequest")
    requests = list(patient.roi_requests.all())
    may_see_disclosures = has_permission(request.user, "records.view_disclosure")
    disclosures = (
        access.disclosure_list_for_user(request.user, patient) if may_see_disclosures else []
    )
    transfers = list(patient.transfers.all())
    if not may_see_disclosures:  # else the disclosure listing was the one audit row
        audit_record(
            action=AuditAction.READ,
            object_type="records.roirequest",
            patient=patient,
            category="release",
            detail=f"{len(requests)} requests, {len(transfers)} transfers listed",
        )
    return render_patient_tab(
        request,
        patient,
        "release",
        {
            "requests": requests,
            "disclosures": disclosures,
            "transfers": transfers,
            "can_add": has_permission(request.user, "records.add_roirequest"),
            "can_release": has_permission(request.user, "records.release_roirequest"),
            "can_transfer": has_permission(request.user, "records.add_recordtransfer"),
            "disclosure_form": DisclosureForm(),
            "transfer_out_form": TransferOutForm(initial={"sections": list(SECTIONS)}),
            "transfer_in_form": TransferInForm(),
        },
        template="records/tab_release.html",
    )


@requires("records.add_roirequest")
@require_http_methods(["GET", "POST"])
def roi_add(request, public_id):
    patient = patient_access.patient_get_for_user(
        request.user, public_id, permission="records.add_roirequest",
        audit=request.method == "GET",
    )  # fmt: skip
    form = RoiRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            roi = services.roi_request_create(
                patient=patient, fields=fields, created_by=request.user
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"Request logged; due {roi.due_on:%m/%d/%Y}.")
            return redirect("records:roi-detail", public_id=roi.public_id)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "records/roi_form.html", {"form": form, "patient": patient}, status=status
    )


def _roi_page(request, roi, *, forms=None, status=200):
    forms = forms or {}
    checks = list(roi.checks.select_related("checked_by"))
    context = {
        "roi": roi,
        "patient": roi.patient,
        "checks": checks,
        "identity_verified": any(c.passed for c in checks) and all(c.passed for c in checks),
        "blockers": services.roi_blockers(roi),
        "overdue": selectors.is_overdue(roi),
        "sections": [SECTIONS[k].label for k in roi.sections if k in SECTIONS],
        "disclosures": list(roi.disclosures.all()),
        "identity_form": forms.get("identity") or IdentityCheckForm(),
        "authorization_form": forms.get("authorization") or AuthorizationForm(),
        "extend_form": forms.get("extend") or ExtendForm(),
        "close_form": forms.get("close") or CloseForm(),
        "is_open": roi.status in (RoiStatus.OPEN, RoiStatus.PREPARED),
        "can_change": has_permission(request.user, "records.change_roirequest"),
        "can_release": has_permission(request.user, "records.release_roirequest"),
    }
    return render(request, "records/roi_detail.html", context, status=status)


@requires("records.view_roirequest")
@require_GET
def roi_detail(request, public_id):
    roi = access.roi_get_for_user(request.user, public_id)
    return _roi_page(request, roi)


def _roi_step(request, public_id, form_class, key, run, done: str):
    roi = access.roi_get_for_user(
        request.user, public_id, permission="records.change_roirequest", audit=False
    )
    form = form_class(request.POST, request.FILES) if form_class else None
    if form is None or form.is_valid():
        try:
            run(roi, form.cleaned_data if form else {})
        except ValidationError as exc:
            if form is None:
                messages.error(request, " ".join(exc.messages))
                return redirect("records:roi-detail", public_id=roi.public_id)
            apply_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("records:roi-detail", public_id=roi.public_id)
    roi.refresh_from_db()
    return _roi_page(request, roi, forms={key: form}, status=422)


@requires("records.change_roirequest")
@require_POST
def roi_identity(request, public_id):
    return _roi_step(
        request, public_id, IdentityCheckForm, "identity",
        lambda roi, d: services.roi_identity_check(
            request=roi, method=d["method"], detail=d["detail"], passed=d["passed"],
            checked_by=request.user,
        ),
        "Identity check recorded.",
    )  # fmt: skip


@requires("records.change_roirequest")
@require_POST
def roi_authorization(request, public_id):
    return _roi_step(
        request, public_id, AuthorizationForm, "authorization",
        lambda roi, d: services.roi_authorization_attach(
            request=roi, upload=d["file"], signed_on=d["signed_on"],
            expires_on=d["expires_on"], filed_by=request.user,
        ),
        "Authorisation filed to the chart and linked.",
    )  # fmt: skip


@requires("records.change_roirequest")
@require_POST
def roi_extend(request, public_id):
    return _roi_step(
        request, public_id, ExtendForm, "extend",
        lambda roi, d: services.roi_extend(
            request=roi, new_due_on=d["new_due_on"], reason=d["reason"]
        ),
        "Due date extended.",
    )  # fmt: skip


@requires("records.change_roirequest")
@require_POST
def roi_close(request, public_id):
    return _roi_step(
        request, public_id, CloseForm, "close",
        lambda roi, d: services.roi_close(request=roi, status=d["status"], reason=d["reason"]),
        "Request closed.",
    )  # fmt: skip


@requires("records.change_roirequest")
@require_POST
def roi_prepare(request, public_id):
    return _roi_step(
        request, public_id, None, "",
        lambda roi, d: services.roi_prepare_packet(request=roi, prepared_by=request.user),
        "Release packet prepared: check it before you release it.",
    )  # fmt: skip


@requires("records.view_roirequest")
@require_GET
def roi_packet(request, public_id):
    roi = access.roi_get_for_user(request.user, public_id, audit=False)
    if not roi.packet_sha256:
        raise Http404
    try:
        data = files.read_verified(roi.packet, roi.packet_sha256, what="release packet")
    except DocumentIntegrityError as exc:
        return _integrity_failure(request, exc, obj=roi, patient=roi.patient)
    audit_record(action=AuditAction.PRINT, obj=roi, patient=roi.patient, category="release")
    return _pdf(data, "release-packet.pdf")


@requires("records.release_roirequest")
@require_POST
def roi_release(request, public_id):
    roi = access.roi_get_for_user(
        request.user, public_id, permission="records.release_roirequest", audit=False
    )
    try:
        disclosure = services.roi_release(request=roi, released_by=request.user)
    except ReleaseRefused as exc:
        for reason in exc.reasons:
            messages.error(request, reason)
        return redirect("records:roi-detail", public_id=roi.public_id)
    except DocumentIntegrityError as exc:
        return _integrity_failure(request, exc, obj=roi, patient=roi.patient)
    late = (
        " It was released after the due date: the disclosure is flagged late."
        if (disclosure.late)
        else ""
    )
    messages.success(request, f"Released to {disclosure.recipient_name}; disclosure logged.{late}")
    return redirect("records:roi-detail", public_id=roi.public_id)


@requires("records.release_roirequest")
@require_POST
def disclosure_add(request, public_id):
    patient = _patient(request, public_id, "records.release_roirequest")
    form = DisclosureForm(request.POST)
    if form.is_valid():
        try:
            services.disclosure_record(
                patient=patient, disclosed_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Disclosure recorded.")
    else:
        messages.error(request, "The disclosure was not recorded: fill in every field.")
    return redirect("records:release-list", public_id=patient.public_id)


@requires("records.view_disclosure")
@require_GET
def accounting(request, public_id):
    patient = _patient(request, public_id, "records.view_disclosure")
    include_all = request.GET.get("all") == "1"
    data = accounting_pdf_bytes(patient, include_all=include_all)
    audit_record(
        action=AuditAction.PRINT,
        object_type="records.disclosure",
        object_id=str(patient.public_id),
        patient=patient,
        category="disclosures",
        detail="accounting of disclosures" + (" (all recorded)" if include_all else ""),
    )
    return _pdf(data, "accounting-of-disclosures.pdf")


# Transfers ----------------------------------------------------------------------------------


@requires("records.add_recordtransfer")
@require_POST
def transfer_out(request, public_id):
    patient = _patient(request, public_id, "records.add_recordtransfer")
    form = TransferOutForm(request.POST)
    if form.is_valid():
        try:
            services.transfer_out_prepare(
                patient=patient, fields=form.cleaned_data, prepared_by=request.user
            )
        except (ValidationError, ValueError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, "Transfer prepared: packet and FHIR record are ready.")
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
    return redirect("records:release-list", public_id=patient.public_id)


@requires("records.add_recordtransfer")
@require_POST
def transfer_in(request, public_id):
    patient = _patient(request, public_id, "records.add_recordtransfer")
    form = TransferInForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.transfer_in_file(
                patient=patient, party_name=data["party_name"], reason=data["reason"],
                received_on=data["received_on"], uploads=data["files"],
                category=data["category"], filed_by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{len(data['files'])} files filed to the chart.")
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
    return redirect("records:release-list", public_id=patient.public_id)


@requires("records.change_recordtransfer")
@require_POST
def transfer_send(request, public_id):
    transfer = access.transfer_get_for_user(
        request.user, public_id, permission="records.change_recordtransfer", audit=False
    )
    try:
        services.transfer_out_send(transfer=transfer, sent_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except DocumentIntegrityError as exc:
        return _integrity_failure(request, exc, obj=transfer, patient=transfer.patient)
    else:
        messages.success(request, "Records sent; the disclosure is logged.")
    return redirect("records:release-list", public_id=transfer.patient.public_id)


@requires("records.view_recordtransfer")
@require_GET
def transfer_packet(request, public_id):
    transfer = access.transfer_get_for_user(request.user, public_id, audit=False)
    if transfer.direction != TransferDirection.OUTGOING:
        raise Http404
    try:
        data = files.read_verified(transfer.packet, transfer.packet_sha256, what="packet")
    except DocumentIntegrityError as exc:
        return _integrity_failure(request, exc, obj=transfer, patient=transfer.patient)
    audit_record(
        action=AuditAction.PRINT, obj=transfer, patient=transfer.patient, category="transfers"
    )
    return _pdf(data, "records-transfer.pdf")


@requires("patients.export_patient")
@require_GET
def transfer_bundle(request, public_id):
    transfer = access.transfer_get_for_user(
        request.user, public_id, permission="patients.export_patient", audit=False
    )
    if transfer.direction != TransferDirection.OUTGOING:
        raise Http404
    try:
        data = files.read_verified(transfer.bundle, transfer.bundle_sha256, what="FHIR record")
    except DocumentIntegrityError as exc:
        return _integrity_failure(request, exc, obj=transfer, patient=transfer.patient)
    audit_record(
        action=AuditAction.EXPORT, obj=transfer, patient=transfer.patient, category="transfers"
    )
    response = HttpResponse(data, content_type="application/fhir+json")
    response["Content-Disposition"] = 'attachment; filename="record.fhir.json"'
    return response


# Referrals ----------------------------------------------------------------------------------


def _referrals_tab(request, patient, *, form=None, status=200):
    referrals = list(
        patient.referrals.select_related("provider", "consult_note").prefetch_related("documents")
    )
    audit_record(
        action=AuditAction.READ,
        object_type="records.referral",
        patient=patient,
        category="referrals",
        detail=f"{len(referrals)} referrals listed",
    )
    response = render_patient_tab(
        request,
        patient,
        "referrals",
        {
            "referrals": referrals,
            "form": form or ReferralForm(practice_id=patient.practice_id),
            "can_add": has_permission(request.user, "records.add_referral"),
        },
        template="records/tab_referrals.html",
    )
    response.status_code = status
    return response


@requires("records.view_referral")
@require_GET
def referral_list(request, public_id):
    patient = _patient(request, public_id, "records.view_referral")
    return _referrals_tab(request, patient)


@requires("records.add_referral")
@require_POST
def referral_add(request, public_id):
    patient = _patient(request, public_id, "records.add_referral")
    form = ReferralForm(request.POST, practice_id=patient.practice_id)
    if form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        direction = fields.pop("direction")
        try:
            referral = services.referral_create(
                patient=patient, direction=direction, fields=fields, created_by=request.user
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Referral registered.")
            return redirect("records:referral-detail", public_id=referral.public_id)
    return _referrals_tab(request, patient, form=form, status=422)


def _referral_page(request, referral, *, status=200, forms=None):
    forms = forms or {}
    documents = access.documents_visible_to(request.user, referral.patient)
    context = {
        "referral": referral,
        "patient": referral.patient,
        "attached": list(referral.documents.all()),
        "documents": documents,
        "schedule_form": forms.get("schedule") or ScheduleForm(patient=referral.patient),
        "consult_form": forms.get("consult") or ConsultForm(),
        "status_form": ReferralStatusForm(),
        "can_change": has_permission(request.user, "records.change_referral"),
        "scheduled_local": referral.scheduled_for.astimezone(referral.patient.zone)
        if referral.scheduled_for
        else None,
    }
    return render(request, "records/referral_detail.html", context, status=status)


@requires("records.view_referral")
@require_GET
def referral_detail(request, public_id):
    referral = access.referral_get_for_user(request.user, public_id)
    return _referral_page(request, referral)


def _referral_step(request, public_id, run, done, *, form=None, key=""):
    referral = access.referral_get_for_user(
        request.user, public_id, permission="records.change_referral", audit=False
    )
    if form is not None and not form.is_valid():
        return _referral_page(request, referral, status=422, forms={key: form})
    try:
        run(referral, form.cleaned_data if form is not None else {})
    except (ValidationError, TransitionRefused) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, done)
    return redirect("records:referral-detail", public_id=referral.public_id)


@requires("records.change_referral")
@require_POST
def referral_send(request, public_id):
    return _referral_step(
        request, public_id,
        lambda r, d: services.referral_send(referral=r, sent_by=request.user),
        "Referral sent; the records that left are logged as a disclosure.",
    )  # fmt: skip


@requires("records.change_referral")
@require_POST
def referral_schedule(request, public_id):
    referral = access.referral_get_for_user(
        request.user, public_id, permission="records.change_referral", audit=False
    )
    return _referral_step(
        request, public_id,
        lambda r, d: services.referral_schedule(
            referral=r, scheduled_for=d.get("scheduled_for"), appointment=d.get("appointment")
        ),
        "Referral scheduled.",
        form=ScheduleForm(request.POST, patient=referral.patient), key="schedule",
    )  # fmt: skip


@requires("records.change_referral")
@require_POST
def referral_consult(request, public_id):
    return _referral_step(
        request, public_id,
        lambda r, d: services.referral_consult_received(
            referral=r, upload=d["file"], document_date=d["document_date"],
            filed_by=request.user,
        ),
        "Consult note filed: the referral is closed.",
        form=ConsultForm(request.POST, request.FILES), key="consult",
    )  # fmt: skip


@requires("records.change_referral")
@require_POST
def referral_status(request, public_id):
    return _referral_step(
        request, public_id,
        lambda r, d: services.referral_set_status(referral=r, status=d["status"]),
        "Referral updated.",
        form=ReferralStatusForm(request.POST), key="status",
    )  # fmt: skip


@requires("records.view_referral")
@require_GET
def referral_letter(request, public_id):
    referral = access.referral_get_for_user(request.user, public_id, audit=False)
    data = services.referral_letter(referral)
    audit_record(
        action=AuditAction.PRINT, obj=referral, patient=referral.patient, category="referrals"
    )
    return _pdf(data, "referral-letter.pdf")
