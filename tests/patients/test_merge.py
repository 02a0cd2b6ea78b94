"""Merging a duplicate record into the survivor: everything moves, the old MRN points on."""

from datetime import date

import pytest
from django.urls import reverse

from medoffice.core.models import AuditAction, AuditEvent
from medoffice.patients import services
from medoffice.patients.errors import MergeError
from medoffice.patients.models import Consent, Coverage, Patient, PatientStatus
from medoffice.patients.search import patient_search
from tests.patients.conftest import coverage_fields


@pytest.fixture
def pair(make_patient, payer, second_payer):
    """A survivor with one coverage and a duplicate with a coverage and two consents."""
    survivor = make_patient(first_name="Robert", last_name="Johnson", dob=date(1980, 4, 1))
    duplicate = make_patient(first_name="Bob", last_name="Johnson", dob=date(1980, 4, 1))
    services.coverage_add(patient=survivor, fields=coverage_fields(payer, order=1))
    services.coverage_add(
        patient=duplicate, fields=coverage_fields(second_payer, order=2, member_id="XYZ123456789")
    )
    for kind in ("privacy_notice", "sms"):
        services.consent_record(patient=duplicate, kind=kind, signed_on=date(2024, 1, 2))
    return survivor, duplicate


def _merge_url(patient) -> str:
    return reverse("patients:patient-merge", args=[patient.public_id])


