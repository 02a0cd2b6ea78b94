"""The dashboard's daily rollups stay equal to what they sum: after a stream of bookings,
moves, check-ins, no-shows, cancellations, signed and corrected encounters and claims
moving through their states (all through the services, the clock moving on), a refresh
leaves every rollup row exactly what a computation from the sources gives, and the
totals equal plain counts of visits, charges and claims."""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Sum

from medoffice.billing import claims as claim_services
from medoffice.billing import services as billing
from medoffice.billing.models import Charge, Claim
from medoffice.core.identifiers import npi_from_stem
from medoffice.core.models import Location, Provider
from medoffice.core.reporting import Filters
from medoffice.reports import figures, rollups
from medoffice.reports.models import ChargeDay, ClaimDay, StaleDay, VisitDay
from medoffice.scheduling import front_desk
from medoffice.scheduling import services as scheduling
from medoffice.scheduling.errors import SlotTakenError
from medoffice.scheduling.models import Appointment, AppointmentType
from tests.billing.conftest import line
from tests.clock import CHICAGO

FIRST_DAY = date(2026, 3, 2)  # Monday; daylight saving time begins Sunday March 8


@pytest.fixture
def office(billing_office, practice, location, provider, freeze):
    """Two locations (Chicago, New York), two providers, a visit type, a moving clock."""
    east = Location.objects.create(
        practice=practice, name="East", address1="1 Broadway", city="New York", state="NY",
        zip_code="10004", time_zone="America/New_York",
    )  # fmt: skip
    second = Provider.objects.create(
        practice=practice, first_name="Bo", last_name="Ortiz", specialty="Family medicine",
        npi=npi_from_stem("198765433"), taxonomy_code="207Q00000X",
    )  # fmt: skip
    kind = AppointmentType.objects.create(practice=practice, name="Visit", duration_minutes=20)
    clock = {"now": datetime(2026, 3, 1, 7, 0, tzinfo=CHICAGO)}

    def tick(minutes: int = 3, to: datetime | None = None) -> datetime:
        clock["now"] = max(clock["now"] + timedelta(minutes=minutes), to or clock["now"])
        return freeze(clock["now"])

    tick()
    return {
        "locations": [location, east], "providers": [provider, second], "kind": kind,
        "tick": tick,
    }  # fmt: skip


def _equal_to_sources() -> None:
    for kind in rollups.KINDS:
        assert rollups.stored(kind) == rollups.COMPUTE[kind](None), kind


def _seen_equal_to_sources() -> None:
    """What the figures read (stored rows, the unrefreshed days from the sources) is exact
    before any refresh."""
    for kind in rollups.KINDS:
        assert rollups.current(kind) == rollups.COMPUTE[kind](None), kind


