from datetime import datetime

from django import forms

from medoffice.core.models import Location, Provider
from medoffice.patients.models import ConsentKind
from medoffice.scheduling.models import (
    AppointmentType,
    CopayMethod,
    OutsideAppointment,
    WaitlistEntry,
)
from medoffice.scheduling.selectors import PARTS_OF_DAY
from medoffice.scheduling.series import MAX_OCCURRENCES, OnConflict


class BookingSearchForm(forms.Form):
    appointment_type = forms.ModelChoiceField(queryset=AppointmentType.objects.none())
    provider = forms.ModelChoiceField(
        queryset=Provider.objects.none(), required=False, empty_label="Any provider"
    )
    part_of_day = forms.ChoiceField(
        required=False,
        choices=[("", "Any time"), *[(p, p.capitalize()) for p in PARTS_OF_DAY]],
    )
    reason = forms.CharField(max_length=200, required=False, label="Reason for visit")
    urgent = forms.BooleanField(
        required=False, label="Urgent, today (may use the times held for urgent care)"
    )
    repeat_weeks = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=0, label="Repeat",
        choices=[("", "Once"), (1, "Every week"), (2, "Every 2 weeks"), (4, "Every 4 weeks")],
    )  # fmt: skip
    occurrences = forms.IntegerField(
        required=False, min_value=2, max_value=MAX_OCCURRENCES, initial=8, label="Visits in all"
    )
    on_conflict = forms.ChoiceField(
        required=False, label="If a week's time is taken",
        choices=[(OnConflict.SKIP, "Skip that week"),
                 (OnConflict.NEAREST, "Nearest open time that day")],
    )  # fmt: skip

    def __init__(self, *args, practice_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointment_type"].queryset = AppointmentType.objects.filter(
            practice_id=practice_id, is_active=True
        )
        self.fields["provider"].queryset = Provider.objects.filter(
            practice_id=practice_id, is_active=True
        )


class CheckInForm(forms.Form):
    demographics_verified = forms.BooleanField(
        required=False, label="Name, birth date, address and phone confirmed with the patient"
    )
    insurance_verified = forms.BooleanField(
        required=False, label="Insurance card seen and matches what is on file"
    )
    consents_signed = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Signed today"
    )
    copay_collected = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, initial=0, label="Collected ($)"
    )
    copay_method = forms.ChoiceField(choices=CopayMethod.choices, required=False, label="Paid by")
    copay_reference = forms.CharField(max_length=40, required=False, label="Check or receipt no.")
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, missing_consents: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(ConsentKind.choices)
        self.fields["consents_signed"].choices = [(k, labels[k]) for k in missing_consents]


class CancelForm(forms.Form):
    whole_series = forms.BooleanField(
        required=False, label="Also cancel the later visits of this series"
    )
    reason = forms.ChoiceField(
        choices=[
            ("Patient cancelled", "Patient cancelled"),
            ("Patient rescheduling", "Patient rescheduling"),
            ("Provider unavailable", "Provider unavailable"),
            ("Office closed", "Office closed"),
            ("Insurance not accepted", "Insurance not accepted"),
            ("Other", "Other"),
        ],
        label="Reason",
    )
    detail = forms.CharField(max_length=150, required=False, label="Detail")

    def clean(self):
        data = super().clean()
        if data.get("reason") == "Other" and not (data.get("detail") or "").strip():
            self.add_error("detail", "Say why the visit is cancelled.")
        return data

    @property
    def reason_text(self) -> str:
        data = self.cleaned_data
        return ": ".join(p for p in (data["reason"], data.get("detail", "").strip()) if p)


class RescheduleSearchForm(forms.Form):
    provider = forms.ModelChoiceField(
        queryset=Provider.objects.none(), required=False, empty_label="Any provider"
    )
    part_of_day = BookingSearchForm.base_fields["part_of_day"]
    from_day = forms.DateField(required=False, label="From", widget=forms.DateInput(
        attrs={"type": "date"}))  # fmt: skip

    def __init__(self, *args, practice_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Provider.objects.filter(
            practice_id=practice_id, is_active=True
        )


class OutsideVisitForm(forms.ModelForm):
    class Meta:
        model = OutsideAppointment
        fields = [
            "kind", "service", "facility", "facility_phone", "ordered_by", "scheduled_at",
            "status", "notes",
        ]  # fmt: skip
        widgets = {
            "scheduled_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, practice_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ordered_by"].queryset = Provider.objects.filter(practice_id=practice_id)


class OutsideDocumentForm(forms.Form):
    title = forms.CharField(max_length=120, label="Document")
    file = forms.FileField(help_text="PDF, PNG or JPEG")


class SpecificTimeForm(forms.Form):
    """A time the clerk names: outside the template or on top of a visit, deliberately."""

    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time", "step": 300}))
    provider = forms.ModelChoiceField(queryset=Provider.objects.none(), label="With")
    location = forms.ModelChoiceField(queryset=Location.objects.none(), label="At")
    override = forms.BooleanField(required=False, label="Outside the provider's template")
    overbook = forms.BooleanField(
        required=False, label="Overbook (on top of the provider's booked visits)"
    )

    def __init__(self, *args, practice_id: int, **kwargs):
        super().__init__(*args, prefix="at", **kwargs)
        self.fields["provider"].queryset = Provider.objects.filter(
            practice_id=practice_id, is_active=True
        )
        self.fields["location"].queryset = Location.objects.filter(practice_id=practice_id)

    def starts_at(self):
        zone = self.cleaned_data["location"].zone
        return datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"], zone)


class WaitlistForm(forms.ModelForm):
    weekdays = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Days that suit",
        choices=[(str(n), day) for n, day in enumerate(
            ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))],
    )  # fmt: skip
    part_of_day = BookingSearchForm.base_fields["part_of_day"]

    class Meta:
        model = WaitlistEntry
        fields = ["appointment_type", "provider", "location", "earliest", "latest", "weekdays",
                  "part_of_day", "priority", "note"]  # fmt: skip
        widgets = {
            "earliest": forms.DateInput(attrs={"type": "date"}),
            "latest": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, practice_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        mine = {"practice_id": practice_id}
        self.fields["appointment_type"].queryset = AppointmentType.objects.filter(
            is_active=True, **mine
        )
        self.fields["provider"].queryset = Provider.objects.filter(is_active=True, **mine)
        self.fields["location"].queryset = Location.objects.filter(**mine)
        self.fields["earliest"].required = False

    def clean_weekdays(self):
        return ",".join(self.cleaned_data["weekdays"])
