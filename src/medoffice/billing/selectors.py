"""Reads of billing: which fee schedule applies, the price of a code, encounters with what
they need, and the scrubber's snapshots built for many encounters at once."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from medoffice.billing.codes import CodeBook, known_modifiers
from medoffice.billing.models import (
    Encounter,
    EncounterDiagnosis,
    EncounterLine,
    NcciKind,
    NcciTable,
    PayerRules,
    PtpEdit,
    SuperbillTemplate,
)
from medoffice.billing.models import MueLimit as MueRow
from medoffice.billing.scrubber import (
    CoverageSnapshot,
    DiagnosisSnapshot,
    EncounterSnapshot,
    LineSnapshot,
    MueLimit,
    PayerSnapshot,
    PtpPair,
    ScrubResult,
    scrub,
)
from medoffice.billing.states import READY_TO_CODE
from medoffice.coding.models import FeeSchedule, FeeScheduleEntry
from medoffice.core.clock import today_at
from medoffice.patients.models import Coverage, CoverageStatus, Patient

# ---------------------------------------------------------------- fee schedules


def _in_force(schedules: QuerySet, day: date) -> FeeSchedule | None:
    return (
        schedules.filter(effective_from__lte=day)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=day))
        .order_by("-effective_from", "-id")
        .first()
    )


def charge_schedule_for(*, practice_id: int, day: date) -> FeeSchedule | None:
    """The practice's own charges in force on `day` (the newest when periods overlap)."""
    return _in_force(FeeSchedule.objects.filter(practice_id=practice_id, payer__isnull=True), day)


def allowed_schedule_for(*, practice_id: int, payer_id: int, day: date) -> FeeSchedule | None:
    """What `payer` is expected to allow, by its contract in force on `day`."""
    return _in_force(FeeSchedule.objects.filter(practice_id=practice_id, payer_id=payer_id), day)


def schedule_prices(schedule: FeeSchedule) -> dict[tuple[str, str], Decimal]:
    return {
        (e.code, e.modifier): e.amount
        for e in FeeScheduleEntry.objects.filter(schedule=schedule).only(
            "code", "modifier", "amount"
        )
    }


def unit_price(prices: dict[tuple[str, str], Decimal], code: str, modifiers) -> Decimal | None:
    """The price of one unit: the entry for the code with the line's first priced modifier,
    else the code's entry without a modifier; None when the schedule has no price."""
    for modifier in modifiers:
        if (code, modifier) in prices:
            return prices[(code, modifier)]
    return prices.get((code, ""))


def expected_allowed(encounter: Encounter, lines) -> Decimal | None:
    """What the encounter's payer is expected to allow for these lines, by its contract in force
    on the date of service; None without a payer schedule or with a line it does not price."""
    from medoffice.core.money import extend, total

    if not encounter.coverage_id:
        return None
    schedule = allowed_schedule_for(
        practice_id=encounter.practice_id, payer_id=encounter.coverage.payer_id,
        day=encounter.date_of_service,
    )  # fmt: skip
    if schedule is None:
        return None
    prices = schedule_prices(schedule)
    amounts = []
    for line in lines:
        price = unit_price(prices, line.code, line.modifiers)
        if price is None:
            return None
        amounts.append(extend(price, line.units))
    return total(amounts)


# ---------------------------------------------------------------- coverage and templates


def primary_coverage_on(patient: Patient, day: date) -> Coverage | None:
    candidates = (
        Coverage.objects.select_related("payer")
        .filter(patient=patient, order=1, status=CoverageStatus.ACTIVE, effective_start__lte=day)
        .filter(Q(effective_end__isnull=True) | Q(effective_end__gte=day))
        .order_by("-effective_start")
    )
    return candidates.first()


def superbill_template_for(*, practice_id: int, provider) -> SuperbillTemplate | None:
    """The provider's own template, else one for their specialty, else the practice's general."""
    active = SuperbillTemplate.objects.filter(practice_id=practice_id, is_active=True)
    return (
        active.filter(provider=provider).order_by("id").first()
        or active.filter(provider__isnull=True, specialty__iexact=provider.specialty)
        .order_by("id")
        .first()
        or active.filter(provider__isnull=True, specialty="").order_by("id").first()
    )


@dataclass(frozen=True)
class TemplateSection:
    title: str
    items: list


def template_sections(template: SuperbillTemplate | None, kind: str) -> list[TemplateSection]:
    if template is None:
        return []
    sections: dict[str, list] = {}
    for item in template.items.filter(kind=kind).order_by("position", "id"):
        sections.setdefault(item.section, []).append(item)
    return [TemplateSection(title, items) for title, items in sections.items()]