def test_records_clerk_merges_a_duplicate_and_everything_moves(
    records_clerk, client_for, pair, audit_mark
):
    survivor, duplicate = pair
    client = client_for(records_clerk)
    mark = audit_mark()

    response = client.post(
        _merge_url(survivor), {"duplicate_mrn": duplicate.mrn.lower(), "confirm": "on"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("patients:patient-detail", args=[survivor.public_id])
    assert Coverage.objects.filter(patient=survivor).count() == 2
    assert Consent.objects.filter(patient=survivor).count() == 2
    assert not Coverage.objects.filter(patient=duplicate).exists()
    assert not Consent.objects.filter(patient=duplicate).exists()
    duplicate.refresh_from_db()
    assert duplicate.status == PatientStatus.MERGED
    assert duplicate.merged_into == survivor
    survivor.refresh_from_db()
    assert survivor.status == PatientStatus.ACTIVE

    merges = list(AuditEvent.objects.filter(id__gt=mark, action=AuditAction.MERGE))
    assert [(e.patient_id, e.detail.split(";")[0]) for e in merges] == [
        (str(survivor.public_id), "survivor"),
        (str(duplicate.public_id), "retired"),
    ]
    assert all("3 related records moved" in e.detail for e in merges)
    assert all(e.username == records_clerk.username for e in merges)


def test_after_a_merge_search_finds_only_the_survivor(practice, pair):
    survivor, duplicate = pair
    services.patient_merge(survivor=survivor, duplicate=duplicate)
    for query in ("johnson", "bob johnson 4/1/1980", "(217) 555-0142"):
        results = patient_search(practice_id=practice.id, query=query).results
        assert duplicate not in results, query
    assert patient_search(practice_id=practice.id, query="johnson").results == [survivor]
    # Only its own MRN still finds the retired record (whose page links the survivor).
    assert patient_search(practice_id=practice.id, query=duplicate.mrn).results == [duplicate]


def test_the_retired_records_page_shows_a_banner_linking_the_survivor(
    records_clerk, client_for, pair
):
    survivor, duplicate = pair
    services.patient_merge(survivor=survivor, duplicate=duplicate)
    page = client_for(records_clerk).get(
        reverse("patients:patient-detail", args=[duplicate.public_id])
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "This record was merged" in html
    survivor_url = reverse("patients:patient-detail", args=[survivor.public_id])
    assert f'<a href="{survivor_url}">MRN {survivor.mrn}</a>' in html
    assert _merge_url(duplicate) not in html  # no merging into a retired record


def test_merging_a_record_into_itself_is_refused(pair):
    survivor, _ = pair
    with pytest.raises(MergeError, match="into itself"):
        services.patient_merge(survivor=survivor, duplicate=survivor)


def test_merging_an_already_merged_record_is_refused_either_way(pair, make_patient):
    survivor, duplicate = pair
    third = make_patient(first_name="Zed", last_name="Zulu", dob=date(1950, 1, 1))
    services.patient_merge(survivor=survivor, duplicate=duplicate)
    mark = AuditEvent.objects.count()
    with pytest.raises(MergeError, match="already been merged"):
        services.patient_merge(survivor=third, duplicate=Patient.objects.get(pk=duplicate.pk))
    with pytest.raises(MergeError, match="already been merged"):
        services.patient_merge(survivor=Patient.objects.get(pk=duplicate.pk), duplicate=third)
    assert AuditEvent.objects.count() == mark
    assert Patient.objects.get(pk=third.pk).status == PatientStatus.ACTIVE


def test_records_of_different_practices_cannot_be_merged(pair, other_practice, make_patient):
    survivor, _ = pair
    theirs = make_patient(other_practice)
    with pytest.raises(MergeError, match="different practices"):
        services.patient_merge(survivor=survivor, duplicate=theirs)
    assert Patient.objects.get(pk=theirs.pk).status == PatientStatus.ACTIVE


def test_the_merge_form_refuses_the_records_own_mrn(records_clerk, client_for, pair):
    survivor, _ = pair
    response = client_for(records_clerk).post(
        _merge_url(survivor), {"duplicate_mrn": survivor.mrn, "confirm": "on"}
    )
    assert response.status_code == 422
    assert "cannot be merged into itself" in response.content.decode()
    assert Patient.objects.get(pk=survivor.pk).status == PatientStatus.ACTIVE


@pytest.mark.parametrize("mrn", ["99999999", "NOPE-1"])
def test_the_merge_form_with_an_unknown_mrn_is_a_field_error(records_clerk, client_for, pair, mrn):
    survivor, duplicate = pair
    response = client_for(records_clerk).post(
        _merge_url(survivor), {"duplicate_mrn": mrn, "confirm": "on"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="errors-duplicate_mrn"><p class="error" role="alert">No active record' in html
    assert Patient.objects.get(pk=duplicate.pk).status == PatientStatus.ACTIVE


def test_the_merge_form_finds_no_already_merged_record(
    records_clerk, client_for, pair, make_patient
):
    survivor, duplicate = pair
    services.patient_merge(survivor=survivor, duplicate=duplicate)
    third = make_patient(first_name="Zed", last_name="Zulu", dob=date(1950, 1, 1))
    response = client_for(records_clerk).post(
        _merge_url(third), {"duplicate_mrn": duplicate.mrn, "confirm": "on"}
    )
    assert response.status_code == 422
    assert "No active record" in response.content.decode()


def test_the_merge_form_needs_the_confirmation(records_clerk, client_for, pair):
    survivor, duplicate = pair
    response = client_for(records_clerk).post(
        _merge_url(survivor), {"duplicate_mrn": duplicate.mrn}
    )
    assert response.status_code == 422
    assert Patient.objects.get(pk=duplicate.pk).status == PatientStatus.ACTIVE


def test_another_practices_mrn_is_unknown_to_the_merge_form(
    records_clerk, client_for, pair, other_practice, make_patient
):
    survivor, _ = pair
    theirs = make_patient(other_practice, mrn="THEIRS-1")
    response = client_for(records_clerk).post(
        _merge_url(survivor), {"duplicate_mrn": theirs.mrn, "confirm": "on"}
    )
    assert response.status_code == 422
    assert Patient.objects.get(pk=theirs.pk).status == PatientStatus.ACTIVE


@pytest.mark.parametrize("role", ["front_desk", "biller", "clinician", "privacy_officer"])
def test_roles_other_than_records_cannot_merge(persona, client_for, pair, role):
    survivor, duplicate = pair
    client = client_for(persona(role))
    assert client.get(_merge_url(survivor)).status_code == 403
    response = client.post(_merge_url(survivor), {"duplicate_mrn": duplicate.mrn, "confirm": "on"})
    assert response.status_code == 403
    assert Patient.objects.get(pk=duplicate.pk).status == PatientStatus.ACTIVE


def test_the_merge_link_shows_only_for_those_who_may_merge(
    records_clerk, front_desk, client_for, pair
):
    survivor, _ = pair
    detail = reverse("patients:patient-detail", args=[survivor.public_id])
    assert _merge_url(survivor) in client_for(records_clerk).get(detail).content.decode()
    assert _merge_url(survivor) not in client_for(front_desk).get(detail).content.decode()


def test_a_records_clerk_of_another_practice_cannot_tell_the_record_exists(
    make_user, other_practice, client_for, pair
):
    survivor, duplicate = pair
    theirs = client_for(make_user("records", practice_=other_practice))
    assert theirs.get(_merge_url(survivor)).status_code == 404
    response = theirs.post(_merge_url(survivor), {"duplicate_mrn": duplicate.mrn, "confirm": "on"})
    assert response.status_code == 404
    assert Patient.objects.get(pk=duplicate.pk).status == PatientStatus.ACTIVE


def test_a_merge_never_leaves_two_active_primaries_for_the_same_dates(make_patient, payer):
    survivor = make_patient(first_name="Robert", last_name="Johnson")
    duplicate = make_patient(first_name="Bob", last_name="Johnson")
    services.coverage_add(patient=survivor, fields=coverage_fields(payer, order=1))
    services.coverage_add(
        patient=duplicate, fields=coverage_fields(payer, order=1, member_id="OTHER-1")
    )
    with pytest.raises(MergeError, match="active primary policy for the same dates"):
        services.patient_merge(survivor=survivor, duplicate=duplicate)
    active_primaries = Coverage.objects.filter(patient=survivor, order=1, status="active")
    assert active_primaries.count() == 1
    assert Patient.objects.get(pk=duplicate.pk).status == PatientStatus.ACTIVE
