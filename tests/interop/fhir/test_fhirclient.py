"""A real FHIR client (SMART on FHIR's `fhirclient`) drives the API on a live server over
loopback: metadata, search with paging, read, create and update."""

import pytest
from fhirclient import client as smart_client
from fhirclient.models.humanname import HumanName
from fhirclient.models.patient import Patient as FhirPatient
from fhirclient.models.practitioner import Practitioner as FhirPractitioner

from medoffice.core.api_auth import api_token_issue
from medoffice.patients.models import Patient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server(live_server, front_desk):
    """A fhirclient FHIRClient for our /fhir/ base, carrying a front desk API token."""
    fhir = smart_client.FHIRClient(
        settings={"app_id": "medoffice-tests", "api_base": f"{live_server.url}/fhir/"}
    )
    fhir.server.session.headers["Authorization"] = f"Bearer {api_token_issue(user=front_desk)}"
    return fhir.server


def test_client_reads_the_capability_statement(server):
    server.get_capability()

    statement = server.capabilityStatement
    assert statement.fhirVersion == "4.0.1"
    types = {r.type for r in statement.rest[0].resource}
    assert {"Patient", "Appointment", "Slot", "Practitioner"} <= types


def test_client_searches_pages_and_reads(server, make_patient, provider):
    made = [
        make_patient(first_name=f"Kim{n}", last_name="Clientson", dob=f"19{60 + n}-03-04",
                     mobile_phone="")
        for n in range(5)
    ]  # fmt: skip

    search = FhirPatient.where(struct={"family": "clientson", "_count": "2"})
    found = list(search.perform_resources_iter(server))  # follows the next links

    assert sorted(p.id for p in found) == sorted(str(p.public_id) for p in made)
    first = FhirPatient.read(str(made[0].public_id), server)
    assert first.name[0].family == "Clientson"
    assert first.birthDate.isostring == "1960-03-04"
    doctor = FhirPractitioner.read(str(provider.public_id), server)
    assert doctor.identifier[0].value == provider.npi


def test_client_creates_and_updates_a_patient(server):
    new = FhirPatient(
        {
            "name": [{"use": "official", "family": "Fetcher", "given": ["Rosa"]}],
            "gender": "female",
            "birthDate": "1991-09-10",
            "address": [
                {
                    "use": "home",
                    "line": ["9 Pine St"],
                    "city": "Springfield",
                    "state": "IL",
                    "postalCode": "62704",
                }
            ],
        }  # fmt: skip
    )

    created = new.create(server)

    patient = Patient.objects.get(public_id=created["id"])
    assert (patient.first_name, patient.last_name) == ("Rosa", "Fetcher")
    current = FhirPatient.read(created["id"], server)
    current.name = [HumanName({"use": "official", "family": "Fetcher", "given": ["Rosalind"]})]
    current.update(server)
    assert Patient.objects.get(pk=patient.pk).first_name == "Rosalind"
    assert FhirPatient.read(created["id"], server).name[0].given == ["Rosalind"]


def test_client_creates_and_updates_a_coverage(server, make_patient, payer):
    from fhirclient.models.coverage import Coverage as FhirCoverage

    from medoffice.patients.models import Coverage
    from tests.interop.fhir.test_coverage_writes import coverage_body

    patient = make_patient()

    created = FhirCoverage(coverage_body(patient, payer)).create(server)

    coverage = Coverage.objects.get(public_id=created["id"])
    assert (coverage.patient_id, coverage.member_id) == (patient.pk, "W123456789")
    current = FhirCoverage.read(created["id"], server)
    current.subscriberId = "W55501"
    current.update(server)
    assert Coverage.objects.get(pk=coverage.pk).member_id == "W55501"
    assert FhirCoverage.read(created["id"], server).subscriberId == "W55501"
