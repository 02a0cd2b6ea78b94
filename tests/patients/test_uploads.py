"""Insurance card images and signed forms: checked by content, stored privately, served safely."""

import re
import uuid
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.test import override_settings
from django.urls import reverse

from medoffice.core.models import AuditEvent
from medoffice.patients import services
from medoffice.patients.models import Consent, Coverage
from tests.patients.conftest import coverage_fields, jpeg_bytes, png_bytes, upload

GENERATED = re.compile(r"^cards/\d{4}/\d{2}/[0-9a-f]{32}\.(png|jpg|pdf)$")
HTML_AS_PNG = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
POLYGLOT = png_bytes()[:16] + b"<script>fetch('/api/patients/')</script>" + png_bytes()[16:]


@pytest.fixture
def files_dir(settings) -> Path:
    """A private folder under MEDOFFICE_VAR_DIR/files for this test, so parallel workers
    never see each other's files."""
    location = Path(settings.FILES_DIR) / f"test-{uuid.uuid4().hex}"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "base_url": "/no-direct-access/"},
        },
    }
    return location


def _stored(files_dir: Path) -> list[Path]:
    return sorted(p for p in files_dir.rglob("*") if p.is_file()) if files_dir.exists() else []


def _form(payer, **extra) -> dict:
    return {
        "payer": payer.pk,
        "member_id": "W123456789",
        "order": "1",
        "relationship": "18",
        "effective_start": "2024-01-01",
        **extra,
    }


def _post_card(client, patient, payer, **files):
    return client.post(
        reverse("patients:coverage-add", args=[patient.public_id]), _form(payer, **files)
    )


def test_uploads_are_stored_under_the_var_dir_and_never_get_a_public_url():
    storage = settings.STORAGES["default"]["OPTIONS"]
    assert Path(storage["location"]) == Path(settings.VAR_DIR) / "files"
    assert storage["base_url"] == "/no-direct-access/"


def test_a_real_png_card_is_stored_under_a_generated_name(
    front_desk, client_for, patient, payer, files_dir
):
    content = png_bytes()
    response = _post_card(
        client_for(front_desk),
        patient,
        payer,
        card_front=upload("Scan of my card (front).png", content),
        card_back=upload("back.jpg", jpeg_bytes(), "image/jpeg"),
    )
    assert response.status_code == 302
    coverage = Coverage.objects.get()
    assert GENERATED.match(coverage.card_front.name), coverage.card_front.name
    assert coverage.card_front.name.endswith(".png")
    assert coverage.card_back.name.endswith(".jpg")
    assert "Scan" not in coverage.card_front.name
    assert "back" not in coverage.card_back.name
    front = Path(coverage.card_front.path)
    assert front.is_relative_to(Path(settings.VAR_DIR) / "files")
    assert front.is_relative_to(files_dir)
    assert front.read_bytes() == content
    assert len(_stored(files_dir)) == 2


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("card.png", HTML_AS_PNG, "HTML renamed .png"),
        ("card.png", POLYGLOT, "PNG magic followed by a script"),
        ("card.jpg", b"\xff\xd8\xff\xe0<svg onload=alert(1)>", "JPEG magic followed by SVG"),
        ("card.png", b"GIF89a" + b"\x00" * 40, "a GIF is not on the list"),
        ("card.png", b"", "empty"),
    ],
)
def test_a_file_that_is_not_really_an_image_is_refused_and_nothing_saved(
    front_desk, client_for, patient, payer, files_dir, name, content, why
):
    response = _post_card(client_for(front_desk), patient, payer, card_front=upload(name, content))
    assert response.status_code == 422, why
    html = response.content.decode()
    errors = re.search(r'<div id="errors-card_front">(.*?)</div>', html, re.S).group(1)
    assert "Only JPEG, PNG, PDF files are accepted." in errors or "empty" in errors, why
    assert not Coverage.objects.exists()
    assert _stored(files_dir) == []


def test_an_oversize_file_is_refused_with_a_field_error_and_nothing_saved(
    patient, payer, files_dir
):
    with override_settings(MEDOFFICE_MAX_UPLOAD_BYTES=64), pytest.raises(ValidationError) as exc:
        services.coverage_add(
            patient=patient,
            fields=coverage_fields(payer),
            cards={"card_back": upload("big.png", png_bytes() + b"\x00" * 100)},
        )
    assert list(exc.value.message_dict) == ["card_back"]
    assert "larger than" in exc.value.message_dict["card_back"][0]
    assert not Coverage.objects.exists()
    assert _stored(files_dir) == []


def test_an_oversize_file_on_the_form_is_an_error_under_its_field(
    front_desk, client_for, patient, payer, files_dir
):
    with override_settings(MEDOFFICE_MAX_UPLOAD_BYTES=64):
        response = _post_card(
            client_for(front_desk),
            patient,
            payer,
            card_front=upload("big.png", png_bytes() + b"\x00" * 100),
        )
    assert response.status_code == 422
    assert re.search(
        r'<div id="errors-card_front"><p class="error"[^>]*>The file is larger',
        response.content.decode(),
    )
    assert not Coverage.objects.exists()


