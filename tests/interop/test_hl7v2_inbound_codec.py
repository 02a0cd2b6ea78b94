"""The inbound codec without a database: samples read, errors located, our ACK's bytes pinned."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from medoffice.formats.hl7v2.ack import AckHeader, AckIssue, parse_ack, render_ack
from medoffice.formats.hl7v2.inbound import read_adt, read_oru
from medoffice.formats.hl7v2.message import MessageError, parse_message
from tests.interop.hl7 import er7, parse_strict
from tests.interop.mllp_client import INBOUND, sample

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", ["adt_a04.hl7", "adt_a08.hl7", "adt_a40.hl7", "oru_r01.hl7"])
def test_the_sample_messages_are_valid_hl7_v2_5_1_for_hl7apy(name):
    parse_strict((INBOUND / name).read_bytes().decode())


def test_an_a04_reads_identity_address_phone_and_insurance():
    adt = read_adt(parse_message(sample("adt_a04.hl7")))

    person = adt.patient
    assert [(i.value, i.authority, i.kind) for i in person.identifiers] == [
        ("H1001", "CITYHOSP", "MR")
    ]
    assert (person.name.family, person.name.given, person.name.middle) == ("Okafor", "Grace", "Ada")
    assert (person.address1, person.address2, person.city, person.state, person.zip_code) == (
        "14 Elm St", "Apt 2", "Springfield", "IL", "62704",
    )  # fmt: skip
    assert person.home_phone == "2175550199"
    (plan,) = adt.insurance
    assert (plan.payer_id, plan.member_id, plan.group_number, plan.relationship) == (
        "60054", "W123456789", "G-7788", "SEL",
    )  # fmt: skip


def test_an_a40_names_the_prior_patient_from_mrg_1():
    adt = read_adt(parse_message(sample("adt_a40.hl7")))

    assert [(i.value, i.authority) for i in adt.prior_identifiers] == [("H2002", "CITYHOSP")]


def test_an_oru_reads_orders_observations_notes_and_times_with_their_offset():
    report = read_oru(parse_message(sample("oru_r01.hl7")))

    (order,) = report.orders
    assert order.ordering_provider.npi == "1987654328"
    glucose, potassium = order.observations
    assert (glucose.code, glucose.code_system, glucose.value, glucose.units) == (
        "2345-7", "LN", "182", "mg/dL",
    )  # fmt: skip
    assert (glucose.reference_range, glucose.flag, glucose.notes) == (
        "70-99", "H", ("Patient not fasting",),
    )  # fmt: skip
    assert glucose.observed_at.astimezone(UTC) == datetime(2026, 1, 13, 14, 0, tzinfo=UTC)
    assert potassium.flag == "N"


def test_escaped_delimiters_come_back_as_text():
    text = sample("adt_a08.hl7", **{"Okafor^Grace": "O\\S\\Brien^Grace"})

    assert read_adt(parse_message(text)).patient.name.family == "O^Brien"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("hello", ("MSH", 0)),
        (sample("adt_a04.hl7").replace("|A04-0001|", "||"), ("MSH", 10)),
        (sample("a04_invalid.hl7"), ("PID", 7)),
        (sample("oru_r01.hl7").replace("|20260113080000-0600||", "|2026011308XX||", 1), ("OBR", 7)),
    ],
)
def test_a_malformed_message_is_refused_naming_segment_and_field(text, where):
    def read(text):
        message = parse_message(text)
        return read_oru(message) if message.message_type == "ORU" else read_adt(message)

    with pytest.raises(MessageError) as refused:
        read(text)

    assert (refused.value.segment, refused.value.field) == where


def test_our_ae_acknowledgment_matches_its_golden_file_and_validates():
    header = AckHeader(
        control_id="0123456789ABCDEF0123",
        created_at=datetime(2026, 1, 13, 10, 15, tzinfo=UTC),
        acknowledged_id="ORU-0001",
        trigger="R01",
        receiving_application="LABSYS",
        receiving_facility="QUESTLAB",
        facility="1234567893",
    )
    issue = AckIssue("204", "unknown patient: no record with L555 (QUESTLAB)", "PID", 1, 3)

    text = render_ack(header, "AE", "unknown patient: held for review", (issue,))

    assert text.encode() == (GOLDEN / "ack_listener_ae.hl7").read_bytes()
    parsed = parse_strict(text)
    assert (er7(parsed.err.err_3.cwe_1), er7(parsed.err.err_4)) == ("204", "E")
    assert parse_ack(text).code == "AE"
