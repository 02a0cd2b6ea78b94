"""Scheduling screens. Thin: access, then render."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from medoffice.core.access import practice_id_for
from medoffice.core.audit import audit_record
from medoffice.core.forms import apply_service_errors
from medoffice.core.models import AuditAction, Location, Provider
from medoffice.core.policy import has_permission, requires
from medoffice.patients import access as patient_access
from medoffice.patients.models import Patient
from medoffice.patients.views import render_patient_tab
from medoffice.scheduling import access, services
from medoffice.scheduling.errors import SlotTakenError
from medoffice.scheduling.forms import BookingSearchForm, SpecificTimeForm
from medoffice.scheduling.models import AppointmentType
from medoffice.scheduling.selectors import (
    Preferences,
    chosen_slot,
    dashboard_figures,
    find_slots,
    no_show_count,
    open_times,
    slot_places,
    wait_minutes,
)
from medoffice.scheduling.series import OnConflict, appointment_book_series
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
        {
            "appointments": appointments,
            "can_book": has_permission(request.user, "scheduling.add_appointment"),
        },
        template="scheduling/tab_appointments.html",
    )


def board_actions(appointment, *, now: datetime, today: date) -> list[tuple[str, str, str]]:
    """What the board offers for a visit: ("link", url, label) or ("step", step, label)."""
    status = appointment.status
    if status == AppointmentStatus.BOOKED:
        actions = []
        if appointment.starts_at.astimezone(now.tzinfo).date() == today:
            url = reverse("scheduling:appointment-check-in", args=[appointment.public_id])
            actions.append(("link", url, "Check in"))
        if now >= appointment.starts_at:
            actions.append(("step", "noshow", "No-show"))
        return actions
    if status == AppointmentStatus.ARRIVED:
        if appointment.roomed_at is None:
            return [("step", "roomed", "Roomed"), ("step", "fulfilled", "Check out")]
        if appointment.seen_at is None:
            return [("step", "seen", "Provider in"), ("step", "fulfilled", "Check out")]
        return [("step", "fulfilled", "Check out")]
    return []


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
    zone = location.zone
    day = _board_day(request.GET.get("day"), zone)
    columns = access.day_board_for_user(request.user, location=location, day=day)
    can_change = has_permission(request.user, "scheduling.change_appointment")
    can_book = has_permission(request.user, "scheduling.add_appointment")
    now = timezone.now().astimezone(zone)
    free = (
        open_times(location=location, day=day, provider_ids=[c.provider.id for c in columns])
        if can_book
        else {}
    )
    for column in columns:
        for appointment in column.appointments:
            appointment.waits = wait_minutes(appointment, now)
            appointment.board_actions = (
                board_actions(appointment, now=now, today=now.date()) if can_change else []
            )
        column.timeline = sorted(
            [(a.starts_at, "visit", a) for a in column.appointments]
            + [(t, "open", t) for t in free.get(column.provider.id, [])],
            key=lambda entry: (entry[0], entry[1] == "open"),
        )
    context = {
        "location": location,
        "locations": location.practice.locations.order_by("name"),
        "day": day,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "columns": columns,
    }
    template = "scheduling/day_board.html#board" if request.htmx else "scheduling/day_board.html"
    return render(request, template, context)


@requires("scheduling.add_appointment")
@require_http_methods(["GET", "POST"])
def appointment_book(request, public_id):
    """Book from the patient's record: pick a type (and maybe a provider), take an open time."""
    patient = patient_access.patient_get_for_user(
        request.user, public_id, permission="scheduling.add_appointment",
        audit=request.method == "GET",
    )  # fmt: skip
    form = BookingSearchForm(request.GET or None, practice_id=patient.practice_id)
    specific = SpecificTimeForm(practice_id=patient.practice_id)
    if request.method == "POST":
        form = BookingSearchForm(request.POST, practice_id=patient.practice_id)
        if request.POST.get("mode") == "specific":
            specific = SpecificTimeForm(request.POST, practice_id=patient.practice_id)
            booked = form.is_valid() and specific.is_valid() and _book_specific_time(
                request, patient, form, specific
            )  # fmt: skip
        else:
            booked = form.is_valid() and _book_from_form(request, patient, form)
        if booked:
            return redirect("scheduling:appointment-list", public_id=patient.public_id)
    slots = []
    if form.is_bound and form.is_valid():
        kind = form.cleaned_data["appointment_type"]
        provider = form.cleaned_data["provider"]
        urgent = form.cleaned_data["urgent"]
        slots = find_slots(
            appointment_type=kind, limit=12, patient_id=patient.id, days=0 if urgent else None,
            prefs=Preferences(
                provider_ids=(provider.id,) if provider else (),
                part_of_day=form.cleaned_data["part_of_day"], urgent=urgent,
            ),
        )  # fmt: skip
    providers, locations = slot_places(slots)
    options = [
        {"slot": s, "provider": providers[s.provider_id], "location": locations[s.location_id]}
        for s in slots
    ]  # fmt: skip
    return render(
        request,
        "scheduling/appointment_book.html",
        {
            "patient": patient,
            "form": form,
            "options": options,
            "specific": specific,
            "no_shows": no_show_count(patient.id, since=timezone.now() - timedelta(days=365)),
            "carry": _search_carried(form),
            "book_label": "Book the series" if _repeats(form) else "Book",
        },
        status=422 if request.method == "POST" else 200,
    )


