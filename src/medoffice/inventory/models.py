"""The supply closet and the equipment register.

Stock is an append-only ledger: every receipt, use, transfer and adjustment is one
`StockMovement` row (the database refuses UPDATE and DELETE, migration 0002), and
what is on the shelf is the sum of the movements of an item, lot and location. A
movement that would take a balance below zero is refused inside the transaction
that holds the item's row lock, so two assistants taking the last vial at once
cannot both succeed (PostgreSQL: SELECT ... FOR UPDATE; SQLite: one writer).

Equipment extends the scheduling app's bookable `Equipment` one-to-one: asset
data, maintenance and calibration plans, service tickets and documents. While a
device is out for repair or overdue for calibration, the register writes holds
with no appointment on it, which the slot finder and booking already refuse.
"""

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from medoffice.billing.models import Encounter, EncounterLine
from medoffice.core.models import Location, Practice
from medoffice.core.money import money_field
from medoffice.patients.models import Patient
from medoffice.scheduling.models import Equipment


class ItemCategory(models.TextChoices):
    SUPPLY = "supply", "Medical supply"
    VACCINE = "vaccine", "Vaccine"
    DRUG = "drug", "Drug"
    OFFICE = "office", "Office material"


class Vendor(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    email = models.EmailField(blank=True, help_text="Where purchase orders are sent")
    phone = models.CharField(max_length=20, blank=True)
    account_number = models.CharField(max_length=40, blank=True)
    contact = models.CharField(max_length=120, blank=True)
    services = models.CharField(
        max_length=200, blank=True, help_text="Supplies, equipment service, software support..."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["practice", "name"], name="vendor_unique")]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    sku = models.CharField("item code", max_length=40)
    category = models.CharField(max_length=10, choices=ItemCategory.choices)
    unit = models.CharField(max_length=20, default="each", help_text="each, vial, box, pair...")
    pack_size = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="Units in one purchase pack"
    )
    storage = models.CharField(max_length=80, blank=True, help_text="e.g. Vaccine fridge, shelf B2")
    par_level = models.PositiveIntegerField(default=0, help_text="Stock to order up to")
    reorder_point = models.PositiveIntegerField(default=0, help_text="Order when at or below")
    preferred_vendor = models.ForeignKey(
        Vendor, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    unit_cost = money_field(default=0, help_text="Last price paid per unit")
    lot_tracked = models.BooleanField(default=False, help_text="Lots and expiry dates")
    billing_code = models.CharField(
        max_length=5, blank=True,
        help_text="HCPCS/CPT code whose service line takes this item off the shelf, e.g. J1100",
    )  # fmt: skip
    billing_units_per_unit = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1)],
        help_text="Billed units one stock unit covers (J1100 is per 1 mg; a 4 mg vial: 4)",
    )  # fmt: skip
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        permissions = [("view_item_cost", "Can see prices, costs and stock value")]
        constraints = [
            models.UniqueConstraint(fields=["practice", "sku"], name="item_sku_unique"),
            models.CheckConstraint(
                condition=models.Q(reorder_point__lte=models.F("par_level")),
                name="item_reorder_point_within_par",
                violation_error_message="The reorder point cannot be above the par level.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Lot(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="lots")
    number = models.CharField("lot number", max_length=40)
    expires_on = models.DateField(null=True, blank=True)
    quarantined = models.BooleanField(default=False, help_text="Expired or recalled: not used")

    class Meta:
        ordering = ["expires_on", "number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="lot_unique")]

    def __str__(self) -> str:
        return f"{self.number} (exp {self.expires_on or '-'})"

    def is_expired(self, on: date) -> bool:
        return self.expires_on is not None and self.expires_on < on


class MovementKind(models.TextChoices):
    RECEIVE = "receive", "Received"
    USE = "use", "Used"
    ADMINISTER = "administer", "Given to a patient"
    TRANSFER_OUT = "transfer_out", "Transferred out"
    TRANSFER_IN = "transfer_in", "Transferred in"
    ADJUST = "adjust", "Adjusted"
    PUT_BACK = "put_back", "Put back (visit corrected)"


class AdjustReason(models.TextChoices):
    COUNT = "count", "Cycle count"
    DAMAGE = "damage", "Damaged"
    EXPIRY = "expiry", "Expired"
    RETURN = "return", "Returned to vendor"
    OTHER = "other", "Other"


class StockMovement(models.Model):
    """One change of stock: + into a location, - out of it. Never changed or deleted."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="movements")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=14, choices=MovementKind.choices)
    quantity = models.IntegerField(help_text="Units; negative for stock leaving")
    reason = models.CharField(max_length=10, choices=AdjustReason.choices, blank=True)
    unit_cost = money_field(null=True, blank=True)
    order_line = models.ForeignKey(
        "PurchaseOrderLine", on_delete=models.PROTECT, null=True, blank=True,
        related_name="receipts",
    )  # fmt: skip
    encounter = models.ForeignKey(
        Encounter, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    encounter_line = models.ForeignKey(
        EncounterLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Who received it (vaccines, drugs given in the office)",
    )  # fmt: skip
    transfer = models.UUIDField(null=True, blank=True, help_text="Pairs the two halves")
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["item", "location", "lot"], name="move_balance"),
            models.Index(fields=["at"], name="move_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(quantity=0), name="move_not_zero"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind__in=["receive", "transfer_in", "put_back"], quantity__gt=0)
                    | models.Q(
                        kind__in=["use", "administer", "transfer_out"],
                        quantity__lt=0,
                    )
                    | models.Q(kind="adjust")
                ),
                name="move_sign_matches_kind",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="adjust") | ~models.Q(reason=""),
                name="move_adjust_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} {self.item}"


class InventorySettings(models.Model):
    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="+")
    approval_threshold = money_field(
        default=500, help_text="Orders above this total need the office manager's approval"
    )
    usage_days = models.PositiveSmallIntegerField(
        default=30, help_text="Recent usage looked at when suggesting orders"
    )
    lead_days = models.PositiveSmallIntegerField(
        default=7, help_text="Days an order usually takes to arrive"
    )
    equipment_notice_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days ahead a maintenance or calibration appears on the task list"
    )

    class Meta:
        verbose_name_plural = "inventory settings"

    def __str__(self) -> str:
        return "Inventory settings"


class VendorPrice(models.Model):
    """The vendor's catalogue: their code and price for an item from a day on (history kept)."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="prices")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="prices")
    vendor_sku = models.CharField("vendor's item code", max_length=40, blank=True)
    unit_price = money_field(validators=[MinValueValidator(0)])
    effective_on = models.DateField()

    class Meta:
        ordering = ["item", "vendor", "-effective_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "item", "effective_on"], name="vendor_price_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.vendor} {self.item} ${self.unit_price} from {self.effective_on}"


class OrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_APPROVAL = "awaiting", "Awaiting approval"
    APPROVED = "approved", "Approved"
    SENT = "sent", "Sent to vendor"
    PARTIAL = "partial", "Partly received"
    RECEIVED = "received", "Received"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class PurchaseOrder(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(max_length=20)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="orders")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default="draft")
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("approve_purchaseorder", "Can approve a purchase order above the threshold"),
            ("receive_purchaseorder", "Can receive deliveries into stock"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["practice", "number"], name="po_number_unique")
        ]

    def __str__(self) -> str:
        return f"PO {self.number}"


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)], help_text="Units")
    unit_price = money_field(validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="po_line_quantity"),
            models.UniqueConstraint(fields=["order", "item"], name="po_line_one_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.item}"


class CycleCount(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Count {self.started_at:%Y-%m-%d}"


class CycleCountLine(models.Model):
    count = models.ForeignKey(CycleCount, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    expected = models.IntegerField()
    counted = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["count", "item__name", "lot__expires_on"]

    def __str__(self) -> str:
        return f"{self.item} expected {self.expected}"

    @property
    def variance(self) -> int | None:
        return None if self.counted is None else self.counted - self.expected


# --- Equipment ---


class EquipmentRecord(models.Model):
    """The register's facts about a bookable device (scheduling.Equipment)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    equipment = models.OneToOneField(Equipment, on_delete=models.PROTECT, related_name="record")
    asset_tag = models.CharField(max_length=30)
    make = models.CharField(max_length=60, blank=True)
    model = models.CharField(max_length=60, blank=True)
    serial_number = models.CharField(max_length=60, blank=True)
    vendor = models.ForeignKey(
        Vendor, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Who services it",
    )  # fmt: skip
    service_contract = models.CharField(max_length=120, blank=True)
    contract_ends_on = models.DateField(null=True, blank=True)
    warranty_ends_on = models.DateField(null=True, blank=True)
    in_service_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["asset_tag"]
        constraints = [models.UniqueConstraint(fields=["asset_tag"], name="asset_tag_unique")]

    def __str__(self) -> str:
        return f"{self.asset_tag} {self.equipment.name}"


class UpkeepKind(models.TextChoices):
    PREVENTIVE = "preventive", "Preventive maintenance"
    CALIBRATION = "calibration", "Calibration"


class MaintenancePlan(models.Model):
    record = models.ForeignKey(EquipmentRecord, on_delete=models.CASCADE, related_name="plans")
    kind = models.CharField(max_length=12, choices=UpkeepKind.choices)
    interval_days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    last_done_on = models.DateField(null=True, blank=True)
    performed_by = models.CharField(max_length=120, blank=True, help_text="In-house or vendor")
    blocks_booking = models.BooleanField(
        default=True, help_text="Not bookable from the due day until it is done"
    )

    class Meta:
        ordering = ["record", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["record", "kind"], name="one_plan_per_kind"),
            models.CheckConstraint(condition=models.Q(interval_days__gte=1), name="plan_interval"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} every {self.interval_days} days"

    @property
    def next_due_on(self) -> date | None:
        if self.last_done_on is None:
            return None
        return self.last_done_on + timedelta(days=self.interval_days)


class MaintenanceEvent(models.Model):
    plan = models.ForeignKey(MaintenancePlan, on_delete=models.CASCADE, related_name="events")
    done_on = models.DateField()
    done_by = models.CharField(max_length=120, blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-done_on"]

    def __str__(self) -> str:
        return f"{self.plan.get_kind_display()} {self.done_on}"


class TicketStatus(models.TextChoices):
    REPORTED = "reported", "Reported"
    VENDOR_CALLED = "called", "Vendor called"
    IN_REPAIR = "repair", "Out for repair"
    RETURNED = "returned", "Returned"
    CLOSED = "closed", "Closed"


class ServiceTicket(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    record = models.ForeignKey(EquipmentRecord, on_delete=models.PROTECT, related_name="tickets")
    problem = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=TicketStatus.choices, default="reported")
    reported_at = models.DateTimeField()
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    vendor_called_at = models.DateTimeField(null=True, blank=True)
    out_from = models.DateTimeField(null=True, blank=True, help_text="Out of service from")
    expected_back_on = models.DateField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    vendor_reference = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["-reported_at"]

    def __str__(self) -> str:
        return f"{self.record.asset_tag}: {self.problem[:40]}"


class DocumentKind(models.TextChoices):
    CERTIFICATE = "certificate", "Calibration certificate"
    MANUAL = "manual", "Manual"
    CONTRACT = "contract", "Service contract"
    OTHER = "other", "Other"


class EquipmentDocument(models.Model):
    """A certificate, manual or contract kept with the device: uploaded through
    `equipment_document_add` (checked by its first bytes, WB-03), downloaded as an
    attachment through the equipment's access helper."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    record = models.ForeignKey(EquipmentRecord, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    title = models.CharField(max_length=120)
    file = models.FileField(upload_to="equipment/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.title
