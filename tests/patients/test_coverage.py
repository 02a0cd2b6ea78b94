"""Insurance (FHIR Coverage semantics): order per period, member ids, subscribers, dates."""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from medoffice.core.models import AuditAction, AuditEvent
from medoffice.patients import services
from medoffice.patients.models import Coverage, CoverageStatus, Payer
from tests.patients.conftest import coverage_fields


def _add(patient, payer, **overrides) -> Coverage:
    return services.coverage_add(patient=patient, fields=coverage_fields(payer, **overrides))


def _refused(patient, payer, **overrides) -> dict[str, list[str]]:
    before = Coverage.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        _add(patient, payer, **overrides)
    assert Coverage.objects.count() == before, "a refused coverage was saved"
    return excinfo.value.message_dict


def test_adds_a_primary_coverage_and_audits_it(patient, payer, audit_mark):
    mark = audit_mark()
    coverage = _add(patient, payer)
    coverage.refresh_from_db()
    assert coverage.order == 1
    assert coverage.status == CoverageStatus.ACTIVE
    assert coverage.payer.payer_id == "60054"
    assert coverage.payer.claim_filing_indicator == "CI"
    event = AuditEvent.objects.get(id__gt=mark)
    assert (event.action, event.category) == (AuditAction.CREATE, "insurance")
    assert event.object_id == str(coverage.public_id)
    assert event.patient_id == str(patient.public_id)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((date(2024, 1, 1), None), (date(2024, 6, 1), None)),  # both open-ended
        ((date(2024, 1, 1), date(2024, 12, 31)), (date(2024, 1, 1), date(2024, 12, 31))),  # same
        ((date(2024, 1, 1), date(2024, 6, 30)), (date(2024, 6, 30), None)),  # one shared day
        ((date(2024, 3, 1), None), (date(2023, 1, 1), date(2024, 3, 1))),  # ends on its start
        ((date(2024, 3, 1), date(2024, 4, 1)), (date(2024, 1, 1), date(2024, 12, 31))),  # inside
    ],
)
def test_a_second_primary_for_overlapping_dates_is_an_error_on_order(
    patient, payer, second_payer, first, second
):
    _add(patient, payer, effective_start=first[0], effective_end=first[1])
    errors = _refused(
        patient,
        second_payer,
        member_id="XYZ123456789",
        effective_start=second[0],
        effective_end=second[1],
    )
    assert list(errors) == ["order"]
    assert errors["order"][0].startswith("Aetna is already primary from ")
    assert "end it first or choose another order" in errors["order"][0]


def test_a_primary_for_the_following_period_is_accepted(patient, payer, second_payer):
    _add(patient, payer, effective_start=date(2023, 1, 1), effective_end=date(2023, 12, 31))
    later = _add(
        patient,
        second_payer,
        member_id="XYZ123456789",
        effective_start=date(2024, 1, 1),
        effective_end=None,
    )
    assert later.pk is not None
    assert patient.coverages.filter(order=1).count() == 2


def test_secondary_and_tertiary_sit_beside_a_primary(patient, payer, second_payer):
    _add(patient, payer, order=1)
    _add(patient, second_payer, order=2, member_id="XYZ123456789")
    _add(patient, payer, order=3, member_id="T-3")
    assert sorted(patient.coverages.values_list("order", flat=True)) == [1, 2, 3]


def test_a_cancelled_primary_does_not_block_a_new_one(patient, payer, second_payer):
    old = _add(patient, payer)
    services.coverage_update(coverage=old, fields={"status": CoverageStatus.CANCELLED})
    assert _add(patient, second_payer, member_id="XYZ123456789").pk is not None


def test_another_patients_primary_does_not_block(patient, make_patient, payer):
    other = make_patient(first_name="Ann", last_name="Lee", mobile_phone="")
    _add(other, payer)
    assert _add(patient, payer).pk is not None


def test_changing_a_secondary_into_an_overlapping_primary_is_refused(patient, payer, second_payer):
    _add(patient, payer, order=1)
    secondary = _add(patient, second_payer, order=2, member_id="XYZ123456789")
    with pytest.raises(ValidationError) as excinfo:
        services.coverage_update(coverage=secondary, fields={"order": 1})
    assert "order" in excinfo.value.message_dict
    assert Coverage.objects.get(pk=secondary.pk).order == 2


