"""The only writers of the chart. Each runs in one transaction, validates with full_clean()
and writes its audit row; a refusal saves nothing.

Notes: a draft is saved as often as needed; signing fixes a SHA-256 of its sections and
locks it; a signed note is never edited again (NoteSignedError): an addendum is added.
"""

import hashlib
import logging
import re
import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from medoffice.clinical import rules
from medoffice.clinical.errors import (
    AmendmentDecisionError,
    DictationFileError,
    NoteIncompleteError,
    NoteSignedError,
    ProblemCodeError,
    TransitionRefusedError,
)
from medoffice.clinical.models import (
    Addendum,
    Allergy,
    AmendmentRequest,
    Dictation,
    EmergencyAccess,
    History,
    Immunization,
    Medication,
    Note,
    NoteTemplate,
    Problem,
    ProblemStatus,
    Result,
    Vital,
)
from medoffice.clinical.states import (
    AMENDMENT_TRANSITIONS,
    DICTATION_TRANSITIONS,
    NOTE_TRANSITIONS,
    AmendmentStatus,
    DictationStatus,
    NoteStatus,
    can_move,
)
from medoffice.coding.errors import CodingError
from medoffice.coding.selectors import icd10_check
from medoffice.core.audit import audit_record
from medoffice.core.clock import today_at
from medoffice.core.models import AuditAction

logger = logging.getLogger(__name__)
ICD10_FORM = re.compile(r"[A-Z][0-9][0-9A-Z]{1,5}")

SECTIONS = ("subjective", "objective", "assessment", "plan")


def _saved(instance, *, action=AuditAction.CREATE, category: str, detail: str = ""):
    instance.full_clean()
    instance.save()
    audit_record(
        action=action, obj=instance, patient=instance.patient, category=category, detail=detail
    )
    return instance


# ---------------------------------------------------------------- problems and lists


@transaction.atomic
def problem_add(
    *, patient, code: str, onset: date | None = None, status: str = ProblemStatus.ACTIVE,
    recorded_by=None, on: date | None = None,
) -> Problem:  # fmt: skip
    """A coded problem: the code must be in the ICD-10-CM release in force (today, unless
    `on`); a category is accepted on the problem list (it is not a claim)."""
    try:
        found = icd10_check(code, on=on or today_at(patient), billable=False)
    except CodingError as exc:
        raise ProblemCodeError(str(exc)) from exc
    problem = Problem(
        patient=patient, code=found.code, description=found.description[:250], onset=onset,
        status=status, recorded_by=recorded_by,
        resolved_on=today_at(patient) if status == ProblemStatus.RESOLVED else None,
    )  # fmt: skip
    return _saved(problem, category="problems", detail=f"problem {found.code}")


@transaction.atomic
def problem_import(
    *, patient, description: str, source_system: str, source_code: str, code: str = "",
    onset: date | None = None, status: str = ProblemStatus.ACTIVE,
    resolved_on: date | None = None, detail: str = "",
) -> Problem:  # fmt: skip
    """A problem from another system, kept as it was coded there (SNOMED CT from Synthea).

    `code` is the ICD-10-CM code only when the source itself gave one (checked for its form,
    not against a release: the source's release may differ from ours)."""
    problem = Problem(
        patient=patient, code=code.replace(".", "").upper(), description=description[:250],
        source_system=source_system, source_code=source_code, onset=onset, status=status,
        resolved_on=resolved_on,
    )  # fmt: skip
    if problem.code and not ICD10_FORM.fullmatch(problem.code):
        raise ValidationError({"code": f"{code!r} is not an ICD-10-CM code."})
    return _saved(problem, category="problems", detail=detail or "problem imported")


@transaction.atomic
def problem_set_status(*, problem: Problem, status: str) -> Problem:
    problem.status = status
    problem.resolved_on = today_at(problem.patient) if status == ProblemStatus.RESOLVED else None
    return _saved(problem, action=AuditAction.UPDATE, category="problems", detail=status)


