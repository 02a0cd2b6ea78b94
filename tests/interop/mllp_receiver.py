"""A real MLLP receiver on a loopback port for the tests: it validates and acknowledges.

Written with the standard library and hl7apy only (not our codec), so the feed
is tested against an independent peer.
"""

import socket
import socketserver
import threading
from datetime import UTC, datetime

from hl7apy.parser import parse_message

START, END = b"\x0b", b"\x1c\r"


class MllpReceiver:
    """answer: "AA" accept, "AE" refuse, "silent" never answer, "wrong-id" ack another message."""

    def __init__(self, answer: str = "AA") -> None:
        self.answer = answer
        self.received: list[str] = []
        self.connections = 0
        self._server: socketserver.ThreadingTCPServer | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    def feed_setting(self) -> dict:
        return {"transport": "mllp", "host": "127.0.0.1", "port": self.port}

    def _acknowledgment(self, text: str) -> bytes:
        msh = parse_message(text).msh
        control_id = msh.msh_10.to_er7()
        if self.answer == "wrong-id":
            control_id = "SOMETHINGELSE"
        now = datetime.now(UTC).strftime("%Y%m%d%H%M%S+0000")
        ack = (
            f"MSH|^~\\&|ENGINE|CLINIC|MEDOFFICE||{now}||ACK^{msh.msh_9.msg_2.to_er7()}^ACK"
            f"|ACK{len(self.received)}|P|2.5.1\r"
            f"MSA|{'AE' if self.answer == 'AE' else 'AA'}|{control_id}|"
            f"{'Unknown provider' if self.answer == 'AE' else ''}\r"
        )
        return START + ack.encode() + END

    def __enter__(self) -> "MllpReceiver":
        receiver = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                receiver.connections += 1
                self.request.settimeout(5)
                buffer = b""
                while True:
                    try:
                        chunk = self.request.recv(4096)
                    except (TimeoutError, OSError):
                        return
                    if not chunk:
                        return
                    buffer += chunk
                    while END in buffer:
                        framed, buffer = buffer.split(END, 1)
                        text = framed.removeprefix(START).decode()
                        receiver.received.append(text)
                        if receiver.answer != "silent":
                            self.request.sendall(receiver._acknowledgment(text))

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


def closed_port() -> int:
    """A loopback port nobody listens on (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
