"""Run every benchmark in bench/ against a generated practice and record the figures.

    .venv/bin/python bench/run.py              # 1,000,000 patients (generated once, then cached)
    .venv/bin/python bench/run.py --quick      # 20,000 patients, well under a minute
    .venv/bin/python bench/run.py --size 200000 --only search
    .venv/bin/python bench/run.py --prepare    # only generate (or find) the data set
    DATABASE_URL=postgres://... .venv/bin/python bench/run.py   # PostgreSQL instead of SQLite

A benchmark is any module bench/<name>.py (not starting with "_", not this
file: today search, pages, scheduling and scrubber) with
`run(*, practice_id, size, quick, seed) -> dict` and optionally
`TARGETS = {figure: ("<=", value)}`. Results go to bench/results/latest.json
(latest-postgresql.json on PostgreSQL; quick.json for --quick; a run with --only writes
<names>-<size>[-postgresql].json instead, so it never replaces the full record).

SQLite: the generated database is kept in bench/.cache/ keyed by size, seed
and a digest of patients/synthetic.py, and reused by later runs (generating
1,000,000 patients takes minutes); every run still gets its own temporary
MEDOFFICE_VAR_DIR. PostgreSQL: the
database named by DATABASE_URL is migrated and filled unless it already holds
exactly the wanted number of generated patients.
"""

import argparse
import base64
import hashlib
import importlib.util
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
CACHE_DIR = BENCH_DIR / ".cache"
RESULTS_DIR = BENCH_DIR / "results"
SEED = 20261123
QUICK_SIZE = 20_000
FULL_SIZE = 1_000_000


def _configure(size: int, seed: int) -> dict:
    """Point Django at the benchmark database and set it up; returns facts about it."""
    var_dir = Path(tempfile.mkdtemp(prefix="medoffice-bench-"))
    os.environ["MEDOFFICE_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "medoffice.settings"
    os.environ.setdefault("MEDOFFICE_LOG_LEVEL", "WARNING")
    _use_bench_field_keys()
    database = {"var_dir": var_dir, "cached_file": None}
    if not os.environ.get("DATABASE_URL"):
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        name = f"patients-{size}-seed{seed}-{_generator_digest()}-{_field_keys_digest()}"
        path = CACHE_DIR / f"{name}.sqlite3"
        if not _marker(path).exists():
            for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                stale.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        database["cached_file"] = path
    sys.path.insert(0, str(ROOT / "src"))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return database


def _use_bench_field_keys() -> None:
    """Fixed sealing keys for the synthetic data set, unless the caller gives its own.

    Outside production a run without keys gets fresh ones in its new MEDOFFICE_VAR_DIR,
    and member ids sealed into the cached database by the previous run could not be opened.
    """
    if not os.environ.get("MEDOFFICE_FIELD_KEYS"):
        bench_key = hashlib.sha256(b"medoffice bench field key").digest()
        os.environ["MEDOFFICE_FIELD_KEYS"] = f"bench={base64.b64encode(bench_key).decode()}"
    if not os.environ.get("MEDOFFICE_FIELD_INDEX_KEY"):
        index_key = hashlib.sha256(b"medoffice bench index key").digest()
        os.environ["MEDOFFICE_FIELD_INDEX_KEY"] = base64.b64encode(index_key).decode()


def _field_keys_digest() -> str:
    """Part of the cache key: data sealed under other keys is never reused."""
    keys = os.environ["MEDOFFICE_FIELD_KEYS"] + os.environ["MEDOFFICE_FIELD_INDEX_KEY"]
    return hashlib.sha256(keys.encode()).hexdigest()[:8]


def _generator_digest() -> str:
    """Part of the cache key: a changed generator makes a new database, never a stale one."""
    source = ROOT / "src" / "medoffice" / "patients" / "synthetic.py"
    return hashlib.sha256(source.read_bytes()).hexdigest()[:10]


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".complete")