@transaction.atomic
def medication_add(*, patient, **fields) -> Medication:
    return _saved(Medication(patient=patient, **fields), category="medications")


@transaction.atomic
def medication_stop(*, medication: Medication, on: date) -> Medication:
    medication.stop_date = on
    return _saved(medication, action=AuditAction.UPDATE, category="medications", detail="stopped")


@transaction.atomic
def allergy_add(*, patient, **fields) -> Allergy:
    return _saved(Allergy(patient=patient, **fields), category="allergies")


@transaction.atomic
def immunization_add(*, patient, **fields) -> Immunization:
    return _saved(Immunization(patient=patient, **fields), category="immunizations")


@transaction.atomic
def vital_record(*, patient, kind: str, value, taken_at=None, encounter=None, recorded_by=None):
    """One vital sign; `kind` is a key of vitals.VITALS (it brings the LOINC code and unit)."""
    from medoffice.clinical.vitals import VITALS

    if kind not in VITALS:
        raise ValidationError({"kind": f"One of {', '.join(VITALS)}."})
    sign = VITALS[kind]
    vital = Vital(
        patient=patient, encounter=encounter, loinc=sign.loinc, name=sign.name, value=value,
        unit=sign.unit, taken_at=taken_at or timezone.now(), recorded_by=recorded_by,
    )  # fmt: skip
    if not sign.low <= vital.value <= sign.high:
        raise ValidationError({"value": f"{sign.name} must be {sign.low}-{sign.high} {sign.unit}."})
    return _saved(vital, category="vitals", detail=sign.loinc)


@transaction.atomic
def history_save(*, patient, **fields) -> History:
    history, created = History.objects.get_or_create(patient=patient)
    for name, value in fields.items():
        setattr(history, name, value)
    return _saved(
        history, action=AuditAction.CREATE if created else AuditAction.UPDATE,
        category="history", detail=", ".join(sorted(fields)),
    )  # fmt: skip


# ---------------------------------------------------------------- results


@transaction.atomic
def result_add(*, patient, **fields) -> Result:
    return _saved(Result(patient=patient, **fields), category="results")


def _sign_off(instance, *, reviewer, comment: str, category: str, refused: str, detail: str):
    """Record a review once (a second is refused, the first kept), with its audit row."""
    model = type(instance)
    instance = model.objects.select_for_update().select_related("patient").get(pk=instance.pk)
    if instance.reviewed_at is not None:
        raise TransitionRefusedError(refused)
    instance.reviewed_by = reviewer
    instance.reviewed_at = timezone.now()
    instance.review_comment = comment[:300]
    return _saved(instance, action=AuditAction.UPDATE, category=category, detail=detail)


@transaction.atomic
def result_review(*, result: Result, reviewed_by, comment: str = "") -> Result:
    """A clinician's sign-off; done once."""
    return _sign_off(
        result, reviewer=reviewed_by, comment=comment, category="results", detail="reviewed",
        refused="This result was already reviewed.",
    )  # fmt: skip


# ---------------------------------------------------------------- notes


def note_template_for(*, practice_id: int, visit_type=None) -> NoteTemplate | None:
    templates = NoteTemplate.objects.filter(practice_id=practice_id)
    if visit_type is not None:
        found = templates.filter(visit_type=visit_type).first()
        if found is not None:
            return found
    return templates.filter(visit_type__isnull=True).order_by("name").first()


@transaction.atomic
def note_start(
    *, patient, provider, author, visit_date: date | None = None, encounter=None,
    template: NoteTemplate | None = None, sensitivity: str = "normal",
) -> Note:  # fmt: skip
    """A draft note, pre-filled from the visit type's template."""
    if template is None:
        visit_type = None
        if encounter is not None and encounter.appointment_id:
            visit_type = encounter.appointment.appointment_type
        template = note_template_for(practice_id=patient.practice_id, visit_type=visit_type)
    note = Note(
        patient=patient, provider=provider, author=author, encounter=encounter,
        template=template, sensitivity=sensitivity,
        visit_date=visit_date or (encounter.date_of_service if encounter else today_at(patient)),
    )  # fmt: skip
    if template is not None:
        for section in SECTIONS:
            setattr(note, section, getattr(template, section))
    return _saved(note, category="notes", detail="draft started")


