"""`medoffice hl7 listen` as an operator runs it: its own process, a real port, SIGTERM."""

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.interop.mllp_client import exchange, sample
from tests.interop.mllp_receiver import closed_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _database_url(tmp_path) -> str:
    """A URL another process can open onto what this test has committed."""
    if connection.vendor == "sqlite":
        target = tmp_path / "listen.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        return f"sqlite:///{target}"
    s = connection.settings_dict
    return (
        f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}"
        f"/{s['NAME']}"
    )


def test_the_command_answers_on_its_port_and_stops_cleanly_on_sigterm(
    transactional_db, practice, location, tmp_path
):
    port = closed_port()
    env = {**os.environ, "DATABASE_URL": _database_url(tmp_path), "PYTHONPATH": str(ROOT),
           "MEDOFFICE_HL7_LISTEN_PORT": str(port), "MEDOFFICE_LOG_LEVEL": "ERROR"}  # fmt: skip
    code = "import sys; from medoffice.cli import main; main(sys.argv[1:])"
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", code, "hl7", "listen", "--practice", str(practice.public_id)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first_line = process.stdout.readline()
        assert first_line.startswith(f"HL7 listener on mllp://127.0.0.1:{port}"), (
            process.stderr.read() if process.poll() is not None else first_line
        )

        (ack,) = exchange(port, sample("unknown_type.hl7"))
        assert "MSA|AR|RDE-0001|" in ack

        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err[-2000:]
    assert out.strip().splitlines()[-1] == "HL7 listener stopped"
    if connection.vendor == "sqlite":
        with sqlite3.connect(tmp_path / "listen.sqlite3") as db:
            stored = db.execute(
                "SELECT control_id, ack_code FROM interop_inboundmessage"
            ).fetchall()
        assert stored == [("RDE-0001", "AR")]


def test_the_command_refuses_a_port_in_use(transactional_db, practice, tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": _database_url(tmp_path), "PYTHONPATH": str(ROOT)}
        code = "import sys; from medoffice.cli import main; main(sys.argv[1:])"
        done = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-c", code, "hl7", "listen", "--port", str(port)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