def _dataset(size: int, seed: int, database: dict) -> dict:
    """The practice the benchmarks search: the demo organisation plus `size` generated patients."""
    from django.db import connection

    from medoffice.patients.models import Patient, Payer
    from medoffice.patients.synthetic import DEMO_PRACTICE_NAME, generate_patients, load_demo

    practice = None
    existing = Patient.objects.filter(practice__name=DEMO_PRACTICE_NAME)
    if existing.exists():
        practice = existing.first().practice
        count = existing.count()
        if count == size:
            return {"practice_id": practice.id, "patients": size, "generated_s": None}
        raise SystemExit(
            f"The database already holds {count} demo patients, not {size}: "
            "use an empty database (or another --size)."
        )
    summary = load_demo(seed=seed, patients=0)
    practice = summary["practice"]
    started = time.perf_counter()
    last_report = [started]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last_report[0] >= 15 or done == total:
            last_report[0] = now
            rate = done / (now - started)
            print(f"  generated {done:,}/{total:,} patients ({rate:,.0f}/s)", flush=True)

    print(f"Generating {size:,} patients (seed {seed}) ...", flush=True)
    generate_patients(
        practice=practice,
        count=size,
        seed=seed,
        providers=list(practice.providers.all()),
        locations=list(practice.locations.all()),
        payers=list(Payer.objects.filter(is_active=True).order_by("id")),
        progress=progress,
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")  # what autovacuum would soon do after a bulk load
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    elapsed = time.perf_counter() - started
    if database["cached_file"] is not None:
        _marker(database["cached_file"]).write_text(
            json.dumps({"patients": size, "seed": seed, "generated_s": round(elapsed, 1)})
        )
    return {"practice_id": practice.id, "patients": size, "generated_s": round(elapsed, 1)}


def _machine() -> dict:
    import django
    from django.db import connection

    cpu = ""
    memory_gib = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        db_version = cursor.fetchone()[0]
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": f"{connection.vendor} {db_version}",
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _modules(only: str | None) -> list[str]:
    names = sorted(
        path.stem
        for path in BENCH_DIR.glob("*.py")
        if path.stem != "run" and not path.stem.startswith("_")
    )
    if only:
        wanted = set(only.split(","))
        unknown = wanted - set(names)
        if unknown:
            raise SystemExit(f"No benchmark named {', '.join(sorted(unknown))}; have {names}")
        names = [n for n in names if n in wanted]
    # Read-only benchmarks first: one that books (scheduling) leaves a large WAL and warm
    # write state behind, which would slow the reads measured after it.
    # (Read from the source: the modules import Django models, so they load after set-up.)
    return sorted(names, key=lambda n: "\nWRITES = True" in (BENCH_DIR / f"{n}.py").read_text())


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _meets(value, target) -> str:
    if target is None or not isinstance(value, int | float):
        return ""
    op, limit = target
    ok = value <= limit if op == "<=" else value >= limit
    return f"{op} {limit}  {'ok' if ok else 'MISSED'}"


def _print_table(name: str, figures: dict, targets: dict) -> None:
    width = max(len(k) for k in figures)
    print(f"\n{name}")
    for figure, value in figures.items():
        shown = (
            f"{value:,.2f}"
            if isinstance(value, float)
            else f"{value:,}"
            if isinstance(value, int)
            else str(value)
        )
        print(f"  {figure:<{width}}  {shown:>12}  {_meets(value, targets.get(figure))}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE:,} patients")
    parser.add_argument("--size", type=int, help=f"patients (default {FULL_SIZE:,})")
    parser.add_argument("--only", help="comma-separated benchmark names")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--prepare", action="store_true", help="only generate (or find) the data set, then stop"
    )
    args = parser.parse_args(argv)
    size = args.size or (QUICK_SIZE if args.quick else FULL_SIZE)
    names = _modules(args.only)

    database = _configure(size, args.seed)
    try:
        dataset = _dataset(size, args.seed, database) | {"seed": args.seed}
        if args.prepare:
            print(f"Data set ready: {dataset}")
            return 0
        results: dict = {}
        for name in names:
            module = _load(name)
            started = time.perf_counter()
            figures = module.run(
                practice_id=dataset["practice_id"], size=size, quick=args.quick, seed=args.seed
            )
            figures["run_s"] = round(time.perf_counter() - started, 1)
            results[name] = figures
            _print_table(name, figures, getattr(module, "TARGETS", {}))
        results["dataset"] = dataset
        results["machine"] = _machine()
        results["date"] = datetime.now(UTC).isoformat(timespec="seconds")
        RESULTS_DIR.mkdir(exist_ok=True)
        # Full SQLite runs are the record (latest.json); PostgreSQL runs sit beside them;
        # quick smoke runs (make test) never overwrite either.
        from django.db import connection

        engine = "" if connection.vendor == "sqlite" else f"-{connection.vendor}"
        # A run of some benchmarks (--only) has a file of its own, never the full record.
        if args.only:
            out = RESULTS_DIR / f"{'+'.join(names)}-{size}{engine}.json"
        else:
            out = RESULTS_DIR / (f"quick{engine}.json" if args.quick else f"latest{engine}.json")
        out.write_text(json.dumps(results, indent=2, default=str) + "\n")
        print(f"\nWrote {out.relative_to(ROOT)}")
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(database["var_dir"], ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