def _repeats(form) -> bool:
    return bool(form.is_bound and form.is_valid() and form.cleaned_data["repeat_weeks"])


def _search_carried(form) -> list[tuple[str, str]]:
    """The search, as hidden fields of each "Book" button: the booking repeats it."""
    if not (form.is_bound and form.is_valid()):
        return []
    data = form.cleaned_data
    values = {
        "appointment_type": data["appointment_type"].pk,
        "provider": data["provider"].pk if data["provider"] else "",
        "part_of_day": data["part_of_day"],
        "reason": data["reason"],
        "urgent": "on" if data["urgent"] else "",
        "repeat_weeks": data["repeat_weeks"] or "",
        "occurrences": data["occurrences"] or "",
        "on_conflict": data["on_conflict"],
    }
    return [(name, value) for name, value in values.items() if value != ""]


def _book_specific_time(request, patient, form, specific) -> bool:
    """Book exactly the time named, outside the template or overbooked if so ticked."""
    try:
        appointment = services.appointment_book(
            patient=patient, appointment_type=form.cleaned_data["appointment_type"],
            provider=specific.cleaned_data["provider"],
            location=specific.cleaned_data["location"], starts_at=specific.starts_at(),
            reason=form.cleaned_data["reason"], booked_by=request.user,
            override=specific.cleaned_data["override"],
            overbook=specific.cleaned_data["overbook"],
        )  # fmt: skip
    except SlotTakenError as exc:
        specific.add_error(None, f"{exc} Tick overbook to book on top of the provider's visit.")
        return False
    except ValidationError as exc:
        apply_service_errors(specific, exc)
        return False
    messages.success(request, _booked_message(appointment))
    return True


