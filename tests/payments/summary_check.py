"""After every test of the posting paths: the ledger's summaries equal the ledger.

Imported (autouse) by the payments and accounts test packages, so every posting those
tests make (charges, front-desk and ERA payments, adjustments, transfers, write-offs,
refunds, recoupments, reversals of entries and of whole ERA claims) is also a test that
the insert trigger kept LedgerDay and LineBalance exact (payments/summaries.py).
"""

import pytest
from django.db import connection

from medoffice.payments import summaries


@pytest.fixture(autouse=True)
def summaries_equal_the_ledger(request):
    # Set the database up through this fixture, so it is still there at our teardown.
    used = next((n for n in ("transactional_db", "db") if n in request.fixturenames), None)
    if used is None:
        yield
        return
    request.getfixturevalue(used)
    yield
    if connection.needs_rollback or connection.connection is None:
        return  # the test left a broken transaction: nothing can be read
    problems = summaries.problems()
    assert problems == [], problems
