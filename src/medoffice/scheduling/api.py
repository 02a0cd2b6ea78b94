"""REST API for open slots and appointments: the finder, services and access checks of the UI."""

import threading
from decimal import Decimal

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from medoffice.core.access import practice_id_for
from medoffice.core.api_errors import problem
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction, Location, Provider
from medoffice.core.policy import HasRequiredPermission
from medoffice.patients import access as patient_access
from medoffice.patients.models import ConsentKind
from medoffice.scheduling import access, front_desk, services, waitlist
from medoffice.scheduling.errors import SlotTakenError, StatusMoveError
from medoffice.scheduling.models import (
    Appointment,
    AppointmentType,
    CheckIn,
    CopayMethod,
    WaitlistEntry,
    WaitlistStatus,
)
from medoffice.scheduling.schedule_setup import schedule_setup
from medoffice.scheduling.selectors import PARTS_OF_DAY, Preferences, find_slots, slot_places
from medoffice.scheduling.states import AppointmentStatus

# Each thread's bound fields of each serializer class (KeptFields).
_bound_fields = threading.local()


class KeptFields:
    """For the serializers of every booking request (its body, its answer): the fields are
    worked out (ModelSerializer reads the model), deep-copied and bound once per thread
    and class, and shared by the requests that thread serves, instead of for every
    instance (a sixth of a booking request's CPU time). Only for serializers whose fields
    keep no state of a request: none is changed after binding, none reads the
    serializer's context or instance (tests/scheduling/test_api.py compares the answers
    and the validation errors with DRF's own)."""

    @property
    def fields(self):
        kept = _bound_fields.__dict__.setdefault("by_class", {})
        fields = kept.get(type(self))
        if fields is None:
            holder = type(self)()  # what the fields are bound to: never used otherwise
            fields = kept[type(self)] = serializers.Serializer.fields.func(holder)
        return fields


class AppointmentSerializer(KeptFields, serializers.ModelSerializer):
    """Every booking's answer (its fields kept: KeptFields)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    patient = serializers.UUIDField(source="patient.public_id", read_only=True)
    appointment_type = serializers.UUIDField(source="appointment_type.public_id", read_only=True)
    appointment_type_name = serializers.CharField(source="appointment_type.name", read_only=True)
    provider = serializers.CharField(source="provider.npi", read_only=True)
    location = serializers.UUIDField(source="location.public_id", read_only=True)
    room = serializers.CharField(source="room.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Appointment
        fields = (
            "id", "patient", "appointment_type", "appointment_type_name", "provider", "location",
            "room", "starts_at", "ends_at", "status", "reason", "cancel_reason", "overbooked",
            "series", "telehealth_url", "confirmed_at", "confirmed_via", "arrived_at",
            "roomed_at", "seen_at", "checked_out_at",
        )  # fmt: skip


class BookingSerializer(KeptFields, serializers.Serializer):
    patient = serializers.UUIDField()
    appointment_type = serializers.UUIDField()
    provider = serializers.CharField(max_length=10, help_text="NPI")
    location = serializers.UUIDField()
    starts_at = serializers.DateTimeField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    override = serializers.BooleanField(required=False, default=False)
    overbook = serializers.BooleanField(required=False, default=False)


class RescheduleSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    provider = serializers.CharField(max_length=10, required=False, help_text="NPI")
    override = serializers.BooleanField(required=False, default=False)


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AppointmentStatus.choices)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class SlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    provider = serializers.CharField(help_text="NPI")
    location = serializers.UUIDField()


def _conflict(exc: Exception) -> Response:
    return problem(409, "Conflict", str(exc), code=getattr(exc, "code", "conflict"))


def _kept(found: dict, key, field: str):
    """What a booking names, from the practice's kept set-up (schedule_setup.py)."""
    item = found.get(str(key))
    if item is None:
        raise ValidationError({field: ["Not found in this practice."]})
    return item


