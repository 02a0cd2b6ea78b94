"""Inbound HL7 v2: store every message first, then process it in one transaction, and answer.

    inbound_receive     bytes of one frame -> the ACK to send (AA, AE or AR, with the why)
    inbound_keep_broken a frame cut in the middle, too large, or data outside a frame
    inbound_match       a reviewer files a held message to the patient they chose
    inbound_dismiss     a reviewer rejects a held message, with a reason

Nothing is lost: the raw message is committed before any processing, and a processing
failure rolls back only the processing. A repeated control id (MSH-10) from the same
sender is answered with the acknowledgment the first one got and not processed again.

ADT A04 registers (a likely duplicate is held for review, never created blindly), A08
updates demographics and insurance, A40 merges through patients' merge service. ORU R01
files results to the chart. Patients are found by the sender's identifier (kept per
assigning authority in ExternalIdentifier), then our MRN, then (results only) by exact
name and date of birth.
"""

import hashlib
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from medoffice.clinical.models import AbnormalFlag, Result, ResultKind
from medoffice.clinical.services import result_add
from medoffice.core.audit import audit_record
from medoffice.core.clock import today_at
from medoffice.core.context import Actor, acting_as
from medoffice.core.models import AuditAction, Practice, Provider
from medoffice.formats.hl7v2.ack import AckHeader, AckIssue, render_ack
from medoffice.formats.hl7v2.inbound import (
    AdtMessage,
    Demographics,
    Identifier,
    Insurance,
    ResultReport,
    read_adt,
    read_oru,
)
from medoffice.formats.hl7v2.message import Message, MessageError, parse_message
from medoffice.interop.models import (
    ExternalIdentifier,
    InboundMessage,
    InboundStatus,
    new_control_id,
)
from medoffice.patients.errors import DuplicatePatientError, PatientError
from medoffice.patients.models import (
    Coverage,
    CoverageStatus,
    Patient,
    PatientStatus,
    Payer,
    SubscriberRelationship,
)
from medoffice.patients.services import (
    coverage_add,
    coverage_update,
    patient_merge,
    patient_register,
    patient_update,
)

logger = logging.getLogger(__name__)

LISTENER = Actor(user_id=None, username="hl7 listener", role="")

# What the listener takes in; anything else is answered AR (table 0357 code 200/201).
SUPPORTED = {"ADT": {"A04", "A08", "A40"}, "ORU": {"R01"}}
# Where our own MRN is named as the assigning authority (besides the practice's NPI and UUID).
OUR_AUTHORITY = "MEDOFFICE"
# HL7 table 0063 (relationship to the insured) -> X12 relationship codes of Coverage.
_RELATIONSHIP = {"SEL": "18", "SPO": "01", "CHD": "19", "EME": "20", "DOM": "53"}
_IMAGING = {"RAD", "CT", "MR", "NMR", "US", "NMS", "RX", "VUS", "XRC"}
_FLAGS = {f.value for f in AbnormalFlag}


@dataclass
class Outcome:
    code: str  # AA, AE, AR
    status: str
    text: str = ""
    issues: list[AckIssue] = field(default_factory=list)
    patient: Patient | None = None


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _clip(value: str, model, name: str) -> str:
    return value[: model._meta.get_field(name).max_length]


# ---------------------------------------------------------------- receiving


def inbound_keep_broken(*, practice: Practice, data: bytes, peer: str, reason: str):
    """Keep bytes that never made a whole frame, for review; nothing is processed."""
    return InboundMessage.objects.create(
        practice=practice,
        received_at=timezone.now(),
        peer=peer[:60],
        text=_decode(data),
        digest=hashlib.sha256(data).hexdigest(),
        size=len(data),
        status=InboundStatus.BROKEN,
        errors=reason,
    )


def _header(message: Message | None, practice: Practice) -> dict:
    if message is None:
        return {}
    return {
        "sending_application": _clip(
            message.sending_application, InboundMessage, "sending_application"
        ),
        "sending_facility": _clip(message.sending_facility, InboundMessage, "sending_facility"),
        "message_type": message.message_type[:3],
        "trigger": message.trigger[:3],
        "control_id": _clip(message.control_id, InboundMessage, "control_id"),
    }


