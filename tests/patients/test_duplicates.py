"""Before a new patient is saved: is this someone already on file? Candidates, reasons, override."""

from datetime import date

import pytest
from django.urls import reverse

from medoffice.core.models import AuditAction, AuditEvent
from medoffice.patients import services
from medoffice.patients.duplicates import duplicate_candidates
from medoffice.patients.errors import DuplicatePatientError
from medoffice.patients.models import Patient, PatientStatus
from tests.patients.conftest import registration_form, service_fields


@pytest.fixture
def robert(make_patient):
    return make_patient(
        first_name="Robert", last_name="Johnson", dob=date(1980, 4, 1), mobile_phone="217-555-0142"
    )


def _register(practice, **overrides):
    return services.patient_register(practice=practice, fields=service_fields(**overrides))


def _candidate_reasons(excinfo) -> dict[str, tuple[str, ...]]:
    return {c.patient.mrn: c.reasons for c in excinfo.value.candidates}


@pytest.mark.parametrize(
    ("first", "last", "why"),
    [
        ("Bob", "Johnson", "nickname"),
        ("Robert", "Jonhson", "typo"),
        ("Robert", "Jhonson", "transposition"),
        ("Johnson", "Robert", "first and last swapped"),
        ("ROBERT", "JOHNSON", "same name, other case"),
    ],
)
def test_same_dob_and_a_similar_name_is_a_possible_duplicate(practice, robert, first, last, why):
    before = Patient.objects.count()
    with pytest.raises(DuplicatePatientError) as excinfo:
        _register(practice, first_name=first, last_name=last, dob=date(1980, 4, 1), mobile_phone="")
    reasons = _candidate_reasons(excinfo)
    assert list(reasons) == [robert.mrn], why
    assert "same date of birth" in reasons[robert.mrn]
    assert {"similar name", "same name"} & set(reasons[robert.mrn])
    assert excinfo.value.code == "possible_duplicate"
    assert Patient.objects.count() == before


def test_same_phone_and_a_similar_name_is_a_possible_duplicate(practice, robert):
    with pytest.raises(DuplicatePatientError) as excinfo:
        _register(
            practice,
            first_name="Bobby",
            last_name="Johnson",
            dob=date(1981, 5, 2),
            mobile_phone="+1 (217) 555-0142",
        )
    reasons = _candidate_reasons(excinfo)[robert.mrn]
    assert "same phone number" in reasons
    assert {"similar name", "same name"} & set(reasons)
    assert "same date of birth" not in reasons


def test_a_phone_typed_as_home_phone_still_matches_a_mobile_on_file(practice, robert):
    with pytest.raises(DuplicatePatientError) as excinfo:
        _register(
            practice,
            first_name="Rob",
            last_name="Johnson",
            dob=date(1979, 1, 1),
            mobile_phone="",
            home_phone="217.555.0142",
        )
    assert "same phone number" in _candidate_reasons(excinfo)[robert.mrn]


def test_dob_with_day_and_month_swapped_is_a_possible_duplicate(practice, robert):
    with pytest.raises(DuplicatePatientError) as excinfo:
        _register(
            practice,
            first_name="Robert",
            last_name="Johnson",
            dob=date(1980, 1, 4),
            mobile_phone="",
        )
    reasons = _candidate_reasons(excinfo)[robert.mrn]
    assert "date of birth with day and month swapped" in reasons
    assert "same date of birth" not in reasons


def test_candidates_are_ranked_best_first(practice, robert, make_patient):
    bobby = make_patient(
        first_name="Bobby", last_name="Johnston", dob=date(1980, 4, 1), mobile_phone=""
    )
    with pytest.raises(DuplicatePatientError) as excinfo:
        _register(
            practice,
            first_name="Robert",
            last_name="Johnson",
            dob=date(1980, 4, 1),
            mobile_phone="217-555-0142",
        )
    assert [c.patient for c in excinfo.value.candidates] == [robert, bobby]
    scores = [c.score for c in excinfo.value.candidates]
    assert scores == sorted(scores, reverse=True)


