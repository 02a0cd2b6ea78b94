"""The cancellation list for staff, and the page where a patient answers an offer."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medoffice.core.access import patient_scope
from medoffice.core.audit import audit_record
from medoffice.core.forms import apply_service_errors
from medoffice.core.models import AuditAction
from medoffice.core.policy import has_permission, public, requires
from medoffice.patients import access as patient_access
from medoffice.patients.access import require_permission
from medoffice.scheduling import access, waitlist
from medoffice.scheduling.errors import StatusMoveError
from medoffice.scheduling.forms import WaitlistForm
from medoffice.scheduling.models import WaitlistEntry, WaitlistOffer


@requires("scheduling.view_appointment")
@require_GET
def waitlist_list(request):
    entries = list(
        access.waitlist_waiting_for_user(request.user)
        .select_related("patient", "appointment_type", "provider", "location")
        .prefetch_related("offers__location")
        .order_by("priority", "created_at")
    )
    audit_record(
        action=AuditAction.READ, object_type="scheduling.waitlistentry", category="scheduling",
        detail=f"waitlist: {len(entries)} patients listed",
    )  # fmt: skip
    return render(
        request, "scheduling/waitlist.html",
        {"entries": entries,
         "can_change": has_permission(request.user, "scheduling.change_appointment")},
    )  # fmt: skip


@requires("scheduling.add_appointment")
@require_http_methods(["GET", "POST"])
def waitlist_add(request, public_id):
    patient = patient_access.patient_get_for_user(
        request.user, public_id, permission="scheduling.add_appointment",
        audit=request.method == "GET",
    )  # fmt: skip
    form = WaitlistForm(request.POST or None, practice_id=patient.practice_id)
    if request.method == "POST" and form.is_valid():
        try:
            waitlist.waitlist_add(patient=patient, fields=form.cleaned_data,
                                  created_by=request.user)  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "On the waiting list: offered the first time that suits.")
            return redirect("scheduling:appointment-list", public_id=patient.public_id)
    return render(
        request, "scheduling/waitlist_form.html", {"patient": patient, "form": form},
        status=422 if request.method == "POST" else 200,
    )  # fmt: skip


@requires("scheduling.change_appointment")
@require_POST
def waitlist_remove(request, public_id):
    entry = (
        WaitlistEntry.objects.select_related("patient")
        .filter(patient_scope(request.user, "patient"), public_id=public_id)
        .first()
    )
    if entry is None:
        raise Http404
    require_permission(
        request.user, "scheduling.change_appointment", patient=entry.patient,
        category="scheduling",
    )  # fmt: skip
    try:
        waitlist.waitlist_remove(entry=entry)
    except StatusMoveError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{entry.patient.display_name} is off the waiting list.")
    return redirect("scheduling:waitlist")


@public
@require_http_methods(["GET", "POST"])
def offer(request, token):
    """The patient's page for one offer: the token in the link is the only key."""
    found = (
        WaitlistOffer.objects.select_related(
            "entry__appointment_type", "entry__patient", "provider", "location__practice"
        )
        .filter(token=token)
        .first()
    )
    if found is None:
        raise Http404
    outcome, status = None, 200
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "accept":
                waitlist.offer_accept(offer=found)
                outcome = "booked"
            elif request.POST.get("answer") == "decline":
                waitlist.offer_decline(offer=found)
                outcome = "declined"
            else:
                outcome, status = "unknown", 400
        except waitlist.OfferClosedError as exc:
            outcome, status = str(exc), 409
        found.refresh_from_db()
    local = found.starts_at.astimezone(found.location.zone)
    return render(
        request, "scheduling/offer.html",
        {"offer": found, "local": local, "outcome": outcome}, status=status,
    )  # fmt: skip
