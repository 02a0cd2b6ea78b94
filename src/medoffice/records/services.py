"""The only writers of health information management: keyword-only, one transaction each,
full_clean() before save, an audit row per record changed."""

import uuid
from datetime import date, datetime
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader, PdfWriter

from medoffice.core.audit import audit_record
from medoffice.core.clock import today_at
from medoffice.core.models import AuditAction, Provider
from medoffice.formats.pdf.records import (
    Cover,
    Letter,
    image_to_pdf,
    render_letter,
    render_packet,
)
from medoffice.patients.models import Patient
from medoffice.patients.search import to_e164
from medoffice.records import files, rules
from medoffice.records.errors import ReleaseRefused, TransitionRefused
from medoffice.records.fax import fax_backend
from medoffice.records.models import (
    REFERRAL_TRANSITIONS,
    Basis,
    Channel,
    Communication,
    DeliveryMethod,
    DeliveryStatus,
    Direction,
    Disclosure,
    Document,
    DocumentCategory,
    DocumentSource,
    IdentityCheck,
    RecordTransfer,
    Referral,
    ReferralStatus,
    RequesterKind,
    RoiRequest,
    RoiStatus,
    Topic,
    TransferDirection,
    TransferStatus,
)
from medoffice.records.packet import (
    SECTIONS,
    Scope,
    build_attachments,
    build_sections,
    describe,
    document_as_pdf,
    letterhead_for,
)


def _full_clean(obj, *, exclude=()) -> None:
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


def _user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


# Documents ----------------------------------------------------------------------------------


@transaction.atomic
def document_file(
    *,
    patient: Patient,
    upload,
    category: str,
    title: str,
    document_date: date,
    encounter=None,
    source: str = DocumentSource.UPLOAD,
    transfer: RecordTransfer | None = None,
    filed_by=None,
) -> Document:
    """File a scanned or uploaded file to the chart, checked by content (never by name)."""
    errors: dict[str, list[str]] = {}
    if encounter is not None and encounter.patient_id != patient.id:
        errors["encounter"] = ["That encounter is another patient's."]
    upload.seek(0)
    data = upload.read(settings.MEDOFFICE_MAX_UPLOAD_BYTES + 1)
    try:
        seen = files.inspect(data)
    except ValidationError as exc:
        errors["file"] = exc.messages
        seen = None
    document = Document(
        patient=patient,
        category=category,
        title=(title or "").strip(),
        document_date=document_date,
        encounter=encounter,
        source=source,
        transfer=transfer,
        filed_by=_user(filed_by),
    )
    if seen is not None:
        document.kind, document.size, document.pages = seen.kind, seen.size, seen.pages
        document.sha256, document.text = seen.sha256, seen.text
    try:
        document.full_clean(exclude=["file", "kind", "size", "sha256", "patient", "encounter"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    name = f"{uuid.uuid4().hex}{files.EXTENSIONS[seen.kind]}"  # never the uploaded name
    document.file.save(name, ContentFile(data), save=False)
    small = files.thumbnail(data, seen.kind)
    if small:
        document.thumbnail.save(f"{uuid.uuid4().hex}.png", ContentFile(small), save=False)
    document.save()
    audit_record(
        action=AuditAction.CREATE,
        obj=document,
        patient=patient,
        category="documents",
        detail=f"{seen.kind}, {seen.pages} pages, {seen.size} bytes",
    )
    return document


# Communications log -------------------------------------------------------------------------


@transaction.atomic
def communication_log(
    *,
    patient: Patient,
    fields: dict,
    documents: list[Document] = (),
    handled_by=None,
) -> Communication:
    """Log a call, e-mail, fax, letter or portal message. A clinical question goes to a
    clinician's inbox: the patient's primary care provider unless another is named."""
    fields = dict(fields)
    fields.setdefault("occurred_at", timezone.now())
    if fields.get("topic") == Topic.CLINICAL and not fields.get("routed_to"):
        fields["routed_to"] = patient.primary_care_provider
        if fields["routed_to"] is None:
            raise ValidationError(
                {"routed_to": ["Choose the clinician who should answer this question."]}
            )
    if fields.get("topic") != Topic.CLINICAL:
        fields["routed_to"] = None
    if fields.get("follow_up") and not (
        fields.get("follow_up_owner") and fields.get("follow_up_due")
    ):
        raise ValidationError({"follow_up_owner": ["A follow-up needs an owner and a due date."]})
    routed_to = fields.get("routed_to")
    if routed_to is not None and routed_to.practice_id != patient.practice_id:
        raise ValidationError({"routed_to": ["Not a clinician of this practice."]})
    owner = fields.get("follow_up_owner")
    if owner is not None and getattr(getattr(owner, "staff", None), "practice_id", None) != (
        patient.practice_id
    ):
        raise ValidationError({"follow_up_owner": ["Not a member of this practice's staff."]})
    communication = Communication(patient=patient, handled_by=_user(handled_by), **fields)
    _full_clean(communication, exclude=["patient", "handled_by", "routed_to", "follow_up_owner"])
    communication.save()
    _link_documents(communication, patient, documents, "A linked document")
    audit_record(
        action=AuditAction.CREATE,
        obj=communication,
        patient=patient,
        category="communications",
        detail=f"{communication.channel} {communication.direction} {communication.topic}",
    )
    return communication


@transaction.atomic
def communication_answer(
    *, communication: Communication, answer: str, answered_by
) -> Communication:
    """A clinician answers a clinical question routed to the inbox."""
    if communication.topic != Topic.CLINICAL:
        raise ValidationError({"answer": ["Only clinical questions are answered here."]})
    if communication.answered_at is not None:
        raise ValidationError({"answer": ["This question was answered already."]})
    if not answer.strip():
        raise ValidationError({"answer": ["Write the answer."]})
    communication.answer = answer.strip()
    communication.answered_by = _user(answered_by)
    communication.answered_at = timezone.now()
    _full_clean(communication)
    communication.save(update_fields=["answer", "answered_by", "answered_at"])
    audit_record(
        action=AuditAction.UPDATE,
        obj=communication,
        patient=communication.patient,
        category="communications",
        detail="clinical question answered",
    )
    return communication


@transaction.atomic
def communication_follow_up_done(*, communication: Communication) -> Communication:
    if not communication.follow_up:
        raise ValidationError({"follow_up": ["This entry has no follow-up."]})
    if communication.follow_up_done_at is None:
        communication.follow_up_done_at = timezone.now()
        communication.save(update_fields=["follow_up_done_at"])
        audit_record(
            action=AuditAction.UPDATE,
            obj=communication,
            patient=communication.patient,
            category="communications",
            detail="follow-up done",
        )
    return communication


def _merged_pdf(parts: list[bytes]) -> tuple[bytes, int]:
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(BytesIO(part)))
    out = BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)


