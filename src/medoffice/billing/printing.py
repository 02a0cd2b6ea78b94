"""Encounter -> the records the PDF layouts print (formats/pdf/superbill.py)."""

from medoffice.billing.models import Charge, Encounter, ItemKind
from medoffice.billing.selectors import current_lines, template_sections
from medoffice.core.money import ZERO, total
from medoffice.formats.pdf.superbill import (
    DiagnosisRow,
    Heading,
    PickItem,
    PickSection,
    ReceiptRecord,
    ServiceRow,
    SuperbillRecord,
    render_receipt,
    render_superbill,
)


def _heading(encounter: Encounter) -> Heading:
    practice = encounter.location.practice
    place = encounter.location
    lines = [f"{place.name}, {place.address1}, {place.city}, {place.state} {place.zip_code}"]
    if place.phone:
        lines.append(f"Phone {place.phone}")
    ids = []
    if practice.group_npi:
        ids.append(f"Group NPI {practice.group_npi}")
    if practice.tax_id:
        ids.append(f"Tax id {practice.tax_id}")
    if ids:
        lines.append(" · ".join(ids))
    coverage = encounter.coverage
    insurance = ""
    if coverage is not None:
        insurance = f"{coverage.payer.name}, member {coverage.member_id}"
        if coverage.group_number:
            insurance += f", group {coverage.group_number}"
    patient = encounter.patient
    return Heading(
        practice=practice.name, practice_lines=tuple(lines), provider=str(encounter.provider),
        provider_npi=encounter.provider.npi,
        patient=f"{patient.last_name}, {patient.first_name}", patient_dob=patient.dob,
        mrn=patient.mrn, date_of_service=encounter.date_of_service,
        place_of_service=encounter.place_of_service, insurance=insurance,
    )  # fmt: skip


def _pick(encounter: Encounter, kind: str, chosen: set[str]) -> tuple[PickSection, ...]:
    return tuple(
        PickSection(
            section.title,
            tuple(
                PickItem(item.code, item.label, item.code.replace(".", "").upper() in chosen)
                for item in section.items
            ),
        )
        for section in template_sections(encounter.template, kind)
    )


def superbill_pdf(encounter: Encounter) -> bytes:
    lines = current_lines(encounter)
    diagnoses = list(encounter.diagnoses.all())
    priced = all(line.charge_amount is not None for line in lines) and lines
    status = "Open: not signed"
    if encounter.signed_at:
        signer = encounter.signed_by
        who = (signer.get_full_name() or signer.get_username()) if signer else "the clinician"
        status = f"Signed by {who} on {encounter.signed_at:%m/%d/%Y}"
        if encounter.version > 1:
            status += f"; corrected, version {encounter.version}"
    record = SuperbillRecord(
        heading=_heading(encounter),
        diagnoses=tuple(DiagnosisRow(d.letter, d.dotted, d.description) for d in diagnoses),
        services=tuple(
            ServiceRow(
                line.code,
                line.description,
                " ".join(line.modifiers),
                line.units,
                line.pointer_letters,
                line.charge_amount,
            )  # fmt: skip
            for line in lines
        ),
        total=total(line.charge_amount for line in lines) if priced else None,
        status=status,
        service_sections=_pick(encounter, ItemKind.SERVICE, {line.code for line in lines}),
        diagnosis_sections=_pick(encounter, ItemKind.DIAGNOSIS, {d.code for d in diagnoses}),
    )
    return render_superbill(record)


def receipt_pdf(encounter: Encounter, charges: list[Charge]) -> bytes:
    """The patient's visit summary: services and charges, never diagnoses."""
    standing = [c for c in charges if c.reverses_id is None and not _reversed(c, charges)]
    paid = ZERO
    check_in = (
        getattr(encounter.appointment, "check_in", None) if encounter.appointment_id else None
    )
    if check_in is not None:
        paid = check_in.copay_collected
    descriptions = {line.pk: line.description for line in encounter.lines.all()}
    notes = ["Charges are what the practice bills; your insurance decides what it pays."]
    if not standing:
        notes.insert(0, "The visit is not signed yet: charges appear once it is.")
    record = ReceiptRecord(
        heading=_heading(encounter),
        services=tuple(
            ServiceRow(c.code, descriptions.get(c.line_id, ""), c.modifiers, c.units, "", c.amount)
            for c in standing
        ),
        total=total(c.amount for c in standing),
        paid_today=paid,
        notes=tuple(notes),
    )
    return render_receipt(record)


def _reversed(charge: Charge, charges: list[Charge]) -> bool:
    return any(c.reverses_id == charge.pk for c in charges)
