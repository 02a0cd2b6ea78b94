"""Scheduling over HTTP: clients race through the REST API to book one day's slots, served
as in production (gunicorn, 2 workers) from the benchmark database.

Setup (not measured): the scheduling benchmark's practice (bench/scheduling.py, prepared
if this runs alone), a working day after its booked weeks with no visit yet (the "race
day"), its first slots as the finder offers them, one API token per client (front-desk
service accounts), and a fresh patient for every attempt.

Measured: gunicorn serves `medoffice.wsgi` with 2 workers on 127.0.0.1 (an ephemeral
port, its socket handed over by file descriptor) with the environment of this run: the
same database (file SQLite with the production pragmas, or PostgreSQL under
scripts/with-postgres.sh) and the same audit key. The workers are gthread workers (4
threads each, keep-alive 5 s): an API client keeps its connection, as integrations
do; BENCH_HTTP_THREADS=1 serves with sync workers (a new connection per request) for
comparison. 8 client threads (http.client, one keep-alive connection each: the
clients' own CPU is reported, since they share the two cores with the server) start
together and POST /api/appointments/ with their bearer tokens, each booking a fresh
patient:

- first the day's 3 "hot" slots, in the same order for every client: each client books
  the first of them it does not know to be taken, so the 8 race for the same slot
  until one wins it (exactly one may);
- then the rest of the day's slots, each client in its own random order.

Before each attempt a client skips the slots it knows to be taken (any client's 201 or
409 so far), as a clerk re-reads the open times after a 409 instead of trying the same
time again. The re-read is free here (shared in the clients' memory, not a request), so
every request is a booking attempt; two clients still collide when they pick the same
open slot at once, most often near the end of the day, when few are left.

Reported: bookings/s (201 answers over the wall time of the race), conflicts (409s),
other 4xx and 5xx answers (5xx must be 0), and, counted afterwards in the database with
plain SQL, double bookings (a provider, room or patient in two live visits at once, or a
slot booked twice: must be 0). Beside them, the raw commit rate of the same database
measured in the same run before and after the race (one tiny INSERT per transaction, the
same connection settings), and the ratio of the two. Before the race, the same clients
ask for an appointment that does not exist (token, permission, one lookup, a 404, no
transaction): the framework's own cost per request (`http_baseline_404_*`). The race's
bookings are deleted afterwards (their audit rows stay: the trail is append-only).
"""

import importlib.util
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from datetime import time as clock
from http.client import HTTPConnection, RemoteDisconnected
from pathlib import Path

from django.db import connection
from django.test import Client
from django.utils import timezone

from medoffice.core.api_auth import api_token_issue
from medoffice.core.models import Location, Provider, StaffProfile
from medoffice.core.roles import Role
from medoffice.core.services import staff_user_create
from medoffice.patients.models import Patient
from medoffice.scheduling.models import Appointment, Holiday
from medoffice.scheduling.selectors import find_slots
from medoffice.scheduling.slots import units

# It books visits: bench/run.py runs it after the read-only benchmarks.
WRITES = True

TARGETS = {
    "http_server_errors": ("<=", 0),
    "http_double_bookings": ("<=", 0),
    "http_booking_to_commit_ratio": (">=", 0.10),
}

CLIENTS = 8
WORKERS = 2
# Threads per worker: one per client connection the worker holds open (keep-alive), so
# no client waits for another's idle connection; the two processes still share two cores.
THREADS = int(os.environ.get("BENCH_HTTP_THREADS", "4"))  # 1: gunicorn's sync workers
KEEP_ALIVE_S = 5
HOT_SLOTS = 3
USERNAME = "bench-http-{n}"


def _config(quick: bool) -> dict:
    return {
        "slots": 120 if quick else 600,
        "commits": 50 if quick else 500,
        "baseline": 25 if quick else 100,  # requests per client
        "in_process": 5 if quick else 50,  # booking requests without the server
    }