def _send_email(*, to: str, subject: str, body: str, attachments: list[tuple[str, bytes, str]]):
    message = EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
    )
    for name, data, content_type in attachments:
        message.attach(name, data, content_type)
    message.send()


@transaction.atomic
def communication_send(
    *,
    patient: Patient,
    channel: str,
    to: str,
    party: str,
    subject: str,
    body: str,
    topic: str = Topic.ADMINISTRATIVE,
    documents: list[Document] = (),
    sent_by=None,
) -> Communication:
    """Send an e-mail (Django's e-mail backend) or a fax (the fax gateway) and log it."""
    if channel not in (Channel.EMAIL, Channel.FAX):
        raise ValidationError({"channel": ["Only e-mail and fax are sent from here."]})
    if channel == Channel.FAX:
        number = to_e164(to)
        if not number:
            raise ValidationError({"to": ["Not a fax number."]})
        to = number
    else:
        from django.core.validators import validate_email

        try:
            validate_email(to)
        except ValidationError as exc:
            raise ValidationError({"to": ["Not an e-mail address."]}) from exc
    communication = communication_log(
        patient=patient,
        fields={
            "channel": channel,
            "direction": Direction.OUTBOUND,
            "party": party,
            "party_contact": to,
            "topic": topic,
            "subject": subject,
            "summary": body.strip()
            or "Sent: " + (", ".join(d.title for d in documents) or subject),
        },
        documents=documents,
        handled_by=sent_by,
    )
    parts = [
        (f"document-{i}{files.EXTENSIONS[d.kind]}", files.read_verified(d.file, d.sha256), d.kind)
        for i, d in enumerate(documents, start=1)
    ]
    if channel == Channel.EMAIL:
        _send_email(
            to=to,
            subject=subject,
            body=body,
            attachments=[(n, data, files.CONTENT_TYPES[k]) for n, data, k in parts],
        )
        status, detail = DeliveryStatus.SENT, "handed to the mail server"
    else:
        if not parts:
            raise ValidationError({"documents": ["Choose the documents to fax."]})
        pdf, pages = _merged_pdf(
            [data if k == "pdf" else image_to_pdf(data) for _n, data, k in parts]
        )
        result = fax_backend().send(to_number=to, pdf=pdf, pages=pages, cover_note=subject)
        status = DeliveryStatus.QUEUED if result.status == "queued" else DeliveryStatus.SENT
        detail = f"fax {result.status} ({result.reference})"
    communication.delivery_status = status
    communication.delivery_detail = detail[:200]
    communication.save(update_fields=["delivery_status", "delivery_detail"])
    return communication


# Release of information ---------------------------------------------------------------------


def _clean_sections(sections) -> list[str]:
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        raise ValidationError({"sections": [f"Unknown section: {', '.join(unknown)}."]})
    return [key for key in SECTIONS if key in sections]


