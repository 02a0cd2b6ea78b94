"""Rooms, equipment, appointment types, provider templates, exceptions, holidays, appointments.

No double booking is a database fact, the same on SQLite and PostgreSQL: a
booking writes one `Hold` row per resource per 5-minute unit it occupies, and
a unique constraint on (resource kind, resource id, unit) refuses any overlap.
The provider, the room, each piece of equipment, the assistant and the patient
are all resources, so none of them can be in two places at once.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
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
    color = models.CharField(
        max_length=7,
        default="#1f6f8b",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "A color like #1f6f8b.")],
    )
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
    urgent_until = models.TimeField(
        null=True, blank=True,
        help_text="Held for same-day urgent visits until this time on the day, then open to all",
    )  # fmt: skip

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


class PlaceOfService(models.TextChoices):
    """The CMS place-of-service codes a visit of this office can have."""

    OFFICE = "11", "11 Office"
    TELEHEALTH_HOME = "10", "10 Telehealth in the patient's home"
    TELEHEALTH_OTHER = "02", "02 Telehealth other than the patient's home"


class Appointment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No single-column indexes on patient, provider and location: the (field, starts_at)
    # indexes below serve every lookup by them, and each index is one more page written
    # (and synced) per booking.
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    equipment = models.ManyToManyField(Equipment, blank=True, related_name="+")
    # assistant, series and booked_by are indexed where set only (Meta.indexes): most
    # visits have no assistant or series, and an index entry for a NULL nobody looks up is
    # one more page written and synced per booking.
    assistant = models.ForeignKey(
        StaffProfile, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    reason = models.CharField("reason for visit", max_length=200, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    overbooked = models.BooleanField(default=False)
    urgent = models.BooleanField(default=False, help_text="Same-day urgent care")
    place_of_service = models.CharField(
        max_length=2, choices=PlaceOfService.choices, default=PlaceOfService.OFFICE,
        help_text="CMS place-of-service code the claim will carry",
    )  # fmt: skip
    series = models.UUIDField(null=True, blank=True)
    telehealth_url = models.URLField(blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+",
        db_index=False,
    )  # fmt: skip
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
            # The dashboard's rollups read the visits changed since their last refresh.
            models.Index(fields=["updated_at"], name="appt_updated"),
            # Partial: only the visits that have one (see the fields above). A lookup by
            # value (`= x`, `IN (...)`) implies IS NOT NULL, so both databases use them.
            models.Index(
                fields=["assistant"],
                name="appt_assistant",
                condition=models.Q(assistant__isnull=False),
            ),
            models.Index(
                fields=["series"], name="appt_series", condition=models.Q(series__isnull=False)
            ),
            models.Index(
                fields=["booked_by"],
                name="appt_booked_by",
                condition=models.Q(booked_by__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_type.name} {self.starts_at:%Y-%m-%d %H:%M} ({self.status})"


class AppointmentChange(models.Model):
    """The change journal: one row per appointment change, written by one INSERT in the
    change's own transaction (scheduling/events.announce), for the readers that act on it
    later: the HL7 SIU feed (its message, from `snapshot`) and the patient's notice.

    The row exists if and only if the change committed, so nothing is sent for a change
    that was rolled back and nothing is lost when a process stops after the commit. Each
    reader marks the rows it has taken (`feed_done_at`, `notice_done_at`; a reader the
    change does not concern is marked at once): ids do not commit in order on PostgreSQL,
    so a reader cannot keep a "last id seen" instead. The only index holds the rows some
    reader still waits for, and a row leaves it once both have taken it: a change costs one
    table page and one index page of its commit. Rows both readers took are deleted by the
    worker's daily job after a week (scheduling/journal.py)."""

    # No foreign key constraint or index: nothing looks a change up by its visit, and a
    # visit deleted later leaves its journal to the readers, which skip what is gone.
    appointment = models.ForeignKey(
        Appointment, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
        related_name="+",
    )  # fmt: skip
    event = models.CharField(max_length=12, help_text="What changed (scheduling.events)")
    starts_at = models.DateTimeField(help_text="The visit's start as the change left it")
    snapshot = models.JSONField(
        null=True, blank=True,
        help_text="The visit as the change left it, for the HL7 message (interop/hl7v2.py)",
    )  # fmt: skip
    created_at = models.DateTimeField()
    feed_done_at = models.DateTimeField(null=True, blank=True)
    notice_done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        default_permissions = ()
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(feed_done_at__isnull=True)
                | models.Q(notice_done_at__isnull=True),
                name="appt_change_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} of visit {self.appointment_id} at {self.created_at:%Y-%m-%d %H:%M}"


class ResourceKind(models.TextChoices):
    PROVIDER = "P", "Provider"
    ROOM = "R", "Room"
    EQUIPMENT = "E", "Equipment"
    ASSISTANT = "A", "Assistant"
    PATIENT = "T", "Patient"


