"""Each committed appointment change becomes one SIU message that hl7apy accepts (strict v2.5.1).

The messages are read back through hl7apy, not our codec, so these tests do not
depend on our own idea of where a field is.
"""

from datetime import timedelta

import pytest

from medoffice.formats.hl7v2.encoding import unescape
from medoffice.interop.models import OutboundStatus
from medoffice.scheduling.services import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
)
from tests.interop.conftest import messages
from tests.interop.hl7 import er7, parse_strict
from tests.scheduling.conftest import CHICAGO, next_weekday_at


@pytest.fixture
def changed(feed_dir, django_capture_on_commit_callbacks):
    """changed(service, **kw): run a scheduling service and commit; -> the new outbox messages."""

    def run(service, **kwargs):
        before = len(messages())
        with django_capture_on_commit_callbacks(execute=True):
            result = service(**kwargs)
        return result, messages()[before:]

    return run


@pytest.fixture
def booked(changed, office, provider, visit_type, patients):
    (patient,) = patients(1)
    appointment, _ = changed(
        appointment_book, patient=patient, appointment_type=visit_type, provider=provider,
        location=office, starts_at=next_weekday_at(9, 0), reason="Cough",
    )  # fmt: skip
    return appointment


def sent_trigger(message) -> str:
    return er7(parse_strict(message.text).msh.msh_9.msg_2)


def test_a_booking_sends_one_new_appointment_message(
    changed, office, provider, visit_type, patients
):
    (patient,) = patients(1)
    starts = next_weekday_at(9, 0)

    appointment, (message,) = changed(
        appointment_book, patient=patient, appointment_type=visit_type, provider=provider,
        location=office, starts_at=starts, reason="Cough",
    )  # fmt: skip

    hl7 = parse_strict(message.text)
    assert er7(hl7.msh.msh_9) == "SIU^S12^SIU_S12"
    assert er7(hl7.msh.msh_10) == message.control_id
    assert er7(hl7.sch.sch_2.ei_1) == str(appointment.public_id)
    assert er7(hl7.sch.sch_25.ce_1) == "Booked"
    assert message.trigger == "S12"
    assert message.status == OutboundStatus.SENT


def test_the_message_names_the_patient_by_mrn_and_the_provider_by_npi(booked, provider):
    (message,) = messages()
    hl7 = parse_strict(message.text)
    pid = hl7.siu_s12_patient.pid
    aip = hl7.siu_s12_resources.siu_s12_personnel_resource[0].aip

    assert er7(pid.pid_3.cx_1) == booked.patient.mrn
    assert er7(pid.pid_3.cx_5) == "MR"
    assert er7(pid.pid_5.xpn_1) == booked.patient.last_name
    assert er7(pid.pid_7) == booked.patient.dob.strftime("%Y%m%d")
    assert er7(pid.pid_8) == booked.patient.sex_at_birth
    assert er7(aip.aip_3.xcn_1) == provider.npi
    assert er7(aip.aip_3.xcn_13) == "NPI"
    assert er7(hl7.siu_s12_patient.pv1.pv1_7.xcn_1) == provider.npi


def test_times_are_the_locations_wall_clock_with_its_offset(booked):
    (message,) = messages()
    hl7 = parse_strict(message.text)
    nine = next_weekday_at(9, 0)  # 09:00 in Chicago, whatever zone the test runs in
    offset = nine.strftime("%z")

    assert er7(hl7.sch.sch_11.tq_4) == f"{nine:%Y%m%d}090000{offset}"
    assert er7(hl7.sch.sch_11.tq_5) == f"{nine:%Y%m%d}093000{offset}"
    assert er7(hl7.sch.sch_9) == "30"
    service = hl7.siu_s12_resources.siu_s12_service[0].ais
    assert er7(service.ais_4) == f"{nine:%Y%m%d}090000{offset}"


def test_the_service_location_and_room_are_the_appointments(booked, visit_type, office):
    (message,) = messages()
    resources = parse_strict(message.text).siu_s12_resources

    assert er7(resources.siu_s12_service[0].ais.ais_3.ce_1) == str(visit_type.public_id)
    assert er7(resources.siu_s12_service[0].ais.ais_3.ce_2) == visit_type.name
    place = resources.siu_s12_location_resource[0].ail.ail_3
    assert er7(place.pl_2) == booked.room.name
    assert er7(place.pl_4) == office.name