def test_rollups_equal_their_sources_after_a_stream_of_writes(office, make_patient, patient,
                                                              practice, clinician):  # fmt: skip
    rng = random.Random(9)  # noqa: S311 - a reproducible stream
    tick, kind = office["tick"], office["kind"]
    slots = iter(range(10_000))
    booked: list[Appointment] = []
    signed = []

    def a_time(location) -> datetime:
        n = next(slots)
        zone = location.zone
        day = tick(0).astimezone(zone).date() + timedelta(days=1 + n % 4)
        # 23:40 local now and then: the UTC date is the next day's (local days count).
        at = time(23, 40) if n % 11 == 0 else time(8 + (n // 4) % 9, 20 * (n % 3))
        return datetime.combine(day, at, tzinfo=zone)

    def book(location, provider, patient_or_visit) -> Appointment:
        """A new visit (given a patient) or the visit moved, at the next free time."""
        while True:
            try:
                if isinstance(patient_or_visit, Appointment):
                    return scheduling.appointment_reschedule(
                        appointment=patient_or_visit, starts_at=a_time(location),
                        location=location, provider=provider, override=True,
                    )  # fmt: skip
                return scheduling.appointment_book(
                    patient=patient_or_visit, appointment_type=kind, provider=provider,
                    location=location, starts_at=a_time(location), override=True,
                )  # fmt: skip
            except SlotTakenError:
                continue

    def still_today(visits) -> list[Appointment]:
        """Visits whose local day has not passed (one may check in only on the day)."""
        now = tick(0)
        return [
            v for v in visits
            if v.starts_at.astimezone(v.location.zone).date()
            >= now.astimezone(v.location.zone).date()
        ]  # fmt: skip

    rollups.refresh()
    for _step in range(100):
        tick()
        roll = rng.random()
        waiting = [v for v in booked if v.status == "booked"]
        if roll < 0.35 or not waiting:
            location = rng.choice(office["locations"])
            booked.append(book(location, rng.choice(office["providers"]), make_patient()))
        elif roll < 0.45:
            visit = rng.choice(waiting)
            location = rng.choice(office["locations"])
            booked[booked.index(visit)] = book(location, rng.choice(office["providers"]), visit)
        elif roll < 0.60 and (today := still_today(waiting)):
            visit = rng.choice(today)
            tick(to=visit.starts_at - timedelta(minutes=10))  # the clock goes to the visit's day
            arrived = scheduling.move_status(visit, "arrived")
            tick(rng.randint(1, 30))
            roomed = front_desk.visit_step(appointment=arrived, step="roomed")
            tick()
            done = scheduling.appointment_set_status(appointment=roomed, status="fulfilled")
            booked[booked.index(visit)] = done
        elif roll < 0.68:
            visit = rng.choice(waiting)
            what = rng.choice(["noshow", "cancelled"])
            if what == "noshow":
                tick(to=visit.starts_at + timedelta(minutes=15))  # a no-show is after the time
            booked[booked.index(visit)] = scheduling.appointment_set_status(
                appointment=visit, status=what, reason="stream"
            )
        elif roll < 0.80:
            location = rng.choice(office["locations"])
            encounter = billing.encounter_open(
                patient=patient, provider=rng.choice(office["providers"]), location=location,
                date_of_service=FIRST_DAY + timedelta(days=rng.randrange(14)),
                place_of_service="11",
            )  # fmt: skip
            encounter = billing.superbill_save(
                encounter=encounter, diagnoses=["E11.9", "I10"], lines=[line("99213")]
            )
            signed.append(billing.encounter_sign(encounter=encounter, signed_by=clinician))
        elif roll < 0.85 and signed:
            encounter = rng.choice(signed)
            encounter.refresh_from_db()
            billing.encounter_amend(
                encounter=encounter, amended_by=clinician, reason="Level corrected",
                diagnoses=["E11.9", "I10"], lines=[line(rng.choice(["99214", "93000"]))],
            )  # fmt: skip
        else:
            claim_services.claims_build(practice_id=practice.pk)
            for claim in Claim.objects.filter(status__in=["draft", "sent", "accepted_ch"]):
                path = {
                    "draft": ["scrubbed", "queued", "sent"],
                    "sent": [rng.choice(["accepted_ch", "rejected", "denied"])],
                    "accepted_ch": [rng.choice(["paid", "denied"])],
                }[claim.status]
                for to in path:
                    fields = {"sent_at": tick(1)} if to == "sent" else None
                    claim_services.claims_move([(claim.pk, claim.status)], to, fields=fields)
                    claim.refresh_from_db()
        if rng.random() < 0.3:  # someone opens the dashboard now and then: exact unrefreshed
            _seen_equal_to_sources()
        if rng.random() < 0.3:  # the worker's clock
            rollups.refresh()

    _seen_equal_to_sources()
    rollups.refresh()

    _equal_to_sources()
    visits = Appointment.objects.filter(location__practice=practice)
    assert (
        VisitDay.objects.aggregate(n=Sum("fulfilled"))["n"]
        == visits.filter(status="fulfilled").count()
    )
    assert (
        sum(VisitDay.objects.aggregate(**{s: Sum(s) for s in rollups.STATUSES}).values())
        == visits.count()
    )
    assert (
        ChargeDay.objects.aggregate(t=Sum("amount"))["t"]
        == Charge.objects.aggregate(t=Sum("amount"))["t"]
    )
    assert (
        ClaimDay.objects.aggregate(n=Sum("sent"))["n"]
        == Claim.objects.filter(frequency="1", sent_at__isnull=False).count()
    )
    assert Charge.objects.filter(reverses__isnull=False).exists()  # corrections happened
    assert Claim.objects.filter(status="denied").exists()


def test_a_moved_visit_leaves_its_old_day_empty(office, make_patient):
    tick, kind = office["tick"], office["kind"]
    chicago, east = office["locations"]
    doctor = office["providers"][0]
    visit = scheduling.appointment_book(
        patient=make_patient(), appointment_type=kind, provider=doctor, location=chicago,
        starts_at=datetime(2026, 3, 3, 9, tzinfo=CHICAGO), override=True,
    )  # fmt: skip
    rollups.refresh()
    assert rollups.stored("visits")[(chicago.pk, doctor.pk, date(2026, 3, 3))]["booked"] == 1

    tick(60 * 24)  # a day later: the booking is no longer among the recent changes
    scheduling.appointment_reschedule(
        appointment=visit, location=east, override=True,
        starts_at=datetime(2026, 3, 5, 9, tzinfo=ZoneInfo("America/New_York")),
    )  # fmt: skip
    assert StaleDay.objects.count() == 1
    rollups.refresh()

    assert list(rollups.stored("visits")) == [(east.pk, doctor.pk, date(2026, 3, 5))]
    assert not StaleDay.objects.exists()


def test_the_figures_read_the_rollups_fresh_and_filter_them(office, make_patient, practice):
    kind = office["kind"]
    chicago, east = office["locations"]
    first, second = office["providers"]
    for doctor, location, hour in ((first, chicago, 9), (second, east, 10), (second, chicago, 11)):
        scheduling.appointment_book(
            patient=make_patient(), appointment_type=kind, provider=doctor, location=location,
            starts_at=datetime.combine(date(2026, 3, 4), time(hour),
                                       tzinfo=location.zone),
            override=True,
        )  # fmt: skip
    filters = Filters(practice=practice, first_day=FIRST_DAY, last_day=date(2026, 3, 8))

    assert figures.appointments_by_week(filters).rows == (("2026-03-02", 0, 3, 0, 0),)
    assert not VisitDay.objects.exists()  # read from the sources: the page wrote nothing
    rollups.refresh()  # the worker's clock
    again = Filters(practice=practice, first_day=FIRST_DAY, last_day=date(2026, 3, 8))
    assert figures.appointments_by_week(again).rows == (("2026-03-02", 0, 3, 0, 0),)
    only_east = Filters(practice=practice, first_day=FIRST_DAY, last_day=date(2026, 3, 8),
                        location_ids=(east.pk,))  # fmt: skip
    assert figures.appointments_by_week(only_east).rows == (("2026-03-02", 0, 1, 0, 0),)
    only_first = Filters(practice=practice, first_day=FIRST_DAY, last_day=date(2026, 3, 8),
                         provider_ids=(first.pk,))  # fmt: skip
    assert figures.appointments_by_week(only_first).rows == (("2026-03-02", 0, 1, 0, 0),)


def test_rebuild_rollups_command_rebuilds_and_checks(office, make_patient, capsys):
    kind = office["kind"]
    chicago = office["locations"][0]
    scheduling.appointment_book(
        patient=make_patient(), appointment_type=kind, provider=office["providers"][0],
        location=chicago, starts_at=datetime(2026, 3, 3, 9, tzinfo=CHICAGO), override=True,
    )  # fmt: skip
    call_command("rebuild_rollups")
    assert "visits 1 day rows" in capsys.readouterr().out
    call_command("rebuild_rollups", check=True)
    assert "rollups equal their sources" in capsys.readouterr().out

    VisitDay.objects.update(booked=5)
    with pytest.raises(SystemExit):
        call_command("rebuild_rollups", check=True)
    assert "visits" in capsys.readouterr().err
