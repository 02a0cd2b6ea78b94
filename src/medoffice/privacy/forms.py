from django import forms
from django.contrib.auth import get_user_model

from medoffice.privacy.models import (
    BusinessAssociate,
    PrivacyPolicy,
    RiskAnswer,
    SecurityIncident,
    TrainingRecord,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def staff_of(practice_id: int):
    return (
        get_user_model()
        .objects.filter(is_active=True, staff__practice_id=practice_id)
        .order_by("username")
    )


class _StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class YearForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100)


class AnswerForm(forms.ModelForm):
    class Meta:
        model = RiskAnswer
        fields = ["status", "finding", "likelihood", "impact", "remediation", "owner", "due_on"]
        widgets = {"due_on": DATE, "finding": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, practice_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = _StaffChoice(queryset=staff_of(practice_id), required=False)
        self.fields["status"].required = True

    def clean(self):
        data = super().clean()
        if data.get("status") in ("partial", "missing"):
            for name in ("likelihood", "impact"):
                if not data.get(name):
                    self.add_error(name, "Rate every gap (1 to 5).")
        if data.get("remediation"):
            if not data.get("owner"):
                self.add_error("owner", "A remediation needs an owner.")
            if not data.get("due_on"):
                self.add_error("due_on", "A remediation needs a due date.")
        return data


class IncidentForm(forms.ModelForm):
    class Meta:
        model = SecurityIncident
        fields = [
            "title", "description", "discovered_at", "subject_user", "subject_token",
            "window_start", "window_end", "letter_what_happened", "letter_phi_types",
            "letter_steps", "letter_actions", "letter_contact",
        ]  # fmt: skip
        widgets = {
            "discovered_at": DATETIME, "window_start": DATETIME, "window_end": DATETIME,
            "description": forms.Textarea(attrs={"rows": 4}),
            "letter_what_happened": forms.Textarea(attrs={"rows": 3}),
            "letter_steps": forms.Textarea(attrs={"rows": 3}),
            "letter_actions": forms.Textarea(attrs={"rows": 3}),
        }  # fmt: skip

    def __init__(self, *args, practice_id: int, **kwargs):
        from medoffice.core.models import ApiToken

        super().__init__(*args, **kwargs)
        self.fields["subject_user"] = _StaffChoice(
            queryset=staff_of(practice_id), required=False, label="Account involved"
        )
        self.fields["subject_token"].queryset = ApiToken.objects.filter(
            user__staff__practice_id=practice_id
        )
        for name in ("discovered_at", "window_start", "window_end"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = SecurityIncident
        fields = [
            "factor_nature", "factor_nature_risk", "factor_person", "factor_person_risk",
            "factor_acquired", "factor_acquired_risk", "factor_mitigated",
            "factor_mitigated_risk", "secured", "decision",
        ]  # fmt: skip
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in ("factor_nature", "factor_person", "factor_acquired", "factor_mitigated")
        }


class NoticesForm(forms.ModelForm):
    class Meta:
        model = SecurityIncident
        fields = ["individuals_notified_on", "hhs_notified_on", "media_notified_on"]
        widgets = {name: DATE for name in fields}


class TrainingForm(forms.ModelForm):
    class Meta:
        model = TrainingRecord
        fields = ["user", "course", "completed_on", "valid_until"]
        widgets = {"completed_on": DATE, "valid_until": DATE}

    def __init__(self, *args, practice_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"] = _StaffChoice(queryset=staff_of(practice_id), label="Staff member")


class PolicyForm(forms.ModelForm):
    class Meta:
        model = PrivacyPolicy
        fields = ["title", "version", "effective_on", "summary"]
        widgets = {"effective_on": DATE, "summary": forms.Textarea(attrs={"rows": 3})}


class BusinessAssociateForm(forms.ModelForm):
    class Meta:
        model = BusinessAssociate
        fields = [
            "vendor", "services", "phi_shared", "contact", "signed_on", "expires_on",
            "terminated_on",
        ]  # fmt: skip
        widgets = {"signed_on": DATE, "expires_on": DATE, "terminated_on": DATE}
