"""The operator's `medoffice audit verify` (one line, exit 0 when intact, exit 1 naming the row),
`medoffice worker`, and the worker `medoffice demo` runs beside its server."""

import subprocess
import sys

import pytest
from django.db import transaction

from medoffice.cli import main
from medoffice.core.audit import audit_record
from medoffice.core.models import AuditAction, AuditEvent
from tests.core.conftest import audit_triggers_dropped


@pytest.fixture
def trail(db):
    return [audit_record(action=AuditAction.READ, detail=f"event {n}") for n in range(5)]


def test_audit_verify_reports_an_intact_trail(trail, capsys):
    main(["audit", "verify"])

    assert capsys.readouterr().out.strip() == "audit chain intact: 5 rows verified"


def test_audit_verify_exits_1_naming_the_first_broken_row(trail, capsys):
    with audit_triggers_dropped(), transaction.atomic():
        AuditEvent.objects.filter(id=trail[2].id).update(detail="rewritten")
        with pytest.raises(SystemExit) as caught:
            main(["audit", "verify"])
        transaction.set_rollback(True)

    assert caught.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"medoffice audit: audit chain broken at row {trail[2].id}:")
    assert len(err.splitlines()) == 1


# --- The demo's background worker ---


@pytest.fixture
def quiet_demo(monkeypatch):
    """cmd_demo without Django, the database or a real server: what it starts is recorded."""
    from medoffice import cli

    monkeypatch.setattr(cli, "_setup_django", lambda: None)
    monkeypatch.setattr(cli, "_call", lambda *args, **kwargs: None)
    monkeypatch.setattr(cli, "WORKER_GRACE_SECONDS", 0.1)
    # A stand-in worker: a process that would run for a minute unless stopped.
    monkeypatch.setattr(
        cli, "worker_command", lambda: [sys.executable, "-c", "import time; time.sleep(60)"]
    )
    started = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(cli.subprocess, "Popen", popen)
    return started


def _demo_args(*extra):
    from medoffice.cli import build_parser

    return build_parser().parse_args(["demo", *extra])


def test_demo_runs_a_worker_while_it_serves_and_stops_it_after(quiet_demo, monkeypatch):
    from medoffice import cli

    seen_while_serving = []
    monkeypatch.setattr(
        cli, "_serve", lambda *a: seen_while_serving.append(quiet_demo[0].poll() is None)
    )

    cli.cmd_demo(_demo_args())

    assert seen_while_serving == [True]
    (worker,) = quiet_demo
    assert worker.poll() is not None  # stopped when the server stopped


def test_demo_stops_its_worker_when_the_server_fails(quiet_demo, monkeypatch):
    from medoffice import cli

    def port_in_use(*args):
        raise OSError("address already in use")

    monkeypatch.setattr(cli, "_serve", port_in_use)

    with pytest.raises(OSError):
        cli.cmd_demo(_demo_args())

    assert quiet_demo[0].poll() is not None


@pytest.mark.parametrize("flag", ["--no-serve", "--no-worker"])
def test_demo_without_serving_or_with_no_worker_starts_none(quiet_demo, monkeypatch, flag):
    from medoffice import cli

    monkeypatch.setattr(cli, "_serve", lambda *a: None)

    cli.cmd_demo(_demo_args(flag))

    assert quiet_demo == []


def test_worker_subcommand_passes_its_options_to_the_worker(monkeypatch):
    from medoffice import cli

    calls = []
    monkeypatch.setattr(cli, "_setup_django", lambda: None)
    monkeypatch.setattr(cli, "_call", lambda name, **options: calls.append((name, options)))

    cli.main(["worker", "--batch", "--no-sweep", "--queues", "messaging", "--feed-every", "5"])

    assert calls == [
        (
            "run_worker",
            {
                "queues": "messaging",
                "batch": True,
                "interval": 2.0,
                "sweep_every": 0,
                "feed_every": 5.0,
            },
        )
    ]


def test_a_sigterm_to_the_demo_stops_its_worker_too(quiet_demo, monkeypatch):
    import os
    import signal

    from medoffice import cli

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(cli, "_serve", lambda *a: os.kill(os.getpid(), signal.SIGTERM))

    with pytest.raises(SystemExit) as stopped:
        cli.cmd_demo(_demo_args())

    assert stopped.value.code == 143
    assert quiet_demo[0].poll() is not None
    assert signal.getsignal(signal.SIGTERM) == before