# ---------------------------------------------------------------- encounters


def _with_content(rows: QuerySet) -> QuerySet:
    return rows.prefetch_related(
        Prefetch("diagnoses", queryset=EncounterDiagnosis.objects.order_by("order")),
        Prefetch(
            "lines",
            queryset=EncounterLine.objects.filter(retired_in_version__isnull=True).order_by(
                "number"
            ),
            to_attr="current_lines",
        ),
    )


def encounters_with_content() -> QuerySet:
    """Encounters with all they show on their own page (diagnoses, current lines)."""
    return _with_content(
        Encounter.objects.select_related(
            "patient", "provider", "location", "coverage__payer", "appointment", "signed_by"
        )
    )


# What a list of many encounters shows and the scrubber reads: the patient's and the
# provider's few columns, not the whole rows (most of the cost of a long queue).
LIST_FIELDS = (
    *(f.name for f in Encounter._meta.concrete_fields),
    "patient__public_id", "patient__first_name", "patient__last_name", "patient__mrn",
    "patient__dob", "patient__sex_at_birth",
    "provider__first_name", "provider__last_name", "provider__credentials", "provider__npi",
    "location__public_id", "location__name", "location__time_zone", "location__practice_id",
    "appointment__public_id",
    "coverage__public_id", "coverage__payer_id", "coverage__status", "coverage__order",
    "coverage__effective_start", "coverage__effective_end", "coverage__member_id",
    "coverage__payer__name", "coverage__payer__payer_id",
)  # fmt: skip


def encounters_for_lists() -> QuerySet:
    return _with_content(
        Encounter.objects.select_related(
            "patient", "provider", "location", "coverage__payer", "appointment"
        ).only(*LIST_FIELDS)
    )  # fmt: skip


def current_lines(encounter: Encounter) -> list[EncounterLine]:
    lines = getattr(encounter, "current_lines", None)
    if lines is None:
        lines = list(encounter.lines.filter(retired_in_version__isnull=True).order_by("number"))
    return lines


def encounter_list(
    *, practice_id: int, statuses=(), provider_id=None, payer_id=None,
    date_from: date | None = None, date_to: date | None = None, limit: int = 500,
) -> list[Encounter]:  # fmt: skip
    rows = encounters_for_lists().filter(practice_id=practice_id)
    if statuses:
        rows = rows.filter(status__in=statuses)
    if provider_id:
        rows = rows.filter(provider_id=provider_id)
    if payer_id:
        rows = rows.filter(coverage__payer_id=payer_id)
    if date_from:
        rows = rows.filter(date_of_service__gte=date_from)
    if date_to:
        rows = rows.filter(date_of_service__lte=date_to)
    return list(rows.order_by("date_of_service", "id")[:limit])


# ---------------------------------------------------------------- scrubber snapshots


def _payer_snapshot(payer, rules: PayerRules | None) -> PayerSnapshot:
    if rules is None:
        return PayerSnapshot(name=payer.name)
    return PayerSnapshot(
        name=payer.name,
        requires_referral=rules.requires_referral,
        prior_auth_codes=rules.prior_auth_code_set,
        timely_filing_days=rules.timely_filing_days,
        rules_off=rules.rules_off_set,
    )


class _Ncci:
    """The PTP pairs and MUE limits of the codes used, by table in force on each day."""

    def __init__(self, codes: set[str]) -> None:
        self.tables = {
            kind: list(NcciTable.objects.filter(kind=kind).order_by("-effective_from"))
            for kind in (NcciKind.PTP, NcciKind.MUE)
        }
        self.ptp: dict[int, list[PtpEdit]] = defaultdict(list)
        self.mue: dict[int, dict[str, MueRow]] = defaultdict(dict)
        if not codes:
            return
        ptp_ids = [t.id for t in self.tables[NcciKind.PTP]]
        mue_ids = [t.id for t in self.tables[NcciKind.MUE]]
        if ptp_ids:
            for edit in PtpEdit.objects.filter(
                table_id__in=ptp_ids, column1__in=codes, column2__in=codes
            ):
                self.ptp[edit.table_id].append(edit)
        if mue_ids:
            for limit in MueRow.objects.filter(table_id__in=mue_ids, code__in=codes):
                self.mue[limit.table_id][limit.code] = limit

    def _table(self, kind: str, day: date) -> NcciTable | None:
        return next((t for t in self.tables[kind] if t.effective_from <= day), None)

    def pairs(self, codes: set[str], day: date) -> tuple[PtpPair, ...]:
        table = self._table(NcciKind.PTP, day)
        if table is None:
            return ()
        return tuple(
            PtpPair(e.column1, e.column2, e.modifier_indicator)
            for e in self.ptp[table.id]
            if e.column1 in codes and e.column2 in codes and e.effective_on <= day
            and (e.deleted_on is None or day < e.deleted_on)
        )  # fmt: skip

    def limits(self, codes: set[str], day: date) -> tuple[MueLimit, ...]:
        table = self._table(NcciKind.MUE, day)
        if table is None:
            return ()
        found = self.mue[table.id]
        return tuple(
            MueLimit(code, found[code].max_units, found[code].adjudication in ("2", "3"))
            for code in sorted(codes)
            if code in found
        )


