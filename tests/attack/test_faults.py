"""WB-04: a database error in the middle of an operation leaves nothing half-done.

Each operation is run once to count its SQL statements, then again failing at each of
them in turn (tests/attack/faults.py: Django's execute wrapper raises OperationalError at
statement n; our code is untouched). One-transaction operations must raise and leave
every table exactly as it was (content, not only counts): booking a visit, posting an
835, applying a 999, settling an eligibility check with its 271, closing the day's
drawer. Operations that commit in steps (the claims send: build, scrub, queue, send each
batch; the statement run: one account at a time) must stop at a step boundary: nothing
inconsistent in between, and running them again afterwards finishes the work with each
claim sent once and each account given one statement. Through HTTP (an 835 uploaded by
a biller) the fault gives the generic 500 page, no traceback, and nothing posted; or the
upload survives it and the file is posted whole. BL-03 (tests/payments/test_crash.py)
covers the process killed with -9.

Quick: up to 12 fault points per operation, spread over its statements; `make stress`:
every statement.
"""

from datetime import date
from pathlib import Path

from django.db import transaction

from medoffice.accounts import services as accounts
from medoffice.accounts import statements
from medoffice.accounts.models import Statement
from medoffice.billing import acks, exchange
from medoffice.billing.claim_records import claim_records
from medoffice.billing.models import Claim, ClaimBatch, ExchangeFile
from medoffice.billing.simulator import simulate_answers
from medoffice.eligibility import services as eligibility
from medoffice.eligibility.simulator import answer_270
from medoffice.formats.x12 import Envelope
from medoffice.formats.x12.remittance import render_835
from medoffice.formats.x12.synthetic import adjudicate
from medoffice.payments.checks import ledger_problems
from medoffice.payments.era import era_import
from medoffice.payments.models import Payment
from tests.accounts.conftest import make_visit  # noqa: F401 - fixture
from tests.payments.conftest import ENVELOPE_TIME, line
from tests.scheduling.conftest import next_weekday_at

from .budget import report, size
from .db import AUDIT, changed, fingerprint
from .faults import points, run_failing_at, statements_of

LIMIT = size("MEDOFFICE_FAULT_POINTS", 12, 100_000)
TRIALS: dict[str, int] = {}


def _all_or_nothing(name: str, op, *, allowed=(), whole=None, failed=None) -> list[str]:
    """Fail `op` at each chosen statement: it fails and changes nothing (but `allowed`), or
    it completes all the same, and then `whole(its result)` checks it is complete.

    It fails by raising the injected error, or, for an operation that answers instead (an
    HTTP request), by an answer `failed(answer)` says is a failure."""
    total = statements_of(op)
    assert total > 0
    completed = []
    for n in points(total, LIMIT):
        with transaction.atomic():
            before = fingerprint()
            trial = run_failing_at(n, op)
            if trial.raised is None and not (failed is not None and failed(trial.result)):
                completed.append(f"{n}: {trial.sql}")  # the error was absorbed on the way
                if whole is not None:
                    whole(trial.result)
            else:
                diff = changed(before, fingerprint())
                where = f"{name}, fault at statement {n} ({trial.sql})"
                assert set(diff) <= set(allowed), f"{where}: {diff}"
            transaction.set_rollback(True)
    TRIALS[name] = len(points(total, LIMIT))
    report(f"Fault injection: {name}", statements=total, trials=TRIALS[name], half_done=0,
           completed_despite_the_fault=len(completed))  # fmt: skip
    return completed


def _envelope():
    return Envelope(sender_id="ACME", receiver_id="MEDOFFICE01", interchange_control_number=7,
                    group_control_number=7, created=ENVELOPE_TIME)  # fmt: skip


def test_a_fault_anywhere_in_posting_an_835_posts_nothing(sent, practice, biller):
    claims = [sent([line("99213"), line("36415")]) for _ in range(2)]
    records = list(claim_records([c.pk for c in claims]).values())
    data = render_835([adjudicate(records, seed=3, trace_number="FAULT1")], envelope=_envelope())

    def op():
        result = era_import(data, practice=practice, name="fault.835", by=biller)
        assert result.status == "posted", result.message

    _all_or_nothing("ERA posting (835)", op)


