"""Printed records: the accounting of disclosures for the patient."""

from medoffice.formats.pdf.records import Accounting, AccountingEntry, render_accounting
from medoffice.patients.models import Patient
from medoffice.records import rules, selectors
from medoffice.records.packet import letterhead_for


def accounting_pdf_bytes(patient: Patient, *, include_all: bool = False) -> bytes:
    from django.utils import timezone

    zone = patient.zone
    today = timezone.now().astimezone(zone).date()
    entries = selectors.accounting_entries(
        patient=patient, as_of=today, zone=zone, include_all=include_all
    )
    return render_accounting(
        Accounting(
            letterhead=letterhead_for(patient),
            patient=f"{patient.first_name} {patient.last_name}",
            patient_dob=patient.dob,
            mrn=patient.mrn,
            period_from=rules.accounting_start(today),
            period_to=today,
            entries=tuple(
                AccountingEntry(
                    disclosed_on=d.disclosed_at.astimezone(zone).date(),
                    recipient=d.recipient_name,
                    recipient_address=d.recipient_address,
                    description=d.description,
                    purpose=d.purpose,
                )
                for d in entries
            ),
            prepared_on=today,
        )
    )
