"""Outside appointments on the patient's record: list, add, update, attach documents."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medoffice.core.access import patient_scope
from medoffice.core.audit import audit_record
from medoffice.core.forms import apply_service_errors
from medoffice.core.models import AuditAction
from medoffice.core.policy import has_permission, requires
from medoffice.patients import access as patient_access
from medoffice.patients.access import require_permission
from medoffice.patients.views import render_patient_tab
from medoffice.scheduling import outside
from medoffice.scheduling.forms import OutsideDocumentForm, OutsideVisitForm
from medoffice.scheduling.models import Appointment, OutsideAppointment, OutsideDocument

VIEW, ADD, CHANGE = (f"scheduling.{a}_outsideappointment" for a in ("view", "add", "change"))


def _visit_for_user(user, public_id, *, permission: str) -> OutsideAppointment:
    visit = (
        OutsideAppointment.objects.select_related("patient", "ordered_by")
        .filter(patient_scope(user, "patient"), public_id=public_id)
        .first()
    )
    if visit is None:
        raise Http404
    require_permission(user, permission, patient=visit.patient, category="scheduling")
    return visit


@requires(VIEW)
@require_GET
def outside_list(request, public_id):
    patient = patient_access.patient_get_for_user(request.user, public_id, permission=VIEW)
    visits = list(patient.outside_visits.select_related("ordered_by").prefetch_related("documents"))
    return render_patient_tab(
        request, patient, "outside",
        {"visits": visits, "can_add": has_permission(request.user, ADD),
         "can_change": has_permission(request.user, CHANGE),
         "document_form": OutsideDocumentForm()},
        template="scheduling/tab_outside.html",
    )  # fmt: skip


@requires(ADD)
@require_http_methods(["GET", "POST"])
def outside_add(request, public_id):
    patient = patient_access.patient_get_for_user(
        request.user, public_id, permission=ADD, audit=request.method == "GET"
    )
    source = _source_visit(patient, request.GET.get("from"))
    initial = {"ordered_by": source.provider_id} if source else {}
    form = OutsideVisitForm(request.POST or None, initial=initial, practice_id=patient.practice_id)
    if request.method == "POST" and form.is_valid():
        try:
            outside.outside_visit_add(
                patient=patient, created_by=request.user,
                fields=form.cleaned_data | {"from_appointment": source},
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Outside appointment recorded.")
            return redirect("scheduling:outside-list", public_id=patient.public_id)
    return render(
        request, "scheduling/outside_form.html",
        {"patient": patient, "form": form, "source": source},
        status=422 if request.method == "POST" else 200,
    )  # fmt: skip


def _source_visit(patient, text) -> Appointment | None:
    """The visit a referral was made from (check-out's "Refer out"), if it is this patient's."""
    try:
        key = uuid.UUID(text or "")
    except ValueError:
        return None
    return Appointment.objects.filter(public_id=key, patient=patient).first()


@requires(CHANGE)
@require_http_methods(["GET", "POST"])
def outside_edit(request, public_id):
    visit = _visit_for_user(request.user, public_id, permission=CHANGE)
    patient = visit.patient
    form = OutsideVisitForm(request.POST or None, instance=visit, practice_id=patient.practice_id)
    if request.method == "POST" and form.is_valid():
        try:
            outside.outside_visit_update(
                visit=OutsideAppointment.objects.get(pk=visit.pk), fields=form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Outside appointment updated.")
            return redirect("scheduling:outside-list", public_id=patient.public_id)
    elif request.method == "GET":
        audit_record(action=AuditAction.READ, obj=visit, patient=patient, category="scheduling")
    return render(
        request, "scheduling/outside_form.html", {"patient": patient, "form": form, "visit": visit},
        status=422 if request.method == "POST" else 200,
    )  # fmt: skip


@requires(CHANGE)
@require_POST
def outside_document_add(request, public_id):
    visit = _visit_for_user(request.user, public_id, permission=CHANGE)
    form = OutsideDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            outside.outside_document_add(
                visit=visit, title=form.cleaned_data["title"], upload=form.cleaned_data["file"],
                uploaded_by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, "Document attached.")
    return redirect("scheduling:outside-list", public_id=visit.patient.public_id)


@requires(VIEW)
@require_GET
def outside_document(request, public_id):
    document = (
        OutsideDocument.objects.select_related("outside_visit__patient")
        .filter(patient_scope(request.user, "outside_visit__patient"), public_id=public_id)
        .first()
    )  # fmt: skip
    if document is None:
        raise Http404
    patient = document.outside_visit.patient
    require_permission(request.user, VIEW, patient=patient, category="documents")
    audit_record(action=AuditAction.READ, obj=document, patient=patient, category="documents")
    name = document.file.name
    extension = name[name.rfind(".") :] if "." in name else ""
    response = FileResponse(
        document.file.open("rb"), as_attachment=True, filename=f"document{extension}"
    )
    response["Content-Security-Policy"] = "sandbox"
    return response