def test_updating_a_coverage_does_not_clash_with_itself(patient, payer, audit_mark):
    coverage = _add(patient, payer)
    mark = audit_mark()
    services.coverage_update(coverage=coverage, fields={"plan_name": "Open Access", "order": 1})
    assert Coverage.objects.get(pk=coverage.pk).plan_name == "Open Access"
    event = AuditEvent.objects.get(id__gt=mark)
    assert event.action == AuditAction.UPDATE
    assert event.detail == "fields: plan_name"


@pytest.mark.parametrize("member_id", ["AB#123", "12 34", "A", "x" * 31, "AB_12", "ÄB123", ""])
def test_a_member_id_with_illegal_characters_or_length_is_an_error(patient, payer, member_id):
    errors = _refused(patient, payer, member_id=member_id)
    assert "member_id" in errors


@pytest.mark.parametrize("member_id", ["W123456789", "12-34", "ab"])
def test_member_ids_of_letters_digits_and_hyphens_are_accepted(patient, payer, member_id):
    assert _add(patient, payer, member_id=member_id).member_id == member_id


def test_the_payers_member_id_pattern_is_enforced(patient, second_payer):
    errors = _refused(patient, second_payer, member_id="123456789")
    assert errors["member_id"] == [
        "This is not a Blue Cross Blue Shield of Illinois member id "
        r"(expected format [A-Z]{3}\d{9})."
    ]
    assert _add(patient, second_payer, member_id="XYZ123456789").pk is not None


def test_a_payer_with_a_malformed_member_id_pattern_is_a_field_error_not_a_crash(patient):
    broken = Payer.objects.create(name="Broken Health", payer_id="BRK1", member_id_pattern="[A-Z")
    errors = _refused(patient, broken, member_id="AB1")
    assert list(errors) == ["payer"]
    assert "Broken Health" in errors["payer"][0]


def test_a_group_number_with_illegal_characters_is_an_error(patient, payer):
    assert "group_number" in _refused(patient, payer, group_number="G 1/2")


def test_a_subscriber_other_than_the_patient_needs_name_and_dob(patient, payer):
    errors = _refused(patient, payer, relationship="19")
    assert set(errors) == {"subscriber_first_name", "subscriber_last_name", "subscriber_dob"}
    coverage = _add(
        patient,
        payer,
        relationship="19",
        subscriber_first_name="Rosa",
        subscriber_last_name="Smith",
        subscriber_dob=date(1955, 5, 5),
        subscriber_sex="F",
    )
    assert coverage.get_relationship_display() == "Child"


def test_an_end_before_the_start_is_an_error_on_the_end_date(patient, payer):
    errors = _refused(
        patient, payer, effective_start=date(2024, 6, 1), effective_end=date(2024, 5, 31)
    )
    assert "effective_end" in errors
    assert "before" in errors["effective_end"][0]


def test_an_unknown_order_is_an_error(patient, payer):
    assert "order" in _refused(patient, payer, order=4)


def test_is_active_on_respects_dates_and_status(patient, payer):
    coverage = _add(
        patient, payer, effective_start=date(2024, 1, 1), effective_end=date(2024, 12, 31)
    )
    assert coverage.is_active_on(date(2024, 1, 1))
    assert coverage.is_active_on(date(2024, 12, 31))
    assert not coverage.is_active_on(date(2023, 12, 31))
    assert not coverage.is_active_on(date(2025, 1, 1))
    coverage.status = CoverageStatus.CANCELLED
    assert not coverage.is_active_on(date(2024, 6, 1))


# --- web forms -------------------------------------------------------------------------------


def _coverage_form(payer, **overrides) -> dict:
    data = {
        "payer": payer.pk,
        "plan_name": "Choice POS II",
        "member_id": "W123456789",
        "group_number": "GRP-100",
        "order": "1",
        "relationship": "18",
        "effective_start": "2024-01-01",
    }
    data.update(overrides)
    return data


def _errors_near(html: str, field: str) -> str:
    match = re.search(rf'<div id="errors-{field}">(.*?)</div>', html, re.S)
    assert match, f"no error block for {field}"
    return match.group(1)


