"""Claims as the 837P codec's records (formats/x12/claim_837p): the one mapping from our
models to what goes on the wire.

`claim_records(ids)` reads everything the claims need in a fixed number of
queries (the claims with their patient, coverage, payer, provider, location and
practice columns; their lines; for secondary claims the primary's claim, coverage
and adjudications) and returns one `x12.Claim` per claim. Nothing here writes.
"""

import re
from collections import defaultdict
from decimal import Decimal

from medoffice.billing.models import Adjudication, Claim, ClaimLine
from medoffice.formats.x12 import claim_837p as x12
from medoffice.formats.x12.common import Address
from medoffice.formats.x12.common import Adjustment as X12Adjustment

CHUNK = 5000
ROW = (
    "id", "patient_control_number", "frequency", "payer_claim_number", "place_of_service",
    "diagnosis_codes", "prior_authorization", "referring_provider_name",
    "referring_provider_npi", "responsibility", "primary_claim_id",
    "practice__name", "practice__group_npi", "practice__tax_id",
    "location__address1", "location__address2", "location__city", "location__state",
    "location__zip_code",
    "provider__first_name", "provider__last_name", "provider__npi", "provider__taxonomy_code",
    "payer__name", "payer__payer_id", "payer__claim_filing_indicator",
    "coverage__member_id", "coverage__group_number", "coverage__plan_name",
    "coverage__relationship", "coverage__subscriber_first_name",
    "coverage__subscriber_last_name", "coverage__subscriber_dob", "coverage__subscriber_sex",
    "patient__first_name", "patient__middle_name", "patient__last_name", "patient__suffix",
    "patient__dob", "patient__sex_at_birth", "patient__address1", "patient__address2",
    "patient__city", "patient__state", "patient__zip_code", "patient__mrn",
    "encounter__appointment__check_in__copay_collected",
)  # fmt: skip
RESPONSIBILITY = {1: "P", 2: "S", 3: "T"}
SELF = "18"


def _zip(value: str) -> str:
    return value.replace("-", "")


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def _sex(value: str) -> str:
    return value if value in ("F", "M") else "U"


def _patient_address(row: dict) -> Address:
    return Address(
        row["patient__address1"], row["patient__city"], row["patient__state"],
        _zip(row["patient__zip_code"]), row["patient__address2"],
    )  # fmt: skip


def _billing_provider(row: dict, cache: dict) -> x12.BillingProvider:
    """The practice (group NPI) when it has one, else the rendering provider as a person."""
    group = bool(row["practice__group_npi"])
    key = (
        row["practice__name"], row["practice__group_npi"], row["practice__tax_id"],
        row["location__address1"], row["location__zip_code"],
        None if group else row["provider__npi"],
    )  # fmt: skip
    if key not in cache:
        address = Address(
            row["location__address1"], row["location__city"], row["location__state"],
            _zip(row["location__zip_code"]), row["location__address2"],
        )  # fmt: skip
        if group:
            cache[key] = x12.BillingProvider(
                name=row["practice__name"], npi=row["practice__group_npi"],
                tax_id=_digits(row["practice__tax_id"]), address=address,
            )  # fmt: skip
        else:
            cache[key] = x12.BillingProvider(
                name=row["provider__last_name"], first_name=row["provider__first_name"],
                npi=row["provider__npi"], tax_id=_digits(row["practice__tax_id"]),
                address=address, taxonomy=row["provider__taxonomy_code"],
            )  # fmt: skip
    return cache[key]


