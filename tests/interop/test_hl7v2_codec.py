"""The pure HL7 v2 codec: text in, text out, no database.

Golden files hold whole messages; hl7apy (strict, v2.5.1) is the independent
judge of their structure and data types.
"""

from datetime import date, datetime
from pathlib import Path

import pytest

from medoffice.formats.hl7v2.ack import AckError, parse_ack
from medoffice.formats.hl7v2.encoding import escape, hl7_timestamp, render_field, unescape
from medoffice.formats.hl7v2.mllp import FramingError, MllpDecoder, frame
from medoffice.formats.hl7v2.siu import (
    AppointmentNotice,
    Clinician,
    Device,
    Header,
    PatientIdentity,
    Place,
    Service,
    SiuTrigger,
    StaffMember,
    render_siu,
)
from tests.clock import CHICAGO
from tests.interop.hl7 import er7, parse_strict

GOLDEN = Path(__file__).parent / "golden"


def golden(name: str) -> str:
    """A golden file as it is on disk: segments end in carriage returns, kept as they are."""
    return (GOLDEN / name).read_bytes().decode()


def golden_notice(trigger: SiuTrigger, **changes) -> AppointmentNotice:
    fields = {
        "trigger": trigger,
        "appointment_id": "6f1c2a52-8d1e-4b59-9f57-0f3c51d0a6e4",
        # 10 March 2026 is two days after Chicago moved to daylight time (-0500).
        "starts_at": datetime(2026, 3, 10, 9, 0, tzinfo=CHICAGO),
        "ends_at": datetime(2026, 3, 10, 9, 30, tzinfo=CHICAGO),
        "event_reason_code": "RESCHEDULED",
        "event_reason_text": "Rescheduled from 20260306140000-0600",
        "filler_status": "Booked",
        "patient": PatientIdentity(
            mrn="00000018",
            family_name="O'Brien|Smith",
            given_name="Mary^Ann",
            middle_name="Q&A",
            suffix="Jr~",
            birth_date=date(1980, 4, 1),
            sex="F",
        ),
        "assigning_authority": ("1234567893", "0b7f1e0e-5a2c-4d7e-8a43-2f7d1c9e6b10", "UUID"),
        "provider": Clinician(
            npi="1987654325", family_name="Nguyen", given_name="Ada", credentials="MD"
        ),
        "place": Place(
            facility="Main",
            room="Exam 1",
            room_kind_code="exam",
            room_kind_name="Exam room",
            phone="(217) 555-0100",
        ),
        "service": Service(code="2b0f8a3c-1f5e-4e0a-9d7b-6c3e2a1f0d9e", name="ECG visit"),
        "devices": (Device(name="ECG cart", kind="ECG"),),
        "assistant": StaffMember(username="ma1", family_name="Lee", given_name="Kim"),
        "visit_reason": "Palpitations\\dizzy",
        "entered_by": "frontdesk1",
    }
    return AppointmentNotice(**{**fields, **changes})


HEADER = Header(
    control_id="0123456789ABCDEF0123",
    created_at=datetime(2026, 3, 6, 14, 5, 7, tzinfo=CHICAGO),
    facility_namespace="1234567893",
    facility_id="0b7f1e0e-5a2c-4d7e-8a43-2f7d1c9e6b10",
)


def test_renders_the_golden_reschedule_message():
    text = render_siu(golden_notice(SiuTrigger.RESCHEDULED), HEADER)

    assert text == golden("siu_s13.hl7")


def test_the_golden_message_passes_strict_hl7apy_validation():
    message = parse_strict(golden("siu_s13.hl7"))

    assert er7(message.msh.msh_9) == "SIU^S13^SIU_S12"
    assert len(message.siu_s12_resources.siu_s12_personnel_resource) == 2


def test_a_message_without_assistant_or_equipment_is_still_valid():
    notice = golden_notice(SiuTrigger.NEW, devices=(), assistant=None, visit_reason="")

    message = parse_strict(render_siu(notice, HEADER))

    assert er7(message.msh.msh_9.msg_2) == "S12"
    assert len(message.siu_s12_resources.siu_s12_personnel_resource) == 1


@pytest.mark.parametrize(
    ("data", "escaped"),
    [
        ("O'Brien|Smith", "O'Brien\\F\\Smith"),
        ("Mary^Ann", "Mary\\S\\Ann"),
        ("Q&A", "Q\\T\\A"),
        ("Jr~", "Jr\\R\\"),
        ("back\\slash", "back\\E\\slash"),
        ("two\r\nlines", "two\\X0D\\\\X0A\\lines"),
        ("\x0bframe\x1c", "\\X0B\\frame\\X1C\\"),
    ],
)
def test_escapes_each_delimiter_and_control_character(data, escaped):
    assert escape(data) == escaped
    assert unescape(escaped) == data


def test_delimiters_in_a_name_do_not_move_the_fields_after_it():
    notice = golden_notice(SiuTrigger.NEW)

    pid = parse_strict(render_siu(notice, HEADER)).siu_s12_patient.pid

    name = pid.pid_5
    assert unescape(er7(name.xpn_1)) == "O'Brien|Smith"
    assert unescape(er7(name.xpn_2)) == "Mary^Ann"
    assert unescape(er7(name.xpn_3)) == "Q&A"
    assert unescape(er7(name.xpn_4)) == "Jr~"
    assert er7(pid.pid_7) == "19800401"
    assert er7(pid.pid_8) == "F"


def test_trailing_empty_components_are_not_sent():
    assert render_field(("a", None, "", None)) == "a"
    assert render_field((None, ("x", None))) == "^x"


def test_timestamps_carry_the_offset_of_their_zone():
    assert hl7_timestamp(datetime(2026, 3, 6, 14, 0, tzinfo=CHICAGO)) == "20260306140000-0600"
    assert hl7_timestamp(datetime(2026, 3, 10, 9, 0, tzinfo=CHICAGO)) == "20260310090000-0500"


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="aware"):
        hl7_timestamp(datetime(2026, 3, 10, 9, 0))  # noqa: DTZ001


def test_mllp_frames_survive_arriving_in_pieces():
    wire = frame(b"MSH|one\r") + frame(b"MSH|two\r")
    decoder = MllpDecoder()

    received = [m for i in range(len(wire)) for m in decoder.feed(wire[i : i + 1])]

    assert received == [b"MSH|one\r", b"MSH|two\r"]


def test_mllp_refuses_bytes_outside_a_frame():
    with pytest.raises(FramingError):
        MllpDecoder().feed(b"HTTP/1.1 400 Bad Request\r\n")


def test_reads_an_accepting_acknowledgment():
    ack = parse_ack(golden("ack_aa.hl7"))

    assert ack.is_accepted
    assert ack.acknowledges("0123456789ABCDEF0123")


def test_reads_a_refusal_with_its_reason_unescaped():
    ack = parse_ack(golden("ack_ae.hl7"))

    assert not ack.is_accepted
    assert ack.code == "AE"
    assert ack.text == "Unknown provider|NPI"


@pytest.mark.parametrize("reply", ["", "garbage", "MSH|^~\\&|X\rERR|1\r", "MSH|^~\\&|X\rMSA||1\r"])
def test_a_reply_that_is_no_acknowledgment_is_an_error(reply):
    with pytest.raises(AckError):
        parse_ack(reply)
