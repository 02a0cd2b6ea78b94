"""The interface screens: the message log (HL7 in and out) and the review queue."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from medoffice.core.access import patient_scope, practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction
from medoffice.core.policy import has_permission, requires
from medoffice.interop import selectors
from medoffice.interop.access import inbound_message_get_for_user, rows_in_scope
from medoffice.interop.inbound import inbound_dismiss, inbound_match, inbound_register_new
from medoffice.interop.models import InboundStatus, OutboundStatus
from medoffice.patients.models import Patient, PatientStatus

_TYPES = ("ADT", "ORU", "SIU")


@requires("interop.view_interfacemessage")
@require_GET
def message_log(request):
    practice_id = practice_id_for(request.user)
    status = request.GET.get("status", "")
    kind = request.GET.get("type", "")
    inbound = selectors.inbound_message_list(
        practice_id=practice_id, status=status, message_type=kind
    )
    outbound = selectors.outbound_message_list_for_log(
        practice_id=practice_id, status=status, message_type=kind
    )
    inbound = rows_in_scope(request.user, inbound, lambda m: m.patient_id)
    outbound = rows_in_scope(
        request.user, outbound, lambda m: m.appointment.patient_id if m.appointment else None
    )
    audit_record(
        action=AuditAction.READ,
        object_type="interop.inboundmessage",
        category="interfaces",
        detail=f"message log: {len(inbound)} in, {len(outbound)} out",
    )
    statuses = [*InboundStatus.choices, *OutboundStatus.choices]
    return render(
        request,
        "interop/message_log.html",
        {
            "inbound": inbound,
            "outbound": outbound,
            "status": status,
            "kind": kind,
            "statuses": list(dict.fromkeys(statuses)),
            "types": _TYPES,
        },
    )


@requires("interop.view_interfacemessage")
@require_GET
def inbound_detail(request, public_id):
    message = inbound_message_get_for_user(request.user, public_id)
    return render(request, "interop/inbound_detail.html", {"message": message})


@requires("interop.review_inboundmessage")
@require_GET
def review_queue(request):
    practice_id = practice_id_for(request.user)
    waiting = rows_in_scope(
        request.user,
        selectors.inbound_message_list_for_review(practice_id=practice_id),
        lambda m: m.patient_id,
    )
    audit_record(
        action=AuditAction.READ,
        object_type="interop.inboundmessage",
        category="interfaces",
        detail=f"review queue: {len(waiting)} listed",
    )
    return render(request, "interop/review_queue.html", {"waiting": waiting})


@requires("interop.review_inboundmessage")
@require_GET
def review_detail(request, public_id):
    message = inbound_message_get_for_user(request.user, public_id)
    return render(
        request,
        "interop/review_detail.html",
        {
            "message": message,
            "can_log": has_permission(request.user, "interop.view_interfacemessage"),
        },
    )


@requires("interop.review_inboundmessage")
@require_POST
def inbound_match_view(request, public_id):
    message = inbound_message_get_for_user(request.user, public_id)
    if request.POST.get("new") == "1":  # an A04 held as a likely duplicate: someone new
        try:
            patient = inbound_register_new(message=message, user=request.user)
        except ValidationError as exc:
            return _refused(request, message, " ".join(exc.messages))
        flash.success(request, f"Registered as MRN {patient.mrn}.")
        return redirect("interop:review-queue")
    mrn = (request.POST.get("mrn") or "").strip().upper()
    patient = (
        Patient.objects.filter(patient_scope(request.user), mrn=mrn)
        .exclude(status=PatientStatus.MERGED)
        .first()
    )
    if patient is None:
        return _refused(request, message, f"No current patient has MRN {mrn or '(empty)'}.")
    try:
        inbound_match(message=message, patient=patient, user=request.user)
    except ValidationError as exc:
        return _refused(request, message, " ".join(exc.messages))
    flash.success(request, f"Filed to MRN {patient.mrn}.")
    return redirect("interop:review-queue")


@requires("interop.review_inboundmessage")
@require_POST
def inbound_dismiss_view(request, public_id):
    message = inbound_message_get_for_user(request.user, public_id)
    try:
        inbound_dismiss(message=message, user=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        return _refused(request, message, " ".join(exc.messages))
    flash.success(request, "Message rejected.")
    return redirect("interop:review-queue")


def _refused(request, message, why: str):
    return render(
        request,
        "interop/review_detail.html",
        {"message": message, "error": why},
        status=422,
    )