def _ack(row: InboundMessage, message: Message | None, practice: Practice, outcome: Outcome):
    header = AckHeader(
        control_id=new_control_id(),
        created_at=timezone.now().astimezone(practice.zone),
        acknowledged_id=message.control_id if message else "",
        trigger=message.trigger if message else "",
        receiving_application=message.sending_application if message else "",
        receiving_facility=message.sending_facility if message else "",
        facility=practice.group_npi or str(practice.public_id),
        processing_id=(message.msh.field(11) if message else "") or "P",
    )
    return render_ack(header, outcome.code, outcome.text, tuple(outcome.issues))


def _record(row: InboundMessage, message: Message | None, outcome: Outcome) -> str:
    ack = _ack(row, message, row.practice, outcome)
    # Errors say why it was not processed; warnings (held as a likely duplicate, a payer
    # not set up) are kept too, so the log and the review queue show them.
    errors = "\n".join(
        i.text if i.severity == "E" else f"warning: {i.text}" for i in outcome.issues
    )
    InboundMessage.objects.filter(pk=row.pk).update(
        status=outcome.status,
        errors=errors or ("" if outcome.code == "AA" else outcome.text),
        ack_code=outcome.code,
        ack_text=ack,
        patient=outcome.patient,
        processed_at=timezone.now(),
    )
    return ack


def inbound_receive(*, practice: Practice, data: bytes, peer: str) -> str:
    """Store one framed message, process it, and return the ACK to send (text)."""
    text = _decode(data)
    try:
        message: Message | None = parse_message(text)
        unreadable = None
    except MessageError as exc:
        message, unreadable = None, exc
    head = _header(message, practice)
    if head.get("control_id"):
        earlier = InboundMessage.objects.filter(practice=practice, **{
            k: head[k] for k in ("sending_application", "sending_facility", "control_id")
        }).first()  # fmt: skip
        if earlier is not None and earlier.ack_text:
            InboundMessage.objects.filter(pk=earlier.pk).update(duplicates=F("duplicates") + 1)
            return earlier.ack_text
    try:
        with transaction.atomic():
            row = InboundMessage.objects.create(
                practice=practice,
                received_at=timezone.now(),
                peer=peer[:60],
                text=text,
                digest=hashlib.sha256(data).hexdigest(),
                size=len(data),
                **head,
            )
    except IntegrityError:
        # The same control id is being processed on another connection right now.
        row = InboundMessage.objects.get(practice=practice, **{
            k: head[k] for k in ("sending_application", "sending_facility", "control_id")
        })  # fmt: skip
        if row.ack_text:
            return row.ack_text
        return _ack(
            row,
            message,
            practice,
            Outcome(
                "AE",
                row.status,
                "duplicate control id",
                [AckIssue("205", "this control id is being processed now; send it later")],
            ),
        )
    return inbound_process(row=row, message=message, unreadable=unreadable)


def inbound_process(*, row: InboundMessage, message: Message | None, unreadable=None) -> str:
    """Process a stored message in one transaction (its outcome and ACK included)."""
    practice = row.practice
    if message is None:
        issue = _issue_from(unreadable, "100")
        return _record(row, None, Outcome("AR", InboundStatus.REJECTED, issue.text, [issue]))
    with acting_as(LISTENER):
        try:
            with transaction.atomic():
                outcome = _dispatch(practice, message, row)
                return _record(row, message, outcome)
        except MessageError as exc:
            issue = _issue_from(exc, "101")
            outcome = Outcome("AE", InboundStatus.ERROR, issue.text, [issue])
        except ValidationError as exc:
            outcome = _invalid(exc)
        except PatientError as exc:
            outcome = Outcome("AE", InboundStatus.ERROR, str(exc)[:80],
                              [AckIssue("207", str(exc))])  # fmt: skip
        except Exception as exc:
            logger.error(  # the class only: the exception text may quote the message (PHI)
                "HL7 message %s not processed (%s)", row.control_id, type(exc).__name__
            )
            outcome = Outcome(
                "AE",
                InboundStatus.ERROR,
                "internal error",
                [AckIssue("207", f"internal error ({type(exc).__name__})")],
            )
        with transaction.atomic():
            return _record(row, message, outcome)


