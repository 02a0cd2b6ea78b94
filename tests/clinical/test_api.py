"""The chart's REST endpoints: drafts, signing, the 409 for editing a signed note with the
addendum offered, coded problems refused with a problem document, result filing."""

from django.urls import reverse
from django.utils import timezone

from medoffice.clinical.models import Note, Problem


def _json(client, method, url, data=None):
    return getattr(client, method)(url, data=data or {}, content_type="application/json")


def test_a_note_is_drafted_signed_and_then_only_amended_through_the_api(
    patient, doctor, client_for
):
    client = client_for(doctor)
    made = _json(client, "post", reverse("api:note-list", args=[patient.public_id]),
                 {"subjective": "Ankle twisted", "assessment": "Sprain"})  # fmt: skip
    assert made.status_code == 201
    note_id = made.json()["id"]

    signed = _json(client, "post", reverse("api:note-sign", args=[note_id]))
    edit = _json(client, "patch", reverse("api:note-detail", args=[note_id]), {"plan": "Ice"})
    added = _json(client, "post", reverse("api:note-addendum", args=[note_id]),
                  {"text": "X-ray negative.", "reason": "Result"})  # fmt: skip

    assert signed.json()["status"] == "signed"
    assert len(signed.json()["content_sha256"]) == 64
    assert edit.status_code == 409
    assert edit["Content-Type"] == "application/problem+json"
    assert edit.json()["code"] == "note_signed"
    assert edit.json()["addendum"] == f"/api/notes/{note_id}/addenda/"
    assert Note.objects.get(public_id=note_id).plan == ""
    assert [a["text"] for a in added.json()["addenda"]] == ["X-ray negative."]


def test_an_empty_draft_cannot_be_signed(patient, doctor, client_for):
    client = client_for(doctor)
    note_id = _json(client, "post", reverse("api:note-list", args=[patient.public_id])).json()["id"]

    response = _json(client, "post", reverse("api:note-sign", args=[note_id]))

    assert response.status_code == 409
    assert response.json()["code"] == "note_incomplete"


def test_a_bad_problem_code_is_a_400_problem_and_saves_nothing(patient, doctor, icd10, client_for):
    url = reverse("api:problem-list", args=[patient.public_id])
    response = _json(client_for(doctor), "post", url, {"code": "Z99.89"})

    assert response.status_code == 400
    assert response.json()["code"] == "problem_code_invalid"
    assert not Problem.objects.exists()


def test_results_are_filed_paged_and_reviewed(patient, doctor, assistant, provider, client_for):
    url = reverse("api:result-list", args=[patient.public_id])
    filed = _json(client_for(assistant), "post", url, {
        "name": "TSH", "loinc": "3016-3", "value": "6.1", "unit": "m[IU]/L",
        "reference_range": "0.4-4.0", "flag": "H", "ordering_provider": provider.npi,
        "resulted_at": timezone.now().isoformat(),
    })  # fmt: skip
    assert filed.status_code == 201
    unknown = _json(client_for(assistant), "post", url, {
        "name": "TSH", "resulted_at": timezone.now().isoformat(), "ordering_provider": "1234567893",
    })  # fmt: skip
    assert unknown.status_code == 400

    review = reverse("api:result-review", args=[filed.json()["id"]])
    assert _json(client_for(assistant), "post", review).status_code == 403
    assert _json(client_for(doctor), "post", review).json()["reviewed_at"]
    assert _json(client_for(doctor), "post", review).status_code == 409
    waiting = client_for(doctor).get(url + "?unreviewed=1").json()
    assert waiting == []
