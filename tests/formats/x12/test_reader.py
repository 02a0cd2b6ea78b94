"""The reader: separators from the ISA, any terminator, streaming, precise errors."""

import io
from pathlib import Path

import pytest

from medoffice.formats.x12 import X12Error, iter_segments, iter_transactions, read_transactions
from medoffice.formats.x12.claim_837p import parse_837p, render_837p

from .claims import BASE, ENVELOPE, RECEIVER, SUBMITTER, VARIANTS

GOOD = render_837p(
    list(VARIANTS.values()),
    submitter=SUBMITTER,
    receiver=RECEIVER,
    envelope=ENVELOPE,
    reference="B1",
)


def error_of(data: bytes) -> X12Error:
    with pytest.raises(X12Error) as caught:
        read_transactions(data)
    return caught.value


def swap_separators(data: bytes, old: str, new: str) -> bytes:
    return data.translate(bytes.maketrans(old.encode(), new.encode()))


@pytest.mark.parametrize(
    ("separators", "line_break"),
    [("*:^~", b"\n"), ("|>!\n", b""), ("+<^'", b"\r\n"), ("*:^~", b""), ("\x1d\x1f^\x1c", b"")],
)
def test_separators_come_from_the_isa_whatever_they_are(separators, line_break):
    data = swap_separators(GOOD.replace(b"~\n", b"~"), "*:^~", separators)
    data = data.replace(separators[3].encode(), separators[3].encode() + line_break)
    (transaction,) = read_transactions(data)
    assert parse_837p(transaction).claims == list(VARIANTS.values())


def test_reads_from_a_path_a_binary_file_and_small_chunks(tmp_path: Path):
    path = tmp_path / "batch.837"
    path.write_bytes(GOOD)
    expected = [s.text() for s in iter_segments(GOOD)]
    assert [s.text() for s in iter_segments(path)] == expected
    assert [s.text() for s in iter_segments(str(path))] == expected
    assert [s.text() for s in iter_segments(io.BytesIO(GOOD), chunk_size=7)] == expected


def test_segments_know_their_number_and_byte_offset():
    segments = list(iter_segments(GOOD))
    assert [s.number for s in segments[:3]] == [1, 2, 3]
    for s in segments[:50]:
        assert GOOD[s.offset : s.offset + 3].decode().startswith(s.id)


def test_a_file_of_many_interchanges_reads_each():
    transactions = read_transactions(GOOD + GOOD)
    assert len(transactions) == 2


def test_a_wrong_element_separator_in_the_isa_is_named():
    data = GOOD.replace(b"*00501*", b"|00501*", 1)
    error = error_of(data)
    assert error.segment_number == 1
    assert error.segment_id == "ISA"
    assert "element separator '*' at character 84" in error.reason


def test_a_file_that_uses_other_separators_than_its_isa_announced():
    isa_end = GOOD.index(b"\n") + 1
    data = GOOD[:isa_end] + swap_separators(GOOD[isa_end:], "*", "|")
    error = error_of(data)
    assert error.segment_number == 2
    assert error.offset == isa_end
    assert "not a segment tag" in error.reason
    assert "the separators its ISA announced" in error.reason


def test_an_isa_field_of_the_wrong_width():
    data = GOOD.replace(b"*ZZ*MAPLE01        *", b"*ZZ*MAPLE01 *", 1)
    error = error_of(data)
    assert error.element == 6
    assert "ISA06 must be exactly 15 characters wide" in error.reason


def test_not_x12_at_all():
    error = error_of(b"<?xml version='1.0'?><claims/>")
    assert "must start with ISA" in error.reason


def test_an_empty_file():
    assert "empty" in error_of(b"\n\n").reason


def test_a_truncated_file_names_where_it_stops():
    cut = GOOD.index(b"CLM*E1005")
    error = error_of(GOOD[: cut + 12])
    assert "truncated" in error.reason
    assert error.offset == cut
    truncated_whole_segments = GOOD[: GOOD.index(b"GE*")]
    error = error_of(truncated_whole_segments)
    assert "ends without its GE" in error.reason


def test_an_isa_cut_short():
    assert "ends inside the ISA" in error_of(GOOD[:60]).reason


@pytest.mark.parametrize(
    ("old", "new", "segment", "reason"),
    [
        (b"SE*", b"SE*9", "SE", "SE01 says '9"),
        (b"*0001~\nGE", b"*0002~\nGE", "SE", "SE02 '0002' does not match ST02 '0001'"),
        (b"GE*1*", b"GE*2*", "GE", "GE01 says '2' but there are 1 transaction sets"),
        (b"GE*1*41", b"GE*1*42", "GE", "GE02 '42' does not match GS06 '41'"),
        (b"IEA*1*", b"IEA*3*", "IEA", "IEA01 says '3' but there are 1 functional groups"),
        (b"IEA*1*000000041", b"IEA*1*000000042", "IEA", "does not match ISA13"),
    ],
)
def test_bad_envelope_counts_and_control_numbers(old, new, segment, reason):
    data = GOOD.replace(old, new, 1) if old != b"SE*" else _bad_se_count(GOOD)
    error = error_of(data)
    assert error.segment_id == segment
    assert reason in error.reason
    segments = list(iter_segments(data))
    assert segments[error.segment_number - 1].id == segment


def _bad_se_count(data: bytes) -> bytes:
    at = data.index(b"\nSE*") + 1
    end = data.index(b"*", at + 3)
    return data[:at] + b"SE*9" + data[end:]


def test_a_missing_se_is_reported_at_the_next_envelope_segment():
    at = GOOD.index(b"\nSE*") + 1
    data = GOOD[:at] + GOOD[GOOD.index(b"GE*") :]
    error = error_of(data)
    assert error.segment_id == "GE"
    assert "its SE is missing" in error.reason


def test_a_segment_outside_a_transaction():
    data = GOOD.replace(b"GS*HC", b"NM1*XX~\nGS*HC", 1)
    error = error_of(data)
    assert error.segment_number == 2
    assert "outside a transaction set" in error.reason


def test_not_5010():
    data = GOOD.replace(b"*00501*", b"*00401*", 1)
    assert "not 00501" in error_of(data).reason


def test_streaming_yields_transactions_before_the_end_of_the_file():
    bad_trailer = GOOD.replace(b"IEA*1*", b"IEA*2*")
    transactions = iter_transactions(bad_trailer)
    first = next(transactions)
    assert first.set_id == "837"
    with pytest.raises(X12Error, match="IEA01"):
        next(transactions)


def test_error_text_reads_as_one_line_for_support_staff():
    error = error_of(GOOD.replace(b"GE*1*41", b"GE*1*42", 1))
    assert str(error).startswith(f"segment {error.segment_number}, GE02, byte {error.offset}: ")
    assert error.as_dict()["segment_id"] == "GE"


def test_a_claim_renders_to_a_file_the_reader_accepts():
    data = render_837p([BASE], submitter=SUBMITTER, receiver=RECEIVER, envelope=ENVELOPE,
                       reference="R")  # fmt: skip
    (transaction,) = read_transactions(data)
    assert transaction.version == "005010X222A1"
    assert not transaction.group.interchange.is_production