def _issue_from(exc, code: str) -> AckIssue:
    return AckIssue(
        code=code,
        text=getattr(exc, "reason", str(exc)),
        segment=getattr(exc, "segment", ""),
        sequence=getattr(exc, "sequence", 0),
        field=getattr(exc, "field", 0),
    )


# Our fields -> where they came from, so an AE names the HL7 field at fault.
_FIELD_SOURCE = {
    "first_name": ("PID", 5), "last_name": ("PID", 5), "middle_name": ("PID", 5),
    "suffix": ("PID", 5), "dob": ("PID", 7), "sex_at_birth": ("PID", 8),
    "address1": ("PID", 11), "address2": ("PID", 11), "city": ("PID", 11),
    "state": ("PID", 11), "zip_code": ("PID", 11), "home_phone": ("PID", 13),
    "mobile_phone": ("PID", 13), "work_phone": ("PID", 14), "email": ("PID", 13),
    "member_id": ("IN1", 36), "group_number": ("IN1", 8), "effective_start": ("IN1", 12),
    "effective_end": ("IN1", 13), "payer": ("IN1", 3), "order": ("IN1", 1),
}  # fmt: skip


def _invalid(exc: ValidationError) -> Outcome:
    issues = []
    messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    for name, texts in messages.items():
        segment, number = _FIELD_SOURCE.get(name, ("", 0))
        for text in texts:
            label = f"{name}: {text}" if name and name != "__all__" else text
            issues.append(AckIssue("101" if "required" in text else "102", label,
                                   segment=segment, sequence=1, field=number))  # fmt: skip
    first = issues[0].text if issues else "validation failed"
    return Outcome("AE", InboundStatus.ERROR, first[:80], issues)


def _dispatch(practice: Practice, message: Message, row: InboundMessage) -> Outcome:
    kind, trigger = message.message_type, message.trigger
    if kind not in SUPPORTED:
        issue = AckIssue("200", f"message type {kind} is not taken here (ADT, ORU)",
                         segment="MSH", sequence=1, field=9)  # fmt: skip
        return Outcome("AR", InboundStatus.REJECTED, issue.text, [issue])
    if trigger not in SUPPORTED[kind]:
        taken = ", ".join(sorted(SUPPORTED[kind]))
        issue = AckIssue("201", f"{kind}^{trigger} is not taken here ({taken})",
                         segment="MSH", sequence=1, field=9)  # fmt: skip
        return Outcome("AR", InboundStatus.REJECTED, issue.text, [issue])
    if kind == "ADT":
        return _adt(practice, read_adt(message), message)
    return _oru(practice, read_oru(message, zone=practice.zone), message, patient=None)


# ---------------------------------------------------------------- finding patients


def _is_ours(practice: Practice, identifier: Identifier) -> bool:
    return identifier.authority in {OUR_AUTHORITY, practice.group_npi, str(practice.public_id)}


def _current(patient: Patient | None) -> Patient | None:
    """A merged record's survivor: an old id still finds the right chart."""
    seen = set()
    while patient is not None and patient.merged_into_id and patient.pk not in seen:
        seen.add(patient.pk)
        patient = patient.merged_into
    return patient


def patient_by_identifiers(practice: Practice, identifiers) -> Patient | None:
    for identifier in identifiers:
        if _is_ours(practice, identifier):
            found = Patient.objects.filter(practice=practice, mrn=identifier.value.upper()).first()
        else:
            link = (
                ExternalIdentifier.objects.filter(
                    practice=practice, authority=identifier.authority, value=identifier.value
                )
                .select_related("patient")
                .first()
            )
            found = link.patient if link else None
        if found is not None:
            return _current(found)
    return None


def _by_demographics(practice: Practice, person: Demographics) -> Patient | None:
    if person.birth_date is None or not person.name.given:
        return None
    matches = list(
        Patient.objects.filter(
            practice=practice,
            dob=person.birth_date,
            last_name__iexact=person.name.family,
            first_name__iexact=person.name.given,
        ).exclude(status=PatientStatus.MERGED)[:2]
    )
    return matches[0] if len(matches) == 1 else None