@transaction.atomic
def roi_request_create(*, patient: Patient, fields: dict, created_by=None) -> RoiRequest:
    fields = dict(fields)
    fields["sections"] = _clean_sections(fields.get("sections") or [])
    received = fields.get("received_on") or today_at(patient)
    fields["received_on"] = received
    fields["due_on"] = rules.due_date(received)
    request = RoiRequest(patient=patient, created_by=_user(created_by), **fields)
    _full_clean(request, exclude=["patient", "authorization"])
    if request.basis not in rules.BASES_FOR.get(request.requester_kind, set()):
        raise ValidationError(
            {"basis": ["That basis does not allow a release to this kind of requester."]}
        )
    if not request.sections:
        raise ValidationError({"sections": ["Choose the parts of the chart asked for."]})
    request.save()
    audit_record(
        action=AuditAction.CREATE,
        obj=request,
        patient=patient,
        category="release",
        detail=f"requester {request.requester_kind}, basis {request.basis}",
    )
    return request


def _require_open(request: RoiRequest) -> None:
    if request.status not in (RoiStatus.OPEN, RoiStatus.PREPARED):
        raise ValidationError(f"The request is {request.get_status_display().lower()} already.")


@transaction.atomic
def roi_identity_check(
    *, request: RoiRequest, method: str, detail: str, passed: bool, checked_by=None
) -> IdentityCheck:
    _require_open(request)
    check = IdentityCheck(
        request=request,
        method=method,
        detail=(detail or "").strip(),
        passed=passed,
        checked_by=_user(checked_by),
    )
    _full_clean(check, exclude=["request"])
    check.save()
    audit_record(
        action=AuditAction.UPDATE,
        obj=request,
        patient=request.patient,
        category="release",
        detail=f"identity check {method}: {'passed' if passed else 'failed'}",
    )
    return check


@transaction.atomic
def roi_authorization_attach(
    *,
    request: RoiRequest,
    upload,
    signed_on: date,
    expires_on: date | None,
    filed_by=None,
) -> RoiRequest:
    """File the signed authorisation form (or the court order) and link it to the request."""
    _require_open(request)
    errors = {}
    if expires_on is None and request.basis == Basis.AUTHORIZATION:
        # 164.508(c)(1)(v): a valid authorisation states when it expires (a date or an event).
        errors["expires_on"] = [
            "An authorisation is valid only with an expiry date or event: enter the date."
        ]
    elif expires_on is not None and expires_on < signed_on:
        errors["expires_on"] = ["The authorisation expires before it was signed."]
    if signed_on > today_at(request.patient):
        errors["signed_on"] = ["The signing date is in the future."]
    if errors:
        raise ValidationError(errors)
    judicial = request.basis == Basis.JUDICIAL
    paper = "Court order or subpoena" if judicial else "Authorisation"
    document = document_file(
        patient=request.patient,
        upload=upload,
        category=DocumentCategory.LEGAL if judicial else DocumentCategory.AUTHORIZATION,
        title=f"{paper} for {request.requester_label}"[:120],
        document_date=signed_on,
        source=DocumentSource.SCAN,
        filed_by=filed_by,
    )
    request.authorization = document
    request.authorization_signed_on = signed_on
    request.authorization_expires_on = expires_on
    request.save(
        update_fields=["authorization", "authorization_signed_on", "authorization_expires_on"]
    )
    audit_record(
        action=AuditAction.UPDATE,
        obj=request,
        patient=request.patient,
        category="release",
        detail="authorisation on file",
    )
    return request


@transaction.atomic
def roi_extend(*, request: RoiRequest, new_due_on: date, reason: str) -> RoiRequest:
    _require_open(request)
    if not reason.strip():
        raise ValidationError({"extension_reason": ["Give the reason for the delay in writing."]})
    reasons = rules.extension_allowed(
        received_on=request.received_on,
        due_on=request.due_on,
        extended_due_on=request.extended_due_on,
        new_due_on=new_due_on,
        today=today_at(request.patient),
    )
    if reasons:
        raise ValidationError({"extended_due_on": reasons})
    request.extended_due_on = new_due_on
    request.extension_reason = reason.strip()
    request.save(update_fields=["extended_due_on", "extension_reason"])
    audit_record(
        action=AuditAction.UPDATE,
        obj=request,
        patient=request.patient,
        category="release",
        detail="due date extended once",
    )
    return request


@transaction.atomic
def roi_update_scope(*, request: RoiRequest, fields: dict) -> RoiRequest:
    """Change the scope, fee or delivery; a prepared packet must then be prepared again."""
    _require_open(request)
    fields = dict(fields)
    if "sections" in fields:
        fields["sections"] = _clean_sections(fields["sections"])
    changed = sorted(name for name, value in fields.items() if getattr(request, name) != value)
    for name, value in fields.items():
        setattr(request, name, value)
    _full_clean(request, exclude=["patient", "authorization"])
    if changed and request.status == RoiStatus.PREPARED:
        request.status = RoiStatus.OPEN
        request.packet_sha256 = ""
        request.packet_pages = None
        request.packet = ""
    request.save()
    audit_record(
        action=AuditAction.UPDATE,
        obj=request,
        patient=request.patient,
        category="release",
        detail="fields: " + ",".join(changed),
    )
    return request