def _subscriber(row: dict, prefix: str = "coverage__") -> x12.Subscriber:
    if row[f"{prefix}relationship"] == SELF:
        return x12.Subscriber(
            member_id=row[f"{prefix}member_id"], last_name=row["patient__last_name"],
            first_name=row["patient__first_name"], middle_name=row["patient__middle_name"],
            suffix=row["patient__suffix"], birth_date=row["patient__dob"],
            sex=_sex(row["patient__sex_at_birth"]), address=_patient_address(row),
            group_number=row[f"{prefix}group_number"], group_name=row[f"{prefix}plan_name"],
        )  # fmt: skip
    return x12.Subscriber(
        member_id=row[f"{prefix}member_id"], last_name=row[f"{prefix}subscriber_last_name"],
        first_name=row[f"{prefix}subscriber_first_name"],
        birth_date=row[f"{prefix}subscriber_dob"], sex=_sex(row[f"{prefix}subscriber_sex"]),
        group_number=row[f"{prefix}group_number"], group_name=row[f"{prefix}plan_name"],
    )  # fmt: skip


def _patient(row: dict) -> x12.Patient | None:
    if row["coverage__relationship"] == SELF:
        return None
    return x12.Patient(
        last_name=row["patient__last_name"], first_name=row["patient__first_name"],
        middle_name=row["patient__middle_name"], suffix=row["patient__suffix"],
        birth_date=row["patient__dob"], sex=_sex(row["patient__sex_at_birth"]),
        relationship=row["coverage__relationship"], address=_patient_address(row),
    )  # fmt: skip


def _referring(row: dict) -> x12.Provider | None:
    if not row["referring_provider_npi"]:
        return None
    name = row["referring_provider_name"].strip()
    first, _, last = name.rpartition(" ")
    return x12.Provider(last_name=last or name, first_name=first, npi=row["referring_provider_npi"])


def _adjustments(rows) -> tuple[X12Adjustment, ...]:
    return tuple(X12Adjustment(a.group, a.reason, a.amount, a.quantity) for a in rows)


PRIMARY_ROW = (
    "id", "payer__name", "payer__payer_id", "payer__claim_filing_indicator",
    "coverage__member_id", "coverage__group_number", "coverage__plan_name",
    "coverage__relationship", "coverage__subscriber_first_name",
    "coverage__subscriber_last_name", "coverage__subscriber_dob", "coverage__subscriber_sex",
    "patient__first_name", "patient__middle_name", "patient__last_name", "patient__suffix",
    "patient__dob", "patient__sex_at_birth", "patient__address1", "patient__address2",
    "patient__city", "patient__state", "patient__zip_code", "responsibility",
)  # fmt: skip


class _Primaries:
    """The earlier payers' claims and adjudications of the secondary claims in a batch."""

    def __init__(self, ids: set[int]) -> None:
        self.rows = {r["id"]: r for r in Claim.objects.filter(id__in=ids).values(*PRIMARY_ROW)}
        adjudications = list(
            Adjudication.objects.filter(claim_id__in=ids, superseded=False)
            .select_related("line")
            .prefetch_related("adjustments")
            .order_by("id")
        )
        self.claim_level = {a.claim_id: a for a in adjudications if a.line_id is None}
        self.by_line: dict[tuple[int, int], Adjudication] = {
            (a.claim_id, a.line.number): a for a in adjudications if a.line_id is not None
        }

    def other_payer(self, primary_id: int) -> x12.OtherPayer:
        row = self.rows[primary_id]
        adjudication = self.claim_level.get(primary_id)
        line_level = [a for (c, _), a in self.by_line.items() if c == primary_id]
        adjustments = list(adjudication.adjustments.all()) if adjudication else []
        patient_owes = sum(
            (
                a.amount
                for adj in [*line_level, *([adjudication] if adjudication else [])]
                for a in adj.adjustments.all()
                if a.group == "PR"
            ),
            Decimal("0.00"),
        )
        paid = adjudication.paid_amount if adjudication else None
        if paid is None and line_level:
            paid = sum((a.paid_amount for a in line_level), Decimal("0.00"))
        return x12.OtherPayer(
            responsibility=RESPONSIBILITY[row["responsibility"]],
            payer=x12.Payer(
                row["payer__name"],
                row["payer__payer_id"],
                claim_filing_indicator=row["payer__claim_filing_indicator"],
            ),  # fmt: skip
            subscriber=_subscriber(row),
            relationship=row["coverage__relationship"],
            paid=paid,
            adjustments=_adjustments(adjustments),
            remaining_patient_liability=patient_owes,
            adjudication_date=adjudication.paid_date if adjudication else None,
        )

    def line_adjudications(self, primary_id: int, line: ClaimLine | dict):
        number = line["number"]
        adjudication = self.by_line.get((primary_id, number))
        if adjudication is None:
            return ()
        payer_id = self.rows[primary_id]["payer__payer_id"]
        return (
            x12.LineAdjudication(
                payer_id=payer_id,
                paid=adjudication.paid_amount,
                procedure_code=line["code"],
                units=line["units"],
                adjudication_date=adjudication.paid_date,
                modifiers=tuple(line["modifiers"].split()),
                adjustments=_adjustments(adjudication.adjustments.all()),
            ),  # fmt: skip
        )