def link_identifiers(practice: Practice, patient: Patient, identifiers) -> None:
    """Remember the sender's ids for this patient (ids already linked elsewhere are kept)."""
    for identifier in identifiers:
        if _is_ours(practice, identifier):
            continue
        ExternalIdentifier.objects.get_or_create(
            practice=practice,
            authority=_clip(identifier.authority, ExternalIdentifier, "authority"),
            value=_clip(identifier.value, ExternalIdentifier, "value"),
            defaults={"patient": patient},
        )


def _unknown_patient(person: Demographics, what: str) -> Outcome:
    ids = ", ".join(f"{i.value} ({i.authority})" for i in person.identifiers)
    issue = AckIssue("204", f"unknown patient: no record with {ids}; {what}",
                     segment="PID", sequence=1, field=3)  # fmt: skip
    return Outcome("AE", InboundStatus.REVIEW, "unknown patient: held for review", [issue])


# ---------------------------------------------------------------- ADT


def _demographic_fields(person: Demographics, *, partial: bool) -> dict:
    fields = {
        "first_name": person.name.given,
        "middle_name": person.name.middle,
        "last_name": person.name.family,
        "suffix": person.name.suffix,
        "dob": person.birth_date,
        "sex_at_birth": person.sex,
        "address1": person.address1,
        "address2": person.address2,
        "city": person.city,
        "state": person.state.upper(),
        "zip_code": person.zip_code,
        "home_phone": person.home_phone,
        "work_phone": person.work_phone,
        "email": person.email,
    }
    if partial:  # an update changes what the message says and leaves the rest
        return {k: v for k, v in fields.items() if v not in ("", None)}
    return {k: ("" if v is None else v) for k, v in fields.items()}


def _adt(practice: Practice, adt: AdtMessage, message: Message) -> Outcome:
    person = adt.patient
    if adt.trigger == "A40":
        return _merge(practice, adt)
    patient = patient_by_identifiers(practice, person.identifiers)
    if patient is None and adt.trigger == "A08":
        return _unknown_patient(person, "an A08 updates a patient registered before")
    if patient is None:  # A04 of someone new to us
        try:
            patient = patient_register(
                practice=practice, fields=_demographic_fields(person, partial=False)
            )
        except DuplicatePatientError as exc:
            who = "; ".join(
                f"MRN {c.patient.mrn} ({', '.join(c.reasons)})" for c in exc.candidates[:3]
            )
            issue = AckIssue("205", f"likely the same person as {who}: held for review",
                             segment="PID", sequence=1, field=3, severity="W")  # fmt: skip
            return Outcome("AA", InboundStatus.REVIEW, "held for review: likely duplicate", [issue])
        link_identifiers(practice, patient, person.identifiers)
        issues = _insurance(patient, adt.insurance)
        return Outcome("AA", InboundStatus.ACCEPTED, f"registered as MRN {patient.mrn}",
                       issues, patient)  # fmt: skip
    patient_update(patient=patient, fields=_demographic_fields(person, partial=True))
    link_identifiers(practice, patient, person.identifiers)
    issues = _insurance(patient, adt.insurance)
    return Outcome("AA", InboundStatus.ACCEPTED, f"updated MRN {patient.mrn}", issues, patient)


def _insurance(patient: Patient, plans: tuple[Insurance, ...]) -> list[AckIssue]:
    """Add or update each IN1's coverage; an unknown payer is a warning, not a refusal."""
    issues = []
    for plan in plans:
        payer = Payer.objects.filter(payer_id=plan.payer_id.upper(), is_active=True).first()
        if payer is None:
            issues.append(AckIssue("103", f"IN1-3 payer {plan.payer_id} is not set up here:"
                                   " insurance not recorded", segment="IN1",
                                   sequence=plan.set_id, field=3, severity="W"))  # fmt: skip
            continue
        fields = {
            "payer": payer,
            "member_id": plan.member_id,
            "group_number": plan.group_number,
            "plan_name": plan.plan_name[:100],
            "order": min(max(plan.set_id, 1), 3),
            "relationship": _RELATIONSHIP.get(plan.relationship, SubscriberRelationship.SELF),
            "effective_start": plan.effective_start or today_at(patient),
            "effective_end": plan.effective_end,
        }
        if fields["relationship"] != SubscriberRelationship.SELF:
            fields |= {
                "subscriber_first_name": plan.subscriber_given,
                "subscriber_last_name": plan.subscriber_family,
                "subscriber_dob": plan.subscriber_birth_date,
            }
        same = [
            c for c in Coverage.objects.filter(patient=patient, payer=payer)
            .exclude(status=CoverageStatus.ENTERED_IN_ERROR)
            if c.member_id == plan.member_id
        ]  # fmt: skip
        if same:
            coverage_update(coverage=same[0], fields=fields)
        else:
            coverage_add(patient=patient, fields=fields)
    return issues


