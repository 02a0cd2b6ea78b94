"""Forms of the account screens: they parse; the services decide (and their refusals land
on the fields through `apply_service_errors`)."""

from decimal import Decimal

from django import forms

from medoffice.core.models import Location

MONEY = {"max_digits": 12, "decimal_places": 2}
DESK_METHODS = [("cash", "Cash"), ("check", "Check"), ("card", "Card (terminal)")]


def _locations(practice_id: int):
    return Location.objects.filter(practice_id=practice_id).order_by("name")


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label="Amount ($)", min_value=Decimal("0.01"), **MONEY)
    method = forms.ChoiceField(choices=DESK_METHODS)
    reference = forms.CharField(
        label="Check number or terminal reference",
        max_length=80,
        required=False,
        help_text="Never the card number.",
    )
    location = forms.ModelChoiceField(queryset=Location.objects.none(), empty_label=None)
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, practice_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = _locations(practice_id)


class DayCloseForm(forms.Form):
    location = forms.ModelChoiceField(queryset=Location.objects.none(), empty_label=None)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    cash = forms.DecimalField(label="Cash counted ($)", min_value=0, required=False, **MONEY)
    check = forms.DecimalField(label="Checks counted ($)", min_value=0, required=False, **MONEY)
    card = forms.DecimalField(label="Card slips counted ($)", min_value=0, required=False, **MONEY)

    def __init__(self, *args, practice_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = _locations(practice_id)

    def counted(self) -> dict:
        return {m: self.cleaned_data.get(m) or 0 for m in ("cash", "check", "card")}


class PlanForm(forms.Form):
    total = forms.DecimalField(label="Plan total ($)", min_value=Decimal("0.01"), **MONEY)
    frequency = forms.ChoiceField(
        choices=[("monthly", "Monthly"), ("biweekly", "Every two weeks"), ("weekly", "Weekly")]
    )
    first_due = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    count = forms.IntegerField(
        label="Instalments", min_value=1, max_value=120, required=False,
        help_text="Or an amount per instalment.",
    )  # fmt: skip
    amount = forms.DecimalField(
        label="Per instalment ($)", min_value=Decimal("0.01"), required=False, **MONEY
    )
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "plan_%s")  # shares the account page with RefundForm
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if not data.get("count") and not data.get("amount"):
            self.add_error("count", "Give the number of instalments or the amount of each.")
        return data


class RefundForm(forms.Form):
    amount = forms.DecimalField(label="Refund ($)", min_value=Decimal("0.01"), **MONEY)
    method = forms.ChoiceField(
        choices=[*DESK_METHODS[:2], ("card", "Card"), ("recoup", "Recouped by the payer")]
    )
    reason = forms.CharField(max_length=200)
    line = forms.UUIDField(required=False, widget=forms.HiddenInput)
    payer = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "refund_%s")  # shares the account page with PlanForm
        super().__init__(*args, **kwargs)


class RefundDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("refuse", "Refuse")])
    reference = forms.CharField(label="Refund check number", max_length=80, required=False)
    note = forms.CharField(max_length=200, required=False)


class StatementRunForm(forms.Form):
    cycle = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    email = forms.BooleanField(
        label="Also e-mail them to patients with an e-mail address", required=False
    )

    def __init__(self, *args, cycles: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = [("", "Every cycle")] + [
            (n, f"Cycle {n}") for n in range(1, cycles + 1)
        ]
