"""Demo charts: the demo practice's patients booked today and in the next days get a
realistic record (problems, medications, allergies, vitals, results, signed notes, a draft,
immunizations, history), plus note templates, a lexicon, a dictation waiting in the
transcription queue, an open amendment request and a behavioural-health note. Idempotent;
deterministic from the seed."""

import contextlib
import io
import random
import wave
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from medoffice.clinical import services
from medoffice.clinical.errors import ClinicalError
from medoffice.clinical.models import LexiconTerm, Note, NoteTemplate
from medoffice.core.clock import today_at
from medoffice.core.models import Practice, Provider
from medoffice.patients.models import Patient
from medoffice.scheduling.models import Appointment, AppointmentType

# (ICD-10-CM, medications for it, a lab with its LOINC code, unit, range, typical values)
CONDITIONS = (
    ("I10", [("Lisinopril", "10 mg", "once daily")], None),
    ("E11.9", [("Metformin", "500 mg", "twice daily")],
     ("4548-4", "Hemoglobin A1c", "%", "4.0-5.6", (5.4, 9.8), 5.6)),
    ("E78.5", [("Atorvastatin", "20 mg", "at bedtime")],
     ("2093-3", "Cholesterol, total", "mg/dL", "0-199", (150, 260), 199)),
    ("E03.9", [("Levothyroxine", "75 mcg", "once daily before breakfast")],
     ("3016-3", "TSH", "m[IU]/L", "0.4-4.0", (0.6, 7.5), 4.0)),
    ("J45.909", [("Albuterol HFA", "90 mcg, 2 puffs", "every 4-6 hours as needed")], None),
    ("K21.9", [("Omeprazole", "20 mg", "once daily")], None),
)  # fmt: skip
ALLERGIES = (
    ("Penicillin", "Hives", "moderate"),
    ("Sulfa drugs", "Rash", "mild"),
    ("Peanuts", "Anaphylaxis", "severe"),
    ("Latex", "Contact dermatitis", "mild"),
)
TEMPLATES = (
    ("Office visit", "", "Chief complaint:\nHistory of present illness:\nReview of systems:",
     "Vitals: see flowsheet\nGeneral:\nHeart:\nLungs:", "", ""),
    ("Annual physical", "Annual physical",
     "Interval history:\nPreventive care due:\nSocial history reviewed:",
     "General:\nHEENT:\nHeart:\nLungs:\nAbdomen:\nExtremities:\nSkin:",
     "Health maintenance visit.", "Screening labs ordered.\nVaccines:\nReturn in 12 months."),
)  # fmt: skip
LEXICON = ("metformin", "lisinopril", "atorvastatin", "levothyroxine", "bronchospasm",
           "paresthesia", "hyperlipidemia", "auscultation", "nonproductive cough")  # fmt: skip


def _wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 8000)
    return buffer.getvalue()


def _patients(practice: Practice, count: int) -> list[Patient]:
    today = today_at(practice)
    soon = (
        Appointment.objects.filter(
            location__practice=practice,
            starts_at__date__gte=today - timedelta(days=1),
            starts_at__date__lte=today + timedelta(days=3),
        )
        .order_by("starts_at")
        .values_list("patient_id", flat=True)
    )
    ids = list(dict.fromkeys(soon))[:count]
    chosen = list(Patient.objects.filter(id__in=ids))
    if len(chosen) < count:
        chosen += list(
            Patient.objects.filter(practice=practice)
            .exclude(id__in=ids)
            .order_by("id")[: count - len(chosen)]
        )
    return chosen