def _merge(practice: Practice, adt: AdtMessage) -> Outcome:
    survivor = patient_by_identifiers(practice, adt.patient.identifiers)
    prior_ids = [i for i in adt.prior_identifiers]
    prior = None
    for identifier in prior_ids:  # the prior record itself, even if already merged
        if _is_ours(practice, identifier):
            prior = Patient.objects.filter(practice=practice, mrn=identifier.value.upper()).first()
        else:
            link = ExternalIdentifier.objects.filter(
                practice=practice, authority=identifier.authority, value=identifier.value
            ).first()
            prior = link.patient if link else None
        if prior is not None:
            break
    if survivor is None:
        return _unknown_patient(adt.patient, "an A40 needs the surviving patient (PID-3)")
    if prior is None:
        ids = ", ".join(f"{i.value} ({i.authority})" for i in prior_ids)
        issue = AckIssue("204", f"unknown prior patient: no record with {ids} (MRG-1)",
                         segment="MRG", sequence=1, field=1)  # fmt: skip
        return Outcome("AE", InboundStatus.REVIEW, "unknown prior patient: held for review",
                       [issue])  # fmt: skip
    if prior.pk == survivor.pk or _current(prior).pk == survivor.pk:
        return Outcome("AA", InboundStatus.ACCEPTED, "already merged", [], survivor)
    patient_merge(survivor=survivor, duplicate=prior)
    return Outcome("AA", InboundStatus.ACCEPTED,
                   f"merged MRN {prior.mrn} into MRN {survivor.mrn}", [], survivor)  # fmt: skip


# ---------------------------------------------------------------- ORU


def _flag(text: str) -> str:
    text = text.upper()
    if text in ("", "N"):
        return AbnormalFlag.NORMAL
    return text if text in _FLAGS else AbnormalFlag.ABNORMAL


def _oru(practice, report: ResultReport, message: Message, *, patient) -> Outcome:
    if patient is None:
        patient = patient_by_identifiers(practice, report.patient.identifiers)
        if patient is None:
            patient = _by_demographics(practice, report.patient)
        if patient is None:
            return _unknown_patient(
                report.patient, "no single patient with that name and birth date"
            )
    link_identifiers(practice, patient, report.patient.identifiers)
    issues = []
    filed = 0
    received = timezone.now()
    for number, order in enumerate(report.orders, start=1):
        provider = None
        if order.ordering_provider and order.ordering_provider.npi:
            npi = order.ordering_provider.npi
            provider = Provider.objects.filter(practice=practice, npi=npi).first()
            if provider is None:
                issues.append(AckIssue("204", f"ordering provider NPI {npi} is not one of ours:"
                                       " filed without one", segment="OBR", sequence=number,
                                       field=16, severity="W"))  # fmt: skip
        kind = ResultKind.IMAGING if order.diagnostic_service in _IMAGING else ResultKind.LAB
        for obx in order.observations:
            long_value = len(obx.value) > Result._meta.get_field("value").max_length
            notes = [*(["" if not long_value else obx.value]), *obx.notes, *order.notes]
            result_add(
                patient=patient,
                kind=kind,
                loinc=obx.code[:10] if obx.code_system.upper() in ("LN", "LOINC") else "",
                name=_clip(obx.name or order.service_name, Result, "name"),
                value="" if long_value else obx.value,
                unit=_clip(obx.units, Result, "unit"),
                reference_range=_clip(obx.reference_range, Result, "reference_range"),
                flag=_flag(obx.flag),
                report="\n".join(n for n in notes if n),
                ordering_provider=provider,
                resulted_at=obx.observed_at or order.observed_at or received,
            )
            filed += 1
    return Outcome("AA", InboundStatus.ACCEPTED, f"{filed} results filed", issues, patient)