def _cover(*, patient, title, recipient, address, purpose, authority, scope, delivery, by, ref):
    return Cover(
        letterhead=letterhead_for(patient),
        title=title,
        patient=f"{patient.first_name} {patient.last_name}",
        patient_dob=patient.dob,
        mrn=patient.mrn,
        recipient=recipient,
        recipient_address=address,
        purpose=purpose,
        authority=authority,
        scope=scope.label(),
        delivery=delivery,
        prepared_on=today_at(patient),
        prepared_by=by,
        reference=ref,
    )


def _authority(request: RoiRequest) -> str:
    if request.basis == Basis.AUTHORIZATION and request.authorization_signed_on:
        expires = request.authorization_expires_on
        return f"Signed authorisation dated {request.authorization_signed_on:%m/%d/%Y}" + (
            f", valid to {expires:%m/%d/%Y}" if expires else ""
        )
    return request.get_basis_display()


@transaction.atomic
def roi_prepare_packet(*, request: RoiRequest, prepared_by=None) -> RoiRequest:
    """Assemble the release packet: cover sheet, the sections in scope, the documents."""
    _require_open(request)
    patient = request.patient
    scope = Scope(request.scope_from, request.scope_to)
    sections = build_sections(patient, request.sections, scope)
    attachments = build_attachments(patient, request.sections, scope)
    user = _user(prepared_by)
    cover = _cover(
        patient=patient,
        title="Release of information",
        recipient=request.requester_label,
        address=request.requester_address,
        purpose=request.purpose,
        authority=_authority(request),
        scope=scope,
        delivery=request.get_delivery_method_display(),
        by=user.get_username() if user else "",
        ref=str(request.public_id),
    )
    pdf, pages = render_packet(cover, sections, attachments)
    request.packet.save(f"{uuid.uuid4().hex}.pdf", ContentFile(pdf), save=False)
    request.packet_sha256 = files.sha256_of(pdf)
    request.packet_pages = pages
    request.packet_prepared_at = timezone.now()
    request.status = RoiStatus.PREPARED
    request.save()
    audit_record(
        action=AuditAction.CREATE,
        object_type="records.roipacket",
        object_id=str(request.public_id),
        patient=patient,
        category="release",
        detail=f"packet of {pages} pages: {','.join(request.sections)}",
    )
    return request


def roi_blockers(request: RoiRequest) -> list[str]:
    checks = list(request.checks.all())
    return rules.release_blockers(
        rules.ReleaseFacts(
            status=request.status,
            requester_kind=request.requester_kind,
            basis=request.basis,
            identity_verified=any(c.passed for c in checks),
            identity_failed=any(not c.passed for c in checks),
            has_authorization=request.authorization_id is not None,
            authorization_signed_on=request.authorization_signed_on,
            authorization_expires_on=request.authorization_expires_on,
            has_packet=bool(request.packet_sha256),
            sections=tuple(request.sections),
            today=today_at(request.patient),
        )
    )


@transaction.atomic
def roi_release(*, request: RoiRequest, released_by=None, delivered_to: str = "") -> Disclosure:
    """Release the prepared packet and record the disclosure. Refused (ReleaseRefused, with the
    reasons) without verified identity and a lawful basis; flagged late after the due date."""
    request = RoiRequest.objects.select_for_update().get(pk=request.pk)
    blockers = roi_blockers(request)
    if blockers:
        audit_record(
            action=AuditAction.EXPORT,
            outcome="failure",
            obj=request,
            patient=request.patient,
            category="release",
            detail="release refused: " + "; ".join(blockers)[:150],
        )
        raise ReleaseRefused(blockers)
    packet = files.read_verified(request.packet, request.packet_sha256, what="release packet")
    patient = request.patient
    today = today_at(patient)
    late = rules.is_late(released_on=today, due_on=request.effective_due_on)
    if request.delivery_method == DeliveryMethod.EMAIL:
        to = delivered_to or request.requester_email
        if not to:
            raise ReleaseRefused(["The request has no e-mail address to send the packet to."])
        _send_email(
            to=to,
            subject="Records you requested",
            body=(
                "The records you requested are attached. They are confidential; "
                "do not forward them."
            ),
            attachments=[("records.pdf", packet, "application/pdf")],
        )
    elif request.delivery_method == DeliveryMethod.FAX:
        number = to_e164(delivered_to or request.requester_fax)
        if not number:
            raise ReleaseRefused(["The request has no fax number to send the packet to."])
        fax_backend().send(
            to_number=number, pdf=packet, pages=request.packet_pages or 1, cover_note="Records"
        )
    disclosure = disclosure_record(
        patient=patient,
        recipient_name=request.requester_label,
        recipient_address=request.requester_address,
        description=describe(
            request.sections,
            Scope(request.scope_from, request.scope_to),
            pages=request.packet_pages,
        ),
        purpose=request.purpose,
        basis=request.basis,
        to_patient=request.requester_kind == RequesterKind.PATIENT,
        delivery_method=request.delivery_method,
        roi_request=request,
        packet_sha256=request.packet_sha256,
        pages=request.packet_pages,
        late=late,
        disclosed_by=released_by,
    )
    request.status = RoiStatus.RELEASED
    request.released_at = disclosure.disclosed_at
    request.save(update_fields=["status", "released_at"])
    audit_record(
        action=AuditAction.EXPORT,
        obj=request,
        patient=patient,
        category="release",
        detail=f"released by {request.delivery_method}" + (", after the due date" if late else ""),
    )
    return disclosure


