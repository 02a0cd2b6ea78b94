"""The demo practice shows eligibility answers on the next days' visits."""

from medoffice.core.audit import audit_verify
from medoffice.eligibility.demo import load_demo_eligibility
from medoffice.eligibility.models import EligibilityCheck
from medoffice.patients.synthetic import load_demo
from medoffice.scheduling.demo import load_demo_schedule


def test_the_demo_checks_the_next_days_visits_once_with_one_reject(db):
    practice = load_demo(patients=200)["practice"]
    load_demo_schedule(practice=practice, seed=5, days=7)

    summary = load_demo_eligibility(practice=practice)

    assert summary["created"]
    checks = EligibilityCheck.objects.filter(practice=practice)
    assert checks.count() == summary["asked"] + summary["failed"] > 0
    assert checks.filter(status="active").exists()
    assert list(checks.filter(status="rejected").values_list("reject_code", flat=True)) == ["75"]
    assert all(c.trigger == "batch" and c.appointment_id for c in checks)
    assert load_demo_eligibility(practice=practice) == {"created": False}
    assert audit_verify().ok
