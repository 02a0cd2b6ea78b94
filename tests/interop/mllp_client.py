"""A plain MLLP sender for the listener tests: standard library sockets, not our transport."""

import socket
from pathlib import Path

START, END = b"\x0b", b"\x1c\r"
INBOUND = Path(__file__).parent / "inbound"


def sample(name: str, **replace: str) -> str:
    """A message of tests/interop/inbound/, with some text replaced (a new control id...)."""
    text = (INBOUND / name).read_bytes().decode()
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def exchange(port: int, *texts: str, timeout: float = 10) -> list[str]:
    """Send each message framed on one connection and read one framed answer each."""
    answers = []
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        buffer = b""
        for text in texts:
            sock.sendall(START + text.encode() + END)
            while END not in buffer:
                chunk = sock.recv(4096)
                assert chunk, "the listener closed the connection without an answer"
                buffer += chunk
            framed, buffer = buffer.split(END, 1)
            assert framed.startswith(START)
            answers.append(framed[1:].decode())
    return answers


def send_raw(port: int, data: bytes, *, timeout: float = 10) -> bytes:
    """Send raw bytes, half-close, and return whatever comes back before the listener closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(4096):
            received += chunk
    return received