def _chart(patient: Patient, provider: Provider, author, rng: random.Random, today: date) -> None:
    now = timezone.now()
    for code, medications, lab in rng.sample(CONDITIONS, rng.randint(1, 3)):
        onset = today - timedelta(days=rng.randint(200, 3000))
        # Without the code sets loaded the problem list stays empty.
        with contextlib.suppress(ClinicalError):
            services.problem_add(patient=patient, code=code, onset=onset, recorded_by=author)
        for name, dose, frequency in medications:
            services.medication_add(
                patient=patient, name=name, dose=dose, route="PO", frequency=frequency,
                start_date=onset + timedelta(days=7), prescriber=provider,
            )  # fmt: skip
        if lab:
            loinc, name, unit, ref, (low, high), upper = lab
            for months in (0, 4, 8):
                value = round(rng.uniform(low, high), 1)
                reviewed = months > 0
                services.result_add(
                    patient=patient, loinc=loinc, name=name, value=str(value), unit=unit,
                    reference_range=ref, flag="H" if value > upper else "N",
                    ordering_provider=provider,
                    resulted_at=now - timedelta(days=30 * months + 2),
                    reviewed_by=author if reviewed else None,
                    reviewed_at=now - timedelta(days=30 * months) if reviewed else None,
                )  # fmt: skip
    if rng.random() < 0.5:
        substance, reaction, severity = rng.choice(ALLERGIES)
        services.allergy_add(
            patient=patient, substance=substance, reaction=reaction, severity=severity,
            verified=rng.random() < 0.7,
        )  # fmt: skip
    for kind, value in (
        ("systolic", rng.randint(112, 152)),
        ("diastolic", rng.randint(68, 96)),
        ("pulse", rng.randint(58, 96)),
        ("weight", rng.randint(52, 118)),
    ):
        services.vital_record(patient=patient, kind=kind, value=Decimal(value),
                              taken_at=now - timedelta(days=30), recorded_by=author)  # fmt: skip
    services.immunization_add(
        patient=patient, cvx="141", vaccine="Influenza, seasonal, injectable",
        lot=f"FL{rng.randint(1000, 9999)}", given_on=date(today.year - 1, 10, rng.randint(1, 28)),
        site="left deltoid",
    )  # fmt: skip
    services.history_save(
        patient=patient, family=rng.choice(("Mother: hypertension. Father: type 2 diabetes.",
                                            "No significant family history.",
                                            "Sister: breast cancer at 52.")),
        tobacco=rng.choice(("Never", "Former, quit 2015", "Current, 1/2 pack a day")),
        alcohol=rng.choice(("None", "Social", "2-3 drinks a week")),
        occupation=rng.choice(("Teacher", "Retired", "Nurse", "Electrician", "Student")),
    )  # fmt: skip
    note = services.note_start(
        patient=patient, provider=provider, author=author,
        visit_date=today - timedelta(days=rng.randint(20, 120)),
    )  # fmt: skip
    services.note_save_draft(note=note, sections={
        "subjective": "Here for follow-up of chronic conditions. Feels well.",
        "objective": "BP as recorded. Lungs clear. Heart regular.",
        "assessment": "Chronic conditions stable.",
        "plan": "Continue current medications. Labs before next visit. Return in 3 months.",
    })  # fmt: skip
    services.note_sign(note=note, signed_by=author)


@transaction.atomic
def load_demo_chart(*, practice: Practice, seed: int = 7, patients: int = 40) -> dict:
    if NoteTemplate.objects.filter(practice=practice).exists():
        return {"created": False}
    provider = Provider.objects.filter(practice=practice, user__isnull=False).first()
    provider = provider or Provider.objects.filter(practice=practice).first()
    author = provider.user if provider else None
    for name, visit_type, *sections in TEMPLATES:
        NoteTemplate.objects.create(
            practice=practice, name=name,
            visit_type=AppointmentType.objects.filter(practice=practice, name__icontains=visit_type)
            .first() if visit_type else None,
            subjective=sections[0], objective=sections[1], assessment=sections[2],
            plan=sections[3],
        )  # fmt: skip
    LexiconTerm.objects.bulk_create(LexiconTerm(practice=practice, term=t) for t in LEXICON)
    rng = random.Random(seed)  # noqa: S311
    today = today_at(practice)
    chosen = _patients(practice, patients)
    for patient in chosen:
        _chart(patient, provider, author, rng, today)
    if chosen:
        first = chosen[0]
        services.note_start(patient=first, provider=provider, author=author)  # an unsigned draft
        services.dictation_upload(
            patient=first, provider=provider, uploaded_by=author,
            upload=SimpleUploadedFile("dictation.wav", _wav(), content_type="audio/wav"),
        )  # fmt: skip
        signed = Note.objects.filter(patient=first, status="signed").first()
        services.amendment_receive(
            patient=first, note=signed, received_on=today - timedelta(days=12),
            requested_change="The note says I smoke; I quit in 2015.", created_by=author,
        )  # fmt: skip
        private = services.note_start(
            patient=chosen[-1], provider=provider, author=author, sensitivity="behavioural"
        )
        services.note_save_draft(note=private, sections={
            "subjective": "Low mood and poor sleep for two months.",
            "assessment": "Depressive symptoms; PHQ-9 of 14.", "plan": "Therapy referral.",
        })  # fmt: skip
        services.note_sign(note=private, signed_by=author)
    return {"created": True, "charts": len(chosen)}
