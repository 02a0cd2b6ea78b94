"""The home page's billing cards count exactly the rows their linked pages list for the
user: the claim work queues, claims to send, the coding queue; for a user limited to another
location, nothing (core/home.py)."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse

from medoffice.billing.models import PayerRules
from medoffice.billing.states import ClaimStatus
from medoffice.billing.worklists import QUEUES
from medoffice.core.models import Location
from medoffice.core.roles import Role
from tests.billing.claimwork import claim_for, deny
from tests.billing.conftest import CHICAGO, DOS

S = ClaimStatus


def _figure(html: str, label: str) -> int:
    [found] = re.findall(rf'<a href="([^"]*)"><strong>(\d+)</strong>{re.escape(label)}</a>', html)
    return found


@pytest.fixture
def claims(signed, payer, freeze):
    PayerRules.objects.create(payer=payer, timely_filing_days=90, follow_up_days=14)
    made = [
        claim_for(signed(), S.REJECTED),
        claim_for(signed(), S.ACCEPTED_PAYER),
        claim_for(signed(day=DOS + timedelta(days=20)), S.SENT),
        claim_for(signed(day=DOS + timedelta(days=20)), S.DRAFT),
        claim_for(signed(day=DOS + timedelta(days=80)), S.SCRUBBED),
    ]
    denied = claim_for(signed(), S.DENIED)
    deny(denied, ("CO", "50", "125.00"), remarks=["N115"], day=DOS + timedelta(days=30))
    signed(day=DOS + timedelta(days=2))  # waits for the coder
    freeze(datetime.combine(DOS + timedelta(days=95), time(9), tzinfo=CHICAGO))
    return [*made, denied]


def _rows(client, url: str) -> int:
    context = client.get(url).context
    if "queue" in context and hasattr(context["queue"], "rows"):
        return len(context["queue"].rows)
    return len(context["rows"] if "rows" in context else context["claims"])


def test_each_billing_count_is_the_number_of_rows_its_page_lists(claims, biller, client_for):
    client = client_for(biller)
    html = client.get(reverse("core:home")).content.decode()
    labels = [*QUEUES.values(), "Draft", "Scrubbed", "Queued"]
    seen = {}
    for label in labels:
        url, value = _figure(html, label)
        seen[label] = int(value)
        assert int(value) == _rows(client, url.replace("&amp;", "&")), label
    assert seen["Rejections"] == 1
    assert seen["Denials"] == 1
    assert seen["No answer"] == 2
    assert seen["Filing deadlines"] >= 2


def test_the_coders_count_is_the_coding_queue(claims, make_user, client_for):
    client = client_for(make_user(Role.CODER))
    html = client.get(reverse("core:home")).content.decode()
    url, value = _figure(html, "Encounters to code")
    assert int(value) == _rows(client, url) > 0


def test_a_biller_limited_to_another_location_counts_nothing(
    claims, practice, make_user, client_for
):
    north = Location.objects.create(
        practice=practice, name="North", address1="1 North Rd", city="Springfield",
        state="IL", zip_code="62702", time_zone="America/Chicago",
    )  # fmt: skip
    biller = make_user(Role.BILLER)
    biller.staff.limited_to_locations = True
    biller.staff.save()
    biller.staff.locations.set([north])
    client = client_for(biller)
    html = client.get(reverse("core:home")).content.decode()
    for label in [*QUEUES.values(), "Draft", "Scrubbed"]:
        url, value = _figure(html, label)
        assert int(value) == _rows(client, url.replace("&amp;", "&")) == 0, label
