"""`medoffice statements run` and the worker's daily statement cycle."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from medoffice.accounts.models import AccountSettings, Statement, StatementRun
from medoffice.accounts.statements import cycle_of_day
from medoffice.accounts.tasks import enqueue_statement_cycles, run_statement_cycles
from medoffice.messaging.management.commands.run_worker import CLOCK_JOBS


@pytest.mark.parametrize(
    ("day", "cycles", "cycle"),
    [(date(2026, 3, 1), 4, 1), (date(2026, 3, 8), 4, 1), (date(2026, 3, 9), 4, 2),
     (date(2026, 3, 31), 4, 4), (date(2026, 2, 28), 4, 4), (date(2026, 2, 15), 1, 1)],
)  # fmt: skip
def test_the_month_is_split_into_cycles(day, cycles, cycle):
    assert cycle_of_day(day, cycles) == cycle


def _run(*args) -> str:
    out = StringIO()
    call_command("statements", "run", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_who_would_get_one_and_sends_nothing(make_patient, make_visit):
    owes = make_patient(first_name="Owen", last_name="Owes")
    nowhere = make_patient(first_name="Nia", last_name="Nowhere", dob=date(1971, 1, 2))
    make_visit(owes, date(2026, 1, 2), [("99213", "90.00")])
    make_visit(nowhere, date(2026, 1, 2), [("99213", "60.00")])
    nowhere.address1 = ""  # moved away, no new address yet
    nowhere.save()
    dry = _run("--dry-run", "--as-of", "2026-03-02")
    assert "would be sent" in dry
    assert "no mailing address" in dry
    assert "Dry run, every cycle: 1 statement(s) would go out ($90.00); 1 skipped." in dry
    assert not Statement.objects.exists()
    assert not StatementRun.objects.exists()
    sent = _run("--as-of", "2026-03-02")
    assert "Statements, every cycle: 1 sent ($90.00), 1 skipped." in sent
    with pytest.raises(CommandError, match="--cycle is 1 to 4"):
        _run("--cycle", "9")


def test_worker_runs_the_days_cycle_for_practices_that_ask(practice, make_patient, make_visit):
    assert any(job is enqueue_statement_cycles for job, _ in CLOCK_JOBS)
    owes = make_patient(first_name="Owen", last_name="Owes")
    make_visit(owes, date(2026, 1, 2), [("99213", "90.00")])
    assert run_statement_cycles.call() == {}  # off by default
    AccountSettings.objects.create(practice=practice, statements_on_clock=True, cycles=1)
    assert run_statement_cycles.call() == {practice.name: 1}
    assert run_statement_cycles.call() == {practice.name: 0}  # once per period
    assert StatementRun.objects.filter(ran_by=None).count() == 2
    assert enqueue_statement_cycles() is True
    assert enqueue_statement_cycles() is False  # queued once a day


def test_medoffice_statements_run_passes_its_options(monkeypatch):
    from medoffice import cli

    calls = []
    monkeypatch.setattr(cli, "_setup_django", lambda: None)
    monkeypatch.setattr(cli, "_call", lambda *args, **options: calls.append((args, options)))

    cli.main(["statements", "run", "--dry-run", "--cycle", "today", "--as-of", "2026-03-02"])

    assert calls == [
        (("statements", "run"),
         {"dry_run": True, "email": False, "cycle": "today", "as_of": "2026-03-02"}),
    ]  # fmt: skip
