"""The clinical record leaves the practice through records' hooks: the release packet's
sections (scope, signed notes only, restricted notes only by name) and the FHIR transfer
bundle (validated with the R4B models, with the code systems checked here); records'
documents panel on the chart summary, by role."""

import base64
import json
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from medoffice.clinical import services
from medoffice.records import services as records_services
from medoffice.records.fhir_export import patient_bundle
from medoffice.records.packet import SECTIONS, Scope, build_sections
from tests.clock import office_today
from tests.records.conftest import pdf_bytes, upload

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CLINICAL = ["problems", "medications", "immunizations", "results", "notes"]


@pytest.fixture
def full_chart(chart, provider, doctor):
    patient = chart["patient"]
    services.addendum_add(note=chart["note"], author=doctor, text="A1c repeat ordered.",
                          reason="Plan change")  # fmt: skip
    services.immunization_add(
        patient=patient, cvx="140", vaccine="Influenza, seasonal", lot="FLU123",
        given_on=office_today() - timedelta(days=30), site="left deltoid",
    )  # fmt: skip
    services.medication_add(
        patient=patient, name="Albuterol HFA inhaler", dose="90 mcg, 2 puffs", route="INH",
        frequency="as needed", start_date=date(2024, 1, 5), rxnorm="745679",
    )  # fmt: skip
    services.vital_record(patient=patient, kind="systolic", value=Decimal("128"))
    services.vital_record(patient=patient, kind="temperature", value=Decimal("36.8"))
    old = services.result_add(
        patient=patient, name="Creatinine", loinc="2160-0", value="0.9", unit="mg/dL",
        reference_range="0.6-1.3", flag="N", ordering_provider=provider,
        resulted_at=timezone.now() - timedelta(days=3 * 365),
    )  # fmt: skip
    draft = services.note_start(patient=patient, provider=provider, author=doctor)
    services.note_save_draft(note=draft, sections={"plan": "Unsigned draft plan text."})
    return chart | {"old_result": old}


def test_the_release_form_offers_the_clinical_sections():
    assert set(CLINICAL + ["sensitive_notes"]) <= set(SECTIONS)
    assert all(SECTIONS[key].clinical for key in CLINICAL + ["sensitive_notes"])


def test_packet_sections_hold_the_chart_in_scope_and_only_signed_notes(full_chart):
    patient = full_chart["patient"]
    this_year = Scope(date_from=office_today() - timedelta(days=400))

    sections = build_sections(patient, CLINICAL, this_year)
    text = repr(sections)

    titles = [s.title for s in sections]
    assert titles[:6] == ["Problem list", "Medications", "Allergies", "Immunizations",
                          "Vital signs", "Lab and imaging results"]  # fmt: skip
    assert "E11.9" in text
    assert "I10" in text
    assert "Metformin" in text
    assert "Penicillin" in text
    assert "Influenza, seasonal" in text
    assert "140" in text
    assert "Systolic blood pressure" in text
    assert "128" in text
    assert "Hemoglobin A1c (LOINC 4548-4)" in text
    assert "Creatinine" not in text  # three years old: outside the dates asked for
    assert "Follow-up of diabetes." in text
    assert "A1c repeat ordered." in text
    assert "Unsigned draft plan text." not in text  # drafts never leave
    assert "Low mood for months." not in text  # restricted notes only when named


def test_restricted_notes_go_only_as_their_own_section(full_chart):
    patient = full_chart["patient"]

    sections = build_sections(patient, ["sensitive_notes"], Scope())

    assert "Low mood for months." in repr(sections)
    assert "Follow-up of diabetes." not in repr(sections)
    assert "Behavioural health" in sections[0].title