def test_a_fault_anywhere_in_booking_books_nothing(office, patient, provider, visit_type):
    """A fault while the change's journal row (its SIU message and notice) is written is
    absorbed on purpose (a feed that fails never undoes a change, scheduling/events.py):
    the booking then commits whole, without its row (logged; counted here). Before the fix
    in scheduling/events.py such a booking returned as booked and was silently not stored
    on SQLite."""
    from medoffice.scheduling.models import Appointment, AppointmentChange, Hold
    from medoffice.scheduling.services import appointment_book

    def op():
        return appointment_book(
            patient=patient, appointment_type=visit_type, provider=provider, location=office,
            starts_at=next_weekday_at(9, 30),
        )  # fmt: skip

    def whole(appointment):
        assert Appointment.objects.filter(pk=appointment.pk, status="booked").exists()
        assert Hold.objects.filter(appointment=appointment).count() == 3 * 6  # T, P, R x 30 min
        if not AppointmentChange.objects.filter(appointment=appointment).exists():
            without_message.append(appointment.pk)

    without_message: list = []
    _all_or_nothing("booking a visit", op, whole=whole)
    assert not Appointment.objects.exists()
    report("Fault injection: booking committed without its HL7 message (finding)",
           trials=len(without_message))  # fmt: skip


def test_a_fault_anywhere_in_applying_a_999_changes_nothing(
    signed, clearinghouse, practice, tmp_path
):  # fmt: skip
    clearinghouse.simulate_responses = True
    clearinghouse.save()
    signed()
    exchange.claims_send(practice_id=practice.id)
    simulate_answers(clearinghouse)
    for path in sorted((tmp_path / "inbox").iterdir()):
        data = path.read_bytes()

        def op(data=data, name=path.name):
            assert acks.response_receive(clearinghouse, name, data).status == "processed"

        _all_or_nothing(f"clearinghouse answer {path.suffix}", op)


def test_a_fault_anywhere_in_settling_an_eligibility_check_changes_nothing(insured):
    check = eligibility.check_create(coverage=insured, service_date=date(2026, 3, 2))
    data = answer_270(bytes(check.request_x12))

    def op():
        assert eligibility.response_receive(content=data, source="fault").applied

    _all_or_nothing("eligibility answer (271)", op)


def test_a_fault_anywhere_in_the_day_close_closes_nothing(patient, location, make_user, freeze):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    desk = make_user("front_desk")
    day = date(2026, 3, 2)
    freeze(datetime.combine(day, time(10), tzinfo=ZoneInfo("America/Chicago")))
    for method, amount in (("cash", "20"), ("card", "40")):
        accounts.desk_payment_take(patient=patient, amount=amount, method=method,
                                   reference="T1" if method == "card" else "",
                                   location=location, by=desk)  # fmt: skip

    def op():
        accounts.day_close(location=location, user=desk, day=day, by=desk,
                           counted={"cash": "20.00", "card": "40.00"})  # fmt: skip

    _all_or_nothing("day close", op)


def test_a_fault_in_the_statement_run_stops_between_accounts_and_a_rerun_finishes(
    make_patient, make_visit, make_user  # noqa: F811
):  # fmt: skip
    biller_user = make_user("biller")
    owing = [make_patient(first_name=n, last_name="Owes", dob=date(1970, 1, 2 + i))
             for i, n in enumerate(("Ann", "Bob", "Cy"))]  # fmt: skip
    for person in owing:
        make_visit(person, date(2026, 1, 2), [("99213", "90.00")])
    practice = owing[0].practice

    def op():
        return statements.statement_run(practice=practice, by=biller_user, today=date(2026, 3, 2))

    total = statements_of(op)
    chosen = points(total, LIMIT)
    for n in chosen:
        with transaction.atomic():
            trial = run_failing_at(n, op)
            assert trial.raised is not None
            done = Statement.objects.count()
            assert done <= len(owing)  # all of them when the fault hits the run's own record
            rerun = op()
            assert len(rerun.issued) == len(owing) - done
            per_account = sorted(Statement.objects.values_list("account_id", flat=True))
            assert len(per_account) == len(set(per_account)) == len(owing), n
            transaction.set_rollback(True)
    TRIALS["statement run"] = len(chosen)
    report("Fault injection: statement run", statements=total, trials=len(chosen),
           half_done=0)  # fmt: skip


