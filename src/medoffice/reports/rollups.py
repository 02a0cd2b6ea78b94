"""The dashboard's rollups: visits, charges and claims summed per location, provider and
local day (reports.models VisitDay, ChargeDay, ClaimDay), so a year of figures reads a few
thousand rows instead of every visit, charge and claim of the year.

How they stay equal to their sources without every writer knowing about them:

- Each source stamps its rows when they change (Appointment.updated_at, Charge.created_at:
  charges never change, Claim.updated_at: every status move sets it), indexed. A refresh
  reads the rows stamped since its last refresh (less LAG, for transactions that stamped
  a row before our last refresh but committed after it), and recomputes every day they
  fall on from the source: recomputed, never incremented, so reading a change twice is
  harmless.
- A visit that moves (rescheduled to another day, provider or location) leaves its old day
  behind: scheduling's `appointment_changing` tells us inside the change's transaction,
  and the old day is marked stale (StaleDay) for the next refresh.
- The worker's clock refreshes them every minute (`refresh`, the only writer besides the
  rebuild); a page never writes: it reads the stored rows outside the days changed since
  the last refresh and computes those few days from the sources (`unrefreshed`,
  `rollup_view`), so the dashboard is exact at any moment and a GET stays a read. The
  worker rebuilds everything once a day (`rebuild_rollups`), which also drops what a
  deleted row left (nothing in the office deletes visits, charges or claims; cancellations
  and reversals are rows of their own), and `medoffice reports rebuild-rollups` does it
  by hand.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from medoffice.billing.models import Charge, Claim, ClaimEvent
from medoffice.core.models import Location
from medoffice.reports.models import ChargeDay, ClaimDay, RollupMark, StaleDay, VisitDay
from medoffice.scheduling.models import Appointment

UTC_ = ZoneInfo("UTC")
LAG = timedelta(minutes=10)
KINDS = ("visits", "charges", "claims")
LIVE = ("booked", "arrived", "fulfilled", "noshow")
STATUSES = ("booked", "arrived", "fulfilled", "noshow", "cancelled")
VISIT_FIELDS = (*STATUSES, "waits", "wait_seconds", "live_minutes")
ADJUDICATED = ("paid", "partially_paid", "denied")
MODELS = {"visits": VisitDay, "charges": ChargeDay, "claims": ClaimDay}

Key = tuple[int, int, date]  # location id, provider id, local day


def _zones() -> dict[int, ZoneInfo]:
    return {pk: ZoneInfo(name) for pk, name in Location.objects.values_list("id", "time_zone")}


# ------------------------------------------------------------------ computing from sources


def _box_filter(keys: set[Key] | None, location: str, provider: str) -> dict:
    """The source rows of every (location, provider) of `keys`, or everything."""
    if keys is None:
        return {}
    return {
        f"{location}__in": sorted({k[0] for k in keys}),
        f"{provider}__in": sorted({k[1] for k in keys}),
    }


def visit_days(keys: set[Key] | None = None) -> dict[Key, dict]:
    """The VisitDay rows the appointments make, for the days of `keys` (None: all)."""
    zones = _zones()
    visits = Appointment.objects.filter(**_box_filter(keys, "location_id", "provider_id"))
    if keys is not None:
        days = sorted({k[2] for k in keys})
        # Local days start between UTC-12 and UTC+14: one day either side covers them all.
        visits = visits.filter(
            starts_at__gte=datetime.combine(days[0] - timedelta(days=1), time(0), tzinfo=UTC_),
            starts_at__lt=datetime.combine(days[-1] + timedelta(days=2), time(0), tzinfo=UTC_),
        )
    rows: dict[Key, dict] = defaultdict(lambda: defaultdict(int))
    for location_id, provider_id, starts, ends, status, arrived, roomed in visits.values_list(
        "location_id", "provider_id", "starts_at", "ends_at", "status", "arrived_at", "roomed_at"
    ).order_by():
        key = (location_id, provider_id, starts.astimezone(zones[location_id]).date())
        if keys is not None and key not in keys:
            continue
        row = rows[key]
        if status in STATUSES:
            row[status] += 1
        if status in LIVE:
            row["live_minutes"] += round((ends - starts).total_seconds() / 60)
        if arrived is not None and roomed is not None and roomed > arrived:
            row["waits"] += 1
            row["wait_seconds"] += round((roomed - arrived).total_seconds())
    return {key: {name: row[name] for name in VISIT_FIELDS} for key, row in rows.items()}


def charge_days(keys: set[Key] | None = None) -> dict[Key, dict]:
    charges = Charge.objects.filter(**_box_filter(keys, "encounter__location_id", "provider_id"))
    if keys is not None:
        charges = charges.filter(date_of_service__in=sorted({k[2] for k in keys}))
    grouped = (
        charges.values("encounter__location_id", "provider_id", "date_of_service")
        .annotate(amount=Sum("amount"), lines=Count("id", filter=Q(reverses__isnull=True)))
        .order_by()
    )
    return {
        (r["encounter__location_id"], r["provider_id"], r["date_of_service"]): {
            "amount": r["amount"],
            "lines": r["lines"],
        }
        for r in grouped
    }


def claim_days(keys: set[Key] | None = None) -> dict[Key, dict]:
    """Original claims sent, by first date of service; clean: never rejected (999/277CA);
    adjudicated: ever paid or denied; denied: ever denied."""
    claims = Claim.objects.filter(
        frequency="1", sent_at__isnull=False, **_box_filter(keys, "location_id", "provider_id")
    )
    if keys is not None:
        claims = claims.filter(service_from__in=sorted({k[2] for k in keys}))
    moves = ClaimEvent.objects.filter(claim=OuterRef("pk"))
    rejected = Q(status="rejected") | Q(Exists(moves.filter(to_status="rejected")))
    denied = Q(status="denied") | Q(Exists(moves.filter(to_status="denied")))
    adjudicated = Q(status__in=ADJUDICATED) | Q(Exists(moves.filter(to_status__in=ADJUDICATED)))
    grouped = (
        claims.values("location_id", "provider_id", "service_from")
        .annotate(
            sent=Count("id"),
            clean=Count("id", filter=~rejected),
            adjudicated=Count("id", filter=adjudicated),
            denied=Count("id", filter=denied),
        )
        .order_by()
    )
    return {
        (r["location_id"], r["provider_id"], r["service_from"]): {
            k: r[k] for k in ("sent", "clean", "adjudicated", "denied")
        }
        for r in grouped
    }


COMPUTE = {"visits": visit_days, "charges": charge_days, "claims": claim_days}


def stored(kind: str) -> dict[Key, dict]:
    """The rollup rows as they are, in the shape the compute functions give (for checks)."""
    model = MODELS[kind]
    keys = ("id", "location", "provider", "day")
    names = [f.name for f in model._meta.concrete_fields if f.name not in keys]
    return {
        (r["location_id"], r["provider_id"], r["day"]): {n: r[n] for n in names}
        for r in model.objects.values("location_id", "provider_id", "day", *names)
    }


# ------------------------------------------------------------------ what changed


def _changed(kind: str, since: datetime, practice_id: int | None = None) -> set[Key]:
    """The days with rows stamped since `since` (of one practice's locations, or all)."""
    at = {} if practice_id is None else {"location__practice_id": practice_id}
    if kind == "visits":
        if practice_id is not None:
            # The practice's locations as a subquery, not a join: with the join (or one id)
            # SQLite walks every visit of the location (~100,000 a year, 30 ms a page)
            # instead of the few stamped since `since` (index appt_updated).
            at = {"location_id__in": Location.objects.filter(practice_id=practice_id).values("id")}
        rows = list(
            Appointment.objects.filter(updated_at__gte=since, **at)
            .values_list("location_id", "provider_id", "starts_at")
            .order_by()
        )
        zones = _zones() if rows else {}
        return {(loc, doc, starts.astimezone(zones[loc]).date()) for loc, doc, starts in rows}
    if kind == "charges":
        at = {f"encounter__{k}": v for k, v in at.items()}
        rows = Charge.objects.filter(created_at__gte=since, **at).values_list(
            "encounter__location_id", "provider_id", "date_of_service"
        )
    else:
        rows = Claim.objects.filter(updated_at__gte=since, frequency="1", **at).values_list(
            "location_id", "provider_id", "service_from"
        )
    return set(rows.order_by().distinct())


def _stale(kinds, practice_id: int | None = None) -> dict[str, set[Key]]:
    found: dict[str, set[Key]] = defaultdict(set)
    at = {}
    if practice_id is not None:  # a plain column, not a foreign key
        at = {"location_id__in": Location.objects.filter(practice_id=practice_id).values("id")}
    for kind, loc, doc, day in StaleDay.objects.filter(kind__in=kinds, **at).values_list(
        "kind", "location_id", "provider_id", "day"
    ):
        found[kind].add((loc, doc, day))
    return found


def _write(kind: str, box: set[Key] | None, rows: dict[Key, dict]) -> None:
    """Replace the rollup rows of `box` (every combination of its locations, providers and
    days, as `_box` makes it; None: all) by `rows`, computed for that box."""
    model = MODELS[kind]
    if box is None:
        model.objects.all().delete()
    else:
        model.objects.filter(
            location_id__in={k[0] for k in box},
            provider_id__in={k[1] for k in box},
            day__in={k[2] for k in box},
        ).delete()
    model.objects.bulk_create(
        (model(location_id=k[0], provider_id=k[1], day=k[2], **v) for k, v in rows.items()),
        batch_size=2000,
    )


def _box(keys: set[Key]) -> set[Key]:
    """Every (location, provider, day) combination of the keys: what _write replaces."""
    locations = {k[0] for k in keys}
    providers = {k[1] for k in keys}
    days = {k[2] for k in keys}
    return {(loc, doc, day) for loc in locations for doc in providers for day in days}


def rebuild(kinds=KINDS) -> dict[str, int]:
    """Every rollup computed afresh from its source; returns the rows written per kind."""
    written = {}
    for kind in kinds:
        with transaction.atomic():
            started = timezone.now()
            rows = COMPUTE[kind](None)
            _write(kind, None, rows)
            StaleDay.objects.filter(kind=kind).delete()
            RollupMark.objects.update_or_create(kind=kind, defaults={"refreshed_to": started})
        written[kind] = len(rows)
    return written


def refresh(kinds=KINDS) -> dict[str, int]:
    """Bring the rollups up to date with what changed since the last refresh; returns the
    days recomputed per kind. A rollup never built is rebuilt."""
    done = {}
    marks = dict(RollupMark.objects.filter(kind__in=kinds).values_list("kind", "refreshed_to"))
    stale = _stale(kinds)
    for kind in kinds:
        if kind not in marks:
            try:
                done[kind] = rebuild((kind,))[kind]
            except IntegrityError:  # another refresh built it at the same moment
                done[kind] = 0
            continue
        started = timezone.now()
        # A look without writing first: most pages find nothing new and take no write lock.
        if not (stale[kind] or _changed(kind, marks[kind] - LAG)):
            done[kind] = 0
            continue
        with transaction.atomic():
            mark = RollupMark.objects.select_for_update().get(kind=kind)
            keys = _changed(kind, mark.refreshed_to - LAG) | _stale((kind,))[kind]
            box = _box(keys)
            _write(kind, box, COMPUTE[kind](box))
            StaleDay.objects.filter(kind=kind).delete()
            mark.refreshed_to = max(mark.refreshed_to, started)
            mark.save(update_fields=["refreshed_to"])
        done[kind] = len(keys)
    return done


EVERYTHING = object()  # the box of a rollup never built: every day comes from the sources


def unrefreshed(memo: dict, practice_id: int | None = None) -> dict[str, tuple[object, dict]]:
    """What the rollups do not hold yet, read without writing, once per page (the figures
    share the Filters' memo): per kind, the box of the days changed since the last refresh
    (and the stale days), as a filter of the rollup rows (None: nothing changed;
    EVERYTHING: never built), and those days' rows computed from the sources. A figure
    reads the stored rows outside the box and the computed ones inside it (`rollup_view`),
    so the page is exact and a GET writes nothing; the worker's clock refreshes the rollups
    (`refresh`, every minute) and rebuilds them nightly, which keeps the box small."""
    if "unrefreshed" in memo:
        return memo["unrefreshed"]
    marks = dict(RollupMark.objects.filter(kind__in=KINDS).values_list("kind", "refreshed_to"))
    stale = _stale(KINDS, practice_id) if marks else {}
    found: dict[str, tuple[object, dict[Key, dict]]] = {}
    for kind in KINDS:
        if kind not in marks:
            found[kind] = (EVERYTHING, COMPUTE[kind](None))
            continue
        # Only the page's practice: another practice's busy minute is not this page's work.
        keys = _changed(kind, marks[kind] - LAG, practice_id) | stale.get(kind, set())
        if not keys:
            found[kind] = (None, {})
            continue
        box = _box(keys)
        inside = Q(
            location_id__in={k[0] for k in box},
            provider_id__in={k[1] for k in box},
            day__in={k[2] for k in box},
        )
        found[kind] = (inside, COMPUTE[kind](box))
    memo["unrefreshed"] = found
    return found


def rollup_view(kind: str, rows, memo: dict, practice_id: int | None = None):
    """(the rollup rows `rows` less the unrefreshed box, {key: row} of the box computed
    from the sources): together, what the rollup would hold after a refresh. With
    `practice_id`, `rows` must be that practice's: only its changed days are computed."""
    inside, fresh = unrefreshed(memo, practice_id)[kind]
    if inside is None:
        return rows, {}
    if inside is EVERYTHING:
        return rows.none(), fresh
    return rows.exclude(inside), fresh


def current(kind: str) -> dict[Key, dict]:
    """The rollup as the figures see it now (stored rows outside the unrefreshed box, the
    sources inside it), in the shape of `stored`: equal to the sources at any moment."""
    rows, fresh = rollup_view(kind, MODELS[kind].objects.all(), {})
    names = [f.name for f in MODELS[kind]._meta.concrete_fields
             if f.name not in ("id", "location", "provider", "day")]  # fmt: skip
    seen = {
        (r["location_id"], r["provider_id"], r["day"]): {n: r[n] for n in names}
        for r in rows.values("location_id", "provider_id", "day", *names)
    }
    return seen | fresh


# ------------------------------------------------------------------ scheduling's news


def on_appointment_changing(sender, appointment, event, previous, **kwargs) -> None:
    """A visit moved: the day it left is stale. Inside the change's transaction, so the
    mark commits (or rolls back) with the move; `get_or_create` keeps one mark a day."""
    if not previous or "starts_at" not in previous:
        return
    if (previous["starts_at"], previous.get("location_id"), previous.get("provider_id")) == (
        appointment.starts_at,
        appointment.location_id,
        appointment.provider_id,
    ):
        return  # a status move: the visit's day is read from its own stamp
    from medoffice.scheduling.events import beside_the_change

    location_id = previous.get("location_id") or appointment.location_id
    provider_id = previous.get("provider_id") or appointment.provider_id
    zone = _zones().get(location_id)
    if zone is None:
        return
    day = previous["starts_at"].astimezone(zone).date()
    with beside_the_change():
        StaleDay.objects.get_or_create(
            kind="visits", location_id=location_id, provider_id=provider_id, day=day
        )
