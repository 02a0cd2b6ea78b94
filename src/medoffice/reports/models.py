"""The practice's chart of accounts for the accounting export, and the reports' permissions.

The journal speaks of account keys (`ar`, `revenue`, `inventory`, `ap`, ...); each practice
maps them to the account names of its books (QuickBooks names them, e.g. "Accounts
Receivable"). A key without a row uses the default name.
"""

from django.db import models

from medoffice.core.models import Practice

DEFAULT_ACCOUNTS = {
    "ar": ("Accounts Receivable", "AR"),
    "revenue": ("Patient Service Revenue", "INC"),
    "inventory": ("Medical Supplies Inventory", "OCASSET"),
    "ap": ("Accounts Payable", "AP"),
    "cash": ("Undeposited Funds", "OCASSET"),
    "bank": ("Operating Account", "BANK"),
    "contractual": ("Contractual Adjustments", "INC"),
    "writeoff": ("Bad Debt", "EXP"),
    "refunds": ("Patient Refunds Payable", "OCLIAB"),
    "supplies_expense": ("Medical Supplies Expense", "EXP"),
}


class AccountMap(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=30, help_text="ar, revenue, inventory, ap, cash, ...")
    account = models.CharField(max_length=100, help_text="The account's name in your books")
    account_type = models.CharField(
        max_length=10, default="", blank=True,
        help_text="QuickBooks type for the IIF file: AR, AP, BANK, INC, EXP, OCASSET, OCLIAB",
    )  # fmt: skip

    class Meta:
        ordering = ["key"]
        permissions = [
            ("view_dashboard", "Can see the practice dashboard"),
            ("export_journal", "Can export the general-ledger journal"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["practice", "key"], name="account_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} -> {self.account}"


# ---------------------------------------------------------------- the dashboard's rollups
# What the dashboard reads instead of a year of visits, charges and claims: one row per
# location, provider and local day (reports/rollups.py keeps them; see there why and how).


class DayRollup(models.Model):
    """One location, one provider, one local day."""

    location = models.ForeignKey("core.Location", on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey("core.Provider", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["location", "provider", "day"], name="%(class)s_unique")
        ]
        indexes = [models.Index(fields=["day", "location", "provider"], name="%(class)s_day")]

    def __str__(self) -> str:
        where = f"location {self.location_id} provider {self.provider_id}"
        return f"{type(self).__name__} {self.day} {where}"


class VisitDay(DayRollup):
    """Visits by status, with the waits (check-in to exam room) and the booked minutes of
    the live visits (booked, arrived, fulfilled, no-show)."""

    booked = models.PositiveIntegerField(default=0)
    arrived = models.PositiveIntegerField(default=0)
    fulfilled = models.PositiveIntegerField(default=0)
    noshow = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    waits = models.PositiveIntegerField(default=0)
    wait_seconds = models.BigIntegerField(default=0)
    live_minutes = models.PositiveIntegerField(default=0)

    class Meta(DayRollup.Meta):
        pass


class ChargeDay(DayRollup):
    """Charges by date of service at the encounter's location: the sum (reversals
    included) and the number of charge lines (reversals left out)."""

    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    lines = models.PositiveIntegerField(default=0)

    class Meta(DayRollup.Meta):
        pass


class ClaimDay(DayRollup):
    """Original claims sent, by the first date of service: how many, how many never
    rejected, ever adjudicated (paid or denied), ever denied."""

    sent = models.PositiveIntegerField(default=0)
    clean = models.PositiveIntegerField(default=0)
    adjudicated = models.PositiveIntegerField(default=0)
    denied = models.PositiveIntegerField(default=0)

    class Meta(DayRollup.Meta):
        pass


class RollupMark(models.Model):
    """How far a rollup has read its source's changes (rows stamped since are read again)."""

    kind = models.CharField(max_length=20, primary_key=True)  # visits, charges, claims
    refreshed_to = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.kind} to {self.refreshed_to:%Y-%m-%d %H:%M}"


class StaleDay(models.Model):
    """A day a change left behind (a visit moved away from it): recomputed at the next
    refresh, which deletes the mark."""

    kind = models.CharField(max_length=20)
    location_id = models.BigIntegerField()
    provider_id = models.BigIntegerField()
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "location_id", "provider_id", "day"], name="stale_day_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.day}"
