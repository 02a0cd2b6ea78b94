"""The MLLP listener on a loopback port with real sockets: store first, answer, never lose."""

import hashlib
import socket
import time

import pytest
from hl7apy.parser import parse_message as hl7apy_parse

from medoffice.clinical.models import Result
from medoffice.interop.listener import MllpListener
from medoffice.interop.models import ExternalIdentifier, InboundMessage, InboundStatus
from medoffice.patients.models import Coverage, Patient, PatientStatus
from tests.interop.hl7 import er7, parse_strict
from tests.interop.mllp_client import INBOUND, exchange, sample, send_raw

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def listener(transactional_db, practice, location):
    with MllpListener(practice=practice, host="127.0.0.1", port=0, timeout=2,
                      max_bytes=4096) as running:  # fmt: skip
        yield running


def port_of(listener) -> int:
    return listener.address[1]


def msa(ack: str) -> tuple[str, str, str]:
    parsed = parse_strict(ack)
    return er7(parsed.msa.msa_1), er7(parsed.msa.msa_2), parsed.msa.msa_3.to_er7()


def test_an_a04_registers_the_patient_and_is_acknowledged(listener, payer):
    (ack,) = exchange(port_of(listener), sample("adt_a04.hl7"))

    code, control_id, text = msa(ack)
    assert (code, control_id) == ("AA", "A04-0001")
    patient = Patient.objects.get(last_name="Okafor")
    assert text == f"registered as MRN {patient.mrn}"
    assert (patient.first_name, patient.dob.isoformat(), patient.city) == (
        "Grace", "1975-03-12", "Springfield",
    )  # fmt: skip
    link = ExternalIdentifier.objects.get(patient=patient)
    assert (link.authority, link.value) == ("CITYHOSP", "H1001")
    coverage = Coverage.objects.get(patient=patient)
    assert (coverage.payer, coverage.member_id, coverage.group_number) == (
        payer, "W123456789", "G-7788",
    )  # fmt: skip
    stored = InboundMessage.objects.get()
    raw = (INBOUND / "adt_a04.hl7").read_bytes()
    assert stored.text == raw.decode()
    assert stored.digest == hashlib.sha256(raw).hexdigest()
    assert (stored.status, stored.ack_code, stored.ack_text) == ("accepted", "AA", ack)
    assert (stored.message_type, stored.trigger, stored.patient) == ("ADT", "A04", patient)
    assert stored.peer.startswith("127.0.0.1:")


def test_a_repeated_control_id_gets_the_first_ack_and_is_not_processed_twice(listener):
    first, again = exchange(port_of(listener), sample("adt_a04.hl7"), sample("adt_a04.hl7"))

    assert again == first
    assert Patient.objects.filter(last_name="Okafor").count() == 1
    stored = InboundMessage.objects.get()
    assert stored.duplicates == 1


def test_an_a08_updates_the_patient_found_by_the_hospital_id(listener):
    exchange(port_of(listener), sample("adt_a04.hl7"))

    (ack,) = exchange(port_of(listener), sample("adt_a08.hl7"))

    assert msa(ack)[0] == "AA"
    patient = Patient.objects.get(last_name="Okafor")
    assert patient.address1 == "99 River Rd"
    assert patient.address2 == "Apt 2"  # not in the A08: left as it was


def test_an_a08_for_an_unknown_patient_gets_ae_and_waits_for_review(listener):
    (ack,) = exchange(port_of(listener), sample("adt_a08.hl7"))

    code, _, text = msa(ack)
    assert (code, text) == ("AE", "unknown patient: held for review")
    err = parse_strict(ack).err
    assert er7(err.err_3.cwe_1) == "204"
    assert "H1001 (CITYHOSP)" in err.err_8.to_er7()
    assert InboundMessage.objects.get().status == InboundStatus.REVIEW


