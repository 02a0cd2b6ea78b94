# ruff: noqa  (a measuring script, run by hand; not part of bench/run.py)
"""CPU per booking through the service, for A/B runs of two checkouts on the same data.

    SRC=/work/main/src .venv/bin/python bench/_booking_ab.py   # another checkout's code
    N=300 PROF=cumulative .venv/bin/python bench/_booking_ab.py  # with a cProfile table

Uses the --quick SQLite data set of bench/run.py (bench/.cache); prints the statements of
one booking, then CPU ms per booking over N more, and removes what it booked.
"""

import cProfile
import gc
import os
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as R  # noqa: E402

sys.path.insert(0, os.environ.get("SRC", str(R.ROOT / "src")))
import medoffice  # noqa: E402

print("using", medoffice.__file__)
db = R._configure(R.QUICK_SIZE, R.SEED)
ds = R._dataset(R.QUICK_SIZE, R.SEED, db)
import scheduling as S
from django.db import connection
from django.test.utils import CaptureQueriesContext

cfg = S._config(True)
setup = S._prepare(ds["practice_id"], R.SEED, cfg)
gc.collect()
gc.freeze()
office = setup["office"]
N = int(os.environ.get("N", 300))
slots = S._free_slots(office, cfg["horizon"], N + 1)
providers = {p.id: p for p in setup["providers"]}
locations = {l.id: l for l in setup["locations"]}
from medoffice.scheduling.slots import units  # noqa: E402

window = range(
    min(units(s.starts_at, s.ends_at).start for s in slots),
    max(units(s.starts_at, s.ends_at).stop for s in slots),
)
ids = S._fresh_patients(setup["pool"].practice_id, len(slots), R.SEED, window)
from medoffice.patients.models import Patient

pats = Patient.objects.in_bulk(ids)
plan = [(s, pats[i]) for s, i in zip(slots, ids)]
# one booking with queries shown
with CaptureQueriesContext(connection) as q:
    S._book_all(plan[:1], office, providers, locations)
for x in q.captured_queries:
    print(round(float(x["time"]) * 1000, 2), x["sql"][:220])
cpu = []
prof = os.environ.get("PROF")
if prof:
    p = cProfile.Profile()
    p.enable()
booked, refused, times, el = S._book_all(plan[1:], office, providers, locations, cpu)
if prof:
    p.disable()
    st = pstats.Stats(p)
    st.sort_stats(prof).print_stats(45)
print(
    "booked",
    len(booked),
    "refused",
    refused,
    "cpu ms",
    cpu[0] * 1000 / len(booked),
    "per_s",
    len(booked) / el,
    "load",
    os.getloadavg(),
)
from medoffice.interop.models import OutboundMessage
from medoffice.scheduling.models import Appointment

allb = booked
OutboundMessage.objects.filter(appointment_id__in=allb).delete()
Appointment.objects.filter(id__in=allb).delete()
Appointment.objects.filter(reason="bench").delete()