def _scheduling():
    """bench/scheduling.py: its data set (prepared idempotently) and helpers."""
    module = sys.modules.get("bench_scheduling")
    if module is None:
        path = Path(__file__).with_name("scheduling.py")
        spec = importlib.util.spec_from_file_location("bench_scheduling", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["bench_scheduling"] = module
    return module


# ---------------------------------------------------------------- setup


def _working_day_after(day):
    """The first weekday after `day` that is no holiday."""
    holidays = set(Holiday.objects.values_list("day", flat=True))
    day += timedelta(days=1)
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    return day


def _day_slots(office, day, zone, count: int) -> list:
    """The day's first `count` slots the finder offers, none overlapping another of the same
    provider (so every one of them can be booked)."""
    start = datetime.combine(day, clock(0, 0), tzinfo=zone)
    taken: dict[int, set[int]] = {}
    chosen = []
    for slot in find_slots(appointment_type=office, after=start, limit=count * 3, days=0):
        span = units(slot.starts_at, slot.ends_at)
        if taken.setdefault(slot.provider_id, set()).isdisjoint(span):
            taken[slot.provider_id].update(span)
            chosen.append(slot)
            if len(chosen) == count:
                break
    return chosen


def _tokens(practice_id: int, locations) -> list[str]:
    """One bearer token per client, for front-desk service accounts made once."""
    raw = []
    for n in range(1, CLIENTS + 1):
        username = USERNAME.format(n=n)
        staff = StaffProfile.objects.select_related("user").filter(user__username=username).first()
        user = (
            staff.user
            if staff
            else staff_user_create(
                username=username,
                password=None,
                role=Role.FRONT_DESK,
                practice=locations[0].practice,
                locations=list(locations),
            )
        )
        raw.append(api_token_issue(user=user, name="bench"))
    return raw


def _patients(scheduling, practice_id: int, count: int, seed: int, window: range) -> list[str]:
    ids = scheduling._fresh_patients(practice_id, count, seed + 17, window)
    public = dict(Patient.objects.filter(id__in=ids).values_list("id", "public_id"))
    return [str(public[i]) for i in ids]


# ---------------------------------------------------------------- the server


class _Server:
    """gunicorn serving medoffice.wsgi on a socket this process bound (no port race)."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(256)
        self.port = self.socket.getsockname()[1]
        self.log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log")  # noqa: SIM115
        # This run's environment: the same database and MEDOFFICE_VAR_DIR (so the same
        # audit key) as the benchmark process.
        env = os.environ | {"DJANGO_SETTINGS_MODULE": "medoffice.settings"}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "medoffice.wsgi:application",
                "--workers",
                str(WORKERS),
                *(
                    (
                        "--worker-class",
                        "gthread",
                        "--threads",
                        str(THREADS),
                        "--keep-alive",
                        str(KEEP_ALIVE_S),
                    )
                    if THREADS > 1
                    else ("--worker-class", "sync")
                ),
                "--bind",
                f"fd://{self.socket.fileno()}",
                "--log-level",
                "warning",
                "--timeout",
                "60",
            ],  # fmt: skip
            env=env,
            pass_fds=(self.socket.fileno(),),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited {self.process.returncode}: {self.output()}")
            try:
                status, _ = _request(self.port, "GET", "/login/", None, None)
            except OSError:
                time.sleep(0.1)
                continue
            if status < 500:
                return
        raise RuntimeError(f"gunicorn did not answer within {timeout} s: {self.output()}")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server's processes (master and workers) have used."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a process that ended meanwhile
            pid, ppid = int(stat.parent.name), int(fields[1])
            if self.process.pid in (pid, ppid):
                total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        return total

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.socket.close()
        self.log.close()


class _Connection:
    """One client's keep-alive connection (http.client: little CPU of its own, since the
    clients share this machine's two cores with the server), opened again when the server
    closed it."""

    def __init__(self, port: int, token: str | None = None):
        self.port = port
        self.headers = {"Host": "127.0.0.1"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.conn: HTTPConnection | None = None

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (ConnectionError, BrokenPipeError, OSError) as exc:
                # A kept connection the server had just closed (its keep-alive timed out):
                # nothing was processed; sent again once on a new connection.
                self.close()
                if attempt == 2 or not isinstance(
                    exc, (ConnectionResetError, BrokenPipeError, RemoteDisconnected)
                ):
                    raise
                continue
            if response.will_close:
                self.close()
            return response.status, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _request(port: int, method: str, path: str, token: str | None, body: dict | None):
    connection_ = _Connection(port, token)
    try:
        return connection_.request(method, path, body)
    finally:
        connection_.close()


# ---------------------------------------------------------------- the race


class _Race:
    """The shared state of the clients: what is known taken, and every answer."""

    def __init__(self, slots, patients: list[str], office):
        self.slots = slots
        self.patients = iter(patients)
        self.taken: set[int] = set()
        self.answers: list[tuple[int, int, float]] = []  # (slot index, status, seconds)
        self.lock = threading.Lock()
        self.office = str(office.public_id)
        self.locations = dict(
            Location.objects.filter(id__in={s.location_id for s in slots}).values_list(
                "id", "public_id"
            )
        )
        self.npis = dict(
            Provider.objects.filter(id__in={s.provider_id for s in slots}).values_list("id", "npi")
        )
        self.failures: list[BaseException] = []

    def body(self, index: int) -> dict:
        slot = self.slots[index]
        with self.lock:
            patient = next(self.patients)
        return {
            "patient": patient,
            "appointment_type": self.office,
            "provider": self.npis[slot.provider_id],
            "location": str(self.locations[slot.location_id]),
            "starts_at": slot.starts_at.isoformat(),
            "reason": "bench http",
        }

    def attempt(self, client: "_Connection", index: int) -> None:
        body = self.body(index)
        started = time.perf_counter()
        try:
            status, _ = client.request("POST", "/api/appointments/", body)
        except OSError:
            status = 0  # no answer at all: counted, never hidden
        elapsed = time.perf_counter() - started
        with self.lock:
            self.answers.append((index, status, elapsed))
            if status in (201, 409):
                self.taken.add(index)


def _baseline(server: "_Server", tokens: list[str], per_client: int) -> dict:
    """The cheapest authenticated API call we have, asked by the same 8 keep-alive clients
    right before the race: an appointment that does not exist (bearer token looked up,
    permission checked, one appointment query, a 404 problem document, no transaction).
    Its requests/s and server CPU per request are the framework's own cost per request on
    this server, for comparison with the bookings. Each client asks a few first, unmeasured:
    the workers' first answers of a kind build caches (URL patterns, DRF settings)."""
    missing = "/api/appointments/00000000-0000-4000-8000-000000000000/"
    statuses: list[int] = []
    barrier = threading.Barrier(len(tokens) + 1)

    def client(token: str) -> None:
        connection_ = _Connection(server.port, token)
        try:
            for _ in range(3):
                connection_.request("GET", missing)
            barrier.wait(timeout=60)
            for _ in range(per_client):
                statuses.append(connection_.request("GET", missing)[0])
        finally:
            connection_.close()

    threads = [threading.Thread(target=client, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=60)
    cpu_before = server.cpu_seconds()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu = server.cpu_seconds() - cpu_before
    if set(statuses) != {404}:
        raise RuntimeError(f"baseline answers: {sorted(set(statuses))}")
    return {
        "per_s": len(statuses) / elapsed,
        "server_cpu_ms": cpu * 1000 / len(statuses),
    }


def _client(race: _Race, port: int, token: str, number: int, seed: int, barrier) -> None:
    """One front desk. First the hot slots, in the same order as every other client: each
    books the first of them it does not know to be taken, so the 8 race for the same slot
    until one wins it. Then the rest of the day in an order of its own. Before each
    attempt it skips what it knows to be taken (any client's 201 or 409 so far): the open
    times a booking screen shows after a refresh, as a clerk re-reads them after a 409
    instead of trying the same time again."""
    rng = random.Random(f"{seed}-{number}")  # noqa: S311
    hot = list(range(min(HOT_SLOTS, len(race.slots))))
    rest = list(range(len(hot), len(race.slots)))
    rng.shuffle(rest)
    connection_ = _Connection(port, token)
    try:
        barrier.wait(timeout=60)
        for index in hot + rest:
            if index not in race.taken:
                race.attempt(connection_, index)
    except Exception as exc:  # noqa: BLE001 - re-raised by run() once every client stopped
        race.failures.append(exc)
    finally:
        connection_.close()


def _in_process(office, slots, patients: list[str], token: str, cpu_ms: list) -> list[float]:
    """ms per booking request through the whole Django stack but no HTTP server (the
    test client): what one request costs the server, apart from HTTP and queueing."""
    client = Client(HTTP_HOST="127.0.0.1")
    race = _Race(slots, patients, office)
    times = []
    cpu_started = time.process_time()
    for index in range(len(slots)):
        body = json.dumps(race.body(index))
        started = time.perf_counter()
        response = client.post(
            "/api/appointments/", body, content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )  # fmt: skip
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 201:
            raise RuntimeError(f"in-process booking answered {response.status_code}")
    cpu_ms.append((time.process_time() - cpu_started) * 1000 / len(slots))
    return times


def _double_bookings(first_unit: int, stop_unit: int, starts, ends) -> dict:
    """Counted with plain SQL, trusting nothing in Python."""
    released = ("cancelled", "noshow", "entered-in-error")
    marks = ", ".join(["%s"] * len(released))
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT kind, resource_id, unit FROM scheduling_hold"
            " WHERE unit >= %s AND unit < %s GROUP BY kind, resource_id, unit"
            " HAVING COUNT(*) > 1) AS dup",
            [first_unit, stop_unit],
        )
        found["duplicate_holds"] = cursor.fetchone()[0]
        for column in ("provider_id", "patient_id", "room_id"):
            cursor.execute(
                "SELECT COUNT(*) FROM scheduling_appointment a"  # noqa: S608 - fixed names
                f" JOIN scheduling_appointment b ON a.{column} = b.{column} AND a.id < b.id"
                " AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
                " WHERE a.starts_at >= %s AND a.starts_at < %s"
                f" AND a.status NOT IN ({marks}) AND b.status NOT IN ({marks})",
                [starts, ends, *released, *released],
            )
            found[f"{column.removesuffix('_id')}_overlaps"] = cursor.fetchone()[0]
    return found


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def run(*, practice_id: int, size: int, quick: bool, seed: int) -> dict:
    scheduling = _scheduling()
    scfg = scheduling._config(quick)
    cfg = _config(quick)
    setup = scheduling._prepare(practice_id, seed, scfg)
    office, zone = setup["office"], setup["zone"]
    # After the booked weeks: nobody is booked that day yet.
    day = _working_day_after(setup["today"] + timedelta(days=scfg["fill_days"]))
    slots = _day_slots(office, day, zone, cfg["slots"])
    # The same requests in process, on the next day: cost without HTTP and queueing.
    quiet_day = _working_day_after(day)
    quiet_slots = _day_slots(office, quiet_day, zone, cfg["in_process"])
    day_start = datetime.combine(day, clock(0, 0), tzinfo=zone)
    day_units = units(day_start, day_start + timedelta(days=1))
    hot = min(HOT_SLOTS, len(slots))
    attempts_max = CLIENTS * hot + CLIENTS * (len(slots) - hot)
    patients = _patients(scheduling, practice_id, attempts_max, seed, day_units)
    tokens = _tokens(practice_id, setup["locations"])
    quiet_start = datetime.combine(quiet_day, clock(0, 0), tzinfo=zone)
    quiet_units = units(quiet_start, quiet_start + timedelta(days=1))
    in_process_cpu: list[float] = []
    in_process = _in_process(
        office, quiet_slots,
        _patients(scheduling, practice_id, len(quiet_slots), seed + 1, quiet_units), tokens[0],
        in_process_cpu,
    )  # fmt: skip
    Appointment.objects.filter(
        starts_at__gte=quiet_start, starts_at__lt=quiet_start + timedelta(days=1),
        reason="bench http",
    ).delete()  # fmt: skip
    race = _Race(slots, patients, office)
    commits_before = scheduling._commit_rate(cfg["commits"])
    server = _Server()
    try:
        server.wait_ready()
        # Warm both workers (URL resolvers, the kept scheduling set-up): open times, no booking.
        for _ in range(4 * WORKERS):
            status, _ = _request(
                server.port, "GET", f"/api/slots/?appointment_type={office.public_id}&limit=1",
                tokens[0], None,
            )  # fmt: skip
            if status != 200:
                raise RuntimeError(f"warm-up answered {status}: {server.output()}")
        baseline = _baseline(server, tokens, cfg["baseline"])
        server_cpu_before = server.cpu_seconds()
        load_before = os.getloadavg()[0]
        client_cpu_before = time.process_time()
        barrier = threading.Barrier(CLIENTS)
        clients = [
            threading.Thread(target=_client, args=(race, server.port, token, n, seed, barrier))
            for n, token in enumerate(tokens)
        ]
        started = time.perf_counter()
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        elapsed = time.perf_counter() - started
        server_cpu = server.cpu_seconds() - server_cpu_before
        client_cpu = time.process_time() - client_cpu_before
        load_after = os.getloadavg()[0]
        if race.failures:
            raise race.failures[0]
    finally:
        server.stop()
    commits_after = scheduling._commit_rate(cfg["commits"])
    statuses = [status for _, status, _ in race.answers]
    booked = statuses.count(201)
    checks = _double_bookings(
        day_units.start, day_units.stop, day_start, day_start + timedelta(days=1)
    )
    winners_per_slot = {}
    for index, status, _ in race.answers:
        if status == 201:
            winners_per_slot[index] = winners_per_slot.get(index, 0) + 1
    made = Appointment.objects.filter(
        starts_at__gte=day_start, starts_at__lt=day_start + timedelta(days=1), reason="bench http"
    )
    in_database = made.count()
    made.delete()  # keep the data set as it was
    commits = (commits_before + commits_after) / 2
    per_s = booked / elapsed
    times = [seconds * 1000 for _, status, seconds in race.answers if status == 201]
    double = (
        sum(checks.values())
        + sum(1 for n in winners_per_slot.values() if n > 1)
        + abs(in_database - booked)
    )
    return {
        "server": f"gunicorn {_gunicorn_version()}, {WORKERS} "
        + (
            f"gthread workers x {THREADS} threads, keep-alive {KEEP_ALIVE_S} s"
            if THREADS > 1
            else "sync workers (no keep-alive)"
        ),
        "clients": CLIENTS,
        "race_day": day.isoformat(),
        "slots_offered": len(slots),
        "hot_slots": hot,
        "http_requests": len(statuses),
        "http_booked": booked,
        "http_conflicts_409": statuses.count(409),
        "http_other_4xx": sum(1 for s in statuses if 400 <= s < 500 and s != 409),
        "http_server_errors": sum(1 for s in statuses if s >= 500 or s == 0),
        "http_unbooked_slots": len(slots) - len(winners_per_slot),
        "http_booking_p50_ms": round(statistics.median(times), 1) if times else 0.0,
        "http_booking_p95_ms": round(_percentile(times, 0.95), 1) if times else 0.0,
        "http_race_s": round(elapsed, 2),
        "http_bookings_per_s": round(per_s, 1),
        "http_requests_per_s": round(len(statuses) / elapsed, 1),
        "http_baseline_404_per_s": round(baseline["per_s"], 1),
        "http_baseline_404_server_cpu_ms": round(baseline["server_cpu_ms"], 2),
        # The server's CPU time (gunicorn's processes, SQLite inside them; PostgreSQL's own
        # is apart) per request of the race: what a request costs apart from the waits.
        "http_server_cpu_ms_per_request": round(server_cpu * 1000 / max(len(statuses), 1), 2),
        "http_server_requests_per_cpu_s": round(len(statuses) / server_cpu, 1)
        if server_cpu
        else 0.0,
        # The 8 clients' CPU (this process) per request: the share of the two cores the
        # measuring itself takes from the server.
        "http_client_cpu_ms_per_request": round(client_cpu * 1000 / max(len(statuses), 1), 2),
        "http_race_load_avg": f"{load_before:.1f}-{load_after:.1f}",
        "api_booking_in_process_p50_ms": round(statistics.median(in_process), 1),
        "api_booking_in_process_cpu_ms": round(in_process_cpu[0], 2),
        "http_double_bookings": double,
        "http_double_booking_checks": json.dumps(checks, sort_keys=True),
        "commit_per_s": round(commits, 1),
        "commit_per_s_before_after": f"{commits_before:.0f}/{commits_after:.0f}",
        "http_booking_to_commit_ratio": round(per_s / commits, 3),
        "database_durability": _durability(),
        "measured_at": timezone.now().isoformat(timespec="seconds"),
    }


def _gunicorn_version() -> str:
    from importlib.metadata import version

    return version("gunicorn")


def _durability() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            settings = []
            for name in ("fsync", "synchronous_commit"):
                cursor.execute(f"SHOW {name}")
                settings.append(f"{name}={cursor.fetchone()[0]}")
            return " ".join(settings)
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous")
        level = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[cursor.fetchone()[0]]
        return f"journal_mode={journal} synchronous={level}"
