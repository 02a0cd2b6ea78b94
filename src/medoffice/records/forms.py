"""Forms parse input; the services decide. Field errors from the services land on the fields."""

from django import forms
from django.contrib.auth import get_user_model

from medoffice.core.models import Provider
from medoffice.patients.forms import DATE_INPUT
from medoffice.records.models import (
    Basis,
    Communication,
    DeliveryMethod,
    DocumentCategory,
    IdentityMethod,
    Referral,
    RequesterKind,
    RoiRequest,
    Urgency,
)
from medoffice.records.packet import section_choices

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ParseOnly:
    """A ModelForm that only parses: the service fills in defaults (the clinician to route to,
    the due date) and runs the model's checks, whose errors come back onto the fields."""

    def _post_clean(self):
        pass


class DocumentForm(forms.Form):
    file = forms.FileField(help_text="PDF, TIFF, JPEG or PNG; several pages in one file is fine")
    category = forms.ChoiceField(choices=DocumentCategory.choices)
    title = forms.CharField(max_length=120)
    document_date = forms.DateField(widget=DATE_INPUT, label="Dated")
    encounter = forms.ModelChoiceField(
        queryset=None, required=False, help_text="The visit this paper belongs to (optional)"
    )

    def __init__(self, *args, patient, clinical: bool, **kwargs):
        super().__init__(*args, **kwargs)
        from medoffice.billing.models import Encounter
        from medoffice.records.models import CLINICAL_CATEGORIES

        self.fields["encounter"].queryset = Encounter.objects.filter(patient=patient)
        self.fields["encounter"].label_from_instance = lambda e: f"{e.date_of_service:%m/%d/%Y}"
        if not clinical:
            self.fields["category"].choices = [
                c for c in DocumentCategory.choices if c[0] not in CLINICAL_CATEGORIES
            ]


class DocumentSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Text in the documents")
    category = forms.ChoiceField(
        choices=[("", "All categories"), *DocumentCategory.choices], required=False
    )


def _staff_of(practice_id):
    return (
        get_user_model()
        .objects.filter(staff__practice_id=practice_id, is_active=True)
        .order_by("username")
    )


