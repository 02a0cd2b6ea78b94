"""MLLP over TCP: send each message in a frame and wait for the receiver's ACK.

One connection serves a whole delivery run and is dropped after any error;
the next message opens a new one. MLLP itself is unencrypted, so settings
allow only a loopback address (a TLS tunnel carries it further).
"""

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from medoffice.formats.hl7v2.ack import AckError, parse_ack
from medoffice.formats.hl7v2.mllp import FramingError, MllpDecoder, frame
from medoffice.interop.transports import MessageRefused, Outgoing, ReceiverUnavailable

_READ_SIZE = 4096


class MllpClient:
    def __init__(self, host: str, port: int, *, timeout: float) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout

    @property
    def address(self) -> str:
        return f"mllp://{self.host}:{self.port}"

    @contextmanager
    def session(self) -> Iterator["_MllpSession"]:
        session = _MllpSession(self)
        try:
            yield session
        finally:
            session.close()


class _MllpSession:
    def __init__(self, client: MllpClient) -> None:
        self.client = client
        self._sock: socket.socket | None = None

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _connection(self) -> socket.socket:
        if self._sock is None:
            self._sock = socket.create_connection(
                (self.client.host, self.client.port), timeout=self.client.timeout
            )
        return self._sock

    def _exchange(self, payload: bytes) -> bytes:
        sock = self._connection()
        sock.sendall(frame(payload))
        decoder = MllpDecoder()
        while True:
            chunk = sock.recv(_READ_SIZE)
            if not chunk:
                raise ConnectionError("the receiver closed the connection before acknowledging")
            replies = decoder.feed(chunk)
            if replies:
                return replies[0]

    def send(self, message: Outgoing) -> str:
        try:
            reply = self._exchange(message.text.encode("utf-8"))
        except (OSError, FramingError) as exc:
            self.close()
            reason = "timed out" if isinstance(exc, TimeoutError) else type(exc).__name__
            raise ReceiverUnavailable(f"{self.client.address}: {reason}") from exc
        try:
            ack = parse_ack(reply.decode("utf-8", errors="replace"))
        except AckError as exc:
            self.close()
            raise MessageRefused(f"unreadable acknowledgment: {exc}") from exc
        if not ack.acknowledges(message.control_id):
            self.close()  # out of step with the receiver: start over on a new connection
            raise MessageRefused("the acknowledgment names another message")
        if not ack.is_accepted:
            detail = f": {ack.text}" if ack.text else ""
            raise MessageRefused(f"{ack.code}{detail}")
        return self.client.address
