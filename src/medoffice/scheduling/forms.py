from django import forms

from medoffice.core.models import Provider
from medoffice.scheduling.models import AppointmentType
from medoffice.scheduling.selectors import PARTS_OF_DAY


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

    def __init__(self, *args, practice_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointment_type"].queryset = AppointmentType.objects.filter(
            practice_id=practice_id, is_active=True
        )
        self.fields["provider"].queryset = Provider.objects.filter(
            practice_id=practice_id, is_active=True
        )
