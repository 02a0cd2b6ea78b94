"""One appointment's screens: its panel, check-in, rooming, check-out, cancel and reschedule."""

from datetime import datetime, time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from medoffice.core.forms import apply_service_errors
from medoffice.core.policy import has_permission, requires
from medoffice.scheduling import access, front_desk, services
from medoffice.scheduling.errors import SlotTakenError, StatusMoveError
from medoffice.scheduling.forms import CancelForm, CheckInForm, RescheduleSearchForm
from medoffice.scheduling.models import CheckIn
from medoffice.scheduling.selectors import (
    Preferences,
    chosen_slot,
    find_slots,
    slot_places,
    wait_minutes,
)
from medoffice.scheduling.series import appointment_cancel_series
from medoffice.scheduling.states import AppointmentStatus

CHANGE = "scheduling.change_appointment"


def _panel_url(appointment) -> str:
    return reverse("scheduling:appointment-detail", args=[appointment.public_id])


def _refusal(exc: Exception) -> str:
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


def _local_now(appointment) -> datetime:
    return timezone.now().astimezone(appointment.location.zone)


def _panel_context(request, appointment, **extra) -> dict:
    can_change = has_permission(request.user, CHANGE)
    check_in = CheckIn.objects.filter(appointment=appointment).first()
    is_today = _local_now(appointment).date() == front_desk.visit_day(appointment)
    return {
        "appointment": appointment,
        "patient": appointment.patient,
        "check_in": check_in,
        "waits": wait_minutes(appointment),
        "can_change": can_change,
        "can_book": has_permission(request.user, "scheduling.add_appointment"),
        "is_today": is_today,
        "has_started": timezone.now() >= appointment.starts_at,
        "cancel_form": extra.pop("cancel_form", None) or CancelForm(),
        **extra,
    }


@requires("scheduling.view_appointment")
@require_GET
def appointment_detail(request, public_id):
    appointment = access.appointment_get_for_user(request.user, public_id)
    return render(
        request, "scheduling/appointment_detail.html", _panel_context(request, appointment)
    )


