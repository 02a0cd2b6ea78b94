"""Claim, ClaimResponse and ExplanationOfBenefit are pure mappings, validated in R4B."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from fhir.resources.R4B.claim import Claim
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit

from medoffice.formats.fhir.bundle import rest_ref
from medoffice.formats.fhir.financial import (
    ADJUDICATION,
    C4BB_ADJUDICATION,
    CARC_SYSTEM,
    CPT_SYSTEM,
    HCPCS_SYSTEM,
    AdjudicationData,
    AdjustmentData,
    ClaimData,
    ClaimLineData,
    PaymentData,
    claim,
    claim_response,
    explanation_of_benefit,
    financial_resources,
)

IDS = {n: str(uuid.uuid5(uuid.NAMESPACE_URL, n)) for n in (
    "claim", "patient", "doctor", "payer", "coverage", "original",
)}  # fmt: skip
WHEN = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)


def _claim(**changes) -> ClaimData:
    base = dict(
        id=IDS["claim"], control_number="MO000123", status="sent", patient_id=IDS["patient"],
        provider_id=IDS["doctor"], provider_npi="1987654325", payer_id=IDS["payer"],
        coverage_id=IDS["coverage"], created=WHEN, service_from=date(2026, 3, 4),
        service_to=date(2026, 3, 4), place_of_service="11", total=D("245.00"),
        diagnoses=(("E11.9", "Type 2 diabetes mellitus without complications"), ("I10", "")),
        lines=(
            ClaimLineData(1, "99214", 1, D("180.00"), date(2026, 3, 4), ("25",), (1, 2)),
            ClaimLineData(2, "G0439", 1, D("65.00"), date(2026, 3, 4), (), (1,)),
        ),
    )  # fmt: skip
    base.update(changes)
    return ClaimData(**base)


PAID = dict(
    status="partially_paid", paid=D("120.00"), patient_responsibility=D("25.00"),
    payer_claim_number="ICN778", adjudications=(
        AdjudicationData(1, D("120.00"), date(2026, 3, 20), D("145.00"), (
            AdjustmentData("CO", "45", D("35.00")), AdjustmentData("PR", "3", D("25.00")),
        )),
        AdjudicationData(2, D("0.00"), date(2026, 3, 20), None, (
            AdjustmentData("CO", "97", D("65.00")),
        )),
    ),
    payments=(PaymentData(date(2026, 3, 20), D("120.00"), "EFT55501"),),
)  # fmt: skip


def _category_codes(entries) -> list[str]:
    return [e["category"]["coding"][0]["code"] for e in entries]


def test_a_claim_validates_with_icd10_cpt_hcpcs_and_modifiers():
    resource = claim(_claim(), ref=rest_ref)
    Claim.model_validate(resource)
    assert resource["status"] == "active"
    assert resource["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0] == {
        "system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9",
        "display": "Type 2 diabetes mellitus without complications",
    }  # fmt: skip
    first, second = resource["item"]
    assert first["productOrService"]["coding"][0] == {"system": CPT_SYSTEM, "code": "99214"}
    assert first["modifier"][0]["coding"][0]["code"] == "25"
    assert first["diagnosisSequence"] == [1, 2]
    assert second["productOrService"]["coding"][0]["system"] == HCPCS_SYSTEM
    assert resource["total"] == {"value": D("245.00"), "currency": "USD"}
    assert isinstance(first["net"]["value"], D)
    assert resource["patient"] == {"reference": f"Patient/{IDS['patient']}"}
    assert resource["provider"]["identifier"]["value"] == "1987654325"


def test_a_draft_is_draft_and_a_void_is_cancelled_and_points_at_what_it_corrects():
    assert claim(_claim(status="scrubbed"))["status"] == "draft"
    void = claim(_claim(frequency="8", original_id=IDS["original"]), ref=rest_ref)
    Claim.model_validate(void)
    assert void["status"] == "cancelled"
    assert void["related"][0]["claim"] == {"reference": f"Claim/{IDS['original']}"}


def test_an_unanswered_claim_has_neither_response_nor_explanation():
    assert [r["resourceType"] for r in financial_resources(_claim())] == ["Claim"]


def test_an_adjudicated_claim_answers_with_adjudication_by_carc_group():
    c = _claim(**PAID)
    response = claim_response(c, ref=rest_ref)
    ClaimResponse.model_validate(response)
    assert response["outcome"] == "complete"
    assert response["request"] == {"reference": f"Claim/{IDS['claim']}"}
    line_one = response["item"][0]["adjudication"]
    assert _category_codes(line_one) == [
        "submitted", "eligible", "discount", "copay", "benefit",
    ]  # fmt: skip
    copay = line_one[3]
    assert copay["category"]["coding"][0]["system"] == ADJUDICATION
    assert copay["category"]["coding"][1] == {"system": "urn:x12:cas-group", "code": "PR"}
    assert copay["reason"]["coding"][0] == {"system": CARC_SYSTEM, "code": "3"}
    assert copay["amount"]["value"] == D("25.00")
    denied_line = response["item"][1]["adjudication"]
    assert _category_codes(denied_line) == ["submitted", "noncovered", "benefit"]
    assert denied_line[1]["category"]["coding"][0]["system"] == C4BB_ADJUDICATION
    assert response["payment"]["identifier"]["value"] == "EFT55501"
    assert response["payment"]["amount"]["value"] == D("120.00")


def test_the_explanation_of_benefit_carries_claim_lines_totals_payee_and_payment():
    c = _claim(**PAID)
    eob = explanation_of_benefit(c, ref=rest_ref)
    ExplanationOfBenefit.model_validate(eob)
    assert eob["payee"]["type"]["coding"][0]["code"] == "provider"
    assert eob["insurance"] == [
        {"focal": True, "coverage": {"reference": f"Coverage/{IDS['coverage']}"}}
    ]
    totals = {e["category"]["coding"][0]["code"]: e["amount"]["value"] for e in eob["total"]}
    assert totals == {
        "submitted": D("245.00"),
        "benefit": D("120.00"),
        "memberliability": D("25.00"),
    }
    # On every line: what was charged equals what was paid plus every adjustment.
    for item in eob["item"]:
        entries = item["adjudication"]
        charged = entries[0]["amount"]["value"]
        rest = sum(
            (e["amount"]["value"] for e in entries
             if e["category"]["coding"][0]["code"] not in ("submitted", "eligible")),
            D(0),
        )  # fmt: skip
        assert charged == rest
    assert eob["identifier"][1] == {"system": "urn:x12:payer-claim-number", "value": "ICN778"}
    assert [r["resourceType"] for r in financial_resources(c)] == [
        "Claim", "ClaimResponse", "ExplanationOfBenefit",
    ]  # fmt: skip


def test_a_rejected_claim_answers_with_an_error_and_the_reason_but_no_explanation():
    c = _claim(status="rejected", status_reason="Subscriber id not found")
    resources = financial_resources(c)
    assert [r["resourceType"] for r in resources] == ["Claim", "ClaimResponse"]
    ClaimResponse.model_validate(resources[1])
    assert resources[1]["outcome"] == "error"
    assert resources[1]["disposition"] == "Subscriber id not found"


def test_the_response_ids_are_stable_for_a_claim():
    c = _claim(**PAID)
    assert claim_response(c)["id"] == claim_response(c)["id"] != c.id
    assert explanation_of_benefit(c)["id"] != claim_response(c)["id"]


def test_money_must_be_decimal():
    with pytest.raises(TypeError):
        claim(_claim(total=245))


def test_money_is_written_as_an_exact_json_number():
    import json

    from medoffice.formats.fhir.writer import dumps

    text = dumps({"total": {"value": D("245.00"), "currency": "USD"}, "note": "\x00decimal\x001"})
    assert '"value":245.00' in text
    assert json.loads(text)["note"] == "\x00decimal\x001"
    with pytest.raises(TypeError):
        dumps({"x": D("NaN")})
