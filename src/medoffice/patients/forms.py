"""Forms parse input; the services decide. Field errors from the services land on the fields."""

from django import forms
from django.forms.models import fields_for_model

from medoffice.core.models import Provider
from medoffice.core.us import ssn_normalise
from medoffice.patients.models import ConsentKind, Coverage, Patient, Payer

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

PATIENT_FIELDS = (
    "first_name", "middle_name", "last_name", "suffix", "preferred_name", "previous_last_name",
    "dob", "sex_at_birth", "gender_identity", "pronouns",
    "address1", "address2", "city", "state", "zip_code",
    "mobile_phone", "home_phone", "work_phone", "email",
    "preferred_language", "needs_interpreter", "preferred_contact_method",
    "emergency_contact_name", "emergency_contact_relationship", "emergency_contact_phone",
    "guarantor_relationship", "guarantor_name", "guarantor_dob", "guarantor_phone",
    "guarantor_address",
    "primary_care_provider", "home_location", "mrn",
)  # fmt: skip

FIELDSETS = (
    ("Name", ("first_name", "middle_name", "last_name", "suffix", "preferred_name",
              "previous_last_name")),
    ("Birth and identity", ("dob", "sex_at_birth", "gender_identity", "pronouns")),
    ("Address", ("address1", "address2", "city", "state", "zip_code")),
    ("Contact", ("mobile_phone", "home_phone", "work_phone", "email", "preferred_language",
                 "needs_interpreter", "preferred_contact_method")),
    ("Emergency contact", ("emergency_contact_name", "emergency_contact_relationship",
                           "emergency_contact_phone")),
    ("Guarantor", ("guarantor_relationship", "guarantor_name", "guarantor_dob", "guarantor_phone",
                   "guarantor_address")),
    ("Care", ("primary_care_provider", "home_location", "mrn")),
)  # fmt: skip


class FieldsetsMixin:
    """`form.fieldsets` for core/fieldsets.html: (legend, bound fields) per FIELDSETS entry."""

    def fieldsets(self):
        for title, names in getattr(self, "FIELDSETS", ()):
            yield title, [self[name] for name in names if name in self.fields]


class PatientForm(FieldsetsMixin, forms.Form):
    FIELDSETS = FIELDSETS

    def __init__(self, *args, practice_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Patient, fields=PATIENT_FIELDS))
        self.fields["dob"].widget = DATE_INPUT
        self.fields["guarantor_dob"].widget = DATE_INPUT
        self.fields["guarantor_dob"].label = "Guarantor date of birth"
        self.fields["mrn"].required = False
        self.fields["mrn"].help_text = "Leave blank to assign the next number."
        for name in (
            "mobile_phone",
            "home_phone",
            "work_phone",
            "emergency_contact_phone",
            "guarantor_phone",
        ):
            self.fields[name].widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})
        self.fields["primary_care_provider"].queryset = Provider.objects.filter(
            practice_id=practice_id, is_active=True
        )
        self.fields["home_location"].queryset = self.fields["home_location"].queryset.filter(
            practice_id=practice_id
        )
        for field in self.fields.values():
            field.widget.attrs.setdefault("autocomplete", "off")


class RegistrationForm(PatientForm):
    FIELDSETS = (
        *FIELDSETS,
        ("For collections", ("ssn",)),
        ("Signed today", ("privacy_notice", "financial_policy", "consent_sms", "consent_email")),
    )

    privacy_notice = forms.BooleanField(
        required=False, label="Notice of privacy practices acknowledged"
    )
    financial_policy = forms.BooleanField(required=False, label="Financial policy signed")
    consent_sms = forms.BooleanField(required=False, label="Agrees to text messages")
    consent_email = forms.BooleanField(required=False, label="Agrees to e-mail")
    confirm_not_duplicate = forms.BooleanField(
        required=False, label="I checked the records above: this is a different person"
    )
    # Taken once, at registration; afterwards shown masked (AC-03). Not on the edit form, so
    # no page ever puts the full number back into an input.
    ssn = forms.CharField(
        required=False,
        label="SSN",
        max_length=11,
        help_text="Social Security number, for the guarantor's account. Shown masked afterwards.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean_ssn(self) -> str:
        return ssn_normalise(self.cleaned_data["ssn"])

    CONSENT_FIELDS = {
        "privacy_notice": ConsentKind.PRIVACY_NOTICE,
        "financial_policy": ConsentKind.FINANCIAL_POLICY,
        "consent_sms": ConsentKind.SMS,
        "consent_email": ConsentKind.EMAIL,
    }

    def patient_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in (*PATIENT_FIELDS, "ssn")}

    def consent_kinds(self) -> list[str]:
        return [kind for name, kind in self.CONSENT_FIELDS.items() if self.cleaned_data.get(name)]


COVERAGE_FIELDS = (
    "payer", "plan_name", "member_id", "group_number", "order", "relationship",
    "subscriber_first_name", "subscriber_last_name", "subscriber_dob", "subscriber_sex",
    "effective_start", "effective_end", "copay",
)  # fmt: skip


class CoverageForm(FieldsetsMixin, forms.Form):
    FIELDSETS = (
        ("Plan", ("payer", "plan_name", "member_id", "group_number", "order", "copay")),
        ("Subscriber", ("relationship", "subscriber_first_name", "subscriber_last_name",
                        "subscriber_dob", "subscriber_sex")),
        ("Dates", ("effective_start", "effective_end", "status")),
        ("Card images", ("card_front", "card_back")),
    )  # fmt: skip

    card_front = forms.FileField(required=False, help_text="JPEG, PNG or PDF")
    card_back = forms.FileField(required=False, help_text="JPEG, PNG or PDF")

    def __init__(self, *args, with_status: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Coverage, fields=COVERAGE_FIELDS))
        if with_status:
            self.fields["status"] = fields_for_model(Coverage, fields=["status"])["status"]
            self.fields["status"].help_text = "Cancelled or entered in error: kept, never billed."
            self.fields["status"].required = False
        self.fields["payer"].queryset = Payer.objects.filter(is_active=True)
        for name in ("subscriber_dob", "effective_start", "effective_end"):
            self.fields[name].widget = DATE_INPUT
        self.fields["subscriber_dob"].label = "Subscriber date of birth"
        # Member ids are checked by the service, so the message names the payer's format.
        self.fields["member_id"].validators = []
        self.order_fields([*COVERAGE_FIELDS, "card_front", "card_back"])

    def coverage_fields(self) -> dict:
        fields = {name: self.cleaned_data[name] for name in COVERAGE_FIELDS}
        if self.cleaned_data.get("status"):
            fields["status"] = self.cleaned_data["status"]
        return fields

    def cards(self) -> dict:
        return {side: self.cleaned_data.get(side) for side in ("card_front", "card_back")}


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(choices=ConsentKind.choices)
    signed_on = forms.DateField(widget=DATE_INPUT)
    signed_by = forms.CharField(
        required=False, max_length=120, help_text="Leave blank when the patient signed"
    )
    expires_on = forms.DateField(required=False, widget=DATE_INPUT)
    document = forms.FileField(required=False, help_text="Scanned form: JPEG, PNG or PDF")


class MergeForm(forms.Form):
    duplicate_mrn = forms.CharField(
        label="MRN of the duplicate record",
        max_length=20,
        help_text="Everything on that record moves to this one; it is then retired.",
    )
    confirm = forms.BooleanField(label="I have compared both records: they are the same person")


class SearchForm(forms.Form):
    q = forms.CharField(max_length=200, required=False, strip=True)