def test_a_long_note_is_cut_so_the_packet_lays_out(chart, provider, doctor, records_clerk):
    patient = chart["patient"]
    note = services.note_start(patient=patient, provider=provider, author=doctor)
    services.note_save_draft(
        note=note, sections={"subjective": "Long history. " * 900, "plan": "Rest."}
    )
    services.note_sign(note=note, signed_by=doctor)
    roi = records_services.roi_request_create(
        patient=patient,
        fields={"requester_kind": "provider", "requester_name": "Dr. Hale", "purpose": "Care",
                "basis": "treatment", "sections": ["notes"], "delivery_method": "fax",
                "requester_fax": "2175550100"},
        created_by=records_clerk,
    )  # fmt: skip
    records_services.roi_identity_check(
        request=roi, method="letterhead", detail="NPI checked", passed=True,
        checked_by=records_clerk,
    )  # fmt: skip

    roi = records_services.roi_prepare_packet(request=roi, prepared_by=records_clerk)

    assert roi.packet_pages >= 3
    assert "Subjective (cont.)" in _text(roi)


def _text(roi) -> str:
    from medoffice.records.files import read_verified

    data = read_verified(roi.packet, roi.packet_sha256)
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_the_fhir_bundle_carries_the_clinical_record_with_its_codes(full_chart):
    patient = full_chart["patient"]

    data = json.loads(patient_bundle(patient))

    Bundle.model_validate(data)
    by_type: dict[str, list[dict]] = {}
    for entry in data["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    problems = [c for c in by_type["Condition"]
                if c["category"][0]["coding"][0]["code"] == "problem-list-item"]  # fmt: skip
    assert {c["code"]["coding"][0]["code"] for c in problems} == {"E11.9", "I10"}
    assert {c["code"]["coding"][0]["system"] for c in problems} == {
        "http://hl7.org/fhir/sid/icd-10-cm"
    }
    metformin, inhaler = (s["medicationCodeableConcept"] for s in by_type["MedicationStatement"])
    assert metformin == {"text": "Metformin"}  # no RXCUI on file: text only
    assert inhaler["coding"] == [
        {"system": RXNORM, "code": "745679", "display": "Albuterol HFA inhaler"}
    ]
    assert by_type["AllergyIntolerance"][0]["code"]["text"] == "Penicillin"
    vaccine = by_type["Immunization"][0]["vaccineCode"]["coding"][0]
    assert (vaccine["system"], vaccine["code"]) == ("http://hl7.org/fhir/sid/cvx", "140")
    observations = {o["code"]["coding"][0]["code"]: o for o in by_type["Observation"]}
    systolic = observations["8480-6"]
    assert systolic["code"]["coding"][0]["system"] == "http://loinc.org"
    assert systolic["category"][0]["coding"][0]["code"] == "vital-signs"
    assert systolic["valueQuantity"] == {"value": 128, "unit": "mm[Hg]",
                                         "system": "http://unitsofmeasure.org",
                                         "code": "mm[Hg]"}  # fmt: skip
    assert observations["8310-5"]["valueQuantity"]["value"] == 36.8
    a1c = observations["4548-4"]
    assert a1c["interpretation"][0]["coding"][0]["code"] == "H"
    assert a1c["referenceRange"] == [{"text": "4.0-5.6"}]
    notes = [d for d in by_type["DocumentReference"]
             if d.get("type", {}).get("coding", [{}])[0].get("code") == "11506-3"]  # fmt: skip
    texts = [base64.b64decode(n["content"][0]["attachment"]["data"]).decode() for n in notes]
    assert len(texts) == 1  # the signed note; not the draft, not the behavioural-health note
    assert "Follow-up of diabetes." in texts[0]
    assert "A1c repeat ordered." in texts[0]


def test_the_documents_panel_shows_what_the_role_may_read(
    chart, doctor, biller, records_clerk, client_for
):
    patient = chart["patient"]
    for category, title in (("lab", "Outside lab report"), ("insurance", "Insurance letter")):
        records_services.document_file(
            patient=patient, upload=upload("scan.pdf", pdf_bytes(title)), category=category,
            title=title, document_date=date(2025, 3, 4), filed_by=records_clerk,
        )  # fmt: skip
    url = reverse("clinical:chart", args=[patient.public_id])

    doctor_page = client_for(doctor).get(url).content.decode()
    biller_page = client_for(biller).get(url).content.decode()

    assert 'id="h-panel-documents"' in doctor_page
    assert "Outside lab report" in doctor_page
    assert "Insurance letter" in doctor_page
    assert "Insurance letter" in biller_page
    assert "Outside lab report" not in biller_page  # a clinical document
