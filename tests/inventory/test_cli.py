"""The operator's commands: `medoffice inventory reorder --dry-run` prints the suggested orders
and orders nothing; `medoffice accounting export` writes the month's journal and warns of
unposted days; a bad period is a one-line refusal with exit status 1."""

from datetime import timedelta
from decimal import Decimal

import pytest

from medoffice.cli import main
from medoffice.inventory.models import PurchaseOrder
from medoffice.inventory.services import stock_use
from tests.billing.conftest import DOS, line


def test_reorder_dry_run_prints_the_suggestions_and_orders_nothing(
    gloves, stocked, location, assistant, capsys
):
    stocked(gloves, 20)
    stock_use(item=gloves, location=location, quantity=15, by=assistant)

    main(["inventory", "reorder", "--dry-run"])

    out = capsys.readouterr().out
    assert "GLV-M" in out
    assert "order    40 box" in out  # 5 on hand; par 40 + 7 days x 0.5 a day = 44: 39 -> 4 packs
    assert "Midwest Medical Supply" in out
    assert "--dry-run: no orders made" in out
    assert PurchaseOrder.objects.count() == 0

    main(["inventory", "reorder"])
    assert PurchaseOrder.objects.get().lines.get().quantity == 40


def test_accounting_export_writes_the_journal_and_warns_of_unposted_days(
    signed, coded, tmp_path, capsys
):
    signed(lines=[line("99213")])
    coded(day=DOS + timedelta(days=1))
    target = tmp_path / "march.iif"

    main(["accounting", "export", "--period", "2026-03", "--format", "iif",
          "--output", str(target)])  # fmt: skip

    err = capsys.readouterr().err
    assert "warning: 1 day(s) of March 2026 have visits not yet signed" in err
    assert "debits $125.00 = credits $125.00" in err
    body = target.read_bytes().decode()
    assert body.startswith("!TRNS\tTRNSID")
    amounts = [Decimal(r.split("\t")[5]) for r in body.split("\r\n") if r[:4] in ("TRNS", "SPL\t")]
    assert sum(amounts) == 0
    assert amounts == [Decimal("125.00"), Decimal("-125.00")]


def test_a_bad_period_is_a_one_line_refusal(practice, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["accounting", "export", "--period", "2026-3x"])

    assert stopped.value.code == 1
    assert capsys.readouterr().err.strip() == (
        "medoffice accounting: A period is YYYY-MM, e.g. 2026-03; not '2026-3x'."
    )
