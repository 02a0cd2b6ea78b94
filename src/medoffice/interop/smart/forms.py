from django import forms
from oauth2_provider.forms import AllowForm


class SmartAllowForm(AllowForm):
    """django-oauth-toolkit's approval form, plus the patient of a `launch/patient` request."""

    patient = forms.CharField(
        label="Patient MRN", max_length=20, required=False, strip=True,
        help_text="The patient this app will work with: only this patient's records.",
    )  # fmt: skip
