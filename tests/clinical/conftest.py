"""Fixtures for the chart: a coded code set, a clinician who is a provider, and a patient
with a chart (problems, medications, results, a signed and a sensitive note)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from medoffice.clinical import services
from medoffice.coding.models import CodeSetRelease, Icd10Code
from medoffice.core.roles import Role

ICD = (
    ("E11", "Type 2 diabetes mellitus", False),
    ("E119", "Type 2 diabetes mellitus without complications", True),
    ("I10", "Essential (primary) hypertension", True),
    ("F329", "Major depressive disorder, single episode, unspecified", True),
    ("J45909", "Unspecified asthma, uncomplicated", True),
)


@pytest.fixture
def icd10(db):
    release = CodeSetRelease.objects.create(
        system="icd10cm", version="2026", effective_from=date(2020, 1, 1)
    )
    for code, text, billable in ICD:
        Icd10Code.objects.create(release=release, code=code, description=text, billable=billable)
    return release


@pytest.fixture
def doctor(make_user, provider):
    """A clinician whose user is the provider Ada Nguyen."""
    user = make_user(Role.CLINICIAN, username="dr_nguyen")
    provider.user = user
    provider.save(update_fields=["user"])
    return user


@pytest.fixture
def assistant(make_user):
    return make_user(Role.MEDICAL_ASSISTANT)


@pytest.fixture
def chart(patient, provider, doctor, icd10):
    """The patient's chart: two problems, a medication, an allergy, two results (one
    abnormal, unreviewed), a signed note and a signed behavioural-health note."""
    services.problem_add(patient=patient, code="E11.9", onset=date(2019, 5, 1), recorded_by=doctor)
    services.problem_add(patient=patient, code="I10", recorded_by=doctor)
    services.medication_add(
        patient=patient, name="Metformin", dose="500 mg", route="PO", frequency="twice daily",
        start_date=date(2019, 5, 2), prescriber=provider,
    )  # fmt: skip
    services.allergy_add(patient=patient, substance="Penicillin", reaction="Hives",
                         severity="moderate", verified=True)  # fmt: skip
    now = timezone.now()
    services.result_add(
        patient=patient, name="Hemoglobin A1c", loinc="4548-4", value="8.1", unit="%",
        reference_range="4.0-5.6", flag="H", ordering_provider=provider,
        resulted_at=now - timedelta(days=2),
    )  # fmt: skip
    services.result_add(
        patient=patient, name="Potassium", loinc="2823-3", value="4.2", unit="mmol/L",
        reference_range="3.5-5.1", flag="N", ordering_provider=provider,
        resulted_at=now - timedelta(days=2),
    )  # fmt: skip
    note = services.note_start(patient=patient, provider=provider, author=doctor)
    services.note_save_draft(
        note=note, sections={"subjective": "Follow-up of diabetes.", "assessment": "E11.9",
                             "plan": "Continue metformin."},
    )  # fmt: skip
    signed = services.note_sign(note=note, signed_by=doctor)
    private = services.note_start(
        patient=patient, provider=provider, author=doctor, sensitivity="behavioural"
    )
    services.note_save_draft(
        note=private, sections={"subjective": "Low mood for months.", "assessment": "F32.9",
                                "plan": "Therapy referral."},
    )  # fmt: skip
    private = services.note_sign(note=private, signed_by=doctor)
    return {"patient": patient, "note": signed, "private": private}
