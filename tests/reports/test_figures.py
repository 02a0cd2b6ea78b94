"""The dashboard's own figures, counted by the database: visits by local week (a week across
the end of daylight saving time included), no-shows, waits, utilisation, charges by month
(Decimal), clean-claim and denial rates, and the filters by location and provider."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from medoffice.billing.models import Charge, Claim, ClaimEvent, Encounter, EncounterLine
from medoffice.core.identifiers import npi_from_stem
from medoffice.core.models import Location, Provider
from medoffice.core.reporting import Filters
from medoffice.reports import figures, registry
from medoffice.scheduling.models import AppointmentType, TemplateBlock
from tests.clock import CHICAGO

# Mon 2026-10-26 .. Sun 2026-11-08: daylight saving time ends on Sun 2026-11-01.
FIRST, LAST = date(2026, 10, 26), date(2026, 11, 8)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHICAGO)


@pytest.fixture
def visits(location, provider, practice, make_patient):
    from medoffice.scheduling.models import Appointment

    patient = make_patient()
    kind = AppointmentType.objects.create(practice=practice, name="Visit", duration_minutes=30)
    TemplateBlock.objects.create(provider=provider, location=location, weekday=0,
                                 start_time=time(8), end_time=time(12))  # fmt: skip

    def visit(start: datetime, status: str, wait_minutes: int | None = None, **fields):
        arrived = start - timedelta(minutes=5) if wait_minutes is not None else None
        roomed = arrived + timedelta(minutes=wait_minutes) if arrived else None
        return Appointment.objects.create(
            patient=patient, appointment_type=kind, provider=fields.get("provider", provider),
            location=fields.get("location", location), starts_at=start,
            ends_at=start + timedelta(minutes=30), status=status, arrived_at=arrived,
            roomed_at=roomed,
        )  # fmt: skip

    # Week of Oct 26: two kept (waits 10 and 20 min), one no-show, one cancelled, and one
    # kept at 23:30 on Sunday Nov 1 local time (already Monday in UTC: still this week).
    visit(local(date(2026, 10, 26), 9), "fulfilled", 10)
    visit(local(date(2026, 10, 27), 9), "fulfilled", 20)
    visit(local(date(2026, 10, 28), 9), "noshow")
    visit(local(date(2026, 10, 29), 9), "cancelled")
    visit(local(date(2026, 11, 1), 23, 30), "arrived")
    # Week of Nov 2 (standard time): 00:30 on Monday (Sunday in UTC-6 arithmetic would be
    # wrong), one booked, one no-show; a visit before and after the period is left out.
    visit(local(date(2026, 11, 2), 0, 30), "fulfilled", 6)
    visit(local(date(2026, 11, 3), 9), "booked")
    visit(local(date(2026, 11, 4), 9), "noshow")
    visit(local(date(2026, 10, 25), 9), "fulfilled", 50)
    visit(local(date(2026, 11, 9), 9), "fulfilled", 50)
    return visit


def _filters(practice, **more) -> Filters:
    return Filters(practice=practice, first_day=FIRST, last_day=LAST, **more)


def test_visits_no_shows_and_waits_are_counted_by_local_week(visits, practice):
    filters = _filters(practice)

    appointments = figures.appointments_by_week(filters)
    no_shows = figures.no_show_rate_by_week(filters)
    waits = figures.wait_by_week(filters)

    assert appointments.rows == (("2026-10-26", 3, 0, 1, 1), ("2026-11-02", 1, 1, 1, 0))
    assert appointments.headline == "6 visits kept or missed"
    assert no_shows.rows == (("2026-10-26", 4, 1, Decimal("25.0")),
                             ("2026-11-02", 2, 1, Decimal("50.0")))  # fmt: skip
    assert no_shows.headline == "33.3% of visits missed"
    assert waits.rows == (("2026-10-26", 2, 15.0), ("2026-11-02", 1, 6.0))
    assert waits.headline == "10.5 min average wait"


def test_a_week_without_visits_is_a_gap_not_a_zero(visits, practice, provider):
    locum = Provider.objects.create(practice=practice, first_name="Lee", last_name="Locum",
                                    npi=npi_from_stem("111111111"))  # fmt: skip
    visits(local(date(2026, 10, 27), 10), "fulfilled", 12, provider=locum)
    locum_only = _filters(practice, provider_ids=(locum.id,))

    no_shows = figures.no_show_rate_by_week(locum_only)
    waits = figures.wait_by_week(locum_only)

    assert no_shows.series[0].points[1][1] is None  # the week of Nov 2: nothing was due
    assert no_shows.rows[1] == ("2026-11-02", 0, 0, None)
    assert [v for _, v in waits.series[0].points] == [12.0, None]
    assert waits.headline == "12.0 min average wait"


def test_location_and_provider_filters_narrow_the_counts(visits, practice, location):
    annex = Location.objects.create(practice=practice, name="Annex", address1="2 Elm St",
                                    city="Springfield", state="IL", zip_code="62701",
                                    time_zone="America/Chicago")  # fmt: skip
    locum = Provider.objects.create(practice=practice, first_name="Lee", last_name="Locum",
                                    npi=npi_from_stem("111111111"))  # fmt: skip
    visits(local(date(2026, 10, 27), 10), "noshow", location=annex)
    visits(local(date(2026, 10, 27), 11), "noshow", provider=locum)

    everything = figures.appointments_by_week(_filters(practice))
    main_only = figures.appointments_by_week(_filters(practice, location_ids=(location.id,)))
    locum_only = figures.appointments_by_week(_filters(practice, provider_ids=(locum.id,)))

    assert everything.rows[0] == ("2026-10-26", 3, 0, 3, 1)
    assert main_only.rows[0] == ("2026-10-26", 3, 0, 2, 1)
    assert locum_only.rows == (("2026-10-26", 0, 0, 1, 0), ("2026-11-02", 0, 0, 0, 0))


def test_utilisation_is_booked_minutes_over_template_minutes(visits, practice, provider):
    # Two Mondays of 4 template hours = 480 minutes; live visits in the period: 3 kept or
    # arrived + 1 kept + 1 booked + 2 no-shows = 7 x 30 minutes = 210 (cancelled left out).
    data = figures.provider_utilisation(_filters(practice))

    assert data.rows == ((str(provider), 8, 3, Decimal("43.8")),)


def _charge(encounter, line, amount: str, day: date, reverses=None) -> Charge:
    return Charge.objects.create(
        encounter=encounter, line=line, provider=encounter.provider, date_of_service=day,
        code="99213", units=1, amount=Decimal(amount), encounter_version=1, reverses=reverses,
        created_at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def encounter(practice, location, provider, make_patient):
    patient = make_patient(first_name="Ann", last_name="Lee")
    made = Encounter.objects.create(practice=practice, patient=patient, provider=provider,
                                    location=location, date_of_service=date(2026, 10, 30),
                                    place_of_service="11")  # fmt: skip
    line = EncounterLine.objects.create(encounter=made, number=1, code="99213", units=1)
    return made, line


def test_charges_are_summed_by_month_in_decimal(encounter, practice):
    made, line = encounter
    first = _charge(made, line, "125.10", date(2026, 10, 30))
    _charge(made, line, "-125.10", date(2026, 11, 2), reverses=first)
    _charge(made, line, "99.95", date(2026, 11, 2))
    _charge(made, line, "0.05", date(2026, 11, 8))
    _charge(made, line, "500.00", date(2026, 11, 9))  # after the period

    data = figures.charges_by_month(_filters(practice))

    assert data.rows == (("2026-10", 1, Decimal("125.10")), ("2026-11", 2, Decimal("-25.10")))
    assert all(isinstance(row[2], Decimal) for row in data.rows)
    assert data.headline == "$100.00 charged"


def _claim(encounter, number: int, day: date, moves: list[str]):
    made, _ = encounter
    coverage = made.patient.coverages.first()
    claim = Claim.objects.create(
        practice=made.practice, patient=made.patient, encounter=made, encounter_version=1,
        provider=made.provider, location=made.location, payer=coverage.payer, coverage=coverage,
        patient_control_number=f"PCN{number}", status=moves[-1] if moves else "sent",
        place_of_service="11", service_from=day, service_to=day, total_charge=Decimal("125.00"),
        sent_at=timezone.now(), created_at=timezone.now(), updated_at=timezone.now(),
        frequency="1", responsibility=1,
    )  # fmt: skip
    before = "sent"
    for status in moves:
        ClaimEvent.objects.create(claim=claim, from_status=before, to_status=status,
                                  at=timezone.now())  # fmt: skip
        before = status
    Claim.objects.filter(pk=claim.pk).update(status="closed")  # one open claim per encounter
    return claim


def test_clean_claim_and_denial_rates_by_month(encounter, practice, payer):
    from medoffice.patients import services as patient_services

    made, _ = encounter
    patient_services.coverage_add(patient=made.patient, fields={
        "payer": payer, "member_id": "M1", "order": 1, "relationship": "18",
        "effective_start": date(2020, 1, 1),
    })  # fmt: skip
    october, november = date(2026, 10, 28), date(2026, 11, 3)
    _claim(encounter, 1, october, ["accepted_ch", "paid"])
    _claim(encounter, 2, october, ["rejected", "sent", "accepted_ch", "paid"])
    _claim(encounter, 3, october, ["accepted_ch", "denied"])
    _claim(encounter, 4, october, ["accepted_ch"])  # not yet adjudicated
    _claim(encounter, 5, november, ["accepted_ch", "partially_paid"])
    _claim(encounter, 6, date(2026, 12, 1), ["rejected"])  # after the period

    clean = registry.figure("clean-claims").compute(_filters(practice))
    denials = registry.figure("denial-rate").compute(_filters(practice))

    assert clean.rows == (("2026-10", 4, 3, Decimal("75.0")), ("2026-11", 1, 1, Decimal("100.0")))
    assert clean.headline == "80.0% of claims accepted first time"
    assert denials.rows == (("2026-10", 3, 1, Decimal("33.3")), ("2026-11", 1, 0, Decimal("0.0")))
    assert denials.headline == "25.0% of adjudicated claims denied"


def test_every_figure_has_its_own_key():
    """Each figure opens to its own list (/dashboard/figure/?key=...): no key twice."""
    keys = [figure.key for figure in registry.figures()]

    assert len(keys) == len(set(keys))