@requires(CHANGE)
@require_http_methods(["GET", "POST"])
def appointment_check_in(request, public_id):
    appointment = access.appointment_get_for_user(
        request.user, public_id, permission=CHANGE, audit=request.method == "GET"
    )
    missing = front_desk.consents_missing(appointment)
    form = CheckInForm(request.POST or None, missing_consents=missing)
    if request.method == "POST" and form.is_valid():
        try:
            front_desk.visit_check_in(
                appointment=appointment, checked_in_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except StatusMoveError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{appointment.patient.display_name} is checked in.")
            return redirect(_board_url(appointment))
    previous = front_desk.last_check_in(appointment)
    today = _local_now(appointment).date()
    current = front_desk.visit_snapshot(appointment.patient, today)
    context = {
        "appointment": appointment,
        "patient": appointment.patient,
        "form": form,
        "previous": previous,
        "changes": front_desk.changes_since(previous.snapshot, current) if previous else [],
        "coverages": front_desk.coverages_on(appointment.patient, today),
        "copay": front_desk.copay_quote(appointment),
        "missing": missing,
        "is_today": today == front_desk.visit_day(appointment),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "scheduling/check_in.html", context, status=status)


@requires(CHANGE)
@require_POST
def appointment_step(request, public_id):
    """Roomed, seen by the provider, checked out, or a check-in undone: buttons on the panel."""
    appointment = access.appointment_get_for_user(
        request.user, public_id, permission=CHANGE, audit=False
    )
    step = request.POST.get("step", "")
    try:
        if step in ("roomed", "seen"):
            front_desk.visit_step(appointment=appointment, step=step)
        elif step == "confirmed":
            services.appointment_confirm(appointment=appointment, via="phone")
        elif step in (AppointmentStatus.FULFILLED, AppointmentStatus.BOOKED, "noshow"):
            services.appointment_set_status(appointment=appointment, status=step)
        else:
            raise StatusMoveError("Unknown step.")
    except (StatusMoveError, SlotTakenError, ValidationError) as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(request, STEP_SAID.get(step, "Done."))
    return redirect(request.POST.get("next") == "board" and _board_url(appointment)
                    or _panel_url(appointment))  # fmt: skip


STEP_SAID = {
    "roomed": "Roomed.",
    "seen": "With the provider.",
    "confirmed": "Confirmed by phone.",
    "fulfilled": "Checked out.",
    "booked": "Back to booked.",
    "noshow": "Marked as a no-show.",
}


@requires(CHANGE)
@require_POST
def appointment_cancel(request, public_id):
    appointment = access.appointment_get_for_user(
        request.user, public_id, permission=CHANGE, audit=False
    )
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["whole_series"]:
                cancelled = appointment_cancel_series(
                    appointment=appointment, reason=form.reason_text
                )
            else:
                cancelled = [
                    services.appointment_cancel(appointment=appointment, reason=form.reason_text)
                ]
        except (StatusMoveError, ValidationError) as exc:
            form.add_error(None, _refusal(exc))
        else:
            said = "Cancelled" if len(cancelled) == 1 else f"{len(cancelled)} visits cancelled"
            messages.success(request, f"{said}. The time is open again.")
            return redirect(_panel_url(appointment))
    context = _panel_context(request, appointment, cancel_form=form)
    return render(request, "scheduling/appointment_detail.html", context, status=422)


@requires(CHANGE)
@require_http_methods(["GET", "POST"])
def appointment_reschedule(request, public_id):
    """Offer open times for the same visit type; one click moves the visit."""
    appointment = access.appointment_get_for_user(
        request.user, public_id, permission=CHANGE, audit=request.method == "GET"
    )
    practice_id = appointment.patient.practice_id
    data = request.POST if request.method == "POST" else request.GET
    form = RescheduleSearchForm(
        data or None, practice_id=practice_id, initial={"provider": appointment.provider_id}
    )
    if request.method == "POST" and _move_from_form(request, appointment):
        return redirect(_panel_url(appointment))
    slots = []
    if not form.is_bound or form.is_valid():
        cleaned = form.cleaned_data if form.is_bound else {"provider": appointment.provider}
        provider, from_day = cleaned.get("provider"), cleaned.get("from_day")
        after = None
        if from_day:
            zone = appointment.location.zone
            after = datetime.combine(from_day, time(0), tzinfo=zone)
        slots = find_slots(
            appointment_type=appointment.appointment_type, limit=12, after=after,
            prefs=Preferences(
                provider_ids=(provider.id,) if provider else (),
                part_of_day=cleaned.get("part_of_day", ""),
            ),
        )  # fmt: skip
    providers, locations = slot_places(slots)
    options = [
        {"slot": s, "provider": providers[s.provider_id], "location": locations[s.location_id]}
        for s in slots
    ]  # fmt: skip
    return render(
        request,
        "scheduling/appointment_reschedule.html",
        {"appointment": appointment, "patient": appointment.patient, "form": form,
         "options": options},
        status=422 if request.method == "POST" else 200,
    )  # fmt: skip


def _move_from_form(request, appointment) -> bool:
    chosen = chosen_slot(request.POST, appointment.patient.practice_id)
    if chosen is None:
        messages.error(request, "Choose one of the times offered.")
        return False
    starts_at, provider, location = chosen
    try:
        moved = services.appointment_reschedule(
            appointment=appointment, starts_at=starts_at, provider=provider, location=location
        )
    except (SlotTakenError, StatusMoveError, ValidationError) as exc:
        messages.error(request, f"{_refusal(exc)} Here are the times open now.")
        return False
    local = moved.starts_at.astimezone(location.zone)
    messages.success(request, f"Moved to {local:%a %m/%d %I:%M %p} with {provider}.")
    return True


def _board_url(appointment) -> str:
    day = front_desk.visit_day(appointment)
    return (
        f"{reverse('scheduling:day-board')}?location={appointment.location.public_id}"
        f"&day={day.isoformat()}"
    )