@transaction.atomic
def roi_close(*, request: RoiRequest, status: str, reason: str) -> RoiRequest:
    """Deny (with the reason the requester is told) or withdraw a request."""
    _require_open(request)
    if status not in (RoiStatus.DENIED, RoiStatus.WITHDRAWN):
        raise ValidationError({"status": ["A request is closed as denied or withdrawn."]})
    if not reason.strip():
        raise ValidationError({"denial_reason": ["Give the reason."]})
    request.status = status
    request.denial_reason = reason.strip()[:300]
    request.save(update_fields=["status", "denial_reason"])
    audit_record(
        action=AuditAction.UPDATE,
        obj=request,
        patient=request.patient,
        category="release",
        detail=f"closed: {status}",
    )
    return request


def disclosure_record(
    *,
    patient: Patient,
    recipient_name: str,
    description: str,
    purpose: str,
    basis: str,
    delivery_method: str,
    recipient_address: str = "",
    to_patient: bool = False,
    roi_request: RoiRequest | None = None,
    transfer: RecordTransfer | None = None,
    referral: Referral | None = None,
    packet_sha256: str = "",
    pages: int | None = None,
    late: bool = False,
    disclosed_at: datetime | None = None,
    corrects: Disclosure | None = None,
    disclosed_by=None,
) -> Disclosure:
    """Append one disclosure (PR-01). Never updated: a correction is a new row."""
    with transaction.atomic():
        disclosure = Disclosure(
            patient=patient,
            disclosed_at=disclosed_at or timezone.now(),
            recipient_name=recipient_name[:120],
            recipient_address=recipient_address[:250],
            description=description[:500],
            purpose=purpose[:200],
            basis=basis,
            to_patient=to_patient,
            delivery_method=delivery_method,
            roi_request=roi_request,
            transfer=transfer,
            referral=referral,
            packet_sha256=packet_sha256,
            pages=pages,
            late=late,
            corrects=corrects,
            disclosed_by=_user(disclosed_by),
        )
        _full_clean(
            disclosure,
            exclude=["patient", "roi_request", "transfer", "referral", "corrects", "disclosed_by"],
        )
        disclosure.save()
        audit_record(
            action=AuditAction.CREATE,
            obj=disclosure,
            patient=patient,
            category="disclosures",
            detail=f"basis {basis}"
            + (", late" if late else "")
            + (f", corrects {corrects.public_id}" if corrects else ""),
        )
    return disclosure


# Transfers ----------------------------------------------------------------------------------


@transaction.atomic
def transfer_out_prepare(*, patient: Patient, fields: dict, prepared_by=None) -> RecordTransfer:
    """Prepare an outgoing records transfer: the packet PDF and the FHIR R4 Bundle."""
    from medoffice.records.fhir_export import patient_bundle

    fields = dict(fields)
    fields["sections"] = _clean_sections(fields.get("sections") or list(SECTIONS))
    transfer = RecordTransfer(
        patient=patient,
        direction=TransferDirection.OUTGOING,
        status=TransferStatus.PREPARED,
        created_by=_user(prepared_by),
        **fields,
    )
    _full_clean(transfer, exclude=["patient"])
    if not transfer.delivery_method:
        raise ValidationError({"delivery_method": ["Choose how the records go out."]})
    scope = Scope(transfer.scope_from, transfer.scope_to)
    user = _user(prepared_by)
    cover = _cover(
        patient=patient,
        title="Records transfer",
        recipient=transfer.party_name,
        address=transfer.party_address,
        purpose=transfer.reason,
        authority="Treatment (continuity of care)",
        scope=scope,
        delivery=transfer.get_delivery_method_display(),
        by=user.get_username() if user else "",
        ref=str(transfer.public_id),
    )
    pdf, pages = render_packet(
        cover,
        build_sections(patient, transfer.sections, scope),
        build_attachments(patient, transfer.sections, scope),
    )
    bundle = patient_bundle(patient)
    transfer.packet.save(f"{uuid.uuid4().hex}.pdf", ContentFile(pdf), save=False)
    transfer.packet_sha256 = files.sha256_of(pdf)
    transfer.packet_pages = pages
    transfer.bundle.save(f"{uuid.uuid4().hex}.json", ContentFile(bundle), save=False)
    transfer.bundle_sha256 = files.sha256_of(bundle)
    transfer.save()
    audit_record(
        action=AuditAction.CREATE,
        obj=transfer,
        patient=patient,
        category="transfers",
        detail=f"outgoing packet of {pages} pages and FHIR bundle",
    )
    return transfer


