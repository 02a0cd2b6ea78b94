"""Pure decisions of the supply closet: which lots to take (FEFO), how much to reorder,
which stock units a billed service line stands for. No ORM, no request."""

from dataclasses import dataclass
from datetime import date
from math import ceil


@dataclass(frozen=True)
class LotStock:
    lot_id: int | None
    expires_on: date | None
    on_hand: int
    quarantined: bool = False


def usable(lot: LotStock, today: date) -> bool:
    expired = lot.expires_on is not None and lot.expires_on < today
    return lot.on_hand > 0 and not lot.quarantined and not expired


def fefo(lots: list[LotStock], quantity: int, today: date) -> list[tuple[int | None, int]]:
    """First expiring, first out: (lot id, units) taken from the usable lots, soonest expiry
    first (lots without an expiry last). Returns [] when the usable stock is short."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    ordered = sorted(
        (lot for lot in lots if usable(lot, today)),
        key=lambda lot: (lot.expires_on is None, lot.expires_on or date.max, lot.lot_id or 0),
    )
    taken, left = [], quantity
    for lot in ordered:
        take = min(lot.on_hand, left)
        taken.append((lot.lot_id, take))
        left -= take
        if not left:
            return taken
    return []


def stock_units_for(billed_units: int, billing_units_per_unit: int) -> int:
    """Stock units a service line takes off the shelf: J1100 x 8 (mg) with 4 mg vials -> 2."""
    return ceil(billed_units / max(billing_units_per_unit, 1))


def reorder_quantity(
    *,
    on_hand: int,
    on_order: int,
    reorder_point: int,
    par_level: int,
    daily_usage: float,
    lead_days: int,
    pack_size: int,
) -> int:
    """Units to order now: nothing above the reorder point; else up to par plus what will be
    used while the order is on its way, less what is already ordered, in whole packs."""
    if on_hand + on_order > reorder_point:
        return 0
    target = par_level + ceil(daily_usage * lead_days)
    need = target - on_hand - on_order
    if need <= 0:
        return 0
    return ceil(need / pack_size) * pack_size
