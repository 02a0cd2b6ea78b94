"""The X12 reader and every parser under mutated files: nothing but X12Error, with a place.

Seeds are the public samples and our own writers' files (tests/attack/mutations.py); each
example applies 1-3 mutations and reads the result the way `medoffice x12 read` does
(`describe.read_file`: the envelope reader, then the parser of each transaction set). The
only exception allowed is X12Error, carrying the segment number and a reason. Hypothesis
draws the mutations from a fixed seed, so a run is reproducible, and shrinks any failure
to the smallest mutation list that still fails.

Why Hypothesis and not atheris: it is already pinned and runs inside pytest (the import
tests need the Django test database and fixtures, which a libFuzzer process does not
have), it is deterministic under a fixed seed, and it shrinks failures to a readable
mutation list. Atheris would add coverage guidance, but needs its own harness and a
native wheel; the mutation operators here aim at the X12 structure directly instead.
"""

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from medoffice.formats.x12 import X12Error
from medoffice.formats.x12.describe import read_file

from .budget import SEED, TimeBox, report, size
from .mutations import mutate, ops, sample_seeds, written_seeds

EXAMPLES = size("MEDOFFICE_FUZZ_READER_EXAMPLES", 300, 20_000)
SECONDS = size("MEDOFFICE_FUZZ_SECONDS", 600, 900)
SEEDS = {**written_seeds(), **sample_seeds()}
NAMES = sorted(SEEDS)


def read_or_refuse(data: bytes) -> str:
    """ "read" or "refused"; any other exception escapes (the failure this test looks for)."""
    try:
        read_file(data)
    except X12Error as exc:
        assert exc.reason.strip(), "an X12Error without a reason"  # noqa: PT017 - many, not one
        assert exc.segment_number is not None, f"no segment position: {exc}"  # noqa: PT017
        return "refused"
    return "read"


def test_every_seed_reads_or_is_refused_with_a_place():
    assert {read_or_refuse(SEEDS[name]) for name in NAMES} <= {"read", "refused"}
    assert len([n for n in NAMES if n.startswith("written/")]) == 8


def test_mutated_files_give_x12error_with_a_place_or_read():
    box = TimeBox(SECONDS)
    outcomes = {"read": 0, "refused": 0}

    @seed(SEED)
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(name=st.sampled_from(NAMES), mutations=ops())
    def run(name, mutations):
        if not box.open():
            return
        outcomes[read_or_refuse(mutate(SEEDS[name], mutations))] += 1

    run()
    report("X12 reader and parsers, mutated files", mutations=box.ran, crashes=0,
           refused=outcomes["refused"], still_readable=outcomes["read"], seed=SEED)  # fmt: skip
    assert box.ran > 0
