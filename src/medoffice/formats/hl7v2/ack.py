"""General acknowledgments (ACK): reading a receiver's, and writing our listener's own.

Reading: only MSH-1/MSH-2 (to learn the receiver's delimiters) and MSA are read; a
reply without an MSA segment is not an acknowledgment at all. Writing: MSH, MSA with
the reason in MSA-3, and one ERR per problem (location, table 0357 code, the words).
"""

from dataclasses import dataclass
from datetime import datetime

from medoffice.formats.hl7v2.encoding import (
    Delimiters,
    hl7_timestamp,
    render_message,
    render_segment,
    unescape,
)

# MSA-1 codes that mean "accepted": original mode (AA) and enhanced mode (CA).
ACCEPTED = frozenset({"AA", "CA"})


class AckError(ValueError):
    """The reply is not an HL7 acknowledgment we can read."""


@dataclass(frozen=True)
class Acknowledgment:
    code: str  # MSA-1: AA, AE, AR (original) or CA, CE, CR (enhanced)
    control_id: str  # MSA-2: the MSH-10 of the message acknowledged
    text: str = ""  # MSA-3, if the receiver said why

    @property
    def is_accepted(self) -> bool:
        return self.code in ACCEPTED

    def acknowledges(self, control_id: str) -> bool:
        return self.control_id == control_id


def parse_ack(text: str) -> Acknowledgment:
    segments = [s for s in text.replace("\r\n", "\r").replace("\n", "\r").split("\r") if s]
    if not segments or not segments[0].startswith("MSH") or len(segments[0]) < 8:
        raise AckError("the reply does not start with an MSH segment")
    msh = segments[0]
    field = msh[3]
    encoding = msh[4:8]
    delimiters = Delimiters(
        field=field,
        component=encoding[0],
        repetition=encoding[1],
        escape=encoding[2],
        subcomponent=encoding[3],
    )
    for segment in segments[1:]:
        fields = segment.split(field)
        if fields[0] != "MSA":
            continue
        values = [*fields[1:4], "", "", ""][:3]
        code, control_id, why = (unescape(v, delimiters) for v in values)
        if not code:
            raise AckError("MSA-1 (acknowledgment code) is empty")
        return Acknowledgment(code=code, control_id=control_id, text=why)
    raise AckError("the reply has no MSA segment")


# ------------------------------------------------------------------ writing our own ACKs

# HL7 table 0357 (message error condition codes), the ones our listener answers with.
ERROR_CODES = {
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "103": "Table value not found",
    "200": "Unsupported message type",
    "201": "Unsupported event code",
    "203": "Unsupported version id",
    "204": "Unknown key identifier",
    "205": "Duplicate key identifier",
    "207": "Application internal error",
}


@dataclass(frozen=True)
class AckIssue:
    """One ERR segment: where (segment, its sequence, field), what (table 0357), and why."""

    code: str  # a key of ERROR_CODES
    text: str  # ERR-8, the words a person reads
    segment: str = ""
    sequence: int = 0
    field: int = 0
    severity: str = "E"  # table 0516: E error, W warning, I information


@dataclass(frozen=True)
class AckHeader:
    """The MSH of our answer: addressed back to whoever sent the message being answered."""

    control_id: str  # our ACK's own MSH-10
    created_at: datetime
    acknowledged_id: str  # MSA-2: the MSH-10 of their message
    trigger: str = ""  # MSH-9.2: their trigger event, echoed
    receiving_application: str = ""  # their MSH-3
    receiving_facility: str = ""  # their MSH-4
    facility: str = ""  # our MSH-4 (the practice)
    processing_id: str = "P"


def render_ack(header: AckHeader, code: str, text: str = "", issues: tuple[AckIssue, ...] = ()):
    """A general acknowledgment (ACK, HL7 v2.5.1 structure MSH MSA ERR*) as text."""
    segments = [
        render_segment(
            "MSH",
            [
                "MEDOFFICE",
                header.facility or None,
                header.receiving_application or None,
                header.receiving_facility or None,
                hl7_timestamp(header.created_at),
                None,
                ("ACK", header.trigger or None, "ACK"),
                header.control_id,
                header.processing_id or "P",
                "2.5.1",
            ],
        ),
        render_segment("MSA", [code, header.acknowledged_id, text[:80]]),
    ]
    for issue in issues:
        location = (
            (issue.segment, str(issue.sequence or 1), str(issue.field) if issue.field else None)
            if issue.segment
            else None
        )
        segments.append(
            render_segment(
                "ERR",
                [
                    None,
                    location,
                    (issue.code, ERROR_CODES.get(issue.code, ""), "HL70357"),
                    issue.severity,
                    None,
                    None,
                    None,
                    issue.text[:250],
                ],
            )
        )
    return render_message(segments)