def _locked_note(note: Note) -> Note:
    return Note.objects.select_for_update(of=("self",)).select_related("patient").get(pk=note.pk)


@transaction.atomic
def note_save_draft(*, note: Note, sections: dict, sensitivity: str | None = None) -> Note:
    note = _locked_note(note)
    if note.is_locked:
        raise NoteSignedError(
            "This note is signed and can no longer be edited: add an addendum instead."
        )
    for name in SECTIONS:
        if name in sections:
            setattr(note, name, sections[name])
    if sensitivity:
        note.sensitivity = sensitivity
    return _saved(note, action=AuditAction.UPDATE, category="notes", detail="draft saved")


def note_digest(note: Note) -> str:
    text = "\x1e".join(getattr(note, name) for name in SECTIONS)
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def note_sign(*, note: Note, signed_by) -> Note:
    note = _locked_note(note)
    if not can_move(NOTE_TRANSITIONS, note.status, NoteStatus.SIGNED):
        raise NoteSignedError("This note is already signed: add an addendum instead.")
    if not (note.assessment.strip() or note.plan.strip()):
        raise NoteIncompleteError("A note is signed with its assessment or plan written.")
    note.status = NoteStatus.SIGNED
    note.signed_by = signed_by
    note.signed_at = timezone.now()
    note.content_sha256 = note_digest(note)
    return _saved(note, action=AuditAction.UPDATE, category="notes", detail="signed")


@transaction.atomic
def addendum_add(*, note: Note, author, text: str, reason: str = "", amendment=None) -> Addendum:
    note = _locked_note(note)
    if not note.is_locked:
        raise TransitionRefusedError("A draft is edited, not amended: save the draft instead.")
    if not text.strip():
        raise ValidationError({"text": "An addendum needs its text."})
    addendum = Addendum(
        note=note, text=text, reason=reason[:200], author=author, amendment=amendment,
        signed_at=timezone.now(),
    )  # fmt: skip
    addendum.full_clean()
    addendum.save()
    audit_record(
        action=AuditAction.CREATE, obj=addendum, patient=note.patient, category="notes",
        detail="addendum" + (" (accepted amendment)" if amendment else ""),
    )  # fmt: skip
    return addendum


# ---------------------------------------------------------------- amendment requests


@transaction.atomic
def amendment_receive(
    *, patient, requested_change: str, received_on: date, note: Note | None = None,
    created_by=None,
) -> AmendmentRequest:  # fmt: skip
    request = AmendmentRequest(
        patient=patient, note=note, requested_change=requested_change, received_on=received_on,
        due_on=rules.amendment_due(received_on), created_by=created_by,
    )  # fmt: skip
    return _saved(request, category="amendments", detail=f"due {request.due_on.isoformat()}")


def _move(instance, table: dict, status: str, *, noun: str, error=TransitionRefusedError):
    """Change `instance.status` along its transition table (states.py), or refuse."""
    if not can_move(table, instance.status, status):
        labels = dict(instance._meta.get_field("status").choices)
        raise error(
            f"A {noun} that is {labels[instance.status].lower()} cannot become "
            f"{labels[status].lower()}."
        )
    instance.status = status


def _move_amendment(request: AmendmentRequest, status: str) -> None:
    _move(request, AMENDMENT_TRANSITIONS, status, noun="request", error=AmendmentDecisionError)


def _locked_amendment(request: AmendmentRequest) -> AmendmentRequest:
    return (
        AmendmentRequest.objects.select_for_update(of=("self",))
        .select_related("patient", "note")
        .get(pk=request.pk)
    )


