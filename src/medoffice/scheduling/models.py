"""Rooms, equipment, appointment types, provider templates, exceptions, holidays, appointments.

No double booking is a database fact, the same on SQLite and PostgreSQL: a
booking writes one `Hold` row per resource per 5-minute unit it occupies, and
a unique constraint on (resource kind, resource id, unit) refuses any overlap.
The provider, the room, each piece of equipment, the assistant and the patient
are all resources, so none of them can be in two places at once.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from medoffice.core.models import Location, Practice, Provider, StaffProfile
from medoffice.patients.models import Patient
from medoffice.scheduling.states import AppointmentStatus

UNIT_MINUTES = 5


class RoomKind(models.TextChoices):
    EXAM = "exam", "Exam room"
    PROCEDURE = "procedure", "Procedure room"
    LAB = "lab", "Lab / draw station"
    IMAGING = "imaging", "Imaging room"
    CONSULT = "consult", "Consultation room"


class Room(models.Model):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=16, choices=RoomKind.choices, default=RoomKind.EXAM)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["location", "name"]
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="room_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.location})"


class Equipment(models.Model):
    """A bookable device: an ECG machine, an ultrasound, a spirometer."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="equipment")
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=40, help_text="What a type asks for, e.g. ECG")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["location", "kind", "name"]
        verbose_name_plural = "equipment"
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="equipment_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind}, {self.location})"


class PatientKind(models.TextChoices):
    ANY = "any", "New or established"
    NEW = "new", "New patients only"
    ESTABLISHED = "established", "Established patients only"


class Modality(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    TELEHEALTH = "telehealth", "Telehealth"


class AppointmentType(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=80)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(UNIT_MINUTES), MaxValueValidator(480)]
    )
    patient_kind = models.CharField(
        max_length=12, choices=PatientKind.choices, default=PatientKind.ANY
    )
    modality = models.CharField(max_length=12, choices=Modality.choices, default="in_person")
    room_kind = models.CharField(
        max_length=16, choices=RoomKind.choices, blank=True, help_text="Blank: no room needed"
    )
    equipment_kinds = models.CharField(
        max_length=200, blank=True, help_text="Comma-separated kinds, e.g. ECG"
    )
    needs_assistant = models.BooleanField(default=False)
    providers = models.ManyToManyField(
        Provider, blank=True, related_name="appointment_types", help_text="Blank: any provider"
    )
    color = models.CharField(max_length=7, default="#1f6f8b")
    min_notice_hours = models.PositiveSmallIntegerField(default=0)
    max_days_ahead = models.PositiveSmallIntegerField(default=180)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="appointment_type_unique"),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=UNIT_MINUTES),
                name="appointment_type_duration_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.duration_minutes} min)"

    @property
    def equipment_kind_list(self) -> list[str]:
        return [k.strip() for k in self.equipment_kinds.split(",") if k.strip()]


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class TemplateBlock(models.Model):
    """A weekly block of a provider's time at a location, in the location's wall-clock time."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="blocks")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    slot_minutes = models.PositiveSmallIntegerField(
        default=15, help_text="Offered start times are this far apart"
    )
    appointment_types = models.ManyToManyField(
        AppointmentType, blank=True, related_name="+", help_text="Blank: every type"
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["provider", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="template_block_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.get_weekday_display()} {self.start_time}-{self.end_time}"


class ScheduleException(models.Model):
    """Time off: a provider's vacation or meeting, or (no provider) a location closed."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, null=True, blank=True, related_name="exceptions"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=120)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="schedule_exception_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.starts_at:%Y-%m-%d}"


class Holiday(models.Model):
    """A day the practice is closed (US federal holidays are loaded, and editable)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["practice", "day"], name="holiday_unique")]

    def __str__(self) -> str:
        return f"{self.name} {self.day}"


class Appointment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="appointments")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    equipment = models.ManyToManyField(Equipment, blank=True, related_name="+")
    assistant = models.ForeignKey(
        StaffProfile, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    reason = models.CharField("reason for visit", max_length=200, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    overbooked = models.BooleanField(default=False)
    series = models.UUIDField(null=True, blank=True, db_index=True)
    telehealth_url = models.URLField(blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_via = models.CharField(max_length=20, blank=True, help_text="sms, email, phone...")
    arrived_at = models.DateTimeField(null=True, blank=True)
    roomed_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["provider", "starts_at"], name="appt_provider_start"),
            models.Index(fields=["location", "starts_at"], name="appt_location_start"),
            models.Index(fields=["patient", "starts_at"], name="appt_patient_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_type.name} {self.starts_at:%Y-%m-%d %H:%M} ({self.status})"


class ResourceKind(models.TextChoices):
    PROVIDER = "P", "Provider"
    ROOM = "R", "Room"
    EQUIPMENT = "E", "Equipment"
    ASSISTANT = "A", "Assistant"
    PATIENT = "T", "Patient"


class Hold(models.Model):
    """One resource held for one 5-minute unit (minutes since the epoch / 5, UTC)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="holds")
    kind = models.CharField(max_length=1, choices=ResourceKind.choices)
    resource_id = models.BigIntegerField()
    unit = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "resource_id", "unit"], name="hold_no_double_booking"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.resource_id} unit {self.unit}"


class SetupVersion(models.Model):
    """One row whose token changes with every change to the scheduling set-up.

    Database triggers (migration 0003) write a new random token in the same transaction
    as any insert, update or delete of template blocks and the types they offer, the
    providers a type is limited to, holidays, time off, rooms and equipment, whatever
    made the change. `schedule_setup.py` keeps its cached copy of the set-up only while
    the token is the one it read it under.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.CharField(max_length=36)

    def __str__(self) -> str:
        return f"scheduling set-up {self.token}"
