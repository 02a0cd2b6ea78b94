"""Reading a receiver's general acknowledgment (ACK): did it take our message?

Only MSH-1/MSH-2 (to learn the receiver's delimiters) and MSA are read; a
reply without an MSA segment is not an acknowledgment at all.
"""

from dataclasses import dataclass

from medoffice.formats.hl7v2.encoding import Delimiters, unescape

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