def test_a_bad_card_does_not_leave_the_good_one_behind(patient, payer, files_dir):
    with pytest.raises(ValidationError) as exc:
        services.coverage_add(
            patient=patient,
            fields=coverage_fields(payer),
            cards={
                "card_front": upload("ok.png", png_bytes()),
                "card_back": upload("x.png", HTML_AS_PNG),
            },
        )
    assert list(exc.value.message_dict) == ["card_back"]
    assert not Coverage.objects.exists()
    assert _stored(files_dir) == []


def test_a_good_card_on_a_refused_coverage_is_not_kept(patient, payer, files_dir):
    services.coverage_add(patient=patient, fields=coverage_fields(payer))
    with pytest.raises(ValidationError) as exc:
        services.coverage_add(
            patient=patient,
            fields=coverage_fields(payer, member_id="OTHER-1"),
            cards={"card_front": upload("ok.png", png_bytes())},
        )
    assert "order" in exc.value.message_dict
    assert Coverage.objects.count() == 1
    assert _stored(files_dir) == []


def test_a_path_traversal_file_name_is_ignored(front_desk, client_for, patient, payer, files_dir):
    response = _post_card(
        client_for(front_desk), patient, payer, card_front=upload("../../evil.png", png_bytes())
    )
    assert response.status_code == 302
    name = Coverage.objects.get().card_front.name
    assert GENERATED.match(name), name
    assert ".." not in name
    assert "evil" not in name
    stored = _stored(files_dir)
    assert len(stored) == 1
    assert all(p.resolve().is_relative_to(files_dir.resolve()) for p in stored)
    assert not (files_dir.parent / "evil.png").exists()
    assert not (files_dir.parent.parent / "evil.png").exists()


def test_a_path_traversal_name_given_to_the_service_is_ignored_too(patient, payer, files_dir):
    card = upload("card.png", png_bytes())
    card.name = "../../../../etc/evil.png"  # bypass the basename of the multipart parser
    coverage = services.coverage_add(
        patient=patient, fields=coverage_fields(payer), cards={"card_front": card}
    )
    assert GENERATED.match(coverage.card_front.name), coverage.card_front.name


# --- downloading a card ----------------------------------------------------------------------


@pytest.fixture
def carded(patient, payer, files_dir) -> Coverage:
    return services.coverage_add(
        patient=patient,
        fields=coverage_fields(payer),
        cards={"card_front": upload("front.png", png_bytes())},
    )


def _card_url(coverage, side="front") -> str:
    return reverse("patients:coverage-card", args=[coverage.public_id, side])


@pytest.mark.parametrize("role", ["biller", "front_desk", "clinician", "coder", "records"])
def test_a_card_downloads_as_a_sandboxed_attachment_for_those_who_may_see_insurance(
    persona, client_for, carded, role
):
    response = client_for(persona(role)).get(_card_url(carded))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="card-front.png"' in response["Content-Disposition"]
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    assert b"".join(response.streaming_content) == png_bytes()


def test_the_card_download_is_audited(biller, client_for, carded, audit_mark):
    client = client_for(biller)
    mark = audit_mark()
    client.get(_card_url(carded))
    event = AuditEvent.objects.filter(id__gt=mark).last()
    assert event.object_id == str(carded.public_id)
    assert event.category == "insurance"


@pytest.mark.parametrize(("role", "status"), [("administrator", 403), ("privacy_officer", 403)])
def test_roles_without_insurance_access_are_refused_the_card(
    persona, client_for, carded, role, status
):
    assert client_for(persona(role)).get(_card_url(carded)).status_code == status


def test_another_practice_cannot_tell_the_card_exists(outsider, client_for, carded):
    assert client_for(outsider).get(_card_url(carded)).status_code == 404


def test_a_missing_side_or_unknown_side_is_404(biller, client_for, carded):
    client = client_for(biller)
    assert client.get(_card_url(carded, "back")).status_code == 404
    assert client.get(_card_url(carded, "middle")).status_code == 404
    assert client.get(_card_url(carded, "..%2Fetc")).status_code == 404


def test_the_stored_file_cannot_be_fetched_by_a_direct_url(biller, client_for, carded, client):
    path = "/no-direct-access/" + carded.card_front.name
    assert default_storage.url(carded.card_front.name).startswith("/no-direct-access/")
    assert client_for(biller).get(path).status_code == 404
    assert client.get(path).status_code == 404
    assert client.get("/files/" + carded.card_front.name).status_code == 404


# --- signed forms ----------------------------------------------------------------------------


def test_a_signed_form_scan_is_stored_under_a_generated_name(patient, files_dir):
    consent = services.consent_record(
        patient=patient,
        kind="treatment",
        signed_on=date(2024, 1, 2),
        document=upload(
            "Garcia consent.pdf", b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF", "application/pdf"
        ),
    )
    assert re.match(r"^consents/\d{4}/\d{2}/[0-9a-f]{32}\.pdf$", consent.document.name)


def test_a_signed_form_that_is_not_a_document_is_refused(patient, files_dir):
    with pytest.raises(ValidationError) as excinfo:
        services.consent_record(
            patient=patient,
            kind="treatment",
            signed_on=date(2024, 1, 2),
            document=upload("form.pdf", HTML_AS_PNG, "application/pdf"),
        )
    assert "document" in excinfo.value.message_dict
    assert not Consent.objects.exists()
    assert _stored(files_dir) == []
