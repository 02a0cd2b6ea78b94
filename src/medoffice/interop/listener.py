"""The MLLP listener: TCP in, one thread per connection, each frame stored then answered.

Transport only: bytes are cut into frames here (formats/hl7v2/mllp.py) and handed to
interop.inbound, which stores, processes and writes the ACK. A frame must be complete
within the timeout and within the size limit; otherwise its bytes are kept as a
`broken` message for review, nothing of it is processed, and the connection is closed
(the sender sees no ACK and sends again). Bytes outside a frame close the connection
the same way. `stop()` stops accepting, lets each connection finish the message it is
processing, and returns.
"""

import contextlib
import logging
import socket
import socketserver
import threading
import time

from django.db import close_old_connections, connections

from medoffice.formats.hl7v2.mllp import END_BLOCK, START_BLOCK, frame
from medoffice.interop.inbound import inbound_keep_broken, inbound_receive

logger = logging.getLogger(__name__)

_READ_SIZE = 65536
# How often a waiting connection looks up to see whether the listener is stopping.
_POLL_SECONDS = 0.5
# Engines keep a connection open between messages; one silent this long is closed.
_IDLE_SECONDS = 600


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = False  # stop() waits for the messages being processed
    block_on_close = True


class MllpListener:
    def __init__(self, *, practice, host: str, port: int, timeout: float, max_bytes: int):
        self.practice = practice
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.stopping = threading.Event()
        self._sqlite_turn = threading.Lock()
        listener = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                try:
                    listener._serve(self.request, "{}:{}".format(*self.client_address[:2]))
                finally:
                    connections.close_all()  # this thread's database connection

        self._server = _Server((host, port), Handler)
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        return self._server.server_address[:2]

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=_POLL_SECONDS)

    def start(self) -> "MllpListener":
        """Serve in a background thread (tests, the command's signal handling)."""
        self._thread = threading.Thread(target=self.serve_forever, name="mllp-listener")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()  # joins the connection threads
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> "MllpListener":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------ one connection

    def _serve(self, sock: socket.socket, peer: str) -> None:
        sock.settimeout(_POLL_SECONDS)
        buffer = bytearray()
        started: float | None = None  # when the current frame's first byte came
        idle_since = time.monotonic()
        while not self.stopping.is_set():
            try:
                chunk = sock.recv(_READ_SIZE)
            except TimeoutError:
                now = time.monotonic()
                if started is not None and now - started > self.timeout:
                    self._broken(buffer, peer, f"frame not complete after {self.timeout:g} s")
                    return
                if started is None and now - idle_since > max(_IDLE_SECONDS, self.timeout):
                    return  # a connection idle for long: closed quietly (engines reconnect)
                continue
            except OSError:
                chunk = b""
            if not chunk:
                if buffer.strip():
                    self._broken(buffer, peer, "connection closed in the middle of a frame")
                return
            buffer.extend(chunk)
            while True:
                start = buffer.find(START_BLOCK)
                if start == -1 or buffer[:start].strip():
                    if buffer.strip():  # only whitespace may stand between frames
                        self._broken(buffer, peer, "data outside an MLLP frame")
                        return
                    buffer.clear()
                    break
                del buffer[:start]
                started = started or time.monotonic()
                end = buffer.find(END_BLOCK, 1)
                if end == -1:
                    if len(buffer) - 1 > self.max_bytes:
                        self._broken(buffer[: self.max_bytes + 1], peer,
                                     f"message larger than {self.max_bytes} bytes")  # fmt: skip
                        return
                    break
                data = bytes(buffer[1:end])
                del buffer[: end + len(END_BLOCK)]
                started = None
                idle_since = time.monotonic()
                if len(data) > self.max_bytes:
                    self._broken(data[: self.max_bytes], peer,
                                 f"message larger than {self.max_bytes} bytes")  # fmt: skip
                    return
                close_old_connections()
                try:
                    with self._writes():
                        ack = inbound_receive(practice=self.practice, data=data, peer=peer)
                except Exception as exc:  # the database is down: no ACK, the sender retries
                    logger.error("HL7 listener: message from %s not stored (%s)", peer,
                                 type(exc).__name__)  # fmt: skip
                    return
                try:
                    sock.sendall(frame(ack.encode("utf-8")))
                except OSError:
                    return  # the sender left; the message is stored and its ACK kept

    def _writes(self):
        """SQLite writes one transaction at a time anyway; its shared-cache databases (the
        tests') raise "table is locked" instead of waiting, so its connections take turns
        here. PostgreSQL processes connections side by side."""
        if connections["default"].vendor == "sqlite":
            return self._sqlite_turn
        return contextlib.nullcontext()

    def _broken(self, data: bytes | bytearray, peer: str, reason: str) -> None:
        raw = bytes(data).removeprefix(START_BLOCK)
        with self._writes():
            row = inbound_keep_broken(practice=self.practice, data=raw, peer=peer, reason=reason)
        logger.warning("HL7 listener: %s from %s kept as %s", reason, peer, row.public_id)