class CommunicationForm(ParseOnly, forms.ModelForm):
    occurred_at = forms.DateTimeField(widget=DATETIME_INPUT, required=False, label="When")

    class Meta:
        model = Communication
        fields = (
            "channel", "direction", "party", "party_contact", "topic", "subject", "summary",
            "occurred_at", "routed_to", "follow_up", "follow_up_owner", "follow_up_due",
        )  # fmt: skip
        widgets = {"summary": forms.Textarea(attrs={"rows": 3}), "follow_up_due": DATE_INPUT}
        labels = {"routed_to": "Clinician to answer (clinical questions)"}

    def __init__(self, *args, practice_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["routed_to"].queryset = Provider.objects.filter(
            practice_id=practice_id, is_active=True
        )
        self.fields["routed_to"].help_text = "Blank: the patient's primary care provider"
        self.fields["follow_up_owner"].queryset = _staff_of(practice_id)
        self.fields["follow_up_owner"].label_from_instance = lambda u: (
            u.get_full_name() or u.username
        )


class SendForm(forms.Form):
    channel = forms.ChoiceField(choices=[("email", "E-mail"), ("fax", "Fax")])
    to = forms.CharField(max_length=120, label="E-mail address or fax number")
    party = forms.CharField(max_length=120, label="Recipient")
    subject = forms.CharField(max_length=120)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    documents = forms.ModelMultipleChoiceField(queryset=None, required=False)

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = documents


class AnswerForm(forms.Form):
    answer = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class RoiRequestForm(ParseOnly, forms.ModelForm):
    sections = forms.MultipleChoiceField(
        choices=(), widget=forms.CheckboxSelectMultiple, label="Parts of the chart asked for"
    )
    received_on = forms.DateField(widget=DATE_INPUT, required=False, help_text="Blank: today")

    class Meta:
        model = RoiRequest
        fields = (
            "requester_kind", "requester_name", "requester_organization", "requester_address",
            "requester_email", "requester_fax", "purpose", "basis", "received_on",
            "scope_from", "scope_to", "sections", "fee", "fee_note", "delivery_method",
        )  # fmt: skip
        widgets = {"scope_from": DATE_INPUT, "scope_to": DATE_INPUT}
        labels = {"scope_from": "Dates of service from", "scope_to": "to"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = section_choices()
        self.fields["requester_kind"].choices = RequesterKind.choices
        self.fields["basis"].choices = Basis.choices
        self.fields["delivery_method"].choices = DeliveryMethod.choices


class IdentityCheckForm(forms.Form):
    method = forms.ChoiceField(choices=IdentityMethod.choices, label="What was checked")
    detail = forms.CharField(max_length=200, help_text="e.g. IL driver's licence, expires 2028")
    passed = forms.TypedChoiceField(
        choices=[("yes", "Verified"), ("no", "Did not match")],
        coerce=lambda v: v == "yes",
        label="Result",
    )


class AuthorizationForm(forms.Form):
    file = forms.FileField(label="Signed authorisation (or court order)")
    signed_on = forms.DateField(widget=DATE_INPUT)
    expires_on = forms.DateField(
        widget=DATE_INPUT,
        required=False,
        label="Expires on",
        help_text="Required for an authorisation (the date, or the date of the event it names)",
    )


class ExtendForm(forms.Form):
    new_due_on = forms.DateField(widget=DATE_INPUT, label="New due date")
    reason = forms.CharField(max_length=300, label="Reason given to the requester in writing")


class CloseForm(forms.Form):
    status = forms.ChoiceField(choices=[("denied", "Deny"), ("withdrawn", "Withdrawn")])
    reason = forms.CharField(max_length=300)


class DisclosureForm(forms.Form):
    """A disclosure made outside the request workflow (a public health report, say)."""

    recipient_name = forms.CharField(max_length=120)
    recipient_address = forms.CharField(max_length=250, required=False)
    description = forms.CharField(max_length=500, label="What was disclosed")
    purpose = forms.CharField(max_length=200)
    basis = forms.ChoiceField(choices=Basis.choices)
    delivery_method = forms.ChoiceField(choices=DeliveryMethod.choices)
    disclosed_at = forms.DateTimeField(widget=DATETIME_INPUT, label="When")


class TransferOutForm(forms.Form):
    party_name = forms.CharField(max_length=120, label="To (practice or facility)")
    party_address = forms.CharField(max_length=250, required=False)
    party_fax = forms.CharField(max_length=16, required=False)
    party_email = forms.EmailField(required=False)
    reason = forms.CharField(max_length=200)
    sections = forms.MultipleChoiceField(choices=(), widget=forms.CheckboxSelectMultiple)
    scope_from = forms.DateField(widget=DATE_INPUT, required=False)
    scope_to = forms.DateField(widget=DATE_INPUT, required=False)
    delivery_method = forms.ChoiceField(choices=DeliveryMethod.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = section_choices()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class TransferInForm(forms.Form):
    party_name = forms.CharField(max_length=120, label="From (practice or facility)")
    reason = forms.CharField(max_length=200)
    received_on = forms.DateField(widget=DATE_INPUT)
    category = forms.ChoiceField(choices=DocumentCategory.choices, initial="outside_records")
    files = MultipleFileField()


class ReferralForm(ParseOnly, forms.ModelForm):
    diagnoses = forms.CharField(
        required=False, max_length=200, help_text="ICD-10-CM codes, e.g. I10, E11.9"
    )

    class Meta:
        model = Referral
        fields = (
            "direction", "provider", "other_name", "other_npi", "other_specialty",
            "other_address", "other_phone", "other_fax", "reason", "diagnoses", "urgency",
            "authorization_number", "authorized_visits", "authorization_expires_on",
        )  # fmt: skip
        widgets = {"authorization_expires_on": DATE_INPUT}
        labels = {
            "provider": "Our clinician",
            "other_name": "Their clinician or facility",
            "other_npi": "Their NPI",
            "other_specialty": "Specialty",
        }

    def __init__(self, *args, practice_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Provider.objects.filter(practice_id=practice_id)
        self.fields["urgency"].choices = Urgency.choices

    def clean_diagnoses(self):
        return self.cleaned_data["diagnoses"]


class ScheduleForm(forms.Form):
    scheduled_for = forms.DateTimeField(widget=DATETIME_INPUT, required=False)
    appointment = forms.ModelChoiceField(queryset=None, required=False, label="Our appointment")

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        from medoffice.scheduling.models import Appointment

        self.fields["appointment"].queryset = Appointment.objects.filter(
            patient=patient, status="booked"
        )


class ConsultForm(forms.Form):
    file = forms.FileField(label="Consult note")
    document_date = forms.DateField(widget=DATE_INPUT, label="Dated")


class ReferralStatusForm(forms.Form):
    status = forms.ChoiceField(choices=[("seen", "Seen"), ("cancelled", "Cancelled")])