class Hold(models.Model):
    """One resource held for one 5-minute unit (minutes since the epoch / 5, UTC).

    A hold with no appointment takes a piece of equipment out of service (the
    equipment register's block while it is out for repair or due for calibration):
    the finder and booking refuse it like any other hold.
    """

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, null=True, blank=True, related_name="holds"
    )
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

    Database triggers (migration 0007) write a new random token in the same transaction
    as any insert, update or delete of template blocks and the types they offer, the
    providers a type is limited to, holidays, time off, rooms and equipment, whatever
    made the change. `schedule_setup.py` keeps its cached copy of the set-up only while
    the token is the one it read it under.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.CharField(max_length=36)

    def __str__(self) -> str:
        return f"scheduling set-up {self.token}"


class CopayMethod(models.TextChoices):
    NONE = "", "Not collected"
    CASH = "cash", "Cash"
    CARD = "card", "Card"
    CHECK = "check", "Check"
    WAIVED = "waived", "Waived"


class CheckIn(models.Model):
    """What the front desk verified and collected when the patient arrived.

    `snapshot` keeps the demographics and insurance as verified at this visit, so
    the next check-in can show what changed since. Copay collection is recorded
    here until the payments capability posts it to the ledger.
    """

    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, related_name="check_in"
    )
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    checked_in_at = models.DateTimeField()
    demographics_verified = models.BooleanField(default=False)
    insurance_verified = models.BooleanField(default=False)
    snapshot = models.JSONField(default=dict)
    copay_due = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    copay_collected = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    copay_method = models.CharField(max_length=8, choices=CopayMethod.choices, blank=True)
    copay_reference = models.CharField(
        max_length=40, blank=True, help_text="Check number or card receipt number"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(copay_collected__gte=0) & models.Q(copay_due__gte=0),
                name="check_in_copay_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Check-in {self.checked_in_at:%Y-%m-%d %H:%M}"

    @property
    def copay_outstanding(self):
        if self.copay_method == CopayMethod.WAIVED:
            return Decimal("0.00")
        return max(self.copay_due - self.copay_collected, Decimal("0.00"))


class OutsideKind(models.TextChoices):
    IMAGING = "imaging", "Imaging"
    SURGERY = "surgery", "Surgery or procedure"
    SPECIALIST = "specialist", "Specialist visit"
    LAB = "lab", "Lab work"
    THERAPY = "therapy", "Therapy (PT, OT, speech)"
    OTHER = "other", "Other"


class OutsideStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    SCHEDULED = "scheduled", "Scheduled"
    COMPLETED = "completed", "Completed"
    RESULTS_RECEIVED = "results", "Results received"
    CANCELLED = "cancelled", "Cancelled"


class OutsideAppointment(models.Model):
    """A visit at another facility (imaging, surgery, a specialist) the office keeps track of."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="outside_visits")
    kind = models.CharField(max_length=12, choices=OutsideKind.choices)
    service = models.CharField(max_length=120, help_text="e.g. MRI left knee, cardiology consult")
    facility = models.CharField(max_length=120)
    facility_phone = models.CharField(max_length=16, blank=True)
    ordered_by = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=OutsideStatus.choices, default=OutsideStatus.REQUESTED
    )
    notes = models.TextField(blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.facility}"


class OutsideDocument(models.Model):
    """An order, a report or results that came back from the outside facility."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    outside_visit = models.ForeignKey(
        OutsideAppointment, on_delete=models.PROTECT, related_name="documents"
    )
    title = models.CharField(max_length=120)
    file = models.FileField(upload_to="outside/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.title


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    BOOKED = "booked", "Booked from the list"
    REMOVED = "removed", "Removed"


class WaitlistEntry(models.Model):
    """A patient who wants an earlier visit, with what would suit them (the cancellation list)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="waitlist")
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Blank: any provider who offers the type",
    )  # fmt: skip
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Blank: any location",
    )  # fmt: skip
    earliest = models.DateField(help_text="Not before this day")
    latest = models.DateField(null=True, blank=True, help_text="Not after this day")
    weekdays = models.CharField(
        max_length=13, blank=True, help_text="Comma-separated 0-6 (Monday = 0); blank: any day"
    )
    part_of_day = models.CharField(max_length=10, blank=True)
    priority = models.PositiveSmallIntegerField(
        choices=[(1, "Urgent"), (2, "High"), (3, "Normal")], default=3
    )
    note = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=8, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    booked_appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "created_at"]
        verbose_name_plural = "waitlist entries"
        indexes = [models.Index(fields=["status", "appointment_type"], name="waitlist_open")]

    def __str__(self) -> str:
        return f"Waitlist {self.appointment_type.name} since {self.created_at:%Y-%m-%d}"

    @property
    def weekday_list(self) -> list[int]:
        return [int(d) for d in self.weekdays.split(",") if d.strip().isdigit()]


class OfferStatus(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    TAKEN = "taken", "Taken by someone else"
    EXPIRED = "expired", "Expired"


class WaitlistOffer(models.Model):
    """A freed time offered to a waiting patient; the first to accept books it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    token = models.CharField(max_length=43, unique=True)
    starts_at = models.DateTimeField()
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=8, choices=OfferStatus.choices, default=OfferStatus.OFFERED
    )
    offered_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-offered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "starts_at", "provider"], name="one_offer_per_entry_and_time"
            )
        ]

    def __str__(self) -> str:
        return f"Offer {self.starts_at:%Y-%m-%d %H:%M} ({self.status})"
