"""The demo practice gets a working schedule, booked through the real booking service."""

from medoffice.core.audit import audit_verify
from medoffice.patients.synthetic import load_demo
from medoffice.scheduling.demo import load_demo_schedule
from medoffice.scheduling.models import Appointment, AppointmentType, TemplateBlock


def test_the_demo_schedule_is_booked_through_the_service_and_loads_once(db):
    practice = load_demo(patients=200)["practice"]
    summary = load_demo_schedule(practice=practice, seed=5, days=7)
    assert summary["created"]
    assert AppointmentType.objects.filter(practice=practice).count() == 5
    assert TemplateBlock.objects.count() == 5 * 5 * 2  # 5 providers, Mon-Fri, two blocks
    booked = Appointment.objects.count()
    assert booked == summary["appointments"] > 0
    # Every booked visit holds its provider and patient for each of its units.
    for appointment in Appointment.objects.all()[:20]:
        kinds = set(appointment.holds.values_list("kind", flat=True))
        assert {"P", "T"} <= kinds
    assert load_demo_schedule(practice=practice, seed=5, days=7) == {"created": False}
    assert Appointment.objects.count() == booked
    assert audit_verify().ok
