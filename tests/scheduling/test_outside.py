"""Outside appointments: tracked on the patient with status and documents."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from medoffice.scheduling.models import OutsideAppointment, OutsideDocument
from medoffice.scheduling.outside import (
    outside_document_add,
    outside_visit_add,
    outside_visit_update,
)

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture
def mri(patient, provider):
    return outside_visit_add(
        patient=patient,
        fields={"kind": "imaging", "service": "MRI left knee", "facility": "Valley Imaging",
                "ordered_by": provider},
    )  # fmt: skip


def test_a_referral_out_moves_through_its_statuses_with_its_documents(mri, audit_mark,
                                                                      audit_since):  # fmt: skip
    mark = audit_mark()
    outside_visit_update(visit=mri, fields={"status": "scheduled"})
    report = outside_document_add(
        visit=mri, title="Radiology report",
        upload=SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf"),
    )  # fmt: skip
    outside_visit_update(visit=mri, fields={"status": "results"})
    assert OutsideAppointment.objects.get().status == "results"
    assert report.file.read() == PDF
    assert [(e.action, e.detail) for e in audit_since(mark)] == [
        ("update", "fields: status"), ("create", ""), ("update", "fields: status"),
    ]  # fmt: skip


def test_bad_input_is_refused_with_field_errors(patient, mri, other_practice):
    with pytest.raises(ValidationError) as excinfo:
        outside_visit_add(patient=patient, fields={"kind": "spa", "service": "", "facility": ""})
    assert {"kind", "service", "facility"} <= set(excinfo.value.message_dict)
    with pytest.raises(ValidationError) as excinfo:
        outside_document_add(
            visit=mri, title="Report",
            upload=SimpleUploadedFile("x.pdf", b"MZ\x90\x00", content_type="application/pdf"),
        )  # fmt: skip
    assert "file" in excinfo.value.message_dict
    assert OutsideAppointment.objects.count() == 1
    assert not OutsideDocument.objects.exists()


def test_check_out_prompts_a_referral_that_remembers_the_visit(
    office, book, patient, front_desk, client_for, arrive
):
    from medoffice.scheduling.services import appointment_set_status
    from tests.scheduling.conftest import next_weekday_at

    visit = arrive(book(patient, next_weekday_at(9, 0)))
    appointment_set_status(appointment=visit, status="fulfilled")
    client = client_for(front_desk)
    panel = client.get(reverse("scheduling:appointment-detail", args=[visit.public_id]))
    add_url = reverse("scheduling:outside-add", args=[patient.public_id])
    assert f"{add_url}?from={visit.public_id}" in panel.content.decode()
    assert "Book the follow-up" in panel.content.decode()
    response = client.post(
        f"{add_url}?from={visit.public_id}",
        {"kind": "specialist", "service": "Cardiology consult", "facility": "Heart Center",
         "status": "requested"},
    )  # fmt: skip
    assert response.status_code == 302
    referral = OutsideAppointment.objects.get(service="Cardiology consult")
    assert referral.from_appointment == visit
    listing = client.get(reverse("scheduling:outside-list", args=[patient.public_id]))
    assert "Cardiology consult" in listing.content.decode()
    assert "Heart Center" in listing.content.decode()


def test_the_form_says_what_is_missing(patient, front_desk, client_for):
    response = client_for(front_desk).post(
        reverse("scheduling:outside-add", args=[patient.public_id]), {"kind": "imaging"}
    )
    assert response.status_code == 422
    assert "This field is required" in response.content.decode()
    assert not OutsideAppointment.objects.exists()
