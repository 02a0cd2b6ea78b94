"""Many assistants take the last units of an item at once: the ledger lets exactly as many
succeed as there are units and never goes below zero.

Used by test_race.py: threads against the PostgreSQL test database, and, run as a script
(`python -m tests.inventory.race WORKERS`), threads against the file SQLite database of
MEDOFFICE_VAR_DIR under the production settings (WAL, IMMEDIATE transactions,
busy_timeout): test_race.py puts a copy of the test database there (tests/sqlite_file.py);
`migrate` brings it up to date, or makes it when run by hand on an empty folder. The script
prints one JSON object.
"""

import json
import sys
import threading

from tests.clock import office_today

UNITS = 3


def closet() -> dict:
    """One item with UNITS units in two lots at one location, and a user to take them."""
    from datetime import timedelta

    from medoffice.core.identifiers import npi_from_stem
    from medoffice.core.models import Location, Practice
    from medoffice.core.services import staff_user_create
    from medoffice.inventory.models import Item
    from medoffice.inventory.services import stock_receive

    practice = Practice.objects.create(name="Race Practice", group_npi=npi_from_stem("123456789"))
    location = Location.objects.create(
        practice=practice, name="Main", address1="1 Main St", city="Springfield", state="IL",
        zip_code="62701", time_zone="America/Chicago",
    )  # fmt: skip
    item = Item.objects.create(practice=practice, name="Tdap vaccine", sku="TDAP",
                               category="vaccine", unit="syringe", lot_tracked=True)  # fmt: skip
    user = staff_user_create(username="racer", password="x-Race-pass-1234",
                             role="medical_assistant", practice=practice)  # fmt: skip
    soon = office_today() + timedelta(days=90)
    stock_receive(item=item, location=location, quantity=UNITS - 1, by=user, lot_number="L1",
                  expires_on=soon)  # fmt: skip
    stock_receive(item=item, location=location, quantity=1, by=user, lot_number="L2",
                  expires_on=soon + timedelta(days=30))  # fmt: skip
    return {"item": item.id, "location": location.id, "user": user.id}


def race(state: dict, workers: int) -> list[str]:
    """Each thread takes one unit after the barrier: "took", "short" or "error: ..."."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from medoffice.core.models import Location
    from medoffice.inventory.errors import InsufficientStockError
    from medoffice.inventory.models import Item
    from medoffice.inventory.services import stock_use

    barrier = threading.Barrier(workers)
    outcomes: list[str] = [""] * workers

    def work(index: int) -> None:
        try:
            item = Item.objects.get(pk=state["item"])
            location = Location.objects.get(pk=state["location"])
            user = get_user_model().objects.get(pk=state["user"])
            barrier.wait(timeout=30)
            try:
                stock_use(item=item, location=location, quantity=1, by=user)
                outcomes[index] = "took"
            except InsufficientStockError:
                outcomes[index] = "short"
        except Exception as exc:  # noqa: BLE001 - reported, and failed, by the test
            outcomes[index] = f"error: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def ledger_checks(state: dict) -> dict:
    """Raw SQL: the balance per lot, trusting nothing in Python."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lot_id, SUM(quantity) FROM inventory_stockmovement WHERE item_id = %s"
            " GROUP BY lot_id ORDER BY lot_id",
            [state["item"]],
        )
        lots = [row[1] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT COUNT(*) FROM inventory_stockmovement WHERE item_id = %s AND kind = 'use'",
            [state["item"]],
        )
        uses = cursor.fetchone()[0]
    return {"lot_balances": lots, "uses": uses}


def _sqlite(workers: int) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    state = closet()
    connections.close_all()
    outcomes = race(state, workers)
    return {
        "database": str(settings.DATABASES["default"]["NAME"]),
        "transaction_mode": settings.DATABASES["default"]["OPTIONS"].get("transaction_mode"),
        "outcomes": outcomes,
        "checks": ledger_checks(state),
    }


if __name__ == "__main__":
    print(json.dumps(_sqlite(int(sys.argv[1]))))  # noqa: T201 - the test reads it