@transaction.atomic
def transfer_out_send(*, transfer: RecordTransfer, sent_by=None) -> Disclosure:
    if (
        transfer.direction != TransferDirection.OUTGOING
        or transfer.status != TransferStatus.PREPARED
    ):
        raise ValidationError("Only a prepared outgoing transfer is sent.")
    packet = files.read_verified(transfer.packet, transfer.packet_sha256, what="transfer packet")
    bundle = files.read_verified(transfer.bundle, transfer.bundle_sha256, what="FHIR bundle")
    if transfer.delivery_method == DeliveryMethod.EMAIL:
        if not transfer.party_email:
            raise ValidationError({"party_email": ["No e-mail address for the recipient."]})
        _send_email(
            to=transfer.party_email,
            subject="Patient records transfer",
            body="The patient's records are attached as PDF and as a FHIR R4 Bundle.",
            attachments=[
                ("records.pdf", packet, "application/pdf"),
                ("records.fhir.json", bundle, "application/fhir+json"),
            ],
        )
    elif transfer.delivery_method == DeliveryMethod.FAX:
        number = to_e164(transfer.party_fax)
        if not number:
            raise ValidationError({"party_fax": ["No fax number for the recipient."]})
        fax_backend().send(
            to_number=number, pdf=packet, pages=transfer.packet_pages or 1, cover_note="Records"
        )
    transfer.status = TransferStatus.SENT
    transfer.sent_at = timezone.now()
    transfer.save(update_fields=["status", "sent_at"])
    audit_record(
        action=AuditAction.UPDATE,
        obj=transfer,
        patient=transfer.patient,
        category="transfers",
        detail=f"sent by {transfer.delivery_method}",
    )
    scope = Scope(transfer.scope_from, transfer.scope_to)
    return disclosure_record(
        patient=transfer.patient,
        recipient_name=transfer.party_name,
        recipient_address=transfer.party_address,
        description=describe(transfer.sections, scope, pages=transfer.packet_pages)
        + "; FHIR R4 record",
        purpose=transfer.reason,
        basis=Basis.TREATMENT,
        delivery_method=transfer.delivery_method,
        transfer=transfer,
        packet_sha256=transfer.packet_sha256,
        pages=transfer.packet_pages,
        disclosed_by=sent_by,
    )


@transaction.atomic
def transfer_in_file(
    *,
    patient: Patient,
    party_name: str,
    reason: str,
    received_on: date,
    uploads: list,
    category: str = DocumentCategory.OUTSIDE_RECORDS,
    filed_by=None,
) -> RecordTransfer:
    """Records received from another provider, filed to the chart (one document per file)."""
    if not uploads:
        raise ValidationError({"files": ["Attach the records received."]})
    transfer = RecordTransfer(
        patient=patient,
        direction=TransferDirection.INCOMING,
        party_name=(party_name or "").strip(),
        reason=(reason or "").strip(),
        received_on=received_on,
        status=TransferStatus.FILED,
        created_by=_user(filed_by),
    )
    _full_clean(transfer, exclude=["patient"])
    transfer.save()
    for index, upload in enumerate(uploads, start=1):
        title = f"Records from {transfer.party_name}"
        if len(uploads) > 1:
            title += f" ({index} of {len(uploads)})"
        try:
            document_file(
                patient=patient,
                upload=upload,
                category=category,
                title=title[:120],
                document_date=received_on,
                source=DocumentSource.TRANSFER,
                transfer=transfer,
                filed_by=filed_by,
            )
        except ValidationError as exc:
            raise ValidationError(
                {
                    "files": [
                        f"File {index}: {m}" for m in exc.message_dict.get("file", exc.messages)
                    ]
                }
            ) from exc
    audit_record(
        action=AuditAction.CREATE,
        obj=transfer,
        patient=patient,
        category="transfers",
        detail=f"incoming: {len(uploads)} files filed",
    )
    return transfer


# Referrals ----------------------------------------------------------------------------------


def _clean_diagnoses(codes) -> list[str]:
    from medoffice.billing.models import split_codes
    from medoffice.coding.loaders import dotted, is_icd10_shaped, normalize_icd10

    if isinstance(codes, str):
        codes = split_codes(codes)
    out = []
    for code in codes:
        bare = normalize_icd10(code)
        if not is_icd10_shaped(bare):
            raise ValidationError({"diagnoses": [f"{code} is not an ICD-10-CM code."]})
        out.append(dotted(bare))
    return out