# ---------------------------------------------------------------- the review queue


def inbound_match(*, message: InboundMessage, patient: Patient, user) -> InboundMessage:
    """File a message held for review to the patient a person chose (ORU, A08), or link the
    sender's id to them (A04 held as a likely duplicate). Audited."""
    with transaction.atomic():
        row = InboundMessage.objects.select_for_update().get(pk=message.pk)
        if row.status != InboundStatus.REVIEW:
            raise ValidationError("This message is not waiting for a match.")
        if patient.practice_id != row.practice_id or patient.status == PatientStatus.MERGED:
            raise ValidationError("Choose a current patient of this practice.")
        parsed = parse_message(row.text)
        practice = row.practice
        if row.message_type == "ORU":
            _oru(practice, read_oru(parsed, zone=practice.zone), parsed, patient=patient)
        else:
            adt = read_adt(parsed)
            if adt.trigger == "A40":
                raise ValidationError("A merge cannot be matched by hand; merge the records.")
            link_identifiers(practice, patient, adt.patient.identifiers)
            if adt.trigger == "A08":
                patient_update(
                    patient=patient, fields=_demographic_fields(adt.patient, partial=True)
                )
                _insurance(patient, adt.insurance)
        _reviewed(row, user, InboundStatus.RESOLVED, "", patient)
        audit_record(
            action=AuditAction.UPDATE,
            obj=row,
            patient=patient,
            category="interfaces",
            detail=f"{row.message_type}^{row.trigger} {row.control_id} matched by hand",
        )
    return row


def inbound_register_new(*, message: InboundMessage, user) -> Patient:
    """A reviewer decided an A04 held as a likely duplicate is someone new: register them
    (the duplicate warning overridden, as at the desk), link the sender's id. Audited."""
    with transaction.atomic():
        row = InboundMessage.objects.select_for_update().get(pk=message.pk)
        if row.status != InboundStatus.REVIEW or (row.message_type, row.trigger) != ("ADT", "A04"):
            raise ValidationError("Only a registration (A04) held for review can be registered.")
        adt = read_adt(parse_message(row.text))
        practice = row.practice
        patient = patient_register(
            practice=practice,
            fields=_demographic_fields(adt.patient, partial=False),
            confirm_not_duplicate=True,
        )
        link_identifiers(practice, patient, adt.patient.identifiers)
        _insurance(patient, adt.insurance)
        _reviewed(row, user, InboundStatus.RESOLVED, "registered as a new patient", patient)
        audit_record(
            action=AuditAction.UPDATE,
            obj=row,
            patient=patient,
            category="interfaces",
            detail=f"ADT^A04 {row.control_id} registered as new by hand",
        )
    return patient


def inbound_dismiss(*, message: InboundMessage, user, reason: str) -> InboundMessage:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the message is rejected."]})
    with transaction.atomic():
        row = InboundMessage.objects.select_for_update().get(pk=message.pk)
        if row.status not in (InboundStatus.REVIEW, InboundStatus.ERROR, InboundStatus.BROKEN):
            raise ValidationError("This message is not waiting for review.")
        _reviewed(row, user, InboundStatus.DISMISSED, reason, None)
        audit_record(
            action=AuditAction.UPDATE,
            obj=row,
            patient=row.patient,
            category="interfaces",
            detail=f"{row.message_type}^{row.trigger} {row.control_id} rejected",
        )
    return row


def _reviewed(row: InboundMessage, user, status: str, note: str, patient) -> None:
    row.status = status
    row.reviewed_by = user
    row.reviewed_at = timezone.now()
    row.review_note = note[:300]
    if patient is not None:
        row.patient = patient
    row.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note", "patient"])


def listener_practice(public_id: str = "") -> Practice:
    """The practice the listener files for: the one named, else the only one there is."""
    if public_id:
        practice = Practice.objects.filter(public_id=public_id).first()
        if practice is None:
            raise ValueError(f"no practice {public_id}")
        return practice
    practices = list(Practice.objects.order_by("id")[:2])
    if len(practices) != 1:
        raise ValueError(
            "name the practice the listener files for (MEDOFFICE_HL7_LISTEN_PRACTICE or"
            " --practice): there is not exactly one"
        )
    return practices[0]
