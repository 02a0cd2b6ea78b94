"""Reading any HL7 v2 message: segments, fields, repetitions, components, subcomponents.

`parse_message(text)` splits the text by the delimiters the message announces in
MSH-1 and MSH-2 and unescapes values only when they are read, so a value holding
`\\S\\` comes back as `^`. Positions are HL7's own, 1-based: `msh.field(9, 2)` is
MSH-9.2, the trigger event. Nothing here knows a message type: inbound.py reads ADT
and ORU from these pieces.
"""

from dataclasses import dataclass

from medoffice.formats.hl7v2.encoding import Delimiters, unescape


class MessageError(ValueError):
    """The text is not an HL7 v2 message; `segment` and `field` say where, when known."""

    def __init__(self, reason: str, *, segment: str = "", sequence: int = 0, field: int = 0):
        super().__init__(reason)
        self.reason = reason
        self.segment = segment
        self.sequence = sequence
        self.field = field


@dataclass(frozen=True)
class Segment:
    name: str
    fields: tuple[str, ...]  # raw (escaped) text of field 1, 2, ...; MSH-1 is the separator
    delimiters: Delimiters

    def raw(self, number: int) -> str:
        return self.fields[number - 1] if 0 < number <= len(self.fields) else ""

    def repetitions(self, number: int) -> list[str]:
        raw = self.raw(number)
        if self.name == "MSH" and number <= 2:
            return [raw]
        return [r for r in raw.split(self.delimiters.repetition)] if raw else []

    def field(self, number: int, component: int = 1, subcomponent: int = 1, repetition: int = 1):
        """The unescaped value at field.component.subcomponent of one repetition ("" if absent)."""
        reps = self.repetitions(number)
        if len(reps) < repetition:
            return ""
        return piece(reps[repetition - 1], self.delimiters, component, subcomponent)


def piece(raw: str, d: Delimiters, component: int = 1, subcomponent: int = 1) -> str:
    """One component (and subcomponent) of a raw field repetition, unescaped."""
    components = raw.split(d.component)
    if len(components) < component:
        return ""
    subs = components[component - 1].split(d.subcomponent)
    if len(subs) < subcomponent:
        return ""
    return unescape(subs[subcomponent - 1], d).strip()


@dataclass(frozen=True)
class Message:
    segments: tuple[Segment, ...]
    delimiters: Delimiters

    @property
    def msh(self) -> Segment:
        return self.segments[0]

    @property
    def message_type(self) -> str:
        return self.msh.field(9, 1)

    @property
    def trigger(self) -> str:
        return self.msh.field(9, 2)

    @property
    def control_id(self) -> str:
        return self.msh.field(10)

    @property
    def sending_application(self) -> str:
        return self.msh.field(3)

    @property
    def sending_facility(self) -> str:
        return self.msh.field(4) or self.msh.field(4, 2)

    def all(self, name: str) -> list[Segment]:
        return [s for s in self.segments if s.name == name]

    def first(self, name: str) -> Segment | None:
        return next((s for s in self.segments if s.name == name), None)


def parse_message(text: str) -> Message:
    """Split `text` into segments; raises MessageError when it is no HL7 v2 message."""
    lines = [s for s in text.replace("\r\n", "\r").replace("\n", "\r").split("\r") if s.strip()]
    if not lines or not lines[0].startswith("MSH") or len(lines[0]) < 8:
        raise MessageError("the message does not start with an MSH segment", segment="MSH")
    header = lines[0]
    field_separator, encoding = header[3], header[4:8]
    if len(set(field_separator + encoding)) != 5 or field_separator.isalnum():
        raise MessageError("MSH-1 and MSH-2 do not declare five distinct delimiters",
                           segment="MSH", sequence=1, field=2)  # fmt: skip
    d = Delimiters(
        field=field_separator,
        component=encoding[0],
        repetition=encoding[1],
        escape=encoding[2],
        subcomponent=encoding[3],
    )
    segments = []
    for line in lines:
        name, *rest = line.split(field_separator)
        if len(name) != 3 or not name.isalnum() or not name.isupper():
            raise MessageError(f"{name[:10]!r} is not a segment name", segment=name[:3])
        if name == "MSH":
            rest = [field_separator, *rest]
        segments.append(Segment(name=name, fields=tuple(rest), delimiters=d))
    message = Message(segments=tuple(segments), delimiters=d)
    for number, what in ((9, "message type"), (10, "control id"), (12, "version")):
        if not message.msh.field(number):
            raise MessageError(f"MSH-{number} ({what}) is empty", segment="MSH", sequence=1,
                               field=number)  # fmt: skip
    return message