def test_front_desk_adds_insurance_through_the_form(front_desk, client_for, patient, payer):
    client = client_for(front_desk)
    response = client.post(
        reverse("patients:coverage-add", args=[patient.public_id]), _coverage_form(payer)
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:coverage-list", args=[patient.public_id])
    page = client.get(response["Location"]).content.decode()
    assert "Primary · Aetna" in page
    assert "W123456789" in page
    assert "payer id 60054, Commercial insurance" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"member_id": "AB#123"}, "member_id", "letters, digits or hyphens"),
        ({"member_id": "12 34"}, "member_id", "letters, digits or hyphens"),
        ({"relationship": "01"}, "subscriber_dob", "not the subscriber"),
        ({"effective_end": "2023-12-31"}, "effective_end", "before"),
        ({"effective_start": "2024-02-30"}, "effective_start", "valid date"),
    ],
)
def test_the_coverage_form_shows_errors_under_their_fields(
    front_desk, client_for, patient, payer, overrides, field, message
):
    response = client_for(front_desk).post(
        reverse("patients:coverage-add", args=[patient.public_id]),
        _coverage_form(payer, **overrides),
    )
    assert response.status_code == 422
    assert message in _errors_near(response.content.decode(), field)
    assert not Coverage.objects.exists()


def test_an_overlapping_primary_on_the_form_is_an_error_under_order(
    front_desk, client_for, patient, payer
):
    _add(patient, payer)
    response = client_for(front_desk).post(
        reverse("patients:coverage-add", args=[patient.public_id]),
        _coverage_form(payer, member_id="OTHER-1", effective_start="2024-05-01"),
    )
    assert response.status_code == 422
    assert "Aetna is already primary" in _errors_near(response.content.decode(), "order")
    assert Coverage.objects.count() == 1


def test_the_coverage_edit_form_saves_changes(front_desk, client_for, patient, payer):
    coverage = _add(patient, payer)
    client = client_for(front_desk)
    url = reverse("patients:coverage-edit", args=[coverage.public_id])
    page = client.get(url)
    assert page.status_code == 200
    assert b'value="W123456789"' in page.content
    response = client.post(url, _coverage_form(payer, plan_name="Open Access", copay="25.00"))
    assert response.status_code == 302
    coverage.refresh_from_db()
    assert coverage.plan_name == "Open Access"
    assert str(coverage.copay) == "25.00"


def test_the_edit_form_goes_back_to_a_page_of_this_site_only(biller, client_for, patient, payer):
    coverage = _add(patient, payer)
    client = client_for(biller)
    url = reverse("patients:coverage-edit", args=[coverage.public_id])
    back = "/billing/claims/work/rejections/"

    assert f'href="{back}"'.encode() in client.get(url, {"next": back}).content  # Cancel
    response = client.post(f"{url}?next={back}", _coverage_form(payer))
    assert response.status_code == 302
    assert response["Location"] == back
    response = client.post(f"{url}?next=https://evil.example/", _coverage_form(payer))
    assert response["Location"] == reverse("patients:coverage-list", args=[patient.public_id])


def test_who_may_add_insurance(clinician, biller, outsider, client_for, patient, payer):
    url = reverse("patients:coverage-add", args=[patient.public_id])
    assert client_for(clinician).post(url, _coverage_form(payer)).status_code == 403
    assert client_for(outsider).post(url, _coverage_form(payer)).status_code == 404
    assert not Coverage.objects.exists()
    assert client_for(biller).post(url, _coverage_form(payer)).status_code == 302


def test_the_edit_form_cancels_a_policy_and_keeps_it_on_file(
    front_desk, client_for, patient, payer
):
    coverage = _add(patient, payer)
    url = reverse("patients:coverage-edit", args=[coverage.public_id])
    response = client_for(front_desk).post(url, _coverage_form(payer, status="cancelled"))
    assert response.status_code == 302
    coverage.refresh_from_db()
    assert coverage.status == "cancelled"
    # A cancelled primary no longer blocks a new primary for the same dates.
    assert _add(patient, payer, member_id="NEW-1").order == 1


def test_a_payer_with_a_broken_member_id_pattern_is_refused_on_the_configuration_screen(payer):
    payer.member_id_pattern = "[A-Z"
    with pytest.raises(ValidationError) as excinfo:
        payer.full_clean()
    assert "Not a regular expression" in excinfo.value.message_dict["member_id_pattern"][0]