def test_a_likely_duplicate_is_held_for_review_not_created(listener, make_patient):
    make_patient(first_name="Grace", last_name="Okafor", dob="1975-03-12")

    (ack,) = exchange(port_of(listener), sample("adt_a04.hl7"))

    assert msa(ack)[:1] == ("AA",)
    assert "likely the same person as MRN" in parse_strict(ack).err.err_8.to_er7()
    assert Patient.objects.filter(last_name="Okafor").count() == 1
    held = InboundMessage.objects.get()
    assert held.status == InboundStatus.REVIEW
    assert held.errors.startswith("warning: likely the same person as MRN")


def test_an_unknown_message_type_gets_ar_and_is_kept(listener):
    (ack,) = exchange(port_of(listener), sample("unknown_type.hl7"))

    code, control_id, text = msa(ack)
    assert (code, control_id) == ("AR", "RDE-0001")
    assert "RDE is not taken here" in text
    assert er7(parse_strict(ack).err.err_3.cwe_1) == "200"
    stored = InboundMessage.objects.get()
    assert (stored.status, stored.ack_code) == (InboundStatus.REJECTED, "AR")


def test_a_message_failing_validation_gets_ae_naming_the_field_and_changes_nothing(listener):
    (ack,) = exchange(port_of(listener), sample("a04_invalid.hl7"))

    code, _, text = msa(ack)
    assert code == "AE"
    assert "PID-7" in text
    err = parse_strict(ack).err
    assert (er7(err.err_2.erl_1), er7(err.err_2.erl_3)) == ("PID", "7")
    assert not Patient.objects.filter(last_name="Mensah").exists()
    stored = InboundMessage.objects.get()
    assert stored.status == InboundStatus.ERROR
    assert "PID-7" in stored.errors


def test_text_that_is_no_hl7_gets_ar_and_is_kept(listener):
    (ack,) = exchange(port_of(listener), "hello, this is not HL7")

    assert "AR" in ack.split("\r")[1]
    assert InboundMessage.objects.get().status == InboundStatus.REJECTED


def test_a_frame_cut_in_the_middle_is_kept_broken_and_nothing_is_processed(listener):
    whole = sample("adt_a04.hl7").encode()

    answer = send_raw(port_of(listener), b"\x0b" + whole[:60])

    assert answer == b""  # no ACK: the sender will send it again
    stored = InboundMessage.objects.get()
    assert stored.status == InboundStatus.BROKEN
    assert stored.text == whole[:60].decode()
    assert "closed in the middle of a frame" in stored.errors
    assert not Patient.objects.filter(last_name="Okafor").exists()


def test_a_sender_that_stalls_mid_frame_is_cut_off_after_the_timeout(listener):
    with socket.create_connection(("127.0.0.1", port_of(listener)), timeout=10) as sock:
        sock.sendall(b"\x0bMSH|^~\\&|EPIC|CITYHOSP")
        began = time.monotonic()
        assert sock.recv(100) == b""  # the listener closes the connection
    assert time.monotonic() - began >= 1.5
    stored = InboundMessage.objects.get()
    assert stored.status == InboundStatus.BROKEN
    assert "not complete after 2 s" in stored.errors


def test_an_oversized_frame_is_kept_cut_and_the_connection_closed(listener):
    huge = sample("adt_a04.hl7") + "NTE|1||" + "x" * 10_000 + "\r"

    answer = send_raw(port_of(listener), b"\x0b" + huge.encode() + b"\x1c\r")

    assert answer == b""
    stored = InboundMessage.objects.get()
    assert stored.status == InboundStatus.BROKEN
    assert stored.size == 4097 or stored.size == 4096
    assert "larger than 4096 bytes" in stored.errors


def test_data_outside_a_frame_closes_the_connection_and_is_kept(listener):
    send_raw(port_of(listener), b"GET / HTTP/1.0\r\n\r\n")

    assert InboundMessage.objects.get().errors == "data outside an MLLP frame"