def _in_practice(model, practice_id: int, **lookup):
    # The lookups are unique (public id, NPI): the first row needs no ordering.
    found = next(iter(model.objects.filter(practice_id=practice_id, **lookup)[:1]), None)
    if found is None:
        field = next(iter(lookup))
        raise ValidationError({field.split("__")[0]: ["Not found in this practice."]})
    return found


def _weekdays(text: str) -> tuple[int, ...]:
    """The patient's days, "0,2,4" (0 = Monday); empty: any day."""
    try:
        days = tuple(sorted({int(part) for part in text.split(",") if part.strip()}))
    except ValueError:
        days = (-1,)
    if any(not 0 <= day <= 6 for day in days):
        raise ValidationError({"weekdays": ["Days as numbers 0 (Monday) to 6, e.g. 0,2,4."]})
    return days


class SlotList(APIView):
    """Open times for a type: no patient data, so it needs only the right to book."""

    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "scheduling.add_appointment"}

    @extend_schema(
        parameters=[
            OpenApiParameter("appointment_type", str, required=True),
            OpenApiParameter("provider", str, description="NPI"),
            OpenApiParameter("location", str),
            OpenApiParameter("part_of_day", str, enum=list(PARTS_OF_DAY)),
            OpenApiParameter("weekdays", str, description="e.g. 0,2,4 (0 = Monday)"),
            OpenApiParameter("limit", int),
        ],
        responses=SlotSerializer(many=True),
        summary="First open times for an appointment type",
    )
    def get(self, request):
        practice_id = practice_id_for(request.user)
        params = request.query_params
        if not params.get("appointment_type"):
            raise ValidationError({"appointment_type": ["Name the appointment type (its id)."]})
        kind = _in_practice(AppointmentType, practice_id, public_id=params["appointment_type"])
        part = params.get("part_of_day", "")
        if part and part not in PARTS_OF_DAY:
            raise ValidationError({"part_of_day": [f"One of {', '.join(PARTS_OF_DAY)}."]})
        try:
            limit = min(max(int(params.get("limit", 10)), 1), 50)
        except ValueError as exc:
            raise ValidationError({"limit": ["A whole number from 1 to 50."]}) from exc
        weekdays = _weekdays(params.get("weekdays", ""))
        providers = ()
        if params.get("provider"):
            providers = (_in_practice(Provider, practice_id, npi=params["provider"]).id,)
        locations = ()
        if params.get("location"):
            locations = (_in_practice(Location, practice_id, public_id=params["location"]).id,)
        slots = find_slots(
            appointment_type=kind, limit=limit,
            prefs=Preferences(
                provider_ids=providers, location_ids=locations, part_of_day=part, weekdays=weekdays
            ),
        )  # fmt: skip
        providers, places = slot_places(slots)
        return Response(
            [
                {
                    "starts_at": s.starts_at,
                    "ends_at": s.ends_at,
                    "provider": providers[s.provider_id].npi,
                    "location": places[s.location_id].public_id,
                }
                for s in slots
            ]  # fmt: skip
        )


class AppointmentCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "scheduling.add_appointment"}

    @extend_schema(
        request=BookingSerializer,
        responses={201: AppointmentSerializer},
        summary="Book an appointment (409 when the time was just taken)",
    )
    def post(self, request):
        practice_id = practice_id_for(request.user)
        data = BookingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        patient = patient_access.patient_get_for_user(
            request.user, values["patient"], audit=False, related=False,
            only=patient_access.BOOKING_COLUMNS,
        )  # fmt: skip
        setup = schedule_setup(practice_id)  # the practice's types, providers and locations
        try:
            appointment = services.appointment_book(
                patient=patient,
                appointment_type=_kept(setup.types, values["appointment_type"], "appointment_type"),
                provider=_kept(setup.providers, values["provider"], "provider"),
                location=_kept(setup.locations, values["location"], "location"),
                starts_at=values["starts_at"],
                reason=values["reason"],
                booked_by=request.user,
                override=values["override"],
                overbook=values["overbook"],
            )
        except SlotTakenError as exc:
            return _conflict(exc)
        return Response(AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)


