"""The demo's visits reach the feed: one new-appointment message per booked visit."""

from medoffice.interop.models import OutboundStatus
from medoffice.patients.synthetic import load_demo
from medoffice.scheduling.demo import load_demo_schedule
from medoffice.scheduling.models import Appointment
from tests.interop.conftest import messages
from tests.interop.hl7 import er7, parse_strict
from tests.scheduling.conftest import next_weekday_at


def test_the_demo_schedule_writes_a_message_file_for_every_visit(
    feed_dir, db, freeze, django_capture_on_commit_callbacks
):
    freeze(next_weekday_at(6, 0))  # a Tuesday morning: two days of the demo hold visits
    practice = load_demo(patients=200)["practice"]

    with django_capture_on_commit_callbacks(execute=True):
        summary = load_demo_schedule(practice=practice, seed=5, days=2)

    booked = Appointment.objects.count()
    assert booked == summary["appointments"] > 0
    files = sorted(feed_dir.glob("*_S12.hl7"))
    assert len(files) == booked
    outbox = messages()
    assert {m.status for m in outbox} == {OutboundStatus.SENT}
    visits = set(Appointment.objects.values_list("id", flat=True))
    assert {m.appointment_id for m in outbox} == visits
    assert {f.read_bytes().decode() for f in files} == {m.text for m in outbox}
    # hl7apy's strict check is slow: one demo message stands for the rest.
    assert er7(parse_strict(outbox[0].text).sch.sch_2.ei_1) == str(outbox[0].appointment.public_id)
