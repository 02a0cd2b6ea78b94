"""The encounters and charges API: superbill, sign, correct, scrubber results, refusals."""

from decimal import Decimal

import pytest
from django.urls import reverse

from medoffice.billing.models import Charge
from medoffice.core.roles import Role
from tests.billing.conftest import DOS, line


def api(name, encounter=None):
    return reverse(name, args=[encounter.public_id] if encounter else [])


@pytest.fixture
def coder_client(make_user, client_for):
    return client_for(make_user(Role.CODER))


def test_the_clinician_codes_and_signs_through_the_api(open_encounter, clinician, client_for):
    encounter = open_encounter(place="02")
    client = client_for(clinician)

    saved = client.put(
        api("api:encounter-superbill", encounter),
        {"diagnoses": ["E11.9", "I10"], "lines": [
            {"code": "99214", "units": 1, "modifiers": [], "pointers": [1, 2]},
            {"code": "36415", "pointers": ["I10"]},
        ]},
        content_type="application/json",
    )  # fmt: skip
    signed = client.post(api("api:encounter-sign", encounter))

    assert saved.status_code == 200, saved.json()
    body = signed.json()
    assert signed.status_code == 200
    assert (body["status"], body["version"], body["place_of_service"]) == ("signed", 1, "02")
    assert [d["code"] for d in body["diagnoses"]] == ["E11.9", "I10"]
    assert [(ln["code"], ln["pointers"], ln["charge_amount"]) for ln in body["lines"]] == [
        ("99214", [1, 2], "185.00"), ("36415", [2], "12.50"),
    ]  # fmt: skip
    assert [i["rule"] for i in body["issues"]] == ["TELEHEALTH_MODIFIER", "TELEHEALTH_MODIFIER"]
    assert body["can_claim"] is True


def test_units_of_zero_and_unknown_codes_are_400_with_the_code_named(
    open_encounter, clinician, client_for
):
    encounter = open_encounter()

    response = client_for(clinician).put(
        api("api:encounter-superbill", encounter),
        {"diagnoses": ["E11.9", "Q99.99"], "lines": [{"code": "99213", "units": 0}]},
        content_type="application/json",
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors == {"lines": ["Line 1 (99213): units must be 1 or more (not 0)."]}
    assert not encounter.lines.exists()


def test_signing_without_a_price_is_409_naming_the_codes(
    coded, fee_schedule, clinician, client_for
):
    fee_schedule.entries.filter(code="36415").delete()
    encounter = coded(diagnoses=["I10"], lines=[line("99213"), line("36415")])

    response = client_for(clinician).post(api("api:encounter-sign", encounter))

    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["codes"]) == ("price_missing", ["36415"])
    assert "no price for 36415" in body["detail"]
    assert not Charge.objects.exists()


def test_a_signed_encounter_cannot_be_replaced_only_corrected(signed, coder_client):
    encounter = signed()

    replaced = coder_client.put(
        api("api:encounter-superbill", encounter),
        {"diagnoses": ["I10"], "lines": [{"code": "99214"}]}, content_type="application/json",
    )  # fmt: skip
    corrected = coder_client.post(
        api("api:encounter-amend", encounter),
        {"reason": "Level of service", "diagnoses": ["E11.9", "I10"],
         "lines": [{"code": "99214"}]},
        content_type="application/json",
    )  # fmt: skip

    assert replaced.status_code == 409
    assert replaced.json()["code"] == "encounter_state"
    assert corrected.status_code == 200
    assert (corrected.json()["status"], corrected.json()["version"]) == ("amended", 2)
    charges = coder_client.get(api("api:encounter-charge-list", encounter)).json()
    assert [(c["code"], c["amount"], c["reverses"] is not None) for c in charges] == [
        ("99213", "125.00", False), ("99213", "-125.00", True), ("99214", "185.00", False),
    ]  # fmt: skip
    assert sum(Decimal(c["amount"]) for c in charges) == Decimal("185.00")


def test_only_the_clinician_signs(coded, coder_client, make_user, client_for):
    encounter = coded()

    assert coder_client.post(api("api:encounter-sign", encounter)).status_code == 403
    biller = client_for(make_user(Role.BILLER))
    assert biller.get(api("api:encounter-detail", encounter)).status_code == 200
    assert biller.post(api("api:encounter-amend", encounter), {}).status_code == 403


def test_encounters_filter_by_status_provider_payer_and_dates(
    signed, coded, coder_client, provider, payer
):
    signed()
    coded()

    def ids(**params):
        response = coder_client.get(api("api:encounter-list"), params)
        assert response.status_code == 200, response.content
        return [(e["status"], e["payer"]) for e in response.json()]

    assert ids() == [("signed", payer.payer_id), ("open", payer.payer_id)]
    assert ids(status="signed") == [("signed", payer.payer_id)]
    assert len(ids(provider=provider.npi, payer=payer.payer_id)) == 2
    assert ids(date_from="2026-03-03") == []
    assert coder_client.get(api("api:encounter-list"), {"status": "paid"}).status_code == 400
    assert coder_client.get(api("api:encounter-list"), {"date_to": "March"}).status_code == 400


def test_charges_by_date_of_service(signed, biller, client_for):
    signed()
    client = client_for(biller)

    listed = client.get(api("api:charge-list"), {"date_from": DOS.isoformat()}).json()
    later = client.get(api("api:charge-list"), {"date_from": "2026-03-03"}).json()

    assert [(c["code"], c["amount"], c["date_of_service"]) for c in listed] == [
        ("99213", "125.00", "2026-03-02")
    ]
    assert later == []
