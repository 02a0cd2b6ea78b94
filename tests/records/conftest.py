"""Records fixtures: real files made here (a searchable PDF, a multi-page TIFF, JPEG, PNG),
forged ones, and a patient with a chart to release."""

import os
from datetime import date
from io import BytesIO

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from medoffice.records import services


def pdf_bytes(*pages: str) -> bytes:
    """A real PDF with one page per text, the text extractable (a 'searchable' PDF)."""
    buffer = BytesIO()
    canvas = Canvas(buffer)
    for text in pages or ("Page one",):
        canvas.drawString(72, 720, text)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def image_bytes(fmt: str, *, frames: int = 1, size=(120, 160)) -> bytes:
    images = [Image.new("RGB", size, (255, 255 - 40 * i, 255)) for i in range(frames)]
    buffer = BytesIO()
    if frames > 1:
        images[0].save(buffer, format=fmt, save_all=True, append_images=images[1:])
    else:
        images[0].save(buffer, format=fmt)
    return buffer.getvalue()


def stored_since(before: list[str], *contents: bytes) -> list[str]:
    """Files stored since `before` holding any of `contents` (other tests running at the
    same time in other workers store files of their own in the same storage)."""
    new = set(stored_files()) - set(before)
    return sorted(f for f in new if open(f, "rb").read() in contents)


def stored_files() -> list[str]:
    """Every file in the default storage (to show a refused upload left nothing behind)."""
    found = []
    for folder, _, names in os.walk(default_storage.location):
        found += [os.path.join(folder, n) for n in names]
    return sorted(found)


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def file_document(patient, records_clerk):
    def make(data=None, *, category="outside_records", title="Outside records", day=None, **kw):
        return services.document_file(
            patient=kw.pop("patient_", patient),
            upload=upload("scan.pdf", data or pdf_bytes("Discharge summary", "Page two")),
            category=category,
            title=title,
            document_date=day or date(2025, 3, 4),
            filed_by=records_clerk,
            **kw,
        )

    return make


# The security tests' world (a patient with coverage, visits, encounters and records).
from tests.core.conftest import world  # noqa: E402, F401