@transaction.atomic
def referral_create(
    *, patient: Patient, direction: str, fields: dict, documents=(), created_by=None
) -> Referral:
    fields = dict(fields)
    fields["diagnoses"] = _clean_diagnoses(fields.get("diagnoses") or [])
    status = (
        ReferralStatus.DRAFT
        if direction == TransferDirection.OUTGOING
        else (ReferralStatus.RECEIVED)
    )
    if direction == TransferDirection.INCOMING:
        fields.setdefault("received_on", today_at(patient))
    referral = Referral(
        patient=patient,
        direction=direction,
        status=status,
        created_by=_user(created_by),
        **fields,
    )
    _full_clean(referral, exclude=["patient", "provider", "appointment", "consult_note"])
    if referral.provider_id and referral.provider.practice_id != patient.practice_id:
        raise ValidationError({"provider": ["Not a clinician of this practice."]})
    if direction == TransferDirection.INCOMING and not referral.other_npi:
        raise ValidationError(
            {"other_npi": ["The referring provider's NPI is needed for the claim."]}
        )
    referral.save()
    _link_documents(referral, patient, documents, "An attached document")
    audit_record(
        action=AuditAction.CREATE,
        obj=referral,
        patient=patient,
        category="referrals",
        detail=f"{direction}, {referral.urgency}",
    )
    return referral


def _move(referral: Referral, status: str) -> None:
    allowed = REFERRAL_TRANSITIONS[referral.direction].get(referral.status, set())
    if status not in allowed:
        raise TransitionRefused(
            f"A referral that is {referral.get_status_display().lower()} cannot become"
            f" {ReferralStatus(status).label.lower()}."
        )
    referral.status = status


@transaction.atomic
def referral_send(*, referral: Referral, sent_by=None) -> Referral:
    """Send a referral out: its letter (and attached records) by fax or as recorded; the
    records that leave are a disclosure for treatment."""
    _move(referral, ReferralStatus.SENT)
    referral.sent_at = timezone.now()
    referral.save(update_fields=["status", "sent_at", "updated_at"])
    letter = referral_letter(referral)
    method = DeliveryMethod.MAIL
    if referral.other_fax:
        number = to_e164(referral.other_fax)
        if number:
            pdf, pages = _merged_pdf(
                [letter, *(document_as_pdf(d) for d in referral.documents.all())]
            )
            fax_backend().send(to_number=number, pdf=pdf, pages=pages, cover_note="Referral")
            method = DeliveryMethod.FAX
    attached = [d.title for d in referral.documents.all()]
    disclosure_record(
        patient=referral.patient,
        recipient_name=referral.other_name,
        recipient_address=referral.other_address,
        description=(
            "Referral letter: reason, diagnoses" + (f"; {', '.join(attached)}" if attached else "")
        )[:500],
        purpose=f"Referral: {referral.reason}"[:200],
        basis=Basis.TREATMENT,
        delivery_method=method,
        referral=referral,
        disclosed_by=sent_by,
    )
    audit_record(
        action=AuditAction.UPDATE,
        obj=referral,
        patient=referral.patient,
        category="referrals",
        detail=f"sent by {method}",
    )
    return referral


@transaction.atomic
def referral_schedule(
    *, referral: Referral, scheduled_for: datetime | None = None, appointment=None
) -> Referral:
    """Out: the specialist's appointment date. In: our appointment for the referred patient;
    its encounter carries the referring provider for the claim."""
    if appointment is not None:
        if referral.direction != TransferDirection.INCOMING:
            raise ValidationError({"appointment": ["Only a referral in is booked here."]})
        if appointment.patient_id != referral.patient_id:
            raise ValidationError({"appointment": ["That appointment is another patient's."]})
        referral.appointment = appointment
        scheduled_for = appointment.starts_at
    if scheduled_for is None:
        raise ValidationError({"scheduled_for": ["Give the appointment's date and time."]})
    _move(referral, ReferralStatus.SCHEDULED)
    referral.scheduled_for = scheduled_for
    referral.save()
    audit_record(
        action=AuditAction.UPDATE,
        obj=referral,
        patient=referral.patient,
        category="referrals",
        detail="scheduled",
    )
    if appointment is not None:
        referral_carry_to_encounter(appointment=appointment)
    return referral


def referral_carry_to_encounter(*, appointment) -> bool:
    """Copy the referring provider of a referral in onto the visit's encounter (for the
    claim's referring provider, 837P 2310A) when the encounter has none yet."""
    from medoffice.billing.models import Encounter

    referral = (
        Referral.objects.filter(appointment=appointment, direction=TransferDirection.INCOMING)
        .exclude(status=ReferralStatus.CANCELLED)
        .order_by("-created_at")
        .first()
    )
    encounter = Encounter.objects.filter(appointment=appointment).first()
    if referral is None or encounter is None or encounter.referring_provider_npi:
        return False
    encounter.referring_provider_name = referral.other_name[:120]
    encounter.referring_provider_npi = referral.other_npi
    encounter.save(update_fields=["referring_provider_name", "referring_provider_npi"])
    audit_record(
        action=AuditAction.UPDATE,
        obj=encounter,
        patient=referral.patient,
        category="billing",
        detail="referring provider from referral",
    )
    return True