@transaction.atomic
def amendment_extend(*, request: AmendmentRequest, reason: str) -> AmendmentRequest:
    """The one 30-day extension, with the reason the patient is told in writing."""
    request = _locked_amendment(request)
    if not reason.strip():
        raise AmendmentDecisionError("An extension needs the reason told to the patient.")
    _move_amendment(request, AmendmentStatus.EXTENDED)
    request.extension_reason = reason[:300]
    request.due_on = rules.amendment_extended_due(request.received_on)
    return _saved(
        request, action=AuditAction.UPDATE, category="amendments",
        detail=f"extended to {request.due_on.isoformat()}",
    )  # fmt: skip


@transaction.atomic
def amendment_accept(*, request: AmendmentRequest, decided_by, correction: str):
    """Accept: the original stays as signed; the correction is appended to the note as an
    addendum linked to the request, and the note is marked amended."""
    request = _locked_amendment(request)
    if not correction.strip():
        raise AmendmentDecisionError("An accepted request needs the correction's text.")
    _move_amendment(request, AmendmentStatus.ACCEPTED)
    request.decided_on = today_at(request.patient)
    request.decided_by = decided_by
    _saved(request, action=AuditAction.UPDATE, category="amendments", detail="accepted")
    if request.note is not None:
        note = _locked_note(request.note)
        if note.status == NoteStatus.DRAFT:
            raise AmendmentDecisionError("The note is still a draft: its author corrects it.")
        addendum_add(
            note=note, author=decided_by, text=correction, reason="Amendment accepted",
            amendment=request,
        )  # fmt: skip
        note.status = NoteStatus.AMENDED
        note.save(update_fields=["status", "updated_at"])
    return request


@transaction.atomic
def amendment_deny(
    *, request: AmendmentRequest, decided_by, reason: str, disagreement: str = ""
) -> AmendmentRequest:
    request = _locked_amendment(request)
    if not reason.strip():
        raise AmendmentDecisionError("A denial states its basis (45 CFR 164.526(d)).")
    _move_amendment(request, AmendmentStatus.DENIED)
    request.decided_on = today_at(request.patient)
    request.decided_by = decided_by
    request.denial_reason = reason
    request.disagreement_statement = disagreement
    return _saved(request, action=AuditAction.UPDATE, category="amendments", detail="denied")


# ---------------------------------------------------------------- dictation


def _sniffed(upload) -> tuple[str, str]:
    """(audio kind, SHA-256) of an upload, refusing what is not audio by its bytes."""
    if upload.size > settings.MEDOFFICE_MAX_DICTATION_BYTES:
        limit = settings.MEDOFFICE_MAX_DICTATION_BYTES // (1024 * 1024)
        raise DictationFileError(f"The recording is larger than {limit} MB.")
    upload.seek(0)
    kind = rules.audio_kind(upload.read(16))
    if kind is None:
        raise DictationFileError(
            "This file is not a recording we accept (WAV, MP3, M4A, OGG, WebM or FLAC), "
            "whatever its name says."
        )
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return kind, digest.hexdigest()


def speech_engine():
    """The configured speech-to-text callable, or None (the default)."""
    path = settings.MEDOFFICE_SPEECH_ENGINE
    return import_string(path) if path else None


@transaction.atomic
def dictation_upload(*, patient, provider, upload, uploaded_by, encounter=None) -> Dictation:
    kind, digest = _sniffed(upload)
    upload.name = f"{uuid.uuid4().hex}.{kind}"
    dictation = Dictation(
        patient=patient, provider=provider, encounter=encounter, audio=upload, audio_type=kind,
        audio_sha256=digest, uploaded_by=uploaded_by, uploaded_at=timezone.now(),
    )  # fmt: skip
    dictation.full_clean()
    dictation.save()
    audit_record(
        action=AuditAction.CREATE, obj=dictation, patient=patient, category="notes",
        detail=f"dictation {kind} queued",
    )  # fmt: skip
    engine = speech_engine()
    if engine is not None:
        transaction.on_commit(lambda: dictation_recognise(dictation_id=dictation.pk))
    return dictation