def claim_records(ids: list[int]) -> dict[int, x12.Claim]:
    """{claim id: x12 record} for these claims, in their id order."""
    rows: list[dict] = []
    lines: dict[int, list[dict]] = defaultdict(list)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows.extend(Claim.objects.filter(id__in=chunk).order_by("id").values(*ROW))
        for line in (
            ClaimLine.objects.filter(claim_id__in=chunk)
            .order_by("claim_id", "number")
            .values("claim_id", "number", "code", "modifiers", "units", "amount", "pointers",
                    "date_of_service", "control_number")
        ):  # fmt: skip
            lines[line["claim_id"]].append(line)
    primary_ids = {r["primary_claim_id"] for r in rows if r["primary_claim_id"]}
    primaries = _Primaries(primary_ids) if primary_ids else None
    providers: dict = {}
    records = {}
    for row in rows:
        group = bool(row["practice__group_npi"])
        primary_id = row["primary_claim_id"]
        record_lines = tuple(
            x12.ServiceLine(
                procedure_code=line["code"],
                charge=line["amount"],
                units=line["units"],
                service_date=line["date_of_service"],
                diagnosis_pointers=tuple(int(p) for p in line["pointers"].split()),
                modifiers=tuple(line["modifiers"].split()),
                line_control_number=line["control_number"],
                adjudications=primaries.line_adjudications(primary_id, line) if primary_id else (),
            )  # fmt: skip
            for line in lines[row["id"]]
        )
        records[row["id"]] = x12.Claim(
            patient_control_number=row["patient_control_number"],
            billing_provider=_billing_provider(row, providers),
            subscriber=_subscriber(row),
            patient=_patient(row),
            payer=x12.Payer(
                row["payer__name"],
                row["payer__payer_id"],
                claim_filing_indicator=row["payer__claim_filing_indicator"],
            ),  # fmt: skip
            diagnoses=tuple(row["diagnosis_codes"]),
            lines=record_lines,
            responsibility=RESPONSIBILITY[row["responsibility"]],
            place_of_service=row["place_of_service"],
            frequency=row["frequency"],
            original_reference=row["payer_claim_number"] if row["frequency"] != "1" else "",
            prior_authorization=row["prior_authorization"],
            rendering_provider=x12.Provider(
                last_name=row["provider__last_name"],
                first_name=row["provider__first_name"],
                npi=row["provider__npi"],
                taxonomy=row["provider__taxonomy_code"],
            )
            if group
            else None,  # fmt: skip
            referring_provider=_referring(row),
            other_payers=(primaries.other_payer(primary_id),) if primary_id else (),
            medical_record_number=row["patient__mrn"],
            # The copay taken at the desk (AMT*F5): the payer counts it as paid by the patient.
            patient_paid=row["encounter__appointment__check_in__copay_collected"]
            or Decimal("0.00"),
        )
    return records
