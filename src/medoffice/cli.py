"""The `medoffice` command for operators: serve, worker, migrate, demo, createpractice,
createuser, generate, audit, backup, restore, hl7, ncci, codes, claims, eligibility, chart,
inventory, accounting, reports, retention, privacy, tasks, bench, x12, era, ledger, report,
statements, import.

Each subcommand wraps a manage.py command; every failure exits non-zero with a
one-line reason.
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

# Ctrl+C in a terminal reaches the demo's worker too: give it this long to finish its task
# and exit by itself before it is told again (a second signal aborts the running task).
WORKER_GRACE_SECONDS = 3.0
WORKER_STOP_SECONDS = 15


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medoffice.settings")
    import django

    django.setup()


def _call(name: str, *args, **options) -> None:
    from django.core.management import call_command

    call_command(name, *args, **options)


def _serve(host: str, port: int, threads: int, trusted_proxy: str | None = None) -> None:
    from waitress import create_server

    from medoffice.wsgi import application

    proxy = {}
    if trusted_proxy:
        # Behind a TLS proxy: believe its X-Forwarded-* headers (client address, https).
        proxy = {
            "trusted_proxy": trusted_proxy,
            "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto x-forwarded-host",
            "clear_untrusted_proxy_headers": True,
        }
    server = create_server(
        application, host=host, port=port, threads=threads, ident="MedOffice", **proxy
    )
    sys.stdout.write(f"MedOffice is serving on http://{host}:{port}/  (Ctrl+C stops it)\n")
    sys.stdout.flush()
    server.run()


def cmd_serve(args) -> None:
    _setup_django()
    _call("migrate", interactive=False, verbosity=0)
    _serve(args.host, args.port, args.threads, args.trusted_proxy)


def cmd_migrate(args) -> None:
    _setup_django()
    _call("migrate", interactive=False)


def cmd_worker(args) -> None:
    _setup_django()
    options = {"queues": args.queues, "batch": args.batch, "interval": args.interval}
    if args.max_tasks:
        options["max_tasks"] = args.max_tasks
    if args.no_sweep:
        options["sweep_every"] = 0
    options["feed_every"] = args.feed_every
    _call("run_worker", **options)


def worker_command() -> list[str]:
    return [sys.executable, "-m", "medoffice.cli", "worker"]


@contextlib.contextmanager
def worker_alongside() -> Iterator[subprocess.Popen]:
    """A `medoffice worker` child process for as long as the block runs (the demo's server)."""
    worker = subprocess.Popen(worker_command(), env=os.environ.copy())
    sys.stdout.write(f"Background worker started (process {worker.pid})\n")
    # A SIGTERM to the demo (not only Ctrl+C) must stop its worker too, not orphan it.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    try:
        yield worker
    finally:
        signal.signal(signal.SIGTERM, previous)
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=WORKER_GRACE_SECONDS)
        if worker.poll() is None:
            worker.terminate()  # the worker finishes the task it is running, then exits
            try:
                worker.wait(timeout=WORKER_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def cmd_demo(args) -> None:
    _setup_django()
    _call("migrate", interactive=False, verbosity=0)
    _call("load_demo", seed=args.seed, patients=args.patients)
    _call("load_demo_schedule", seed=args.seed)
    _call("load_demo_codes", seed=args.seed)
    _call("load_demo_billing")
    _call("load_demo_eligibility")
    _call("load_demo_chart", seed=args.seed)
    _call("load_demo_records")
    _call("load_demo_inventory")
    _call("load_demo_history", seed=args.seed, weeks=args.weeks)
    if args.no_serve:
        return
    if args.no_worker:
        _serve(args.host, args.port, args.threads, args.trusted_proxy)
        return
    with worker_alongside():
        _serve(args.host, args.port, args.threads, args.trusted_proxy)


def cmd_createuser(args) -> None:
    _setup_django()
    options = {"role": args.role, "api_token": args.api_token, "no_password": args.no_password}
    if args.practice:
        options["practice"] = args.practice
    _call("create_staff_user", args.username, **options)


def cmd_createpractice(args) -> None:
    _setup_django()
    _call("create_practice", args.name, group_npi=args.group_npi, tax_id=args.tax_id)


def cmd_generate(args) -> None:
    _setup_django()
    options = {"count": args.count, "seed": args.seed}
    if args.practice:
        options["practice"] = args.practice
    _call("generate_patients", **options)


def cmd_audit(args) -> None:
    _setup_django()
    _call("audit_verify")


def cmd_keys(args) -> None:
    _setup_django()
    _call("keys_rotate")


def cmd_backup(args) -> None:
    _setup_django()
    _call("backup", **({"output": args.output} if args.output else {}))


def cmd_restore(args) -> None:
    _setup_django()
    options = {"force": args.force}
    if args.into:
        options["into"] = args.into
    _call("restore", args.path, **options)


def cmd_hl7_outbox(args) -> None:
    _setup_django()
    _call("hl7_outbox", show_all=args.all)


def cmd_hl7_resend(args) -> None:
    _setup_django()
    _call("hl7_resend", *args.control_ids)


def cmd_hl7_listen(args) -> None:
    _setup_django()
    options = {k: v for k, v in (("host", args.host), ("port", args.port),
                                 ("practice", args.practice)) if v}  # fmt: skip
    _call("hl7_listen", **options)


def cmd_claims(args) -> None:
    _setup_django()
    if args.claims_command == "send":
        options = {"dry_run": args.dry_run, "out": args.out}
        if args.practice:
            options["practice"] = args.practice
        _call("claims_send", **options)
    else:
        _call("claims_responses", **({"practice": args.practice} if args.practice else {}))


def cmd_ncci_load(args) -> None:
    _setup_django()
    _call(
        "load_ncci", args.kind, args.file, release=args.release, effective_from=args.effective_from
    )


def cmd_codes(args) -> None:
    _setup_django()
    sub = args.codes_command
    if sub == "load-icd10":
        options = {"replace": args.replace}
        if args.version:
            options["release"] = args.version
        if args.effective_from:
            options["effective_from"] = args.effective_from
        _call("load_icd10", **options)
    elif sub in ("import-hcpcs", "import-cpt"):
        options = {
            "release": args.version,
            "accept_good_rows": args.accept_good_rows,
            "replace": args.replace,
        }
        if args.effective_from:
            options["effective_from"] = args.effective_from
        _call(sub.replace("-", "_"), args.file, **options)
    elif sub == "load-tables":
        _call("load_code_tables")
    elif sub == "releases":
        _call("code_releases")
    else:  # search, suggest
        options = {"limit": args.limit, "as_json": args.json}
        if args.on:
            options["on"] = args.on
        if args.practice:
            options["practice"] = args.practice
        if sub == "search":
            options["system"] = args.system
        _call("search_codes" if sub == "search" else "suggest_codes", *args.text, **options)


def cmd_eligibility(args) -> None:
    _setup_django()
    sub = args.eligibility_command
    if sub == "run":
        _call("eligibility", "run", "--days", str(args.days), *(["--queue"] if args.queue else []))
    else:
        _call("eligibility", sub)


def cmd_chart(args) -> None:
    _setup_django()
    options = {"fmt": args.format, "with_files": args.with_files}
    if args.practice:
        options["practice"] = args.practice
    _call("export_chart", args.mrn, **options)


def cmd_inventory(args) -> None:
    _setup_django()
    if args.inventory_command == "reorder":
        options = {"dry_run": args.dry_run}
        if args.practice:
            options["practice"] = args.practice
        _call("inventory_reorder", **options)
    else:
        _call("inventory_daily")


def cmd_accounting_export(args) -> None:
    _setup_django()
    options = {"period": args.period, "file_format": args.format}
    if args.output:
        options["output"] = args.output
    if args.practice:
        options["practice"] = args.practice
    _call("accounting_export", **options)


def cmd_retention_purge(args) -> None:
    _setup_django()
    _call("retention_purge", dry_run=args.dry_run)


def cmd_privacy_renewals(args) -> None:
    _setup_django()
    _call("baa_renewals")


def cmd_era(args) -> None:
    _setup_django()
    options = {"practice": args.practice} if args.practice else {}
    if args.era_command == "import":
        _call("era", "import", *args.files, **options)
    else:
        _call("era", "pickup", **options)


def cmd_import(args) -> None:
    _setup_django()
    options = {"practice": args.practice} if args.practice else {}
    if args.import_command == "fhir":
        options |= {"source": args.source, "link": args.link, "new": args.new,
                    "details": args.details}  # fmt: skip
        if args.provider:
            options["provider"] = args.provider
        _call("import_fhir", *args.files, **options)
    else:
        _call("import_csv", args.file, mapping=args.mapping, dry_run=args.dry_run, **options)


def cmd_ledger(args) -> None:
    _setup_django()
    options = {"practice": args.practice} if args.practice else {}
    _call("ledger", args.ledger_command, **options)


def cmd_report(args) -> None:
    _setup_django()
    options = {"by": args.by, "csv": args.csv}
    if args.as_of:
        options["as_of"] = args.as_of
    if args.practice:
        options["practice"] = args.practice
    _call("report", args.report, **options)


def cmd_statements(args) -> None:
    _setup_django()
    options = {"dry_run": args.dry_run, "email": args.email}
    for name in ("cycle", "as_of", "practice"):
        if getattr(args, name):
            options[name] = getattr(args, name)
    _call("statements", args.statements_command, **options)


def cmd_reports_rebuild_rollups(args) -> None:
    _call("rebuild_rollups", check=args.check)


def cmd_tasks_remind(args) -> None:
    _setup_django()
    _call("tasks_remind", days=args.days)


def cmd_bench(args) -> None:
    script = Path.cwd() / "bench" / "run.py"
    if not script.exists():
        raise SystemExit("medoffice: bench/run.py not found; run from the source checkout")
    extra = ["--quick"] if args.quick else []
    sys.exit(subprocess.call([sys.executable, str(script), *extra]))


def cmd_x12_read(args) -> None:
    """Print a payer-exchange file as JSON; a bad file exits 1 with segment and reason."""
    import json

    from medoffice.formats.x12 import X12Error
    from medoffice.formats.x12.describe import read_file

    try:
        data = read_file(args.file)
    except OSError as exc:
        sys.stderr.write(f"medoffice x12 read: {args.file}: {exc.strerror or exc}\n")
        sys.exit(1)
    except X12Error as exc:
        sys.stderr.write(f"medoffice x12 read: {args.file}: {exc}\n")
        sys.exit(1)
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medoffice", description="MedOffice for operators.")
    sub = parser.add_subparsers(dest="command", required=True)

    def server_options(p):
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        p.add_argument("--threads", type=int, default=8)
        p.add_argument(
            "--trusted-proxy",
            default=os.environ.get("MEDOFFICE_TRUSTED_PROXY"),
            help="address of the TLS reverse proxy whose X-Forwarded-* headers to trust",
        )

    p = sub.add_parser("serve", help="migrate, then serve the office on HOST:PORT")
    server_options(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="run background tasks (reminders, notices) until stopped")
    p.add_argument("--queues", default="default,messaging", help="comma-separated queues")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between polls when idle")
    p.add_argument("--batch", action="store_true", help="run what is waiting, then exit")
    p.add_argument("--max-tasks", type=int, help="exit after this many tasks")
    p.add_argument("--no-sweep", action="store_true", help="do not queue the reminder sweep")
    p.add_argument(
        "--feed-every", type=float, default=1.0,
        help="seconds between passes of the change journal: HL7 feed, notices (0: none)",
    )  # fmt: skip
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("migrate", help="bring the database schema up to date")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser(
        "demo", help="migrate, load the demo practice once, then serve with a background worker"
    )
    server_options(p)
    p.add_argument("--no-serve", action="store_true", help="prepare the database and exit")
    p.add_argument("--no-worker", action="store_true", help="serve without a background worker")
    p.add_argument("--seed", type=int, default=20261123)
    p.add_argument("--patients", type=int, default=2000)
    p.add_argument(
        "--weeks", type=int, default=6,
        help="weeks of past visits, claims and payments to live through (0: none)",
    )  # fmt: skip
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("createpractice", help="create a practice (first step of an install)")
    p.add_argument("name")
    p.add_argument("--group-npi", default="")
    p.add_argument("--tax-id", default="")
    p.set_defaults(func=cmd_createpractice)

    p = sub.add_parser("createuser", help="create a staff account (asks for the password)")
    p.add_argument("username")
    p.add_argument("--role", required=True)
    p.add_argument("--practice", help="practice name (default: the only practice)")
    p.add_argument("--api-token", action="store_true", help="also issue and print an API token")
    p.add_argument(
        "--no-password", action="store_true", help="a service account that signs in by token only"
    )
    p.set_defaults(func=cmd_createuser)

    p = sub.add_parser("generate", help="add synthetic patients (testing and benchmarks)")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--practice")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("audit", help="audit trail tools")
    audit_sub = p.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="check the hash chain; name the first broken row")
    verify.set_defaults(func=cmd_audit)

    p = sub.add_parser("keys", help="field encryption keys (MEDOFFICE_FIELD_KEYS)")
    keys_sub = p.add_subparsers(dest="keys_command", required=True)
    rotate = keys_sub.add_parser("rotate", help="re-seal every encrypted field under the first key")
    rotate.set_defaults(func=cmd_keys)

    p = sub.add_parser("backup", help="write an encrypted backup (database and uploaded files)")
    p.add_argument("--output", help="file to write (default: VAR_DIR/backups/)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restore an encrypted backup into an empty database")
    p.add_argument("path")
    p.add_argument("--into", help="SQLite: the MEDOFFICE_VAR_DIR to restore into")
    p.add_argument("--force", action="store_true", help="overwrite a database that is not empty")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("hl7", help="HL7 v2: the SIU feed's outbox, the MLLP listener")
    hl7_sub = p.add_subparsers(dest="hl7_command", required=True)
    outbox = hl7_sub.add_parser("outbox", help="list the messages not yet delivered")
    outbox.add_argument("--all", action="store_true", help="the last 50 messages of any status")
    outbox.set_defaults(func=cmd_hl7_outbox)
    resend = hl7_sub.add_parser("resend", help="send the waiting messages again, oldest first")
    resend.add_argument("control_ids", nargs="*", metavar="CONTROL_ID", help="only these")
    resend.set_defaults(func=cmd_hl7_resend)
    listen = hl7_sub.add_parser("listen", help="receive ADT and ORU messages over MLLP")
    listen.add_argument("--host", help="the loopback address (MEDOFFICE_HL7_LISTEN_HOST)")
    listen.add_argument("--port", type=int, help="the TCP port (MEDOFFICE_HL7_LISTEN_PORT)")
    listen.add_argument("--practice", help="the practice's UUID (MEDOFFICE_HL7_LISTEN_PRACTICE)")
    listen.set_defaults(func=cmd_hl7_listen)

    p = sub.add_parser("ncci", help="the NCCI tables the claim scrubber reads")
    ncci_sub = p.add_subparsers(dest="ncci_command", required=True)
    load = ncci_sub.add_parser("load", help="load a CMS PTP edit file or MUE table (txt or csv)")
    load.add_argument("kind", choices=["ptp", "mue"])
    load.add_argument("file")
    load.add_argument("--release", required=True, help="the file's quarter, e.g. 2026-Q1")
    load.add_argument(
        "--from", dest="effective_from", required=True, help="first day in force, YYYY-MM-DD"
    )
    load.set_defaults(func=cmd_ncci_load)
    p = sub.add_parser("codes", help="code sets: load ICD-10-CM, import HCPCS/CPT, search")
    codes_sub = p.add_subparsers(dest="codes_command", required=True)
    c = codes_sub.add_parser("load-icd10", help="load ICD-10-CM from simple-icd-10-cm")
    c.add_argument("--version", help="release name (default: the data's fiscal year)")
    c.add_argument("--effective-from", help="first day in force (default: 1 October before)")
    c.add_argument("--replace", action="store_true", help="reload an existing version")
    for name, what in (("import-hcpcs", "CMS's HCPCS file"), ("import-cpt", "the CPT CSV")):
        c = codes_sub.add_parser(name, help=f"import {what} as a release")
        c.add_argument("file")
        c.add_argument("--version", required=True, help="release name, e.g. 2026")
        c.add_argument("--effective-from", help="first day in force (default: 1 January)")
        c.add_argument(
            "--accept-good-rows", action="store_true", help="import the good rows, skip bad ones"
        )
        c.add_argument("--replace", action="store_true", help="reload an existing version")
    codes_sub.add_parser("load-tables", help="modifiers, places and types of service")
    codes_sub.add_parser("releases", help="list the releases loaded and their dates")
    for name, what, limit in (("search", "search codes", 20), ("suggest", "suggest", 10)):
        c = codes_sub.add_parser(
            name,
            help=what if name == "search" else "suggest ICD-10-CM codes for free text",
        )
        c.add_argument("text", nargs="+")
        c.add_argument("--limit", type=int, default=limit)
        c.add_argument("--json", action="store_true", help="print JSON")
        c.add_argument("--on", help="date of service, YYYY-MM-DD (default: today)")
        c.add_argument("--practice", help="practice whose usage ranks results")
        if name == "search":
            c.add_argument("--system", default="icd10cm", choices=("icd10cm", "hcpcs", "cpt"))
    p.set_defaults(func=cmd_codes)

    p = sub.add_parser("claims", help="claims: send them, pick up the clearinghouse's answers")
    claims_sub = p.add_subparsers(dest="claims_command", required=True)
    send = claims_sub.add_parser("send", help="build, scrub and send every ready claim (837P)")
    send.add_argument("--dry-run", action="store_true", help="write the files; send nothing")
    send.add_argument("--out", help="directory for the dry run's 837P files")
    send.add_argument("--practice", help="practice name (default: the only practice)")
    answers = claims_sub.add_parser("responses", help="pick up 999 and 277CA answers")
    answers.add_argument("--practice", help="practice name (default: the only practice)")
    p.set_defaults(func=cmd_claims)
    p = sub.add_parser("eligibility", help="eligibility (270/271): batch, pickup, stray answers")
    elig_sub = p.add_subparsers(dest="eligibility_command", required=True)
    e = elig_sub.add_parser("run", help="check the booked visits of today and the next days")
    e.add_argument("--days", type=int, default=2)
    e.add_argument("--queue", action="store_true", help="hand it to the background worker")
    elig_sub.add_parser("collect", help="pick up 271s from the clearinghouse inbox")
    elig_sub.add_parser("strays", help="list 271s that could not be applied, with the reason")
    p.set_defaults(func=cmd_eligibility)
    p = sub.add_parser("chart", help="a patient's chart: export it")
    chart_sub = p.add_subparsers(dest="chart_command", required=True)
    export = chart_sub.add_parser("export", help="write the record to standard output")
    export.add_argument("mrn")
    export.add_argument("--format", default="fhir", choices=["fhir"], help="FHIR R4 Bundle")
    export.add_argument("--practice", help="practice name (default: the only practice)")
    export.add_argument("--with-files", action="store_true", help="embed the documents' files")
    export.set_defaults(func=cmd_chart)
    p = sub.add_parser("inventory", help="the supply closet and the equipment register")
    inventory_sub = p.add_subparsers(dest="inventory_command", required=True)
    c = inventory_sub.add_parser("reorder", help="suggest orders (draft orders without --dry-run)")
    c.add_argument("--dry-run", action="store_true", help="print the suggestions, order nothing")
    c.add_argument("--practice", help="practice name (default: the only one)")
    inventory_sub.add_parser(
        "daily", help="upkeep due to tasks, equipment blocks moved on, expired lots quarantined"
    )
    p.set_defaults(func=cmd_inventory)

    p = sub.add_parser("accounting", help="the general-ledger journal for the practice's books")
    accounting_sub = p.add_subparsers(dest="accounting_command", required=True)
    c = accounting_sub.add_parser("export", help="write a month's journal as CSV or IIF")
    c.add_argument("--period", required=True, help="the month, YYYY-MM")
    c.add_argument("--format", choices=["csv", "iif"], default="csv")
    c.add_argument("--output", help="file to write (default: standard output)")
    c.add_argument("--practice", help="practice name (default: the only one)")
    c.set_defaults(func=cmd_accounting_export)

    p = sub.add_parser("retention", help="records retention (AU-06)")
    retention_sub = p.add_subparsers(dest="retention_command", required=True)
    c = retention_sub.add_parser(
        "purge", help="delete audit rows and security documents older than the retention limit"
    )
    c.add_argument("--dry-run", action="store_true", help="count only, delete nothing")
    c.set_defaults(func=cmd_retention_purge)

    p = sub.add_parser("privacy", help="the privacy program")
    privacy_sub = p.add_subparsers(dest="privacy_command", required=True)
    c = privacy_sub.add_parser(
        "renewals", help="tasks for unsigned and expiring business associate agreements"
    )
    c.set_defaults(func=cmd_privacy_renewals)
    p = sub.add_parser("era", help="ERA (835) remittances: import and post them")
    era_sub = p.add_subparsers(dest="era_command", required=True)
    c = era_sub.add_parser(
        "import", help="post 835 files (exit 0 posted or already posted, 1 rejected)"
    )
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--practice", help="practice name (default: the only one)")
    c = era_sub.add_parser("pickup", help="post the 835s waiting in the clearinghouse inbox")
    c.add_argument("--practice", help="practice name (default: the only one)")
    p.set_defaults(func=cmd_era)

    p = sub.add_parser("import", help="take in records from another system (FHIR, CSV)")
    import_sub = p.add_subparsers(dest="import_command", required=True)
    c = import_sub.add_parser(
        "fhir", help="import FHIR R4 Bundles, e.g. Synthea (exit 1 if one was rejected)"
    )
    c.add_argument("files", nargs="+", metavar="FILE")
    c.add_argument("--practice", help="practice name (default: the only one)")
    c.add_argument("--source", default="", help="the system they come from (default: Bundle)")
    c.add_argument("--provider", help="NPI of our provider to file outside visits under")
    c.add_argument("--link", action="append", default=[], metavar="SOURCE_ID=MRN",
                   help="a patient held for review is this one of ours")  # fmt: skip
    c.add_argument("--new", action="append", default=[], metavar="SOURCE_ID",
                   help="a patient held for review is someone new")  # fmt: skip
    c.add_argument("--details", action="store_true", help="print one line per entry")
    c = import_sub.add_parser("csv", help="import demographics and insurance from a CSV export")
    c.add_argument("file", metavar="FILE")
    c.add_argument("--mapping", required=True, help="the saved column mapping's name")
    c.add_argument("--dry-run", action="store_true", help="say per row what would happen")
    c.add_argument("--practice", help="practice name (default: the only one)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("ledger", help="patient accounts' ledger: check it, rebuild summaries")
    ledger_sub = p.add_subparsers(dest="ledger_command", required=True)
    for name, text in (
        ("check", "verify every ledger invariant (exit 1 naming what is off)"),
        ("post-charges", "post billing's charges the ledger has not heard of"),
        ("rebuild-summaries", "replace the ledger's cached summaries with its own sums"),
    ):
        c = ledger_sub.add_parser(name, help=text)
        c.add_argument("--practice", help="practice name (default: every practice)")
    p.set_defaults(func=cmd_ledger)

    p = sub.add_parser("report", help="accounts reports: ar-aging (A/R by age)")
    p.add_argument("report", choices=["ar-aging"])
    p.add_argument("--by", choices=["payer", "patient"], default="payer")
    p.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
    p.add_argument("--csv", action="store_true", help="CSV instead of a table")
    p.add_argument("--practice", help="practice name (default: the only one)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("statements", help="patient statements: run a cycle (or a dry run)")
    statements_sub = p.add_subparsers(dest="statements_command", required=True)
    c = statements_sub.add_parser("run", help="send one cycle's statements (or every cycle)")
    c.add_argument("--dry-run", action="store_true", help="say who would get one; send nothing")
    c.add_argument("--cycle", help="cycle number, or 'today' (default: every cycle)")
    c.add_argument("--as-of", dest="as_of", help="statement date YYYY-MM-DD (default: today)")
    c.add_argument("--email", action="store_true", help="also e-mail them to the patients")
    c.add_argument("--practice", help="practice name (default: the only one)")
    p.set_defaults(func=cmd_statements)
    p = sub.add_parser("reports", help="the office manager's dashboard")
    reports_sub = p.add_subparsers(dest="reports_command", required=True)
    c = reports_sub.add_parser(
        "rebuild-rollups", help="recompute the dashboard's daily rollups from their sources"
    )
    c.add_argument("--check", action="store_true", help="only compare; exit 1 if they differ")
    c.set_defaults(func=cmd_reports_rebuild_rollups)

    p = sub.add_parser("tasks", help="the staff's task list")
    tasks_sub = p.add_subparsers(dest="tasks_command", required=True)
    c = tasks_sub.add_parser("remind", help="e-mail everyone their tasks due soon")
    c.add_argument("--days", type=int, default=3)
    c.set_defaults(func=cmd_tasks_remind)

    p = sub.add_parser("bench", help="run the benchmarks in bench/")
    p.add_argument("--quick", action="store_true")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("x12", help="X12 payer-exchange files (837P, 270/271, 276/277, 999, 835)")
    x12_sub = p.add_subparsers(dest="x12_command", required=True)
    read = x12_sub.add_parser(
        "read", help="print any supported X12 file as readable JSON (exit 1 if malformed)"
    )
    read.add_argument("file")
    read.set_defaults(func=cmd_x12_read)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # one line for the operator; details are in the log
        from django.core.management import CommandError

        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if not isinstance(exc, CommandError):
            reason = f"{type(exc).__name__}: {reason}"
        sys.stderr.write(f"medoffice {args.command}: {reason}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