@transaction.atomic
def referral_consult_received(
    *, referral: Referral, upload, document_date: date, filed_by=None
) -> Referral:
    """Close the loop of a referral out: the consult note is filed and linked."""
    _move(referral, ReferralStatus.CONSULT_RECEIVED)
    note = document_file(
        patient=referral.patient,
        upload=upload,
        category=DocumentCategory.CONSULT,
        title=f"Consult note from {referral.other_name}"[:120],
        document_date=document_date,
        source=DocumentSource.SCAN,
        filed_by=filed_by,
    )
    referral.consult_note = note
    referral.save(update_fields=["status", "consult_note", "updated_at"])
    audit_record(
        action=AuditAction.UPDATE,
        obj=referral,
        patient=referral.patient,
        category="referrals",
        detail="consult note received",
    )
    return referral


@transaction.atomic
def referral_set_status(*, referral: Referral, status: str) -> Referral:
    """Seen (in) or cancelled (either way)."""
    if status not in (ReferralStatus.SEEN, ReferralStatus.CANCELLED):
        raise ValidationError({"status": ["Use the schedule or consult note steps for that."]})
    _move(referral, status)
    referral.save(update_fields=["status", "updated_at"])
    audit_record(
        action=AuditAction.UPDATE,
        obj=referral,
        patient=referral.patient,
        category="referrals",
        detail=f"status {status}",
    )
    return referral


def referral_letter(referral: Referral) -> bytes:
    """The letter PDF: to the specialist (out) or acknowledging the referral (in)."""
    patient = referral.patient
    regarding = f"Re: {patient.first_name} {patient.last_name}, DOB {patient.dob:%m/%d/%Y}"
    ours = referral.provider
    signer = (str(ours), f"NPI {ours.npi}") if ours else (patient.practice.name,)
    to_lines = tuple(
        line
        for line in (
            referral.other_name,
            referral.other_specialty,
            referral.other_address,
            f"Fax {referral.other_fax}" if referral.other_fax else "",
        )
        if line
    )
    diagnoses = ", ".join(referral.diagnoses) or "see reason"
    if referral.direction == TransferDirection.OUTGOING:
        paragraphs = (
            f"I am referring my patient to you for: {referral.reason}.",
            "Relevant records are enclosed. Please send your consultation note back to us"
            " when you have seen the patient, so we can close the loop of this referral.",
        )
        facts = [("Urgency", referral.get_urgency_display()), ("Diagnoses", diagnoses)]
        if referral.authorization_number:
            visits = f", {referral.authorized_visits} visits" if referral.authorized_visits else ""
            expires = (
                f", valid to {referral.authorization_expires_on:%m/%d/%Y}"
                if referral.authorization_expires_on
                else ""
            )
            facts.append(
                ("Insurer authorisation", f"{referral.authorization_number}{visits}{expires}")
            )
        coverage = (
            patient.coverages.filter(status="active", order=1).select_related("payer").first()
        )
        if coverage:
            facts.append(("Insurance", f"{coverage.payer.name}, member id {coverage.member_id}"))
        phones = ", ".join(patient.phones)
        if phones:
            facts.append(("Patient's phone", phones))
    else:
        when = (
            referral.scheduled_for.astimezone(patient.zone).strftime("%m/%d/%Y %I:%M %p")
            if referral.scheduled_for
            else "to be scheduled; we are contacting the patient"
        )
        paragraphs = (
            f"Thank you for referring your patient to us for: {referral.reason}.",
            "We will send our consultation note to you after the visit.",
        )
        facts = [("Appointment", when), ("Diagnoses", diagnoses)]
    return render_letter(
        Letter(
            letterhead=letterhead_for(patient),
            dated=today_at(patient),
            to_lines=to_lines,
            regarding=regarding,
            salutation=f"Dear {referral.other_name},",
            paragraphs=paragraphs,
            facts=tuple(facts),
            signer_lines=signer,
            enclosures=tuple(d.title for d in referral.documents.all()),
        )
    )


def provider_for_user(user) -> Provider | None:
    return getattr(user, "provider", None)


def _link_documents(owner, patient: Patient, documents, noun: str) -> None:
    """Link the patient's own documents to a communication or referral (inside the caller's
    transaction: another patient's document refuses the whole write)."""
    for document in documents:
        if document.patient_id != patient.id:
            raise ValidationError({"documents": [f"{noun} is another patient's."]})
    if documents:
        owner.documents.set(documents)