def encounter_snapshots(encounters: list[Encounter], *, today: date | None = None):
    """{encounter id: EncounterSnapshot} for many encounters, in a fixed number of queries.

    `encounters` come from `encounters_with_content()` (diagnoses and current lines
    prefetched). `today` defaults to each encounter's office date.
    """
    dx_codes = {dx.code for e in encounters for dx in e.diagnoses.all()}
    px_codes = {line.code for e in encounters for line in current_lines(e)}
    book = CodeBook(icd10=dx_codes, procedures=px_codes)
    ncci = _Ncci(px_codes)
    modifiers = known_modifiers()
    payer_ids = {e.coverage.payer_id for e in encounters if e.coverage_id}
    rules = {r.payer_id: r for r in PayerRules.objects.filter(payer_id__in=payer_ids)}
    snapshots = {}
    for encounter in encounters:
        day = encounter.date_of_service
        coverage = None
        if encounter.coverage_id:
            c = encounter.coverage
            coverage = CoverageSnapshot(
                payer=_payer_snapshot(c.payer, rules.get(c.payer_id)),
                active_on_service_date=c.is_active_on(day),
                effective_start=c.effective_start, effective_end=c.effective_end,
                status=c.status,
            )  # fmt: skip
        lines = current_lines(encounter)
        codes = {line.code for line in lines}
        snapshots[encounter.id] = EncounterSnapshot(
            date_of_service=day,
            today=today or today_at(encounter.location),
            place_of_service=encounter.place_of_service,
            patient_sex=encounter.patient.sex_at_birth,
            patient_dob=encounter.patient.dob,
            coverage=coverage,
            diagnoses=tuple(
                DiagnosisSnapshot(dx.order, dx.code, book.icd10(dx.code, day))
                for dx in encounter.diagnoses.all()
            ),
            lines=tuple(
                LineSnapshot(
                    line.number,
                    line.code,
                    line.modifiers,
                    line.units,
                    line.pointers,
                    book.procedure(line.code, day),
                )  # fmt: skip
                for line in lines
            ),
            referring_provider_npi=encounter.referring_provider_npi,
            prior_authorization=encounter.prior_authorization,
            ptp_pairs=ncci.pairs(codes, day),
            mue_limits=ncci.limits(codes, day),
            known_modifiers=modifiers,
            key=str(encounter.public_id),
        )
    return snapshots


def encounter_scrub(encounter: Encounter) -> ScrubResult:
    return scrub(encounter_snapshots([encounter])[encounter.id])


@dataclass(frozen=True)
class QueueRow:
    encounter: Encounter
    result: ScrubResult


@dataclass(frozen=True)
class Queue:
    rows: list[QueueRow]
    clean: int
    with_warnings: int
    with_errors: int


def coding_queue_count(*, practice_id: int, scope: Q | None = None) -> int:
    """How many encounters wait in the coding queue (its rows, unfiltered); `scope` keeps
    those a location-limited user may see (core.access.location_scope)."""
    return Encounter.objects.filter(
        scope or Q(), practice_id=practice_id, status__in=READY_TO_CODE
    ).count()


def coding_queue(
    *, practice_id: int, provider_id=None, payer_id=None,
    date_from: date | None = None, date_to: date | None = None, limit: int = 500,
    keep=None,
) -> Queue:  # fmt: skip
    """Signed encounters waiting for the coder, each with its scrubber result."""
    encounters = encounter_list(
        practice_id=practice_id, statuses=READY_TO_CODE, provider_id=provider_id,
        payer_id=payer_id, date_from=date_from, date_to=date_to, limit=limit,
    )  # fmt: skip
    if keep is not None:  # e.g. the encounters a location-limited user may see
        encounters = keep(encounters)
    snapshots = encounter_snapshots(encounters)
    rows = [QueueRow(e, scrub(snapshots[e.id])) for e in encounters]
    return Queue(
        rows=rows,
        clean=sum(r.result.is_clean for r in rows),
        with_warnings=sum(bool(r.result.warnings) and r.result.can_claim for r in rows),
        with_errors=sum(not r.result.can_claim for r in rows),
    )
