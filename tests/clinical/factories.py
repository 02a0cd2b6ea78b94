"""Chart records for the route catalogue's world (tests/core) and the clinical tests."""

import io
import wave
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from medoffice.clinical import services
from medoffice.clinical.access import emergency_access_open
from medoffice.clinical.models import EmergencyAccess
from tests.clock import office_today


def wav_bytes(seconds: float = 0.2) -> bytes:
    """A real (silent) 8 kHz mono WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * int(8000 * seconds))
    return buffer.getvalue()


def wav_upload(name: str = "visit.wav") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, wav_bytes(), content_type="audio/wav")


def chart_records(patient, provider, user) -> dict:
    """A signed note, a draft, an unreviewed result, a queued and a transcribed dictation, an
    open amendment request and an emergency-access grant of `user` (a clinician)."""
    note = services.note_start(patient=patient, provider=provider, author=user)
    services.note_save_draft(note=note, sections={"assessment": "Stable", "plan": "Recheck"})
    note = services.note_sign(note=note, signed_by=user)
    draft = services.note_start(patient=patient, provider=provider, author=user)
    draft = services.note_save_draft(note=draft, sections={"plan": "Labs in 3 months"})
    result = services.result_add(
        patient=patient, name="Glucose", loinc="2345-7", value="182", unit="mg/dL",
        reference_range="70-99", flag="H", ordering_provider=provider,
        resulted_at=timezone.now() - timedelta(hours=3),
    )  # fmt: skip
    queued = services.dictation_upload(
        patient=patient, provider=provider, upload=wav_upload(), uploaded_by=user
    )
    transcribed = services.dictation_upload(
        patient=patient, provider=provider, upload=wav_upload(), uploaded_by=user
    )
    transcribed = services.dictation_transcribe(
        dictation=transcribed, transcriptionist=user, done=True,
        text="S: Knee pain.\nA: Osteoarthritis of the knee.\nP: Physical therapy.",
    )  # fmt: skip
    amendment = services.amendment_receive(
        patient=patient, note=note, requested_change="My allergy is to sulfa, not penicillin.",
        received_on=office_today(),
    )  # fmt: skip
    return {
        "note": note, "draft_note": draft, "result": result, "dictation": queued,
        "transcribed_dictation": transcribed, "amendment": amendment,
        "emergency_grant": _grant(user, patient),
    }  # fmt: skip


def _grant(user, patient) -> EmergencyAccess:
    return emergency_access_open(user, patient.public_id, reason="Unconscious in the ER, no kin")
