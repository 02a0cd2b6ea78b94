"""Forms of the closet and the register: field checks only; the services decide."""

from django import forms

from medoffice.inventory.models import AdjustReason, DocumentKind, TicketStatus, Vendor


class MoveForm(forms.Form):
    action = forms.ChoiceField(choices=[("use", "Use"), ("adjust", "Adjust"),
                                        ("transfer", "Transfer")])  # fmt: skip
    location = forms.IntegerField()
    quantity = forms.IntegerField(help_text="Units; for an adjustment, + or -")
    lot = forms.UUIDField(required=False)
    to_location = forms.IntegerField(required=False)
    reason = forms.ChoiceField(choices=[("", "-")] + AdjustReason.choices, required=False)
    note = forms.CharField(max_length=200, required=False)


class UpkeepForm(forms.Form):
    plan = forms.IntegerField()
    done_on = forms.DateField()
    done_by = forms.CharField(max_length=120, required=False)
    note = forms.CharField(max_length=300, required=False)


class EquipmentDocumentForm(forms.Form):
    kind = forms.ChoiceField(choices=DocumentKind.choices)
    title = forms.CharField(max_length=120)
    file = forms.FileField()


class TicketForm(forms.Form):
    problem = forms.CharField(max_length=300)
    out_of_service = forms.BooleanField(required=False)


class TicketMoveForm(forms.Form):
    status = forms.ChoiceField(choices=TicketStatus.choices)
    expected_back_on = forms.DateField(required=False)
    vendor_reference = forms.CharField(max_length=60, required=False)


class VendorForm(forms.ModelForm):
    class Meta:
        model = Vendor
        fields = ["name", "email", "phone", "account_number", "contact", "services"]


class PriceForm(forms.Form):
    item = forms.UUIDField()
    unit_price = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    effective_on = forms.DateField()
    vendor_sku = forms.CharField(max_length=40, required=False, label="Vendor's item code")


def receipts_from_post(post, lines) -> list[dict]:
    """The receive form: rows line_N, qty_N, lot_N, exp_N; blank rows are skipped."""
    from datetime import date

    by_id = {str(line.id): line for line in lines}
    receipts = []
    for key in post:
        if not key.startswith("qty_"):
            continue
        row = key[4:]
        quantity = (post.get(key) or "").strip()
        if not quantity:
            continue
        line = by_id.get(post.get(f"line_{row}", ""))
        if line is None:
            raise forms.ValidationError("A received row names a line not on this order.")
        try:
            units = int(quantity)
        except ValueError as exc:
            raise forms.ValidationError(f"{line.item}: '{quantity}' is not a number.") from exc
        if units < 0:
            raise forms.ValidationError(f"{line.item}: a quantity is 0 or more.")
        expires = (post.get(f"exp_{row}") or "").strip()
        try:
            expires_on = date.fromisoformat(expires) if expires else None
        except ValueError as exc:
            raise forms.ValidationError(f"{line.item}: '{expires}' is not a date.") from exc
        receipts.append({"line": line, "quantity": units,
                         "lot_number": (post.get(f"lot_{row}") or "").strip(),
                         "expires_on": expires_on})  # fmt: skip
    return receipts