def test_many_connections_at_once_are_each_answered(listener):
    import threading

    answers = {}

    def send(number):
        text = sample("adt_a04.hl7", **{"A04-0001": f"A04-{number:04d}", "H1001": f"H9{number:03d}",
                                        "Grace": f"Grace{'x' * number}"})  # fmt: skip
        answers[number] = exchange(port_of(listener), text)[0]

    threads = [threading.Thread(target=send, args=(n,)) for n in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(msa(a)[1] for a in answers.values()) == [f"A04-000{n}" for n in range(1, 5)]
    assert InboundMessage.objects.count() == 4


def test_our_acks_validate_with_hl7apy(listener):
    answers = exchange(port_of(listener), sample("adt_a04.hl7"), sample("unknown_type.hl7"),
                       sample("a04_invalid.hl7"))  # fmt: skip
    for ack in answers:
        assert hl7apy_parse(ack).msh.msh_9.to_er7().startswith("ACK")
        parse_strict(ack)


def test_the_a40_merges_the_prior_record_into_the_survivor(listener, make_patient):
    survivor = make_patient(first_name="Grace", last_name="Okafor", dob="1975-03-12")
    prior = make_patient(first_name="Gracie", last_name="Okafor", dob="1975-03-12")
    ExternalIdentifier.objects.create(practice=survivor.practice, patient=survivor,
                                      authority="CITYHOSP", value="H1001")  # fmt: skip
    ExternalIdentifier.objects.create(practice=prior.practice, patient=prior,
                                      authority="CITYHOSP", value="H2002")  # fmt: skip

    (ack,) = exchange(port_of(listener), sample("adt_a40.hl7"))

    assert msa(ack)[0] == "AA"
    prior.refresh_from_db()
    assert (prior.status, prior.merged_into) == (PatientStatus.MERGED, survivor)
    assert set(survivor.external_identifiers.values_list("value", flat=True)) == {"H1001", "H2002"}


def test_an_a40_with_an_unknown_prior_patient_is_held(listener, make_patient):
    survivor = make_patient(first_name="Grace", last_name="Okafor", dob="1975-03-12")
    ExternalIdentifier.objects.create(practice=survivor.practice, patient=survivor,
                                      authority="CITYHOSP", value="H1001")  # fmt: skip

    (ack,) = exchange(port_of(listener), sample("adt_a40.hl7"))

    assert msa(ack)[0] == "AE"
    assert er7(parse_strict(ack).err.err_2.erl_1) == "MRG"


def test_an_oru_is_filed_to_the_chart_with_units_ranges_flags_and_provider(
    listener, make_patient, provider
):
    patient = make_patient(first_name="Grace", last_name="Okafor", dob="1975-03-12")

    (ack,) = exchange(port_of(listener), sample("oru_r01.hl7"))

    assert msa(ack)[:2] == ("AA", "ORU-0001")
    glucose, potassium = Result.objects.filter(patient=patient).order_by("loinc")
    assert (glucose.loinc, glucose.value, glucose.unit, glucose.reference_range, glucose.flag) == (
        "2345-7", "182", "mg/dL", "70-99", "H",
    )  # fmt: skip
    assert glucose.report == "Patient not fasting"
    assert glucose.ordering_provider == provider
    assert glucose.resulted_at.isoformat() == "2026-01-13T14:00:00+00:00"
    assert (potassium.loinc, potassium.flag) == ("2823-3", "N")
    # The lab's id is remembered: the next result finds the patient by it.
    assert ExternalIdentifier.objects.get(authority="QUESTLAB").patient == patient


def test_an_unmatched_oru_gets_ae_and_files_nothing(listener):
    (ack,) = exchange(port_of(listener), sample("oru_r01.hl7"))

    assert msa(ack)[0] == "AE"
    assert not Result.objects.exists()
    assert InboundMessage.objects.get().status == InboundStatus.REVIEW