def _book_series(request, form, booking: dict, first: datetime) -> bool:
    try:
        outcomes = appointment_book_series(
            first_starts_at=first, every_weeks=form.cleaned_data["repeat_weeks"],
            count=form.cleaned_data["occurrences"] or 8,
            on_conflict=form.cleaned_data["on_conflict"] or OnConflict.SKIP, **booking,
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    zone = booking["location"].zone
    booked = [o for o in outcomes if o.appointment]
    if not booked:
        messages.error(request, "None of the series could be booked: " + outcomes[0].problem)
        return False
    messages.success(request, f"Booked {len(booked)} of {len(outcomes)} visits of the series.")
    for o in outcomes:
        when = f"{o.requested.astimezone(zone):%a %m/%d %I:%M %p}"
        if o.appointment is None:
            messages.warning(request, f"{when} not booked: {o.problem}")
        elif o.moved:
            moved_to = o.appointment.starts_at.astimezone(zone)
            messages.warning(request, f"{when} was taken: booked {moved_to:%I:%M %p} instead.")
    return True


def _booked_message(appointment) -> str:
    local = appointment.starts_at.astimezone(appointment.location.zone)
    flags = " (overbooked)" if appointment.overbooked else ""
    return (
        f"Booked {appointment.appointment_type.name} with {appointment.provider}, "
        f"{local:%a %m/%d %I:%M %p}{flags}."
    )


def _book_from_form(request, patient, form) -> bool:
    """Book the time the user clicked; on refusal say why (the page shows fresh times)."""
    chosen = chosen_slot(request.POST, patient.practice_id)
    if chosen is None:
        messages.error(request, "Choose one of the times offered.")
        return False
    starts_at, provider, location = chosen
    booking = {
        "patient": patient, "appointment_type": form.cleaned_data["appointment_type"],
        "provider": provider, "location": location, "reason": form.cleaned_data["reason"],
        "booked_by": request.user,
    }  # fmt: skip
    if form.cleaned_data["urgent"]:
        booking["urgent"] = True
    if form.cleaned_data["repeat_weeks"]:
        return _book_series(request, form, booking, starts_at)
    try:
        appointment = services.appointment_book(starts_at=starts_at, **booking)
    except SlotTakenError as exc:
        messages.error(request, f"{exc} Here are the times open now.")
        return False
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    messages.success(request, _booked_message(appointment))
    return True


@requires("scheduling.view_appointment")
@require_GET
def dashboard(request):
    """No-show rates and waits per provider, and the patients who often miss visits."""
    practice_id = practice_id_for(request.user)
    try:
        days = min(max(int(request.GET.get("days", 90)), 7), 730)
    except ValueError:
        days = 90
    ends = timezone.now()
    starts = ends - timedelta(days=days)
    providers, frequent = dashboard_figures(practice_id=practice_id, starts=starts, ends=ends)
    patients = Patient.objects.in_bulk([f.patient_id for f in frequent])
    due = sum(p.due for p in providers)
    missed = sum(p.no_shows for p in providers)
    audit_record(
        action=AuditAction.READ, object_type="scheduling.appointment", category="scheduling",
        detail=f"dashboard {days} days: {len(frequent)} frequent no-show patients listed",
    )  # fmt: skip
    return render(
        request, "scheduling/dashboard.html",
        {"days": days, "providers": providers, "due": due, "missed": missed,
         "rate": missed / due if due else None,
         "frequent": [(patients[f.patient_id], f) for f in frequent]},
    )  # fmt: skip


@requires("scheduling.add_appointment")
@require_http_methods(["GET", "POST"])
def book_at_time(request):
    """The board's "book here": a named time with a provider; find the patient, pick the type.

    The patient search is a POST (names and birth dates stay out of URLs, DP-02).
    """
    practice_id = practice_id_for(request.user)
    data = request.POST if request.method == "POST" else request.GET
    mine = {"practice_id": practice_id}
    try:
        starts_at = datetime.fromisoformat(data.get("at", ""))
        provider = Provider.objects.filter(pk=int(data.get("provider", "")), **mine).first()
    except ValueError:
        starts_at, provider = None, None
    location = Location.objects.filter(public_id=data.get("location") or None, **mine).first()
    if not (starts_at and starts_at.tzinfo and provider and location):
        messages.error(request, "Choose an open time on the day board.")
        return redirect("scheduling:day-board")
    kinds = AppointmentType.objects.filter(is_active=True, **mine).filter(
        Q(providers=None) | Q(providers=provider)
    ).distinct()  # fmt: skip
    outcome, status = None, 200
    if request.method == "POST" and request.POST.get("q"):
        outcome = patient_access.patient_search_for_user(request.user, request.POST["q"], limit=10)
    elif request.method == "POST":
        patient = patient_access.patient_get_for_user(
            request.user, request.POST.get("patient") or "00000000-0000-0000-0000-000000000000",
            permission="scheduling.add_appointment", audit=False,
        )  # fmt: skip
        kind = kinds.filter(pk=request.POST.get("appointment_type") or 0).first()
        if kind is None:
            messages.error(request, "Choose the type of visit.")
            status = 422
        else:
            try:
                appointment = services.appointment_book(
                    patient=patient, appointment_type=kind, provider=provider,
                    location=location, starts_at=starts_at, booked_by=request.user,
                    reason=request.POST.get("reason", "")[:200],
                )  # fmt: skip
            except (SlotTakenError, ValidationError) as exc:
                messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
                status = 409 if isinstance(exc, SlotTakenError) else 422
            else:
                messages.success(request, _booked_message(appointment))
                day = starts_at.astimezone(location.zone).date()
                return redirect(
                    f"{reverse('scheduling:day-board')}?location={location.public_id}"
                    f"&day={day.isoformat()}"
                )
    return render(
        request, "scheduling/book_at_time.html",
        {"starts_at": starts_at, "provider": provider, "location": location, "kinds": kinds,
         "outcome": outcome},
        status=status,
    )  # fmt: skip


@requires("scheduling.view_appointment")
@require_GET
def week_view(request):
    """One provider's week at a glance: visits and open times per day."""
    practice_id = practice_id_for(request.user)
    providers = Provider.objects.filter(practice_id=practice_id, is_active=True)
    provider = providers.filter(public_id=request.GET.get("provider") or None).first() or (
        providers.first()
    )
    if provider is None:
        raise Http404
    location = access.location_for_user(request.user, request.GET.get("location") or None)
    zone = location.zone
    first = _board_day(request.GET.get("week"), zone)
    first -= timedelta(days=first.weekday())  # Monday
    days = [first + timedelta(days=n) for n in range(7)]
    visits = access.week_for_user(
        request.user, provider=provider, location=location, starts=days[0], zone=zone
    )
    can_book = has_permission(request.user, "scheduling.add_appointment")
    columns = []
    for day in days:
        free = (
            open_times(location=location, day=day, provider_ids=[provider.id]) if can_book else {}
        )
        columns.append({
            "day": day,
            "visits": [v for v in visits if v.starts_at.astimezone(zone).date() == day],
            "open": free.get(provider.id, []),
        })  # fmt: skip
    return render(
        request, "scheduling/week.html",
        {"provider": provider, "providers": providers, "location": location,
         "locations": location.practice.locations.order_by("name"), "columns": columns,
         "previous_week": first - timedelta(days=7), "next_week": first + timedelta(days=7)},
    )  # fmt: skip