def dictation_recognise(*, dictation_id: int) -> None:
    """Run the speech engine over the audio; its text is only a draft for the transcriptionist."""
    engine = speech_engine()
    dictation = Dictation.objects.get(pk=dictation_id)
    if engine is None or dictation.status != DictationStatus.QUEUED:
        return
    with dictation.audio.open("rb") as audio:
        data = audio.read()
    try:
        text = engine(data, dictation.audio_type)
    except Exception:
        logger.exception("speech engine failed on dictation %s", dictation.public_id)
        return
    Dictation.objects.filter(pk=dictation_id, status=DictationStatus.QUEUED).update(
        draft_text=str(text)
    )


def _locked_dictation(dictation: Dictation) -> Dictation:
    return (
        Dictation.objects.select_for_update(of=("self",))
        .select_related("patient", "provider", "encounter")
        .get(pk=dictation.pk)
    )


def _move_dictation(dictation: Dictation, status: str) -> None:
    _move(dictation, DICTATION_TRANSITIONS, status, noun="dictation")


@transaction.atomic
def dictation_transcribe(
    *, dictation: Dictation, transcriptionist, text: str, done: bool = False
) -> Dictation:
    """Save the transcriptionist's text; `done` sends it to the clinician for review."""
    dictation = _locked_dictation(dictation)
    _move_dictation(dictation, DictationStatus.TRANSCRIBED if done else DictationStatus.IN_PROGRESS)
    if done and not text.strip():
        raise ValidationError({"transcript": "Type the note before sending it for review."})
    dictation.transcript = text
    dictation.transcriptionist = transcriptionist
    if done:
        dictation.transcribed_at = timezone.now()
    dictation.full_clean()
    dictation.save()
    audit_record(
        action=AuditAction.UPDATE, obj=dictation, patient=dictation.patient, category="notes",
        detail="transcribed" if done else "transcription saved",
    )  # fmt: skip
    return dictation


@transaction.atomic
def dictation_sign(*, dictation: Dictation, signed_by, text: str | None = None) -> Note:
    """The clinician's review: the transcript (as corrected) becomes a signed note."""
    dictation = _locked_dictation(dictation)
    _move_dictation(dictation, DictationStatus.SIGNED)
    transcript = dictation.transcript if text is None else text
    note = Note(
        patient=dictation.patient, provider=dictation.provider, author=signed_by,
        encounter=dictation.encounter,
        visit_date=dictation.encounter.date_of_service
        if dictation.encounter
        else today_at(dictation.patient),
        **rules.soap_sections(transcript),
    )  # fmt: skip
    _saved(note, category="notes", detail="from dictation")
    note = note_sign(note=note, signed_by=signed_by)
    dictation.transcript = transcript
    dictation.note = note
    dictation.signed_at = timezone.now()
    dictation.save()
    audit_record(
        action=AuditAction.UPDATE, obj=dictation, patient=dictation.patient, category="notes",
        detail="dictation signed",
    )  # fmt: skip
    return note


# ---------------------------------------------------------------- emergency access review


@transaction.atomic
def emergency_access_review(*, grant: EmergencyAccess, reviewer, comment: str = ""):
    from medoffice.clinical.access import emergency_task_key
    from medoffice.worklist.services import task_settle

    reviewed = _sign_off(
        grant, reviewer=reviewer, comment=comment, category="emergency",
        detail="emergency access reviewed", refused="This emergency access was already reviewed.",
    )  # fmt: skip
    task_settle(
        practice=reviewed.patient.practice, source_key=emergency_task_key(reviewed), by=reviewer
    )
    return reviewed
