"""A claim and its posted 835 read into the FHIR codec's dataclasses: Claim, ClaimResponse and
ExplanationOfBenefit carry what the ERA said, validated in R4B."""

from decimal import Decimal as D

from fhir.resources.R4B.claim import Claim as FhirClaim
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit

from medoffice.formats.fhir.bundle import rest_ref
from medoffice.formats.fhir.financial import financial_resources
from medoffice.payments.era import era_import
from medoffice.records.fhir_export import claim_data, claim_rows
from tests.payments.conftest import (  # noqa: F401 - fixtures
    biller,
    billing_office,
    claim_payment,
    code_sets,
    coded,
    coverage,
    era_bytes,
    fee_schedule,
    line,
    open_encounter,
    posted,
    sent,
    service,
    signed,
)


def test_a_posted_remittance_reads_into_claim_response_and_explanation(sent, practice):  # noqa: F811
    claim = sent([line("99213"), line("36415")])
    visit, draw = claim.lines.order_by("number")
    payment = claim_payment(
        claim,
        [
            service(visit, "70.00", ("CO", "45", "25.00"), ("PR", "3", "20.00"),
                    ("PR", "1", "10.00")),
            service(draw, "10.00", ("CO", "45", "2.50")),
        ],
    )  # fmt: skip
    assert era_import(era_bytes([payment]), practice=practice, name="a.835").status == "posted"

    data = claim_data(claim_rows().get(pk=claim.pk))
    resources = financial_resources(data, ref=rest_ref)

    fhir_claim, response, eob = resources
    FhirClaim.model_validate(fhir_claim)
    ClaimResponse.model_validate(response)
    ExplanationOfBenefit.model_validate(eob)
    assert fhir_claim["identifier"][0]["value"] == claim.patient_control_number
    assert [i["productOrService"]["coding"][0]["code"] for i in fhir_claim["item"]] == [
        "99213", "36415",
    ]  # fmt: skip
    first = {
        e["category"]["coding"][0]["code"]: e["amount"]["value"]
        for e in eob["item"][0]["adjudication"]
    }
    assert first == {
        "submitted": visit.amount, "discount": D("25.00"), "copay": D("20.00"),
        "deductible": D("10.00"), "benefit": D("70.00"),
    }  # fmt: skip
    assert eob["payment"]["identifier"]["value"] == "EFT0001"
    assert eob["payment"]["amount"]["value"] == D("80.00")
    assert response["outcome"] == "complete"
