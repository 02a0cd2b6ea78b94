"""Scheduling screens. Thin: access, then render."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from medoffice.core.policy import has_permission, requires
from medoffice.patients import access as patient_access
from medoffice.patients.views import render_patient_tab
from medoffice.scheduling import access, services
from medoffice.scheduling.errors import SlotTakenError, StatusMoveError
from medoffice.scheduling.states import AppointmentStatus


@requires("scheduling.view_appointment")
@require_GET
def patient_appointments(request, public_id):
    patient = patient_access.patient_get_for_user(request.user, public_id, audit=False)
    appointments = access.appointment_list_for_patient(request.user, patient)
    return render_patient_tab(
        request,
        patient,
        "appointments",
        {"appointments": appointments},
        template="scheduling/tab_appointments.html",
    )


# The buttons the board offers for each status: (new status, label).
BOARD_ACTIONS = {
    AppointmentStatus.BOOKED: (("arrived", "Check in"), ("noshow", "No-show")),
    AppointmentStatus.ARRIVED: (("fulfilled", "Check out"),),
}


def _board_day(text: str | None, zone: ZoneInfo) -> date:
    try:
        return date.fromisoformat(text) if text else timezone.now().astimezone(zone).date()
    except ValueError:
        return timezone.now().astimezone(zone).date()


@requires("scheduling.view_appointment")
@require_GET
def day_board(request):
    """The front desk's day: a column per provider, refreshed every 30 seconds."""
    location = access.location_for_user(request.user, request.GET.get("location") or None)
    zone = ZoneInfo(location.time_zone)
    day = _board_day(request.GET.get("day"), zone)
    columns = access.day_board_for_user(request.user, location=location, day=day)
    context = {
        "location": location,
        "locations": location.practice.locations.order_by("name"),
        "day": day,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "columns": columns,
        "actions": BOARD_ACTIONS if has_permission(
            request.user, "scheduling.change_appointment"
        ) else {},
    }  # fmt: skip
    template = "scheduling/day_board.html#board" if request.htmx else "scheduling/day_board.html"
    return render(request, template, context)


@requires("scheduling.change_appointment")
@require_POST
def appointment_status(request, public_id):
    appointment = access.appointment_get_for_user(
        request.user, public_id, permission="scheduling.change_appointment", audit=False
    )
    status = request.POST.get("status", "")
    try:
        services.appointment_set_status(
            appointment=appointment, status=status, reason=request.POST.get("reason", "")
        )
    except (StatusMoveError, SlotTakenError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        label = dict(AppointmentStatus.choices).get(status, status)
        messages.success(request, f"{appointment.patient.display_name}: {label.lower()}.")
    day = appointment.starts_at.astimezone(ZoneInfo(appointment.location.time_zone)).date()
    return redirect(
        f"{reverse('scheduling:day-board')}?location={appointment.location.public_id}"
        f"&day={day.isoformat()}"
    )
