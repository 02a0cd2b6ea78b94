"""What inbound ADT and ORU messages say, as plain records: bytes in, dataclasses out.

    ADT^A04 / A08 / A40   PID (+ PD1, PV1, IN1 ...; MRG for A40) -> `AdtMessage`
    ORU^R01               PID, ORC, OBR, OBX, NTE                  -> `ResultReport`

Only what MedOffice files is read. A missing or malformed required value raises
MessageError naming the segment and field, which the listener turns into an AE.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from medoffice.formats.hl7v2.message import Message, MessageError, Segment, piece


@dataclass(frozen=True)
class Identifier:
    """CX: an id and who issued it (HD-1 namespace, else HD-2 universal id)."""

    value: str
    authority: str
    kind: str = ""  # CX-5, e.g. MR


@dataclass(frozen=True)
class PersonName:
    family: str
    given: str
    middle: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class Demographics:
    identifiers: tuple[Identifier, ...]
    name: PersonName
    birth_date: date | None
    sex: str = ""
    address1: str = ""
    address2: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""
    home_phone: str = ""
    work_phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Insurance:
    """IN1: the plan (IN1-3 payer id, IN1-4 name), the member and the period."""

    set_id: int
    payer_id: str
    payer_name: str
    member_id: str
    group_number: str = ""
    plan_name: str = ""
    effective_start: date | None = None
    effective_end: date | None = None
    relationship: str = ""  # IN1-17, HL7 table 0063 (SEL, SPO, CHD ...)
    subscriber_family: str = ""
    subscriber_given: str = ""
    subscriber_birth_date: date | None = None


@dataclass(frozen=True)
class AdtMessage:
    trigger: str
    patient: Demographics
    insurance: tuple[Insurance, ...] = ()
    prior_identifiers: tuple[Identifier, ...] = ()  # MRG-1, A40 only


@dataclass(frozen=True)
class Clinician:
    npi: str
    family: str = ""
    given: str = ""


@dataclass(frozen=True)
class Observation:
    """One OBX: LOINC (or local) code, value, units, range, flag, status, when."""

    set_id: int
    code: str
    code_system: str
    name: str
    value_type: str
    value: str
    units: str = ""
    reference_range: str = ""
    flag: str = ""
    status: str = ""
    observed_at: datetime | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Order:
    """One OBR (with its ORC): the test ordered, who ordered it, and its observations."""

    placer_number: str
    filler_number: str
    service_code: str
    service_name: str
    observed_at: datetime | None
    ordering_provider: Clinician | None
    diagnostic_service: str = ""  # OBR-24: LAB, RAD ...
    observations: tuple[Observation, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResultReport:
    patient: Demographics
    orders: tuple[Order, ...] = field(default_factory=tuple)


# DTM: YYYYMMDD[HH[MM[SS]]][.S[S[S[S]]]][+/-ZZZZ]
_DTM = re.compile(r"(\d{8}(?:\d{2}){0,3})(?:\.\d{1,4})?(?:([+-])(\d{2})(\d{2}))?")


def _where(segment: Segment, sequence: int, number: int) -> dict:
    return {"segment": segment.name, "sequence": sequence, "field": number}


def hl7_date_value(value: str, *, segment: Segment, number: int, sequence: int = 1):
    """DT or the date part of DTM: YYYY[MM[DD]] (we need all three); "" is None."""
    if not value:
        return None
    digits = value[:8]
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise MessageError(
            f"{segment.name}-{number} {value[:20]!r} is not a date (YYYYMMDD)",
            **_where(segment, sequence, number),
        ) from None


def hl7_instant(value: str, *, segment: Segment, number: int, sequence: int = 1, zone=UTC):
    """DTM: YYYYMMDD[HH[MM[SS[.S+]]]][+/-ZZZZ] -> aware datetime (`zone` when no offset)."""
    if not value:
        return None
    match = _DTM.fullmatch(value)
    try:
        if match is None:
            raise ValueError
        digits, sign, hours, minutes = match.groups()
        parts = [int(digits[:4]), int(digits[4:6]), int(digits[6:8])]
        parts += [int(digits[i : i + 2]) for i in range(8, len(digits), 2)]
        offset = None
        if sign:
            delta = timedelta(hours=int(hours), minutes=int(minutes))
            offset = timezone(delta if sign == "+" else -delta)
        instant = datetime(*parts)  # noqa: DTZ001 - the zone is set just below
    except ValueError:
        raise MessageError(
            f"{segment.name}-{number} {value[:26]!r} is not a date and time",
            **_where(segment, sequence, number),
        ) from None
    return instant.replace(tzinfo=offset or zone)


def _identifiers(segment: Segment, number: int, default_authority: str) -> tuple[Identifier, ...]:
    found = []
    for rep in segment.repetitions(number):
        d = segment.delimiters
        value = piece(rep, d, 1)
        if not value:
            continue
        authority = piece(rep, d, 4, 1) or piece(rep, d, 4, 2) or default_authority
        found.append(Identifier(value=value, authority=authority, kind=piece(rep, d, 5)))
    return tuple(found)


def _phone(segment: Segment, number: int) -> str:
    for rep in segment.repetitions(number):
        d = segment.delimiters
        area, local = piece(rep, d, 6), piece(rep, d, 7)
        text = f"{area}{local}" if local else piece(rep, d, 1)
        if text:
            return text
    return ""


def _required(segment: Segment, number: int, what: str, component: int = 1) -> str:
    value = segment.field(number, component)
    if not value:
        raise MessageError(
            f"{segment.name}-{number} ({what}) is required", **_where(segment, 1, number)
        )
    return value


def read_demographics(message: Message) -> Demographics:
    pid = message.first("PID")
    if pid is None:
        raise MessageError("the message has no PID segment", segment="PID")
    identifiers = _identifiers(pid, 3, message.sending_facility)
    if not identifiers:
        raise MessageError("PID-3 (patient identifier list) is required", **_where(pid, 1, 3))
    name = PersonName(
        family=_required(pid, 5, "patient name: family", 1),
        given=pid.field(5, 2),
        middle=pid.field(5, 3),
        suffix=pid.field(5, 4),
    )
    email = next(
        (piece(r, pid.delimiters, 4) for r in pid.repetitions(13) if piece(r, pid.delimiters, 4)),
        "",
    )
    return Demographics(
        identifiers=identifiers,
        name=name,
        birth_date=hl7_date_value(pid.field(7), segment=pid, number=7),
        sex=pid.field(8),
        address1=pid.field(11, 1),
        address2=pid.field(11, 2),
        city=pid.field(11, 3),
        state=pid.field(11, 4),
        zip_code=pid.field(11, 5),
        home_phone=_phone(pid, 13),
        work_phone=_phone(pid, 14),
        email=email,
    )


def _insurance(segment: Segment, sequence: int) -> Insurance:
    def day(number: int) -> date | None:
        return hl7_date_value(
            segment.field(number), segment=segment, number=number, sequence=sequence
        )

    return Insurance(
        set_id=int(segment.field(1) or sequence) if segment.field(1).isdigit() else sequence,
        payer_id=segment.field(3) or _required(segment, 3, "insurance company id"),
        payer_name=segment.field(4),
        member_id=segment.field(36) or segment.field(49),
        group_number=segment.field(8),
        plan_name=segment.field(9) or segment.field(2, 2),
        effective_start=day(12),
        effective_end=day(13),
        relationship=segment.field(17),
        subscriber_family=segment.field(16, 1),
        subscriber_given=segment.field(16, 2),
        subscriber_birth_date=day(18),
    )


def read_adt(message: Message) -> AdtMessage:
    insurance = tuple(
        _insurance(segment, number) for number, segment in enumerate(message.all("IN1"), start=1)
    )
    prior: tuple[Identifier, ...] = ()
    if message.trigger == "A40":
        mrg = message.first("MRG")
        if mrg is None:
            raise MessageError("an A40 merge needs an MRG segment", segment="MRG")
        prior = _identifiers(mrg, 1, message.sending_facility)
        if not prior:
            raise MessageError("MRG-1 (prior patient identifier) is required",
                               **_where(mrg, 1, 1))  # fmt: skip
    return AdtMessage(
        trigger=message.trigger,
        patient=read_demographics(message),
        insurance=insurance,
        prior_identifiers=prior,
    )


def _clinician(segment: Segment | None, number: int) -> Clinician | None:
    if segment is None or not segment.field(number):
        return None
    return Clinician(
        npi=segment.field(number, 1),
        family=segment.field(number, 2),
        given=segment.field(number, 3),
    )


def read_oru(message: Message, *, zone=UTC) -> ResultReport:
    """PID, then per order ORC? OBR (NTE*) (OBX (NTE*))*; an OBX before any OBR is an error."""
    patient = read_demographics(message)
    orders: list[dict] = []
    orc: Segment | None = None
    obr_count = obx_count = 0
    for segment in message.segments:
        if segment.name == "ORC":
            orc = segment
        elif segment.name == "OBR":
            obr_count += 1
            service = _required(segment, 4, "universal service identifier")
            orders.append(
                {
                    "placer_number": segment.field(2) or (orc.field(2) if orc else ""),
                    "filler_number": segment.field(3) or (orc.field(3) if orc else ""),
                    "service_code": service,
                    "service_name": segment.field(4, 2) or service,
                    "observed_at": hl7_instant(
                        segment.field(7), segment=segment, number=7, sequence=obr_count, zone=zone
                    ),
                    "ordering_provider": _clinician(segment, 16) or _clinician(orc, 12),
                    "diagnostic_service": segment.field(24),
                    "observations": [],
                    "notes": [],
                }
            )
            orc = None
        elif segment.name == "OBX":
            obx_count += 1
            if not orders:
                raise MessageError("an OBX comes before any OBR", segment="OBX",
                                   sequence=obx_count)  # fmt: skip
            value = "~".join(
                piece(r, segment.delimiters, 1) if segment.field(2) != "CWE"
                else (piece(r, segment.delimiters, 2) or piece(r, segment.delimiters, 1))
                for r in segment.repetitions(5)
            )  # fmt: skip
            orders[-1]["observations"].append(
                {
                    "set_id": obx_count,
                    "code": _required(segment, 3, "observation identifier"),
                    "code_system": segment.field(3, 3),
                    "name": segment.field(3, 2) or segment.field(3, 1),
                    "value_type": segment.field(2),
                    "value": value,
                    "units": segment.field(6, 1),
                    "reference_range": segment.field(7),
                    "flag": segment.field(8),
                    "status": segment.field(11),
                    "observed_at": hl7_instant(
                        segment.field(14),
                        segment=segment,
                        number=14,
                        sequence=obx_count,
                        zone=zone,
                    ),  # fmt: skip
                    "notes": [],
                }
            )
        elif segment.name == "NTE" and orders:
            text = segment.field(3)
            target = orders[-1]["observations"][-1] if orders[-1]["observations"] else orders[-1]
            target["notes"].append(text)
    if not orders:
        raise MessageError("an ORU^R01 needs at least one OBR segment", segment="OBR")
    return ResultReport(
        patient=patient,
        orders=tuple(
            Order(
                **{k: v for k, v in o.items() if k not in ("observations", "notes")},
                observations=tuple(
                    Observation(**{**x, "notes": tuple(x["notes"])}) for x in o["observations"]
                ),
                notes=tuple(o["notes"]),
            )
            for o in orders
        ),
    )
