"""A lot is good through its expiry day at the shelf's location: at 11:30 pm in Chicago
(tomorrow in New York, the site's zone) a lot expiring today is still received and usable,
also for an API client signed in with a token (no user's zone is active there)."""

from datetime import timedelta

from medoffice.core.api_auth import api_token_issue
from medoffice.core.roles import Role
from tests.clock import LATE_EVENING

OFFICE_DAY = LATE_EVENING.date()


def test_a_lot_expiring_today_is_usable_until_the_offices_midnight(
    flu_vaccine, stocked, make_user, client, freeze
):
    freeze(LATE_EVENING - timedelta(hours=1))  # 11:30 pm in New York: still the 24th there
    stocked(flu_vaccine, 5, lot="FL1", expires=OFFICE_DAY)
    freeze(LATE_EVENING)
    stocked(flu_vaccine, 5, lot="FL2", expires=OFFICE_DAY)  # refused as expired before
    token = api_token_issue(user=make_user(Role.CLINICIAN))

    response = client.get(
        f"/api/inventory/items/{flu_vaccine.public_id}/stock/",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 200
    rows = {row["lot"]: (row["expires_on"], row["usable"]) for row in response.json()}
    assert rows == {"FL1": ("2026-11-24", True), "FL2": ("2026-11-24", True)}
