"""Print the role matrix of docs/roles.md from ROLE_PERMISSIONS (the policy table).

    .venv/bin/python scripts/roles_matrix.py

tests/test_docs.py fails when docs/roles.md no longer holds this output.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from medoffice.core.roles import ROLE_PERMISSIONS, STAFF_SITE_ROLES, Role  # noqa: E402

ROWS = [
    ("Patients", None),
    ("Find patients and open their demographics", "patients.view_patient"),
    ("Register a new patient", "patients.add_patient"),
    ("Edit a patient's demographics", "patients.change_patient"),
    ("Merge a duplicate record into another", "patients.merge_patient"),
    (
        "See a patient's full SSN (others see ***-**-1234; each reveal audited)",
        "patients.reveal_patient_ssn",
    ),
    ("Insurance", None),
    ("See a patient's insurance and card images; list payers in the API", "patients.view_coverage"),
    ("Add insurance", "patients.add_coverage"),
    (
        "Edit insurance, including its status (cancelled, entered in error)",
        "patients.change_coverage",
    ),
    ("Consents", None),
    ("See a patient's consents", "patients.view_consent"),
    ("Record a signed form", "patients.add_consent"),
    ("Revoke a signed form (Revoke on the Consents tab)", "patients.change_consent"),
    ("Audit trail", None),
    ("Review the audit trail", "core.view_auditevent"),
    ("Export the audit trail as CSV", "core.export_auditevent"),
    ("Scheduling", None),
    ("See appointments (a patient's Appointments tab, the API)", "scheduling.view_appointment"),
    ("Book appointments; see open times", "scheduling.add_appointment"),
    ("Reschedule, cancel, check in and out, mark no-shows", "scheduling.change_appointment"),
    ("See outside appointments and their documents", "scheduling.view_outsideappointment"),
    ("Record an outside appointment (a referral out)", "scheduling.add_outsideappointment"),
    ("Update an outside appointment; attach its documents", "scheduling.change_outsideappointment"),
    ("Coding", None),
    (
        "Search codes (ICD-10-CM, HCPCS, CPT) and get ICD-10-CM suggestions from text",
        "coding.view_icd10code",
    ),
    ("Messages to patients", None),
    (
        "See the message log: reminders, notices, texts from patients (a patient's Messages tab)",
        "messaging.view_message",
    ),
    ("See numbers that replied STOP (Configuration)", "messaging.view_smsoptout"),
    ("See the reminder policy (Configuration)", "messaging.view_reminderpolicy"),
    ("Add the practice's reminder policy", "messaging.add_reminderpolicy"),
    ("Change reminder times, channels, notices and quiet hours", "messaging.change_reminderpolicy"),
    ("Billing", None),
    ("See encounters: superbills with diagnoses, the superbill PDF", "billing.view_encounter"),
    ("Fill in an open encounter's superbill; search codes", "billing.change_encounter"),
    ("Sign a superbill (locks it, makes the charges)", "billing.sign_encounter"),
    ("Correct a signed encounter (a new version, with a reason)", "billing.amend_encounter"),
    ("See the coding queue with the claim check's results", "billing.view_coding_queue"),
    ("See charges (no diagnoses); print the visit receipt", "billing.view_charge"),
    ("Billing set-up (Configuration)", None),
    *[
        (f"{verb} {noun}", f"{app}.{code}_{model}")
        for app, model, noun in (
            ("coding", "feeschedule", "fee schedules"),
            ("coding", "feescheduleentry", "fee schedule prices"),
            ("coding", "favoritecode", "favourite codes (per provider or specialty)"),
            ("billing", "superbilltemplate", "superbill templates"),
            ("billing", "superbillitem", "superbill template items"),
            ("billing", "payerrules", "payer billing rules"),
        )
        for code, verb in (("view", "See"), ("add", "Add"), ("change", "Change"))
    ],  # fmt: skip
    ("Remove a price from a fee schedule", "coding.delete_feescheduleentry"),
    ("Remove a favourite code", "coding.delete_favoritecode"),
    ("Remove an item from a superbill template", "billing.delete_superbillitem"),
    ("See the NCCI tables loaded (PTP edits, MUE limits)", "billing.view_nccitable"),
    ("Schedule set-up (Configuration)", None),
    *[
        (f"{verb} {noun}", f"scheduling.{code}_{model}")
        for model, noun in (
            ("room", "rooms"),
            ("equipment", "equipment"),
            ("appointmenttype", "appointment types"),
            ("templateblock", "weekly templates"),
            ("scheduleexception", "schedule exceptions (time off)"),
            ("holiday", "holidays"),
        )
        for code, verb in (("view", "See"), ("add", "Add"), ("change", "Change"))
    ],  # fmt: skip
    ("Configuration", None),
    ("See payers", "patients.view_payer"),
    ("Add payers", "patients.add_payer"),
    ("Change payers", "patients.change_payer"),
    ("See the practice (name, group NPI, tax id)", "core.view_practice"),
    ("Correct the practice's name, group NPI and tax id", "core.change_practice"),
    ("See user accounts", "auth.view_user"),
    ("Add user accounts", "auth.add_user"),
    ("Change user accounts (names, e-mail, password, Active)", "auth.change_user"),
    ("See staff profiles (role, practice, locations)", "core.view_staffprofile"),
    ("Add staff profiles", "core.add_staffprofile"),
    ("Change staff profiles, including the role", "core.change_staffprofile"),
    ("See locations", "core.view_location"),
    ("Add locations", "core.add_location"),
    ("Change locations", "core.change_location"),
    ("See providers", "core.view_provider"),
    ("Add providers", "core.add_provider"),
    ("Change providers", "core.change_provider"),
    ("See API tokens (never the token itself)", "core.view_apitoken"),
    ("Revoke API tokens", "core.change_apitoken"),
    ("See the SMART on FHIR apps and backend services (Configuration)", "smart.view_smartapp"),
    ("Register a SMART on FHIR app or backend service", "smart.add_smartapp"),
    ("Change a SMART app: redirect URIs, scopes, keys", "smart.change_smartapp"),
    ("Claims after they go out", None),
    (
        "See the work queues: rejections, denials, no answer, filing deadlines, appeals",
        "billing.view_claim_queues",
    ),
    (
        "Work a claim: notes, assignment, fix and resend, status request (276), close",
        "billing.work_claim",
    ),
    ("Print claims on the CMS-1500 paper form; mark paper claims mailed", "billing.print_claim"),
    ("See appeals and their letters", "billing.view_appeal"),
    ("Draft an appeal from the template", "billing.add_appeal"),
    ("Edit, file, decide or withdraw an appeal", "billing.change_appeal"),
    ("Claims and the clearinghouse", None),
    ("See claims, their history and the files exchanged", "billing.view_claim"),
    ("Fix a claim (scrub again, refresh from its encounter)", "billing.change_claim"),
    ("Replace (7) or void (8) a claim the payer has", "billing.correct_claim"),
    ("See claim batches", "billing.view_claimbatch"),
    ("Send claims; check for responses; resend a fixed claim", "billing.send_claimbatch"),
    ("See the clearinghouse connections (Configuration)", "billing.view_clearinghouseconnection"),
    ("Add a clearinghouse connection", "billing.add_clearinghouseconnection"),
    ("Change a clearinghouse connection", "billing.change_clearinghouseconnection"),
    ("Eligibility", None),
    (
        "See eligibility checks: benefits, rejects explained, the 270/271 (visit, check-in)",
        "eligibility.view_eligibilitycheck",
    ),
    (
        "Check eligibility with the payer (coverage, visit, check-in, API)",
        "eligibility.run_eligibilitycheck",
    ),  # fmt: skip
    ("Chart (clinical record)", None),
    (
        "See the problem list (diagnoses) and the encounters on the Chart tab",
        "clinical.view_problem",
    ),
    ("Add and update coded problems", "clinical.change_problem"),
    (
        "See medications, allergies, immunizations, vitals, results, family and social history",
        "clinical.view_chart",
    ),
    ("Record medications, allergies, immunizations, vitals, history", "clinical.change_chart"),
    ("File lab and imaging results (API)", "clinical.add_result"),
    ("Review and sign off results", "clinical.review_result"),
    (
        "Read visit notes and addenda (sensitive notes: author or emergency access)",
        "clinical.view_note",
    ),
    ("Write draft visit notes", "clinical.change_note"),
    ("Sign notes (locks them), add addenda, sign dictated notes", "clinical.sign_note"),
    ("See tomorrow's chart preparation list", "clinical.view_previsit"),
    ("See amendment requests", "clinical.view_amendmentrequest"),
    ("Record, extend, accept or deny amendment requests", "clinical.change_amendmentrequest"),
    ("Upload dictation audio", "clinical.add_dictation"),
    ("Transcribe dictations", "clinical.transcribe_dictation"),
    ("Open a chart in an emergency (break the glass), with a reason", "clinical.break_glass"),
    ("Review emergency accesses (the daily list)", "clinical.review_emergencyaccess"),
    *[
        (f"{verb} {noun} (Configuration)", f"clinical.{code}_{model}")
        for model, noun in (
            ("notetemplate", "note templates per visit type"),
            ("lexiconterm", "the practice's transcription lexicon"),
        )
        for code, verb in (("view", "See"), ("add", "Add"), ("change", "Change"))
    ],  # fmt: skip
    ("Documents (records)", None),
    (
        "See a patient's administrative documents (IDs, insurance papers, letters)",
        "records.view_document",
    ),
    (
        "See clinical documents too (reports, outside records, consult notes)",
        "records.view_clinical_document",
    ),
    ("Scan or upload a document into the chart", "records.add_document"),
    ("Communications log (records)", None),
    ("See the communications log and one's inbox and follow-ups", "records.view_communication"),
    (
        "Log a call, e-mail, fax, letter or portal message; send e-mail or fax",
        "records.add_communication",
    ),
    ("Mark a follow-up done", "records.change_communication"),
    ("Answer a clinical question routed to one's inbox", "records.answer_communication"),
    ("Release of information (records)", None),
    ("See records requests (the ROI queue)", "records.view_roirequest"),
    ("Log a request for records", "records.add_roirequest"),
    (
        "Verify identity, file the authorisation, prepare the packet, extend, deny",
        "records.change_roirequest",
    ),
    ("Release a packet; record a disclosure", "records.release_roirequest"),
    ("See disclosures; print the accounting of disclosures", "records.view_disclosure"),
    ("Export a patient's record (FHIR R4 Bundle)", "patients.export_patient"),
    ("See records transfers and their packets", "records.view_recordtransfer"),
    ("Prepare a transfer out; file records received", "records.add_recordtransfer"),
    ("Send a prepared transfer", "records.change_recordtransfer"),
    ("See faxes held in the outbox (Configuration)", "records.view_faxoutboxitem"),
    ("Referrals (records)", None),
    ("See referrals in and out, print their letters", "records.view_referral"),
    ("Register a referral", "records.add_referral"),
    ("Send, schedule, file the consult note, close a referral", "records.change_referral"),
    ("Supplies and equipment", None),
    ("See stock on hand, lots and expiry", "inventory.view_item"),
    ("See the equipment register, upkeep due and repairs", "inventory.view_equipmentrecord"),
    ("See prices, costs and stock value", "inventory.view_item_cost"),
    ("Use, adjust and transfer stock", "inventory.add_stockmovement"),
    ("Count the shelves (cycle counts, variance report)", "inventory.add_cyclecount"),
    ("See purchase orders", "inventory.view_purchaseorder"),
    ("Draft and submit purchase orders; make reorder drafts", "inventory.add_purchaseorder"),
    ("Receive deliveries (lots, partial, backorders)", "inventory.receive_purchaseorder"),
    ("Approve orders above the threshold", "inventory.approve_purchaseorder"),
    ("E-mail orders to the vendor; close orders", "inventory.change_purchaseorder"),
    ("Report a repair", "inventory.add_serviceticket"),
    ("Move a repair along (vendor called, out, returned)", "inventory.change_serviceticket"),
    ("Record maintenance and calibration done", "inventory.change_equipmentrecord"),
    ("Register equipment (Configuration)", "inventory.add_equipmentrecord"),
    ("Add items (Configuration)", "inventory.add_item"),
    ("Change items: par, reorder point, billing code (Configuration)", "inventory.change_item"),
    *[
        (f"{verb} {noun} (Configuration)", f"inventory.{code}_{model}")
        for model, noun in (
            ("vendor", "vendors"),
            ("vendorprice", "vendor catalogue prices"),
            ("inventorysettings", "the approval threshold and reorder settings"),
            ("maintenanceplan", "maintenance and calibration plans"),
            ("equipmentdocument", "equipment documents"),
        )
        for code, verb in (("view", "See"), ("add", "Add"), ("change", "Change"))
    ],  # fmt: skip
    ("Privacy program", None),
    ("See the risk assessments and the privacy overview", "privacy.view_riskassessment"),
    ("Start a year's Security Rule risk assessment", "privacy.add_riskassessment"),
    ("Answer and rate risk questions; assign remediation tasks", "privacy.change_riskassessment"),
    ("See security incidents, affected patients, breach letters", "privacy.view_securityincident"),
    ("Log a security incident", "privacy.add_securityincident"),
    (
        "Scope, assess and record notices of an incident (breach assessment)",
        "privacy.change_securityincident",
    ),
    ("See workforce training and policy acknowledgements", "privacy.view_trainingrecord"),
    ("Record training", "privacy.add_trainingrecord"),
    ("Add a policy version for everyone to acknowledge", "privacy.add_privacypolicy"),
    ("See the business associate agreements", "privacy.view_businessassociate"),
    ("Add a business associate", "privacy.add_businessassociate"),
    ("Change a business associate agreement", "privacy.change_businessassociate"),
    ("Patient accounts and payments", None),
    ("See patient accounts, balances, the ledger and ERA remittances", "payments.view_ledger"),
    ("Post payments, adjustments, transfers, write-offs and reversals", "payments.post_ledger"),
    ("Import and post ERA (835) remittances", "payments.import_era"),
    ("Match unmatched remittance lines by hand (the suspense queue)", "payments.work_suspense"),
    ("Patient accounts: desk payments, statements, plans, refunds", None),
    ("See balances, desk payments, statements and payment plans", "accounts.view_accounts"),
    (
        "Take payments at the desk (cash, check, card) and print receipts",
        "accounts.collect_payment",
    ),
    ("Close the day's drawer and print the deposit slip", "accounts.close_day"),
    ("Set up and cancel payment plans", "accounts.manage_plans"),
    ("Ask for the refund of a credit balance", "accounts.request_refund"),
    ("Approve or refuse refunds", "accounts.approve_refund"),
    ("Run statements, manage collections status and holds", "accounts.run_statements"),
    ("See A/R aging, collection and denial reports", "accounts.view_ar_reports"),
    ("See the statement and collections policy (Configuration)", "accounts.view_accountsettings"),
    ("Set the statement and collections policy (Configuration)", "accounts.add_accountsettings"),
    (
        "Change the statement and collections policy, statements on the worker's clock "
        "(Configuration)",
        "accounts.change_accountsettings",
    ),
    ("Imports from other systems", None),
    (
        "Import FHIR bundles and CSV exports of another system; see the import reports",
        "imports.import_records",
    ),
    ("Dashboard and accounting", None),
    ("See the practice dashboard", "reports.view_dashboard"),
    ("Export the general-ledger journal (CSV, IIF)", "reports.export_journal"),
    *[
        (
            f"{verb} the chart of accounts for the export (Configuration)",
            f"reports.{code}_accountmap",
        )
        for code, verb in (("view", "See"), ("add", "Add"), ("change", "Change"))
    ],  # fmt: skip
    ("Interfaces (HL7 v2)", None),
    (
        "See the interface message log: HL7 messages received (with the ACK sent) and sent",
        "interop.view_interfacemessage",
    ),
    (
        "Work the review queue: file a held HL7 message to a patient by hand, or reject it",
        "interop.review_inboundmessage",
    ),
]


def matrix() -> str:
    roles = list(Role)
    documented = {p for _, p in ROWS if p}
    every = set().union(*ROLE_PERMISSIONS.values())
    assert documented == every, documented ^ every
    lines = ["| Capability | Permission | " + " | ".join(r.label for r in roles) + " |"]
    lines.append("|---|---|" + "---|" * len(roles))
    for label, perm in ROWS:
        if perm is None:
            lines.append(f"| **{label}** | |" + "  |" * len(roles))
            continue
        cells = ["✓" if perm in ROLE_PERMISSIONS[r] else "" for r in roles]
        lines.append(f"| {label} | `{perm}` | " + " | ".join(cells) + " |")
    cells = ["✓" if r in STAFF_SITE_ROLES else "" for r in roles]
    lines.append(
        "| Open the Configuration screens (`/admin/`) | not a permission: set from the role"
        " (`STAFF_SITE_ROLES`) | " + " | ".join(cells) + " |"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(matrix() + "\n")
