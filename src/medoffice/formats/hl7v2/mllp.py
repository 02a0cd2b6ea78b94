"""MLLP framing (HL7 v2 Minimal Lower Layer Protocol, release 2): bytes in, bytes out.

A message travels as 0x0B, the message, 0x1C 0x0D. The transport reads from
the socket and feeds the bytes to `MllpDecoder`, which hands back whole
messages; neither end ever has to guess where a message stops.
"""

START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"


class FramingError(ValueError):
    """Bytes arrived outside a frame: the peer does not speak MLLP."""


def frame(message: bytes) -> bytes:
    if START_BLOCK in message or END_BLOCK[:1] in message:
        raise FramingError("a message may not contain the MLLP block characters")
    return START_BLOCK + message + END_BLOCK


class MllpDecoder:
    """Collects bytes as they arrive and yields each framed message once it is complete."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer.extend(data)
        messages = []
        while True:
            start = self._buffer.find(START_BLOCK)
            if start == -1:
                if self._buffer.strip():
                    raise FramingError("data outside an MLLP frame")
                self._buffer.clear()
                return messages
            if self._buffer[:start].strip():
                raise FramingError("data outside an MLLP frame")
            end = self._buffer.find(END_BLOCK, start + 1)
            if end == -1:
                del self._buffer[:start]
                return messages
            messages.append(bytes(self._buffer[start + 1 : end]))
            del self._buffer[: end + len(END_BLOCK)]
