"""Visit notes: drafts from the visit type's template, signing locks, addenda after signing;
a signed note is never edited (refused, an addendum offered)."""

import hashlib

import pytest
from django.urls import reverse

from medoffice.clinical import services
from medoffice.clinical.errors import NoteIncompleteError, NoteSignedError, TransitionRefusedError
from medoffice.clinical.models import Note, NoteTemplate
from medoffice.scheduling.models import AppointmentType


def test_a_draft_starts_from_the_template_of_its_visit_type(patient, provider, doctor, practice):
    physical = AppointmentType.objects.create(
        practice=practice, name="Annual physical", duration_minutes=40
    )
    NoteTemplate.objects.create(practice=practice, name="Any visit", subjective="Reason:")
    NoteTemplate.objects.create(
        practice=practice, name="Physical", visit_type=physical, objective="General: \nHEENT: "
    )

    generic = services.note_start(patient=patient, provider=provider, author=doctor)
    template = services.note_template_for(practice_id=practice.id, visit_type=physical)

    assert generic.subjective == "Reason:"
    assert template.name == "Physical"


def test_signing_locks_the_note_and_fixes_its_digest(patient, provider, doctor):
    note = services.note_start(patient=patient, provider=provider, author=doctor)
    services.note_save_draft(note=note, sections={"assessment": "Stable", "plan": "Return 3 mo"})

    signed = services.note_sign(note=note, signed_by=doctor)

    text = "\x1e".join(["", "", "Stable", "Return 3 mo"])
    assert signed.status == "signed"
    assert signed.content_sha256 == hashlib.sha256(text.encode()).hexdigest()
    with pytest.raises(NoteSignedError):
        services.note_save_draft(note=signed, sections={"plan": "Changed"})
    with pytest.raises(NoteSignedError):
        services.note_sign(note=signed, signed_by=doctor)
    assert Note.objects.get(pk=note.pk).plan == "Return 3 mo"


def test_an_empty_note_cannot_be_signed(patient, provider, doctor):
    note = services.note_start(patient=patient, provider=provider, author=doctor)

    with pytest.raises(NoteIncompleteError):
        services.note_sign(note=note, signed_by=doctor)
    assert Note.objects.get(pk=note.pk).status == "draft"


def test_an_addendum_is_added_to_a_signed_note_only(patient, provider, doctor):
    note = services.note_start(patient=patient, provider=provider, author=doctor)
    services.note_save_draft(note=note, sections={"plan": "Labs"})
    with pytest.raises(TransitionRefusedError):
        services.addendum_add(note=note, author=doctor, text="Too early")
    signed = services.note_sign(note=note, signed_by=doctor)

    addendum = services.addendum_add(note=signed, author=doctor, text="A1c came back 8.1 %.")

    assert list(signed.addenda.all()) == [addendum]
    assert Note.objects.get(pk=note.pk).plan == "Labs"


def test_editing_a_signed_note_on_the_page_is_refused_with_an_addendum_offered(
    chart, doctor, client_for
):
    client = client_for(doctor)
    note = chart["note"]

    response = client.post(
        reverse("clinical:note-save", args=[note.public_id]),
        {"subjective": "x", "objective": "", "assessment": "changed", "plan": "p",
         "sensitivity": "normal"},
    )  # fmt: skip

    assert response.status_code == 409
    body = response.content.decode()
    assert "add an addendum" in body
    assert 'id="addendum-form"' in body
    assert Note.objects.get(pk=note.pk).assessment == "E11.9"


def test_clinician_signs_then_adds_an_addendum_through_the_pages(patient, doctor, client_for):
    client = client_for(doctor)
    response = client.post(reverse("clinical:note-new", args=[patient.public_id]))
    note = Note.objects.get(patient=patient)
    assert response.status_code == 302
    assert response["Location"] == reverse("clinical:note-detail", args=[note.public_id])

    client.post(
        reverse("clinical:note-save", args=[note.public_id]),
        {"subjective": "Cough 3 days", "objective": "Clear lungs", "assessment": "Viral URI",
         "plan": "Fluids", "sensitivity": "normal"},
    )  # fmt: skip
    client.post(reverse("clinical:note-sign", args=[note.public_id]))
    client.post(
        reverse("clinical:note-addendum", args=[note.public_id]),
        {"text": "Called back: fever resolved.", "reason": "Follow-up call"},
    )
    page = client.get(reverse("clinical:note-detail", args=[note.public_id])).content.decode()

    note.refresh_from_db()
    assert note.status == "signed"
    assert note.assessment == "Viral URI"
    assert "Called back: fever resolved." in page
    assert 'id="note-form"' not in page