class PatientAppointments(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "scheduling.view_appointment"}

    @extend_schema(responses=AppointmentSerializer(many=True), summary="A patient's appointments")
    def get(self, request, public_id):
        patient = patient_access.patient_get_for_user(request.user, public_id, audit=False)
        appointments = access.appointment_list_for_patient(request.user, patient)
        return Response(AppointmentSerializer(appointments, many=True).data)


class AppointmentItem(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"GET": "scheduling.view_appointment"}

    @extend_schema(responses=AppointmentSerializer, summary="Read an appointment")
    def get(self, request, public_id):
        appointment = access.appointment_get_for_user(request.user, public_id)
        return Response(AppointmentSerializer(appointment).data)


def _change(request, public_id, serializer_class, apply) -> Response:
    """Load the appointment for a change, validate the body, apply it; 409 when refused."""
    appointment = access.appointment_get_for_user(
        request.user, public_id, permission="scheduling.change_appointment", audit=False
    )
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        appointment = apply(appointment, data.validated_data)
    except (SlotTakenError, StatusMoveError) as exc:
        return _conflict(exc)
    return Response(AppointmentSerializer(appointment).data)


class AppointmentReschedule(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "scheduling.change_appointment"}

    @extend_schema(
        request=RescheduleSerializer,
        responses=AppointmentSerializer,
        summary="Move a booked appointment (the old time stands if the new is taken)",
    )
    def post(self, request, public_id):
        def reschedule(appointment, values):
            provider = None
            if values.get("provider"):
                provider = _in_practice(
                    Provider, appointment.location.practice_id, npi=values["provider"]
                )
            return services.appointment_reschedule(
                appointment=appointment, starts_at=values["starts_at"], provider=provider,
                override=values["override"],
            )  # fmt: skip

        return _change(request, public_id, RescheduleSerializer, reschedule)


class AppointmentStatusChange(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "scheduling.change_appointment"}

    @extend_schema(
        request=StatusSerializer,
        responses=AppointmentSerializer,
        summary="Check out, cancel (with reason), mark a no-show, or undo (check-in: /check-in/)",
    )
    def post(self, request, public_id):
        def set_status(appointment, values):
            return services.appointment_set_status(
                appointment=appointment, status=values["status"], reason=values["reason"]
            )

        return _change(request, public_id, StatusSerializer, set_status)


class CheckInSerializer(serializers.Serializer):
    demographics_verified = serializers.BooleanField()
    insurance_verified = serializers.BooleanField(required=False, default=False)
    consents_signed = serializers.ListField(
        child=serializers.ChoiceField(choices=ConsentKind.choices), required=False, default=list
    )
    copay_collected = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, default=Decimal("0.00")
    )
    copay_method = serializers.ChoiceField(choices=CopayMethod.choices, required=False, default="")
    copay_reference = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CheckInResultSerializer(serializers.ModelSerializer):
    appointment = AppointmentSerializer(read_only=True)
    copay_source = serializers.SerializerMethodField(
        help_text="Where the copay due came from: card, eligibility (the payer's latest"
        " answer) or self_pay"
    )

    class Meta:
        model = CheckIn
        fields = (
            "appointment", "checked_in_at", "demographics_verified", "insurance_verified",
            "copay_due", "copay_source", "copay_collected", "copay_method", "copay_reference",
            "note",
        )  # fmt: skip

    def get_copay_source(self, obj) -> str:
        return (obj.snapshot or {}).get("copay", {}).get("source", "card")