def test_a_different_person_with_the_same_dob_is_not_a_candidate(practice, robert):
    patient = _register(
        practice, first_name="Alice", last_name="Brown", dob=date(1980, 4, 1), mobile_phone=""
    )
    assert patient.pk is not None
    assert not duplicate_candidates(
        practice_id=practice.id,
        first_name="Alice",
        last_name="Brown",
        dob=date(1980, 4, 1),
        phones=[],
        exclude_id=patient.pk,
    )


def test_a_similar_name_born_another_day_without_a_shared_phone_is_not_a_candidate(
    practice, robert
):
    patient = _register(
        practice, first_name="Robert", last_name="Johnson", dob=date(1962, 9, 30), mobile_phone=""
    )
    assert patient.pk is not None


def test_merged_records_and_other_practices_are_never_candidates(
    practice, other_practice, robert, make_patient
):
    make_patient(other_practice, first_name="Robert", last_name="Johnson")
    survivor = make_patient(first_name="Zed", last_name="Zulu", dob=date(1950, 1, 1))
    services.patient_merge(survivor=survivor, duplicate=robert)
    assert Patient.objects.get(pk=robert.pk).status == PatientStatus.MERGED
    patient = _register(
        practice, first_name="Robert", last_name="Johnson", dob=date(1980, 4, 1), mobile_phone=""
    )
    assert patient.pk is not None


def test_confirming_registers_and_the_audit_row_says_the_warning_was_overridden(
    practice, robert, audit_mark
):
    mark = audit_mark()
    patient = services.patient_register(
        practice=practice,
        fields=service_fields(first_name="Bob", last_name="Johnson", dob=date(1980, 4, 1)),
        confirm_not_duplicate=True,
    )
    assert patient.pk is not None
    assert patient.mrn != robert.mrn
    create = AuditEvent.objects.get(id__gt=mark, action=AuditAction.CREATE)
    assert create.object_id == str(patient.public_id)
    assert create.detail == "duplicate warning overridden"


def test_an_ordinary_registration_is_audited_without_an_override(practice, audit_mark):
    mark = audit_mark()
    patient = _register(practice)
    create = AuditEvent.objects.get(id__gt=mark, action=AuditAction.CREATE)
    assert create.patient_id == str(patient.public_id)
    assert create.detail == ""


# --- the web flow ----------------------------------------------------------------------------


def test_web_registration_shows_the_candidates_then_creates_when_confirmed(
    front_desk, client_for, robert, audit_mark
):
    client = client_for(front_desk)
    form = registration_form(
        first_name="Bob", last_name="Johnson", dob="1980-04-01", mobile_phone=""
    )
    before = Patient.objects.count()
    mark = audit_mark()

    first = client.post(reverse("patients:patient-register"), form)

    assert first.status_code == 422
    page = first.content.decode()
    assert "This patient may already be registered" in page
    assert robert.mrn in page
    assert reverse("patients:patient-detail", args=[robert.public_id]) in page
    assert 'name="confirm_not_duplicate"' in page
    assert "same date of birth" in page
    assert Patient.objects.count() == before
    shown = AuditEvent.objects.get(id__gt=mark)
    assert shown.action == AuditAction.QUERY
    assert shown.detail == "duplicate check: 1 candidates shown"

    second = client.post(
        reverse("patients:patient-register"), {**form, "confirm_not_duplicate": "on"}
    )

    assert second.status_code == 302
    created = Patient.objects.exclude(pk=robert.pk).get(first_name="Bob")
    assert second["Location"] == reverse("patients:patient-detail", args=[created.public_id])
    assert AuditEvent.objects.get(id__gt=mark, action=AuditAction.CREATE).detail == (
        "duplicate warning overridden"
    )


def test_a_confirmed_form_with_field_errors_keeps_the_confirmation(front_desk, client_for, robert):
    response = client_for(front_desk).post(
        reverse("patients:patient-register"),
        registration_form(
            first_name="Bob",
            last_name="Johnson",
            dob="1980-04-01",
            zip_code="10001",
            confirm_not_duplicate="on",
        ),
    )
    assert response.status_code == 422
    assert b'<input type="hidden" name="confirm_not_duplicate" value="on">' in response.content
