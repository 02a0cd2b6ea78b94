"""Money is counted on the office's day, not the site's: at 11:30 pm in Chicago (already
tomorrow in New York, the site's zone) a statement, a charge or a write-off belongs to the
Chicago day, also from the command line and the worker, where no user's zone is active."""

import io
from datetime import date, timedelta

from django.conf import settings
from django.core.management import call_command

from medoffice.accounts.models import Statement
from medoffice.payments import ledger
from medoffice.payments.models import EntryKind, LedgerEntry
from tests.clock import LATE_EVENING

OFFICE_DAY = LATE_EVENING.date()


def test_late_evening_is_tomorrow_on_the_sites_clock():
    from zoneinfo import ZoneInfo

    site_day = LATE_EVENING.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    assert site_day == OFFICE_DAY + timedelta(days=1)


def test_the_statements_command_dates_statements_on_the_office_day(
    patient, location, make_visit, freeze
):
    make_visit(patient, date(2026, 11, 2), [("99213", "120.00")])
    freeze(LATE_EVENING)

    call_command("statements", "run", stdout=io.StringIO())

    statement = Statement.objects.get(account__patient=patient)
    assert statement.statement_date == OFFICE_DAY


def test_charges_and_write_offs_posted_late_count_on_the_office_day(
    patient, location, make_visit, freeze
):
    freeze(LATE_EVENING)
    (charge,) = make_visit(patient, OFFICE_DAY, [("99213", "120.00")])
    ledger.write_off(charge, "20.00", reason="courtesy")

    days = dict(LedgerEntry.objects.filter(charge=charge).values_list("kind", "effective_on"))
    assert days == {EntryKind.CHARGE: OFFICE_DAY, EntryKind.WRITE_OFF: OFFICE_DAY}
