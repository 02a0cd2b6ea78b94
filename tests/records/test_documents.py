"""Filing documents: type and size by content, pages, text, thumbnails, the SHA-256 check."""

import base64
import re
from datetime import date
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from medoffice.records import files, services
from medoffice.records.errors import DocumentIntegrityError
from medoffice.records.models import Document
from tests.records.conftest import image_bytes, pdf_bytes, stored_files, stored_since, upload


def test_files_a_searchable_pdf_with_pages_text_digest_and_thumbnail(file_document):
    data = pdf_bytes("Echocardiogram report: normal ejection fraction", "Second page")

    document = file_document(data)

    assert document.kind == "pdf"
    assert document.pages == 2
    assert "ejection fraction" in document.text
    assert document.sha256 == files.sha256_of(data)
    assert document.size == len(data)
    assert document.thumbnail.name.endswith(".png")
    assert files.read_verified(document.file, document.sha256) == data


def test_files_a_multi_page_tiff_as_one_document(file_document):
    document = file_document(image_bytes("TIFF", frames=3))

    assert (document.kind, document.pages) == ("tiff", 3)
    assert document.thumbnail


def _png_at(data: bytes) -> tuple[tuple[int, int], tuple]:
    with Image.open(BytesIO(data)) as image:
        return image.size, image.convert("RGB").getpixel((5, 5))


def test_a_multi_page_tiff_has_a_first_page_thumbnail_and_every_page_in_the_viewer(
    file_document, clinician, client_for
):
    # Each frame its own shade: frame n is (255, 255 - 40n, 255).
    document = file_document(image_bytes("TIFF", frames=3, size=(300, 400)))
    with document.thumbnail.open("rb") as handle:
        size, colour = _png_at(handle.read())
    assert size == (files.THUMBNAIL_WIDTH, files.THUMBNAIL_WIDTH * 4 // 3)
    assert colour == (255, 255, 255)

    page = client_for(clinician).get(
        reverse("records:document-detail", args=[document.public_id]), {"page": 3}
    )

    html = page.content.decode()
    assert 'alt="Page 3 of 3"' in html
    drawn = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', html)[1])
    assert _png_at(drawn)[1] == (255, 175, 255)


@pytest.mark.parametrize(("fmt", "kind"), [("JPEG", "jpeg"), ("PNG", "png")])
def test_files_photos_of_paper(file_document, fmt, kind):
    assert file_document(image_bytes(fmt)).kind == kind


def test_the_stored_name_is_generated_never_the_uploaded_one(patient, records_clerk):
    document = services.document_file(
        patient=patient,
        upload=upload("../../etc/passwd.pdf", pdf_bytes()),
        category="correspondence",
        title="Letter",
        document_date=date(2025, 1, 2),
    )

    assert "passwd" not in document.file.name
    assert ".." not in document.file.name


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>", "not a PDF, TIFF, JPEG or PNG"),
        ("report.pdf", b"MZ\x90\x00" + b"\x00" * 200, "not a PDF, TIFF, JPEG or PNG"),
        ("report.pdf", b"%PDF-1.7\n this is not really a pdf at all", "damaged"),
        ("scan.tif", image_bytes("TIFF", frames=2)[:300], "damaged"),
        ("photo.jpg", image_bytes("JPEG")[:200], "damaged"),
        ("empty.pdf", b"", "empty"),
        ("page.pdf", b"%PDF-1.4\n<html><body>hi</body></html>", "markup"),
    ],
    ids=["html-named-pdf", "exe-named-pdf", "pdf-header-only", "truncated-tiff",
         "truncated-jpeg", "empty", "polyglot"],
)  # fmt: skip
def test_forged_and_corrupt_files_are_refused_and_nothing_is_stored(patient, name, data, reason):
    with pytest.raises(ValidationError) as caught:
        services.document_file(
            patient=patient, upload=upload(name, data), category="lab", title="Lab",
            document_date=date(2025, 1, 2),
        )  # fmt: skip

    assert reason in " ".join(caught.value.message_dict["file"])
    assert Document.objects.count() == 0


def test_an_oversized_file_is_refused(patient, settings):
    settings.MEDOFFICE_MAX_UPLOAD_BYTES = 2000
    data = pdf_bytes(*[f"page {n}" for n in range(40)])
    assert len(data) > 2000

    with pytest.raises(ValidationError) as caught:
        services.document_file(
            patient=patient, upload=upload("big.pdf", data), category="lab", title="Lab",
            document_date=date(2025, 1, 2),
        )  # fmt: skip

    assert "larger than" in caught.value.message_dict["file"][0]


def test_a_flipped_byte_in_the_stored_file_is_refused_on_read(file_document):
    document = file_document()
    path = document.file.path
    with open(path, "r+b") as handle:
        handle.seek(40)
        byte = handle.read(1)
        handle.seek(40)
        handle.write(bytes([byte[0] ^ 0x01]))

    with pytest.raises(DocumentIntegrityError):
        files.read_verified(document.file, document.sha256)


def test_an_encounter_of_another_patient_is_refused(patient, make_patient):
    from medoffice.billing.models import Encounter

    other = make_patient(first_name="Ann", last_name="Other")
    encounter = Encounter(patient=other)

    with pytest.raises(ValidationError) as caught:
        services.document_file(
            patient=patient, upload=upload("a.pdf", pdf_bytes()), category="lab", title="Lab",
            document_date=date(2025, 1, 2), encounter=encounter,
        )  # fmt: skip

    assert "encounter" in caught.value.message_dict


def test_the_upload_page_answers_a_forged_or_oversized_file_with_422_and_stores_nothing(
    patient, records_clerk, client_for, settings
):
    client = client_for(records_clerk)
    url = reverse("records:document-add", args=[patient.public_id])
    settings.MEDOFFICE_MAX_UPLOAD_BYTES = 2000
    before = stored_files()

    tries = (
        ("big.pdf", pdf_bytes(*[f"page {n}" for n in range(40)]), "larger than"),
        ("claims.pdf", b"GIF89a not a pdf", "not a PDF, TIFF, JPEG or PNG"),
    )
    for name, data, reason in tries:
        answer = client.post(url, {"file": upload(name, data), "category": "lab",
                                   "title": "Labs", "document_date": "2026-11-02"})  # fmt: skip
        assert answer.status_code == 422
        assert reason in answer.content.decode()

    assert Document.objects.count() == 0
    assert stored_since(before, *(data for _, data, _ in tries)) == []
