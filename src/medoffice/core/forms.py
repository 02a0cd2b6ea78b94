from django import forms
from django.core.exceptions import ValidationError

from medoffice.core.models import AuditAction
from medoffice.core.selectors import AUDIT_SORT_KEYS


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (or on the form)."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            field = name if name in form.fields else None
            for message in messages:
                form.add_error(field, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


class AuditFilterForm(forms.Form):
    username = forms.CharField(required=False, label="User")
    patient_id = forms.CharField(required=False, label="Patient id")
    action = forms.ChoiceField(required=False, choices=[("", "Any action"), *AuditAction.choices])
    app = forms.CharField(required=False, label="App (client id)", max_length=100)
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(
        required=False,
        choices=[(k, k) for key in AUDIT_SORT_KEYS for k in (key, f"-{key}")],
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=8,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label="Recovery code",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
