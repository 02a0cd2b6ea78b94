"""Forms of the chart screens: input shape only; the rules are in services.py."""

from django import forms

from medoffice.clinical.models import (
    Allergy,
    History,
    Immunization,
    Medication,
    ProblemStatus,
    Sensitivity,
)
from medoffice.clinical.vitals import VITALS

DATE = forms.DateInput(attrs={"type": "date"})


class ProblemForm(forms.Form):
    code = forms.CharField(
        label="ICD-10-CM code", max_length=10, help_text="e.g. E11.9 (search codes above)"
    )
    onset = forms.DateField(required=False, widget=DATE)
    status = forms.ChoiceField(choices=ProblemStatus.choices, initial=ProblemStatus.ACTIVE)


class MedicationForm(forms.ModelForm):
    class Meta:
        model = Medication
        fields = ["name", "dose", "route", "frequency", "start_date", "stop_date", "prescriber",
                  "prescriber_name", "rxnorm"]  # fmt: skip
        widgets = {"start_date": DATE, "stop_date": DATE}

    def __init__(self, *args, practice_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prescriber"].queryset = self.fields["prescriber"].queryset.filter(
            practice_id=practice_id
        )


class AllergyForm(forms.ModelForm):
    class Meta:
        model = Allergy
        fields = ["substance", "reaction", "severity", "verified"]


class ImmunizationForm(forms.ModelForm):
    class Meta:
        model = Immunization
        fields = ["vaccine", "cvx", "lot", "given_on", "site"]
        widgets = {"given_on": DATE}


class VitalForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, f"{v.name} ({v.unit})") for k, v in VITALS.items()])
    value = forms.DecimalField(max_digits=8, decimal_places=2)


class HistoryForm(forms.ModelForm):
    class Meta:
        model = History
        fields = ["family", "tobacco", "alcohol", "substances", "occupation", "living_situation"]
        widgets = {"family": forms.Textarea(attrs={"rows": 3})}


ENTRY_FORMS = {
    "medication": MedicationForm,
    "allergy": AllergyForm,
    "immunization": ImmunizationForm,
    "vital": VitalForm,
    "history": HistoryForm,
}


def _area(rows=6):
    return forms.Textarea(attrs={"rows": rows, "data-autocomplete": "terms"})


class NoteForm(forms.Form):
    subjective = forms.CharField(required=False, widget=_area())
    objective = forms.CharField(required=False, widget=_area())
    assessment = forms.CharField(required=False, widget=_area())
    plan = forms.CharField(required=False, widget=_area())
    sensitivity = forms.ChoiceField(choices=Sensitivity.choices, initial=Sensitivity.NORMAL)


class AddendumForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    reason = forms.CharField(max_length=200, required=False)


class AmendmentForm(forms.Form):
    received_on = forms.DateField(widget=DATE)
    requested_change = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    note = forms.UUIDField(required=False, help_text="The note it concerns, if one")


class AmendmentDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", "Accept"), ("deny", "Deny"), ("extend", "Extend 30 days")]
    )
    text = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Accept: the correction. Deny: the basis. Extend: the reason told the patient.",
    )  # fmt: skip
    disagreement = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        max_length=300, min_length=10, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why you need this chart now. The privacy officer reviews every access.",
    )  # fmt: skip


class DictationForm(forms.Form):
    audio = forms.FileField(help_text="WAV, MP3, M4A, OGG, WebM or FLAC")


class TranscriptForm(forms.Form):
    transcript = forms.CharField(required=False, widget=_area(18))
    done = forms.BooleanField(required=False, label="Send to the clinician for review")


class ReviewForm(forms.Form):
    comment = forms.CharField(max_length=300, required=False)