def test_a_reschedule_says_where_the_visit_was(changed, booked):
    was = next_weekday_at(9, 0)

    _, (message,) = changed(
        appointment_reschedule, appointment=booked, starts_at=next_weekday_at(10, 30)
    )

    hl7 = parse_strict(message.text)
    assert er7(hl7.msh.msh_9.msg_2) == "S13"
    assert er7(hl7.sch.sch_6.ce_1) == "RESCHEDULED"
    assert er7(hl7.sch.sch_6.ce_2) == f"Rescheduled from {was:%Y%m%d}090000{was:%z}"
    assert er7(hl7.sch.sch_11.tq_4).startswith(f"{was:%Y%m%d}1030")


def test_a_cancellation_carries_its_reason_escaped(changed, booked):
    _, (message,) = changed(
        appointment_cancel, appointment=booked, reason="Feeling better | will call^back"
    )

    hl7 = parse_strict(message.text)
    assert er7(hl7.msh.msh_9.msg_2) == "S15"
    assert unescape(er7(hl7.sch.sch_6.ce_2)) == "Feeling better | will call^back"
    assert er7(hl7.sch.sch_25.ce_1) == "Cancelled"


def test_a_no_show_is_s26(changed, booked, move):
    _, (message,) = changed(move, appointment=booked, status="noshow")

    hl7 = parse_strict(message.text)
    assert er7(hl7.msh.msh_9.msg_2) == "S26"
    assert er7(hl7.sch.sch_25.ce_1) == "Noshow"


@pytest.mark.parametrize(
    ("moves", "trigger", "filler_status"),
    [
        (["arrived"], "S14", "Started"),
        (["arrived", "fulfilled"], "S14", "Complete"),
        (["noshow", "booked"], "S14", "Booked"),
        (["entered-in-error"], "S17", "Deleted"),
    ],
)
def test_other_status_moves_are_modifications_or_a_deletion(
    changed, booked, moves, trigger, filler_status, move
):
    for status in moves:
        _, (message,) = changed(move, appointment=booked, status=status)

    hl7 = parse_strict(message.text)
    assert er7(hl7.msh.msh_9.msg_2) == trigger
    assert er7(hl7.sch.sch_25.ce_1) == filler_status


def test_a_patient_name_full_of_delimiters_keeps_the_message_intact(
    changed, office, provider, visit_type, make_patient
):
    patient = make_patient(
        first_name="Mary^Ann", last_name="O'Brien|Smith&Co", middle_name="~", mobile_phone=""
    )

    _, (message,) = changed(
        appointment_book, patient=patient, appointment_type=visit_type, provider=provider,
        location=office, starts_at=next_weekday_at(9, 0),
    )  # fmt: skip

    pid = parse_strict(message.text).siu_s12_patient.pid
    assert unescape(er7(pid.pid_5.xpn_1)) == "O'Brien|Smith&Co"
    assert unescape(er7(pid.pid_5.xpn_2)) == "Mary^Ann"
    assert unescape(er7(pid.pid_5.xpn_3)) == "~"
    assert er7(pid.pid_3.cx_1) == patient.mrn
    assert er7(pid.pid_7) == "19800401"


def test_equipment_and_assistant_are_resources_of_the_message(
    changed, office, provider, ecg_type, ecg, patients, medical_assistant
):
    ecg_type.needs_assistant = True
    ecg_type.save()
    (patient,) = patients(1)

    _, (message,) = changed(
        appointment_book, patient=patient, appointment_type=ecg_type, provider=provider,
        location=office, starts_at=next_weekday_at(9, 0),
    )  # fmt: skip

    resources = parse_strict(message.text).siu_s12_resources
    assert er7(resources.siu_s12_general_resource[0].aig.aig_3.ce_2) == ecg.name
    assert er7(resources.siu_s12_general_resource[0].aig.aig_4.ce_2) == "ECG"
    people = resources.siu_s12_personnel_resource
    assert [er7(p.aip.aip_4.ce_1) for p in people] == ["PROV", "MA"]
    assert er7(people[1].aip.aip_3.xcn_1) == medical_assistant.user.username


def test_each_message_has_its_own_control_id(changed, booked, move):
    changed(move, appointment=booked, status="arrived")
    changed(move, appointment=booked, status="fulfilled")

    ids = [parse_strict(m.text).msh.msh_10.to_er7() for m in messages()]
    assert len(ids) == len(set(ids)) == 3


def test_the_message_time_is_when_it_was_made_in_the_locations_zone(booked):
    (message,) = messages()
    made = message.created_at.astimezone(CHICAGO)

    assert er7(parse_strict(message.text).msh.msh_7) == made.strftime("%Y%m%d%H%M%S%z")
    assert abs(message.created_at - booked.created_at) < timedelta(minutes=1)
