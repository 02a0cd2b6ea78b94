"""A claim and its posted 835 read into the FHIR codec's dataclasses: Claim, ClaimResponse and
ExplanationOfBenefit carry what the ERA said, validated in R4B."""

from decimal import Decimal as D

from fhir.resources.R4B.claim import Claim as FhirClaim
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit

from medoffice.formats.fhir.bundle import rest_ref
from medoffice.formats.fhir.financial import financial_resources
from medoffice.records.fhir_export import claim_data, claim_rows


def test_a_posted_remittance_reads_into_claim_response_and_explanation(remitted):
    claim = remitted
    visit, _ = claim.lines.order_by("number")

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
