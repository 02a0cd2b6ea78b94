"""`medoffice x12 read FILE`: a supported file as JSON; a malformed one exits 1 with the reason."""

import json
from pathlib import Path

from medoffice.cli import main
from medoffice.formats.x12.ack_999 import acknowledge, render_999
from medoffice.formats.x12.claim_837p import render_837p
from medoffice.formats.x12.reader import read_interchanges
from medoffice.formats.x12.remittance import render_835
from medoffice.formats.x12.synthetic import adjudicate, prepared_claims

from .claims import ENVELOPE, RECEIVER, SUBMITTER
from .samples import sample

CLAIMS = prepared_claims(5, seed=2)


def run(capsys, path) -> tuple[int, dict | None, str]:
    try:
        main(["x12", "read", str(path)])
        code = 0
    except SystemExit as exited:
        code = exited.code
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out else None), err


def test_reads_an_837p_batch(tmp_path: Path, capsys):
    path = tmp_path / "batch.837"
    path.write_bytes(
        render_837p(
            CLAIMS, submitter=SUBMITTER, receiver=RECEIVER, envelope=ENVELOPE, reference="B7"
        )
    )
    code, data, _ = run(capsys, path)
    assert code == 0
    (interchange,) = data["interchanges"]
    assert interchange["usage"] == "test"
    (transaction,) = interchange["groups"][0]["transactions"]
    assert transaction["transaction"] == "837P professional claims"
    claims = transaction["content"]["claims"]
    assert [c["patient_control_number"] for c in claims] == [
        c.patient_control_number for c in CLAIMS
    ]
    assert claims[0]["lines"][0]["charge"] == str(CLAIMS[0].lines[0].charge)


def test_reads_a_999_and_an_835_in_plain_words(tmp_path: Path, capsys):
    batch = render_837p(
        CLAIMS, submitter=SUBMITTER, receiver=RECEIVER, envelope=ENVELOPE, reference="B7"
    )
    ack = tmp_path / "ack.999"
    ack.write_bytes(
        render_999([acknowledge(read_interchanges(batch)[0].groups[0])], envelope=ENVELOPE)
    )
    code, data, _ = run(capsys, ack)
    assert code == 0
    assert data["interchanges"][0]["groups"][0]["transactions"][0]["explanation"] == [
        "group 41: accepted",
        "transaction set 0001: accepted",
    ]
    era = tmp_path / "era.835"
    era.write_bytes(render_835([adjudicate(CLAIMS, seed=2)], envelope=ENVELOPE))
    code, data, _ = run(capsys, era)
    (transaction,) = data["interchanges"][0]["groups"][0]["transactions"]
    assert code == 0
    assert transaction["balancing_errors"] == []
    assert transaction["claims_in_words"][0].startswith(f"{CLAIMS[0].patient_control_number}: ")


def test_reads_a_public_271_with_its_summary(capsys):
    code, data, _ = run(capsys, sample("271_005010X279A1/subscriber-health-benefit-check.271"))
    assert code == 0
    (transaction,) = data["interchanges"][0]["groups"][0]["transactions"]
    (summary,) = transaction["summaries"]
    assert summary["active"] is True
    assert summary["in_network"]["office_visit_copay"] == "10.00"


def test_a_malformed_file_exits_1_with_segment_and_reason(tmp_path: Path, capsys):
    path = tmp_path / "bad.837"
    good = render_837p(
        CLAIMS, submitter=SUBMITTER, receiver=RECEIVER, envelope=ENVELOPE, reference="B7"
    )
    path.write_bytes(good.replace(b"GE*1*41", b"GE*3*41"))
    code, data, err = run(capsys, path)
    assert code == 1
    assert data is None
    assert "GE01 says '3' but there are 1 transaction sets" in err
    assert err.startswith(f"medoffice x12 read: {path}: segment ")


def test_a_missing_file_exits_1(tmp_path: Path, capsys):
    code, _, err = run(capsys, tmp_path / "nope.835")
    assert code == 1
    assert "No such file" in err
