from django import forms

from medoffice.eligibility.states import CheckStatus


class RunForm(forms.Form):
    service_date = forms.DateField(
        label="Date of service", widget=forms.DateInput(attrs={"type": "date"})
    )


class ListFilter(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *CheckStatus.choices], required=False)
    date_from = forms.DateField(
        required=False, label="Visits from", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="to", widget=forms.DateInput(attrs={"type": "date"})
    )
