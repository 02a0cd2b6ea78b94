"""Demo records: for the demo practice's charted patients, scanned documents (a lab report,
an insurance card, outside records), a communications log (calls, a fax, a clinical
question waiting in the clinician's inbox and one answered), release-of-information requests
(an attorney's waiting for the authorisation; a specialist's released with its disclosure),
referrals out and in, and a records transfer prepared for a practice the patient moved to.

Idempotent (nothing is made twice); deterministic. Everything goes through the services,
so the files are checked, hashed and audited like real ones.
"""

from datetime import timedelta
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen.canvas import Canvas

from medoffice.clinical.models import Note
from medoffice.core.clock import today_at
from medoffice.core.models import Practice, Provider
from medoffice.records import services
from medoffice.records.models import Communication


def _pdf(*pages: tuple[str, ...]) -> bytes:
    """A searchable PDF, one page per tuple of lines."""
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER)
    for lines in pages:
        y = 720
        for line in lines:
            canvas.drawString(72, y, line)
            y -= 18
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _card_png(member: str) -> bytes:
    image = Image.new("RGB", (640, 400), (236, 242, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 620, 380), outline=(40, 70, 110), width=4)
    draw.text((50, 60), "DEMO HEALTH PLAN", fill=(40, 70, 110))
    draw.text((50, 120), f"Member ID {member}", fill=(20, 20, 20))
    draw.text((50, 160), "Group 0042 · PCP copay $25", fill=(20, 20, 20))
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _upload(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _documents(patient, clerk, today) -> list:
    name = f"{patient.first_name} {patient.last_name}"
    lab = services.document_file(
        patient=patient,
        upload=_upload("lab.pdf", _pdf((
            "Prairie Reference Laboratory", f"Patient: {name}",
            "Lipid panel: total cholesterol 212 mg/dL (H), LDL 138 mg/dL (H)",
            "HDL 48 mg/dL, triglycerides 130 mg/dL",
        )), "application/pdf"),
        category="lab", title="Outside lipid panel", document_date=today - timedelta(days=40),
        source="scan", filed_by=clerk,
    )  # fmt: skip
    card = services.document_file(
        patient=patient,
        upload=_upload("card.png", _card_png(f"W{patient.mrn[-7:]}"), "image/png"),
        category="insurance", title="Insurance card (front)",
        document_date=today - timedelta(days=200), source="scan", filed_by=clerk,
    )  # fmt: skip
    outside = services.document_file(
        patient=patient,
        upload=_upload("outside.pdf", _pdf(
            ("Lakeview Medical Group", "Records for " + name, "Visit summary 2023: well visit."),
            ("Immunization history", "Tdap 2021; influenza yearly.",),
            ("Discharge summary", "Appendectomy 2019, uncomplicated recovery."),
        ), "application/pdf"),
        category="outside_records", title="Records from Lakeview Medical Group",
        document_date=today - timedelta(days=400), source="transfer", filed_by=clerk,
    )  # fmt: skip
    return [lab, card, outside]


def _communications(patient, provider, clerk, assistant, clinician, now) -> None:
    services.communication_log(
        patient=patient,
        fields={
            "channel": "phone", "direction": "in", "party": "The patient",
            "topic": "administrative", "subject": "Asked for directions to the clinic",
            "summary": "Gave the address and parking.",
            "occurred_at": now - timedelta(days=6, hours=2),
        },
        handled_by=clerk,
    )  # fmt: skip
    services.communication_log(
        patient=patient,
        fields={
            "channel": "fax", "direction": "in", "party": "Prairie Reference Laboratory",
            "topic": "records", "subject": "Outside lipid panel received",
            "summary": "Filed to the chart under Laboratory report.",
            "occurred_at": now - timedelta(days=5),
        },
        handled_by=clerk,
    )  # fmt: skip
    answered = services.communication_log(
        patient=patient,
        fields={
            "channel": "phone", "direction": "in", "party": "The patient", "topic": "clinical",
            "subject": "Cough after starting lisinopril",
            "summary": "Dry cough for a week since the new blood pressure pill. No fever.",
            "occurred_at": now - timedelta(days=3), "routed_to": provider,
            "follow_up": "Call the patient back with the answer",
            "follow_up_owner": assistant, "follow_up_due": today_at(patient) - timedelta(days=2),
        },
        handled_by=assistant,
    )  # fmt: skip
    services.communication_answer(
        communication=answered, answered_by=clinician,
        answer="Likely ACE-inhibitor cough: stop lisinopril, start losartan 50 mg daily.",
    )  # fmt: skip
    services.communication_follow_up_done(communication=answered)
    services.communication_log(
        patient=patient,
        fields={
            "channel": "portal", "direction": "in", "party": "The patient", "topic": "clinical",
            "subject": "Is the rash from the new cream?",
            "summary": "Red itchy patch where the hydrocortisone cream was put on; photo sent.",
            "occurred_at": now - timedelta(hours=5), "routed_to": provider,
            "follow_up": "Tell the patient the clinician's answer",
            "follow_up_owner": assistant, "follow_up_due": today_at(patient) + timedelta(days=1),
        },
        handled_by=assistant,
    )  # fmt: skip


def _release(patient, clerk, today) -> None:
    waiting = services.roi_request_create(
        patient=patient,
        fields={
            "requester_kind": "attorney", "requester_name": "Dana Brooks",
            "requester_organization": "Brooks & Hale LLP",
            "requester_address": "200 Court St, Springfield, IL 62701",
            "purpose": "Personal injury claim", "basis": "authorization",
            "received_on": today - timedelta(days=9),
            "scope_from": today - timedelta(days=365),
            "sections": ["demographics", "visits", "medications", "notes"],
            "delivery_method": "mail",
        },
        created_by=clerk,
    )  # fmt: skip
    services.roi_identity_check(
        request=waiting, method="bar_number", detail="IL ARDC 6301234, active", passed=True,
        checked_by=clerk,
    )  # fmt: skip
    released = services.roi_request_create(
        patient=patient,
        fields={
            "requester_kind": "provider", "requester_name": "Dr. Priya Shah",
            "requester_organization": "Lakeside Cardiology", "requester_fax": "(217) 555-0199",
            "purpose": "Continuing care (cardiology consult)", "basis": "treatment",
            "received_on": today - timedelta(days=20),
            "sections": ["demographics", "problems", "medications", "results", "notes"],
            "delivery_method": "fax",
        },
        created_by=clerk,
    )  # fmt: skip
    services.roi_identity_check(
        request=released, method="letterhead", detail="Request on letterhead; NPI checked",
        passed=True, checked_by=clerk,
    )  # fmt: skip
    services.roi_prepare_packet(request=released, prepared_by=clerk)
    services.roi_release(request=released, released_by=clerk)


def _referrals(patient, provider, clerk, documents) -> None:
    out = services.referral_create(
        patient=patient, direction="out",
        fields={
            "provider": provider, "other_name": "Dr. Priya Shah",
            "other_specialty": "Cardiology", "other_fax": "(217) 555-0199",
            "other_address": "40 Lake Shore Dr, Springfield, IL 62704",
            "reason": "Palpitations; abnormal ECG", "diagnoses": ["R00.2"], "urgency": "urgent",
            "authorization_number": "PA-20931", "authorized_visits": 3,
        },
        documents=[d for d in documents if d.category == "lab"], created_by=clerk,
    )  # fmt: skip
    services.referral_send(referral=out, sent_by=clerk)
    services.referral_create(
        patient=patient, direction="in",
        fields={
            "other_name": "Dr. Marcus Hale", "other_npi": "1245319599",
            "other_specialty": "Pulmonology", "reason": "Asthma follow-up in primary care",
            "diagnoses": ["J45.909"],
        },
        created_by=clerk,
    )  # fmt: skip


def _transfer(patient, clerk) -> None:
    services.transfer_out_prepare(
        patient=patient,
        fields={
            "party_name": "Northside Family Practice", "party_fax": "(217) 555-0142",
            "reason": "Patient moved to Peoria",
            "sections": ["demographics", "insurance", "problems", "medications",
                         "immunizations", "notes"],
            "delivery_method": "fax",
        },
        prepared_by=clerk,
    )  # fmt: skip


@transaction.atomic
def load_demo_records(*, practice: Practice, patients: int = 3) -> dict:
    if Communication.objects.filter(patient__practice=practice).exists():
        return {"created": False}
    from medoffice.core.models import StaffProfile

    def staff(role):
        found = StaffProfile.objects.filter(practice=practice, role=role).first()
        return found.user if found else None

    clerk, assistant = staff("records"), staff("medical_assistant")
    provider = Provider.objects.filter(practice=practice, user__isnull=False).first()
    if provider is None:
        return {"created": False}
    clinician = provider.user
    charted = list(
        Note.objects.filter(patient__practice=practice, status="signed", sensitivity="normal")
        .order_by("patient_id")
        .values_list("patient_id", flat=True)
        .distinct()[:patients]
    )
    from medoffice.patients.models import Patient

    chosen = list(Patient.objects.filter(pk__in=charted).order_by("id"))
    today, now = today_at(practice), timezone.now()
    for index, patient in enumerate(chosen):
        documents = _documents(patient, clerk, today)
        _communications(patient, provider, clerk, assistant, clinician, now)
        if index == 0:
            _release(patient, clerk, today)
            _referrals(patient, provider, clerk, documents)
            _transfer(patient, clerk)
    return {"created": True, "patients": len(chosen)}
