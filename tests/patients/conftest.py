"""Helpers of the patient tests: form data, payers, coverage fields and tiny image files."""

import struct
import zlib
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from medoffice.patients.models import Consent, Coverage, Patient, Payer


@pytest.fixture(autouse=True)
def _office(location):
    """Every practice here has its office (in Chicago), as a real one does: a day of a
    patient's is that office's, not the server's fallback zone's."""
    return location


# One valid new patient, as the registration page posts it; the JSON and service shapes
# below are derived from it.
NEW_PATIENT = {
    "first_name": "Maria",
    "last_name": "Garcia",
    "dob": "1975-06-30",
    "sex_at_birth": "F",
    "address1": "5 Elm St",
    "city": "Springfield",
    "state": "IL",
    "zip_code": "62702",
    "mobile_phone": "217-555-0199",
}
FORM_ONLY = {
    "gender_identity": "female",
    "preferred_language": "es",
    "preferred_contact_method": "sms",
    "guarantor_relationship": "self",
}


def _without_none(data: dict) -> dict:
    return {name: value for name, value in data.items() if value is not None}


def registration_form(**overrides) -> dict:
    """What the registration page posts for a new, valid patient."""
    return _without_none({**NEW_PATIENT, **FORM_ONLY, **overrides})


def registration_json(**overrides) -> dict:
    """What an integration posts to /api/patients/ for a new, valid patient."""
    return _without_none({**NEW_PATIENT, **overrides})


def service_fields(**overrides) -> dict:
    """Fields for services.patient_register (Python values, as a form would clean them)."""
    return {**NEW_PATIENT, "dob": date(1975, 6, 30), **overrides}


def coverage_fields(payer: Payer, **overrides) -> dict:
    data = {
        "payer": payer,
        "plan_name": "Choice POS II",
        "member_id": "W123456789",
        "group_number": "GRP-100",
        "order": 1,
        "relationship": "18",
        "effective_start": date(2024, 1, 1),
        "effective_end": None,
    }
    data.update(overrides)
    return data


def png_bytes() -> bytes:
    """A real 1x1 RGB PNG: signature, IHDR, IDAT, IEND with correct CRCs."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    """The start of a JFIF file (SOI + APP0) and its end marker."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def second_payer(db) -> Payer:
    return Payer.objects.create(
        name="Blue Cross Blue Shield of Illinois",
        payer_id="00621",
        claim_filing_indicator="BL",
        member_id_pattern=r"[A-Z]{3}\d{9}",
    )


@pytest.fixture
def counts():
    """counts() -> (patients, coverages, consents): to prove nothing was saved."""

    def snapshot() -> tuple[int, int, int]:
        return (Patient.objects.count(), Coverage.objects.count(), Consent.objects.count())

    return snapshot