class AppointmentCheckIn(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "scheduling.change_appointment"}

    @extend_schema(
        request=CheckInSerializer,
        responses={201: CheckInResultSerializer},
        summary="Check the patient in: verification, consents signed, copay collected",
    )
    def post(self, request, public_id):
        appointment = access.appointment_get_for_user(
            request.user, public_id, permission="scheduling.change_appointment", audit=False
        )
        data = CheckInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            record = front_desk.visit_check_in(
                appointment=appointment, checked_in_by=request.user, **data.validated_data
            )
        except (SlotTakenError, StatusMoveError) as exc:
            return _conflict(exc)
        return Response(CheckInResultSerializer(record).data, status=status.HTTP_201_CREATED)


class StepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=[("roomed", "Roomed"), ("seen", "Seen by provider"),
                                            ("confirmed", "Confirmed by the patient")])  # fmt: skip
    via = serializers.CharField(max_length=20, required=False, default="phone")


class AppointmentStep(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {"POST": "scheduling.change_appointment"}

    @extend_schema(
        request=StepSerializer, responses=AppointmentSerializer,
        summary="Stamp rooming, the provider's arrival, or the patient's confirmation",
    )  # fmt: skip
    def post(self, request, public_id):
        def apply(appointment, values):
            if values["step"] == "confirmed":
                return services.appointment_confirm(appointment=appointment, via=values["via"])
            return front_desk.visit_step(appointment=appointment, step=values["step"])

        return _change(request, public_id, StepSerializer, apply)


class WaitlistEntrySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    patient = serializers.UUIDField(source="patient.public_id")
    appointment_type = serializers.UUIDField(source="appointment_type.public_id")
    provider = serializers.CharField(source="provider.npi", required=False, allow_null=True,
                                     help_text="NPI; omit for any provider")  # fmt: skip
    location = serializers.UUIDField(source="location.public_id", required=False,
                                     allow_null=True)  # fmt: skip

    class Meta:
        model = WaitlistEntry
        fields = (
            "id", "patient", "appointment_type", "provider", "location", "earliest", "latest",
            "weekdays", "part_of_day", "priority", "note", "status", "created_at",
        )  # fmt: skip
        read_only_fields = ("status", "created_at")
        extra_kwargs = {"earliest": {"required": False}}


class WaitlistCollection(APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = {
        "GET": "scheduling.view_appointment", "POST": "scheduling.add_appointment",
    }  # fmt: skip

    @extend_schema(responses=WaitlistEntrySerializer(many=True),
                   summary="Patients waiting for an earlier time")  # fmt: skip
    def get(self, request):
        entries = list(
            WaitlistEntry.objects.filter(
                patient__practice_id=practice_id_for(request.user),
                status=WaitlistStatus.WAITING,
            ).select_related("patient", "appointment_type", "provider", "location")
        )
        audit_record(
            action=AuditAction.READ, object_type="scheduling.waitlistentry",
            category="scheduling", detail=f"waitlist: {len(entries)} patients listed",
        )  # fmt: skip
        return Response(WaitlistEntrySerializer(entries, many=True).data)

    @extend_schema(request=WaitlistEntrySerializer, responses={201: WaitlistEntrySerializer},
                   summary="Put a patient on the waiting list")  # fmt: skip
    def post(self, request):
        practice_id = practice_id_for(request.user)
        data = WaitlistEntrySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        patient = patient_access.patient_get_for_user(
            request.user, values.pop("patient")["public_id"],
            permission="scheduling.add_appointment", audit=False,
        )  # fmt: skip
        values["appointment_type"] = _in_practice(
            AppointmentType, practice_id, public_id=values["appointment_type"]["public_id"]
        )
        provider = values.pop("provider", None)
        location = values.pop("location", None)
        if provider:
            values["provider"] = _in_practice(Provider, practice_id, npi=provider["npi"])
        if location:
            values["location"] = _in_practice(
                Location, practice_id, public_id=location["public_id"]
            )
        entry = waitlist.waitlist_add(patient=patient, fields=values, created_by=request.user)
        return Response(WaitlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)
