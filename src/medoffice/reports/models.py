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
