"""Pre-visit preparation, amendment requests (60 days, one 30-day extension), and the
transcription queue (upload checked by content, transcribe, review and sign, turnaround)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from medoffice.clinical import services
from medoffice.clinical.errors import AmendmentDecisionError, DictationFileError
from medoffice.clinical.models import Dictation, Note
from medoffice.clinical.selectors import previsit_list, term_suggestions, turnaround_figures
from medoffice.core.models import Location
from medoffice.patients import services as patient_services
from medoffice.scheduling.models import Appointment, AppointmentType
from tests.clinical.factories import wav_bytes, wav_upload
from tests.clock import office_today

# ---------------------------------------------------------------- pre-visit


def _visit(patient, provider, location, day: date, hour: int) -> Appointment:
    kind, _ = AppointmentType.objects.get_or_create(
        practice=location.practice, name="Follow-up", defaults={"duration_minutes": 20}
    )
    start = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo("America/New_York"))
    start = start.replace(hour=hour)
    return Appointment.objects.create(
        patient=patient, appointment_type=kind, provider=provider, location=location,
        starts_at=start, ends_at=start + timedelta(minutes=20),
    )  # fmt: skip


def test_previsit_lists_tomorrows_patients_with_what_is_missing(
    chart, make_patient, provider, location, payer, front_desk, client_for
):
    tomorrow = office_today() + timedelta(days=1)
    ready = make_patient(first_name="Rita", last_name="Ready")
    patient_services.coverage_add(
        patient=ready,
        fields={"payer": payer, "member_id": "W1234567", "order": 1, "relationship": "18",
                "effective_start": date(2020, 1, 1)},
        cards={"card_front": SimpleUploadedFile("f.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32)},
    )  # fmt: skip
    for kind in ("treatment", "privacy_notice"):
        patient_services.consent_record(patient=ready, kind=kind, signed_on=date(2024, 1, 1))
    lapsed = chart["patient"]
    patient_services.coverage_add(
        patient=lapsed,
        fields={"payer": payer, "member_id": "W7654321", "order": 1, "relationship": "18",
                "effective_start": date(2020, 1, 1), "effective_end": date(2024, 12, 31)},
    )  # fmt: skip
    services.note_start(patient=lapsed, provider=provider, author=None)
    _visit(ready, provider, location, tomorrow, 9)
    _visit(lapsed, provider, location, tomorrow, 10)
    _visit(lapsed, provider, location, tomorrow + timedelta(days=1), 10)

    rows = previsit_list(practice_id=lapsed.practice_id, day=tomorrow)
    page = client_for(front_desk).get(reverse("clinical:previsit")).content.decode()

    assert [r.appointment.patient for r in rows] == [ready, lapsed]
    assert rows[0].missing == []
    assert rows[1].missing == [
        "1 unsigned note(s)", "2 result(s) to review", "insurance expired by the visit date",
        "consent to treat missing", "privacy notice not acknowledged",
    ]  # fmt: skip
    assert "insurance expired by the visit date" in page
    assert "Continue metformin" not in page


# ---------------------------------------------------------------- amendments


def test_an_accepted_amendment_keeps_the_original_and_links_the_correction(chart, make_user):
    from medoffice.core.roles import Role

    clerk = make_user(Role.RECORDS)
    note = chart["note"]
    digest = note.content_sha256
    request = services.amendment_receive(
        patient=chart["patient"], note=note, received_on=date(2026, 3, 1),
        requested_change="I stopped metformin in January.",
    )  # fmt: skip
    assert request.due_on == date(2026, 4, 30)

    services.amendment_accept(request=request, decided_by=clerk, correction="Metformin stopped")

    note.refresh_from_db()
    assert note.status == "amended"
    assert note.plan == "Continue metformin."
    assert services.note_digest(note) == digest
    assert note.addenda.get().amendment == request


def test_a_denial_needs_its_basis_and_a_decided_request_stays_decided(chart, make_user):
    from medoffice.core.roles import Role

    clerk = make_user(Role.RECORDS)
    request = services.amendment_receive(
        patient=chart["patient"], received_on=date(2026, 3, 1), requested_change="Remove E11.9"
    )
    with pytest.raises(AmendmentDecisionError):
        services.amendment_deny(request=request, decided_by=clerk, reason="")

    services.amendment_deny(request=request, decided_by=clerk, reason="The record is accurate",
                            disagreement="I disagree.")  # fmt: skip

    with pytest.raises(AmendmentDecisionError):
        services.amendment_accept(request=request, decided_by=clerk, correction="x")


def test_one_extension_moves_the_deadline_to_90_days(chart):
    request = services.amendment_receive(
        patient=chart["patient"], received_on=date(2026, 3, 1), requested_change="Wrong DOB"
    )
    services.amendment_extend(request=request, reason="Records are off-site")
    request.refresh_from_db()

    assert request.due_on == date(2026, 5, 30)
    with pytest.raises(AmendmentDecisionError):
        services.amendment_extend(request=request, reason="Again")


def test_the_amendment_queue_flags_overdue_requests(chart, make_user, client_for):
    from medoffice.core.roles import Role

    services.amendment_receive(
        patient=chart["patient"], received_on=office_today() - timedelta(days=61),
        requested_change="Old request",
    )  # fmt: skip
    page = client_for(make_user(Role.RECORDS)).get(reverse("clinical:amendment-list"))

    assert "overdue" in page.content.decode()


# ---------------------------------------------------------------- transcription


def test_a_file_named_wav_that_is_not_audio_is_refused(patient, provider, doctor):
    forged = SimpleUploadedFile("visit.wav", b"%PDF-1.4 not audio", content_type="audio/wav")

    with pytest.raises(DictationFileError, match="not a recording"):
        services.dictation_upload(
            patient=patient, provider=provider, upload=forged, uploaded_by=doctor
        )
    assert not Dictation.objects.exists()


def test_an_oversized_recording_is_refused(patient, provider, doctor, settings):
    settings.MEDOFFICE_MAX_DICTATION_BYTES = 1024

    with pytest.raises(DictationFileError, match="larger than"):
        services.dictation_upload(
            patient=patient, provider=provider, upload=wav_upload(), uploaded_by=doctor
        )


def test_dictation_is_transcribed_reviewed_and_signed_as_a_note(
    patient, provider, doctor, assistant, client_for, freeze
):
    start = freeze(timezone.now())
    upload = client_for(doctor).post(
        reverse("clinical:dictation-upload", args=[patient.public_id]),
        {"audio": SimpleUploadedFile("any-name.bin", wav_bytes())},
    )
    dictation = Dictation.objects.get()
    assert upload.status_code == 302
    assert (dictation.status, dictation.audio_type) == ("queued", "wav")
    assert dictation.audio.name.endswith(".wav")

    transcriptionist = client_for(assistant)
    audio = transcriptionist.get(reverse("clinical:dictation-audio", args=[dictation.public_id]))
    assert b"".join(audio.streaming_content) == wav_bytes()
    freeze(start + timedelta(minutes=12))  # inside the 15-minute idle limit
    transcriptionist.post(
        reverse("clinical:dictation-transcribe", args=[dictation.public_id]),
        {"transcript": "S: Cough.\nA: Acute bronchitis.\nP: Rest and fluids.", "done": "on"},
    )
    dictation.refresh_from_db()
    assert dictation.status == "transcribed"
    assert dictation.turnaround == timedelta(minutes=12)

    client_for(doctor).post(reverse("clinical:dictation-sign", args=[dictation.public_id]))

    note = Note.objects.get(patient=patient)
    assert (note.status, note.subjective, note.assessment) == (
        "signed",
        "Cough.",
        "Acute bronchitis.",
    )
    figures = turnaround_figures(practice_id=patient.practice_id, since=start - timedelta(days=1))
    assert figures == {"count": 1, "median_hours": 0.2, "longest_hours": 0.2}


def fake_engine(audio: bytes, audio_type: str) -> str:
    return f"heard {len(audio)} bytes of {audio_type}"


def test_a_configured_speech_engine_drafts_the_transcript(
    patient, provider, doctor, settings, django_capture_on_commit_callbacks
):
    settings.MEDOFFICE_SPEECH_ENGINE = "tests.clinical.test_workflows.fake_engine"

    with django_capture_on_commit_callbacks(execute=True):
        dictation = services.dictation_upload(
            patient=patient, provider=provider, upload=wav_upload(), uploaded_by=doctor
        )

    dictation.refresh_from_db()
    assert dictation.draft_text == f"heard {len(wav_bytes())} bytes of wav"
    assert dictation.status == "queued"


def test_autocomplete_offers_the_lexicon_then_code_set_terms(practice, icd10):
    from medoffice.clinical.models import LexiconTerm

    LexiconTerm.objects.create(practice=practice, term="Essential tremor follow-up")

    assert term_suggestions(practice_id=practice.id, prefix="ess") == [
        "Essential tremor follow-up", "Essential (primary) hypertension",
    ]  # fmt: skip
    assert term_suggestions(practice_id=practice.id, prefix="es") == []


def test_previsit_uses_each_locations_own_calendar_day(
    chart, make_patient, provider, location, front_desk, client_for
):
    """The practice's zone is New York; the coast clinic's evening visit on the day is in its
    list (01:00 the next day in New York), the Chicago visit late the evening before is not
    (00:30 on the day in New York)."""
    day = office_today() + timedelta(days=1)
    coast = Location.objects.create(
        practice=location.practice, name="Coast", address1="1 Pier Rd", city="Santa Cruz",
        state="CA", zip_code="95060", time_zone="America/Los_Angeles",
    )  # fmt: skip
    evening = make_patient(first_name="Eve", last_name="Evening")
    late = make_patient(first_name="Lee", last_name="Late")
    kind, _ = AppointmentType.objects.get_or_create(
        practice=location.practice, name="Follow-up", defaults={"duration_minutes": 20}
    )

    def book(patient, where, local: datetime):
        start = local.replace(tzinfo=ZoneInfo(where.time_zone))
        return Appointment.objects.create(
            patient=patient, appointment_type=kind, provider=provider, location=where,
            starts_at=start, ends_at=start + timedelta(minutes=20),
        )  # fmt: skip

    book(evening, coast, datetime.combine(day, datetime.min.time()).replace(hour=22))
    book(late, location, datetime.combine(day - timedelta(days=1), datetime.min.time()).replace(
        hour=23, minute=30))  # fmt: skip

    rows = previsit_list(practice_id=location.practice_id, day=day)
    page = (
        client_for(front_desk)
        .get(reverse("clinical:previsit"), {"day": day.isoformat()})
        .content.decode()
    )

    assert [r.appointment.patient for r in rows] == [evening]
    assert "10:00 PM" in page
    assert "Coast" in page
    assert "Late" not in page


def test_the_player_gets_the_byte_range_it_asks_for_so_it_can_seek(
    patient, provider, doctor, assistant, client_for
):
    audio = wav_bytes(seconds=2)
    dictation = services.dictation_upload(
        patient=patient, provider=provider,
        upload=SimpleUploadedFile("d.wav", audio, content_type="audio/wav"), uploaded_by=doctor,
    )  # fmt: skip
    url = reverse("clinical:dictation-audio", args=[dictation.public_id])
    client = client_for(assistant)

    middle = client.get(url, HTTP_RANGE="bytes=1000-1999")
    tail = client.get(url, HTTP_RANGE="bytes=-100")
    beyond = client.get(url, HTTP_RANGE=f"bytes={len(audio)}-")
    whole = client.get(url)

    assert middle.status_code == 206
    assert middle.content == audio[1000:2000]
    assert middle["Content-Range"] == f"bytes 1000-1999/{len(audio)}"
    assert tail.content == audio[-100:]
    assert beyond.status_code == 416
    assert whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == audio
