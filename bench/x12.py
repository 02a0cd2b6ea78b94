"""X12 codec: the 837P writer against pyx12's validation of the same file, and the readers.

Needs no patient data: the claim records come from formats/x12/synthetic.py
(`prepared_claims`, deterministic from the seed: 1 to 4 lines each, about one
in five for a dependent, one in ten telehealth, one in ten a secondary claim
with the primary's adjudication), built before anything is timed, as the
claims app hands them over.

Measured, each in CPU seconds of this process (the machine is shared: CPU time
is steadier than the wall clock, and both sides are single-threaded Python),
best of several runs (20 for the small --quick file, 5 otherwise; three for the readers):

- writer_claims_per_s: `render_837p` of the batch (every value checked for
  separators, envelopes, counts), claims per second;
- pyx12_validate_claims_per_s: pyx12's `x12n_document` validating that same
  file against its 005010X222A1 map; writer_vs_pyx12 is the ratio (goal >= 100);
- read_837_claims_per_s: our reader and `parse_837p` on the same file;
- read_835_claims_per_s: reading and parsing a generated 835 answering those
  claims (what ERA posting starts with), with pyx12's validation of the same
  835 and the ratio.

Sizes: 5,000 claims (1,000 in the 835); --quick 250 claims, a few seconds.
"""

import io
import logging
import tempfile
import time
from datetime import datetime
from pathlib import Path

import pyx12.params
import pyx12.x12n_document

from medoffice.formats.x12 import Envelope, read_transactions
from medoffice.formats.x12.claim_837p import Receiver, Submitter, parse_837p, render_837p
from medoffice.formats.x12.remittance import parse_835, render_835
from medoffice.formats.x12.synthetic import adjudicate, prepared_claims

TARGETS = {
    "writer_claims_per_s": (">=", 30_000),
    "writer_vs_pyx12": (">=", 100),
}
ENVELOPE = Envelope(
    sender_id="MAPLE01",
    receiver_id="GATEWAY",
    interchange_control_number=1,
    group_control_number=1,
    created=datetime(2026, 11, 23, 9, 30),  # noqa: DTZ001 - a fixed wall-clock stamp
)
SUBMITTER = Submitter("MAPLE FAMILY MEDICINE", "MAPLE01", "BILLING OFFICE", "2175550100")
RECEIVER = Receiver("GATEWAY CLEARINGHOUSE", "GATEWAY")


def _best(function, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.process_time()
        result = function()
        best = min(best, time.process_time() - started)
    return max(best, 1e-9), result


def _pyx12_seconds(data: bytes) -> tuple[float, bool]:
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "batch.x12"
        path.write_bytes(data)
        params = pyx12.params.params()
        started = time.process_time()
        valid = pyx12.x12n_document.x12n_document(
            params, str(path), fd_997=None, fd_html=None, fd_json=io.StringIO()
        )
        return max(time.process_time() - started, 1e-9), valid


def run(*, practice_id: int, size: int, quick: bool, seed: int) -> dict:
    count = 250 if quick else 5_000
    era_count = 250 if quick else 1_000
    claims = prepared_claims(count, seed=seed)

    def write() -> bytes:
        return render_837p(
            claims, submitter=SUBMITTER, receiver=RECEIVER, envelope=ENVELOPE, reference="BENCH"
        )

    writer_s, data = _best(write, repeat=20 if quick else 5)
    pyx12_s, valid = _pyx12_seconds(data)
    if not valid:
        raise SystemExit("pyx12 found errors in the benchmark's 837P file")

    def read_837() -> int:
        return sum(len(parse_837p(t).claims) for t in read_transactions(data))

    read_s, parsed = _best(read_837)
    assert parsed == count

    era = render_835([adjudicate(claims[:era_count], seed=seed)], envelope=ENVELOPE)

    def read_835() -> int:
        return sum(len(parse_835(t).claims) for t in read_transactions(era))

    era_s, era_claims = _best(read_835)
    pyx12_era_s, _ = _pyx12_seconds(era)
    writer_rate = count / writer_s
    pyx12_rate = count / pyx12_s
    return {
        "claims": count,
        "file_mb": round(len(data) / 1e6, 2),
        "writer_claims_per_s": round(writer_rate),
        "pyx12_validate_claims_per_s": round(pyx12_rate),
        "writer_vs_pyx12": round(writer_rate / pyx12_rate, 1),
        "read_837_claims_per_s": round(count / read_s),
        "era_claims": era_claims,
        "read_835_claims_per_s": round(era_claims / era_s),
        "pyx12_835_claims_per_s": round(era_claims / pyx12_era_s),
        "read_835_vs_pyx12": round(pyx12_era_s / era_s, 1),
    }
