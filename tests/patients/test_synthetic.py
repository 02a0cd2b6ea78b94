"""The demo practice and the synthetic patient generator behind `make demo` and the benchmarks."""

from medoffice.core.audit import audit_verify
from medoffice.core.identifiers import is_valid_npi, luhn_check_digit
from medoffice.core.models import Location, Provider, StaffProfile
from medoffice.core.roles import Role
from medoffice.core.us import zip_matches_state
from medoffice.patients import services
from medoffice.patients.models import Consent, Coverage, Patient, Payer
from medoffice.patients.search import to_e164
from medoffice.patients.synthetic import DEMO_PASSWORD, generate_patients, load_demo


def _snapshot(practice) -> list[tuple]:
    return list(
        Patient.objects.filter(practice=practice)
        .order_by("mrn")
        .values_list("mrn", "first_name", "last_name", "dob", "mobile_phone", "zip_code")
    )


def test_the_demo_practice_has_what_the_readme_promises(db):
    summary = load_demo(patients=300)
    practice = summary["practice"]
    assert Location.objects.filter(practice=practice).count() == 2
    providers = Provider.objects.filter(practice=practice)
    assert providers.count() == 5
    assert len({p.specialty for p in providers}) == 5
    assert all(is_valid_npi(p.npi) for p in providers)
    roles = set(StaffProfile.objects.filter(practice=practice).values_list("role", flat=True))
    assert roles == set(Role.values)
    assert Patient.objects.filter(practice=practice).count() == 300
    assert Coverage.objects.filter(patient__practice=practice).count() >= 240
    assert Payer.objects.count() >= 8
    clerk = StaffProfile.objects.get(practice=practice, role=Role.FRONT_DESK).user
    assert clerk.check_password(DEMO_PASSWORD)
    assert audit_verify().ok


def test_loading_the_demo_twice_changes_nothing(db):
    first = load_demo(patients=100)
    before = _snapshot(first["practice"])
    second = load_demo(patients=100)
    assert second["practice"].pk == first["practice"].pk
    assert _snapshot(second["practice"]) == before


def test_generated_patients_are_valid_and_deterministic(practice, provider, location, payer):
    generate_patients(
        practice=practice, count=400, seed=7, providers=[provider], locations=[location],
        payers=[payer],
    )  # fmt: skip
    patients = list(Patient.objects.filter(practice=practice))
    assert len(patients) == 400
    for patient in patients[:150]:
        patient.full_clean()
        assert zip_matches_state(patient.zip_code, patient.state)
        assert all(to_e164(phone) == phone for phone in patient.phones)
        stem, check = patient.mrn[:-1], patient.mrn[-1]
        assert luhn_check_digit(stem) == int(check)
    assert sum(bool(p.phones) for p in patients) > 300
    assert Consent.objects.filter(patient__practice=practice).exists()
    # The same seed gives the same people in another practice.
    from medoffice.core.models import Practice

    twin = Practice.objects.create(name="Twin")
    generate_patients(
        practice=twin, count=400, seed=7, providers=[provider], locations=[location],
        payers=[payer],
    )  # fmt: skip
    assert [row[1:] for row in _snapshot(twin)] == [row[1:] for row in _snapshot(practice)]


def test_registration_after_generation_continues_the_mrn_sequence(practice, payer):
    generate_patients(practice=practice, count=50, seed=3, payers=[payer])
    taken = set(Patient.objects.values_list("mrn", flat=True))
    newcomer = services.patient_register(
        practice=practice,
        fields={
            "first_name": "Quentin",
            "last_name": "Oduya",
            "dob": "1990-02-03",
            "sex_at_birth": "M",
            "address1": "1 Elm St",
            "city": "Springfield",
            "state": "IL",
            "zip_code": "62701",
        },
        confirm_not_duplicate=True,
    )
    assert newcomer.mrn not in taken
    assert int(newcomer.mrn[:-1]) == max(int(m[:-1]) for m in taken) + 1


# `medoffice demo --no-serve` end to end (the logins printed, a second run leaves the demo as
# it is) is tests/core/test_backup.py's restore drills, which load their office that way on
# SQLite and PostgreSQL: the whole demo once per database run, not twice.