def _claims_consistent() -> None:
    """No claim between states: queued claims sit in a queued batch, sent ones in a sent
    batch with its file recorded; every batch counts its claims."""
    for batch in ClaimBatch.objects.all():
        statuses = set(Claim.objects.filter(batch=batch).values_list("status", flat=True))
        assert Claim.objects.filter(batch=batch).count() == batch.claim_count
        if batch.status == "sent":
            assert statuses <= {"sent"}, (batch.status, statuses)
            assert batch.file is not None
        else:
            assert statuses <= {"queued"}, (batch.status, statuses)
            assert batch.file is None


def _stored(batch) -> bytes:
    """The bytes the send recorded for the batch (its archived copy)."""
    return Path(batch.file.stored_path).read_bytes()


def test_a_fault_in_the_claims_send_stops_between_steps_and_a_rerun_sends_each_claim_once(
    signed, clearinghouse, practice
):  # fmt: skip
    signed()
    signed(day=date(2026, 3, 3))

    def op():
        return exchange.claims_send(practice_id=practice.id)

    outbox = Path(clearinghouse.outbox_dir)
    total = statements_of(op)
    chosen = points(total, LIMIT)
    for n in chosen:
        for path in outbox.glob("*"):  # each trial's database is rolled back: so is the outbox
            path.unlink()
        with transaction.atomic():
            run_failing_at(n, op)
            # The send runs in autocommit; here it runs inside the trial's savepoint, where a
            # failed save outside the send's own atomic blocks marks the savepoint for
            # rollback (Django's mark_for_rollback_on_error). In autocommit nothing is
            # marked, and the injected statement never reached the database: unmark.
            transaction.set_rollback(False)
            _claims_consistent()
            op()
            _claims_consistent()
            sent_batches = ClaimBatch.objects.filter(status="sent").count()
            assert ExchangeFile.objects.filter(transaction="837").count() == sent_batches
            # A fault after the upload, before the send was recorded, left the file in the
            # outbox: the retry renders the same bytes, finds them there and records the
            # send (the file is not written twice, nothing waits for a person).
            assert not ClaimBatch.objects.exclude(status="sent").exists(), n
            assert set(Claim.objects.values_list("status", flat=True)) == {"sent"}, n
            for batch in ClaimBatch.objects.all():
                assert (outbox / batch.file_name).read_bytes() == _stored(batch), n
            transaction.set_rollback(True)
    TRIALS["claims send"] = len(chosen)
    report("Fault injection: claims send", statements=total, trials=len(chosen), half_done=0,
           retry_left_waiting=0)  # fmt: skip


def test_a_fault_during_an_uploaded_835_gives_the_generic_500_and_posts_whole_or_nothing(
    sent, practice, biller, client_for
):  # fmt: skip
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    claims = [sent([line("99213")])]
    records = list(claim_records([c.pk for c in claims]).values())
    data = render_835([adjudicate(records, seed=4, trace_number="HTTP1")], envelope=_envelope())
    client = client_for(biller)
    client.raise_request_exception = False
    url = reverse("payments:era-upload")

    def op():
        file = SimpleUploadedFile("upload.835", data, content_type="application/octet-stream")
        return client.post(url, {"file": file})

    def failed(response) -> bool:
        """The generic 500 page, nothing of the fault in it; else the biller's redirect."""
        if response.status_code != 500:
            assert response.status_code == 302, response.status_code
            return False
        body = response.content.decode()
        assert "Something went wrong" in body
        for leak in ("Traceback", "OperationalError", "injected fault", "SELECT", "HTTP1"):
            assert leak not in body
        return True

    def whole(response):
        # A fault the upload survives (putting SQLite's page cache back after the posted
        # file, core/bulk.bigger_sqlite_cache): the file is posted whole, the biller sees it.
        assert Payment.objects.exists()
        assert ledger_problems() == []

    _all_or_nothing("ERA upload over HTTP", op, allowed=("django_session", *AUDIT),
                    whole=whole, failed=failed)  # fmt: skip
