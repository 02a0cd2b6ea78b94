"""Roles and the permissions each grants: the one policy table (docs/roles.md).

A role is a Django group of the same name; `sync_role_groups` makes the groups
match this table after every migrate. Views and API endpoints name the
permission they need; the tests walk the URLconf and check every route
against this table.
"""

from django.db import models


class Role(models.TextChoices):
    FRONT_DESK = "front_desk", "Front desk"
    MEDICAL_ASSISTANT = "medical_assistant", "Medical assistant"
    CODER = "coder", "Coder"
    BILLER = "biller", "Biller"
    RECORDS = "records", "Records (HIT)"
    CLINICIAN = "clinician", "Clinician"
    OFFICE_MANAGER = "office_manager", "Office manager"
    PRIVACY_OFFICER = "privacy_officer", "Privacy officer"
    ADMINISTRATOR = "administrator", "Administrator"


_READ_PATIENT = {"patients.view_patient"}
_REGISTER = {
    "patients.view_patient",
    "patients.add_patient",
    "patients.change_patient",
    "patients.view_coverage",
    "patients.add_coverage",
    "patients.change_coverage",
    "patients.view_consent",
    "patients.add_consent",
    "patients.change_consent",
}
_INSURANCE_READ = {"patients.view_coverage"}
# Code search and suggestions (ICD-10-CM, HCPCS, CPT): no patient data, but diagnoses are
# the coder's, biller's and clinician's business, not the front desk's.
_CODES_READ = {"coding.view_icd10code"}
_AUDIT = {"core.view_auditevent", "core.export_auditevent"}
_SCHEDULE_READ = {"scheduling.view_appointment"}
_SCHEDULE = {
    "scheduling.view_appointment",
    "scheduling.add_appointment",
    "scheduling.change_appointment",
}
_OUTSIDE = {f"scheduling.{a}_outsideappointment" for a in ("view", "add", "change")}
# The office manager's configuration screens for the schedule.
_SCHEDULE_SETUP = {
    f"scheduling.{action}_{model}"
    for action in ("view", "add", "change")
    for model in (
        "room", "equipment", "appointmenttype", "templateblock", "scheduleexception", "holiday",
    )
}  # fmt: skip
# The message log (reminders, notices, texts from patients): PHI, read-only.
_MESSAGES_READ = {"messaging.view_message"}
# When and how the practice reminds patients (Configuration -> Reminder policies).
_REMINDER_SETUP = {
    "messaging.view_reminderpolicy",
    "messaging.add_reminderpolicy",
    "messaging.change_reminderpolicy",
}
# Encounters carry diagnoses: never the front desk's. Charges (services, amounts) are on
# the visit receipt the front desk prints.
_CHARGES_READ = {"billing.view_charge"}
_ENCOUNTER_READ = {"billing.view_encounter"}
_CODE = _ENCOUNTER_READ | _CHARGES_READ | {
    "billing.change_encounter", "billing.amend_encounter", "billing.view_coding_queue",
}  # fmt: skip
_SUPERBILL = _ENCOUNTER_READ | {
    "billing.change_encounter", "billing.sign_encounter", "billing.amend_encounter",
}  # fmt: skip
# The office manager's billing set-up: fee schedules, superbill templates, payer rules,
# the NCCI tables loaded (read only: they are loaded from CMS files).
_BILLING_SETUP = {
    f"{app}.{action}_{model}"
    for app, models_ in (
        ("coding", ("feeschedule", "feescheduleentry", "favoritecode")),
        ("billing", ("superbilltemplate", "superbillitem", "payerrules")),
    )
    for model in models_
    for action in ("view", "add", "change")
} | {
    "coding.delete_feescheduleentry", "coding.delete_favoritecode",
    "billing.delete_superbillitem", "billing.view_nccitable",
}  # fmt: skip
# The billers' work on claims after they go out: the queues (rejections, denials, no answer,
# filing deadlines), acting on a claim, appeals, the CMS-1500 paper form.
_CLAIM_WORK = {
    "billing.view_claim_queues", "billing.work_claim", "billing.print_claim",
    "billing.view_appeal", "billing.add_appeal", "billing.change_appeal",
}  # fmt: skip
# Claims and the clearinghouse exchange: the biller's work (claims carry diagnoses).
_CLAIMS = {
    "billing.view_claim", "billing.change_claim", "billing.correct_claim",
    "billing.view_claimbatch", "billing.send_claimbatch",
}  # fmt: skip
# The office manager's set-up of the clearinghouse connections (Configuration).
_CLEARINGHOUSE_SETUP = {
    f"billing.{action}_clearinghouseconnection" for action in ("view", "add", "change")
}
# Asking payers about coverage (270/271) and reading their answers: front desk, billers,
# the office manager. The clerk who checks patients in (medical assistant) too.
_ELIGIBILITY = {"eligibility.view_eligibilitycheck", "eligibility.run_eligibilitycheck"}
_CONFIGURE = {
    "core.view_practice",
    "core.view_apitoken",
    "core.change_apitoken",
    "core.change_practice",
    "patients.view_payer",
    "patients.add_payer",
    "patients.change_payer",
    "core.view_staffprofile",
    "core.add_staffprofile",
    "core.change_staffprofile",
    "auth.view_user",
    "auth.add_user",
    "auth.change_user",
    "core.view_location",
    "core.add_location",
    "core.change_location",
    "core.view_provider",
    "core.add_provider",
    "core.change_provider",
    # SMART on FHIR apps and backend services allowed to use the FHIR API (interop/smart).
    "smart.view_smartapp",
    "smart.add_smartapp",
    "smart.change_smartapp",
}

# The chart (clinical/access.py): minimum necessary by role. Diagnoses (the problem list) for
# coders and billers; the clinical lists for the medical assistant and records; notes never
# for the front desk or billing; signing and result sign-off for clinicians only.
_CHART_PROBLEMS = {"clinical.view_problem"}
_CHART_READ = _CHART_PROBLEMS | {"clinical.view_chart", "clinical.view_note"}
_CHART_ROOMING = {"clinical.change_chart", "clinical.add_result", "clinical.view_previsit"}
_CHART_CLINICIAN = _CHART_READ | _CHART_ROOMING | {
    "clinical.change_problem", "clinical.change_note", "clinical.sign_note",
    "clinical.review_result", "clinical.add_dictation", "clinical.view_amendmentrequest",
}  # fmt: skip
_TRANSCRIBE = {"clinical.transcribe_dictation"}
_AMENDMENTS = {"clinical.view_amendmentrequest", "clinical.change_amendmentrequest"}
_BREAK_GLASS = {"clinical.break_glass"}
_GLASS_REVIEW = {"clinical.review_emergencyaccess"}
_CHART_SETUP = {
    f"clinical.{action}_{model}"
    for action in ("view", "add", "change")
    for model in ("notetemplate", "lexiconterm")
}
# Health information management (records app). Documents: administrative papers for the
# front desk and billers; clinical documents (reports, outside records) for clinical roles.
_DOCUMENTS = {"records.view_document", "records.add_document"}
_CLINICAL_DOCUMENTS = {"records.view_document", "records.view_clinical_document"}
_COMMUNICATIONS = {
    "records.view_communication", "records.add_communication", "records.change_communication",
}  # fmt: skip
_REFERRALS = {"records.view_referral", "records.add_referral", "records.change_referral"}
# Release of information, disclosures and transfers: the records staff's own work.
_RELEASE = {
    "records.view_roirequest", "records.add_roirequest", "records.change_roirequest",
    "records.release_roirequest", "records.view_disclosure",
    "records.view_recordtransfer", "records.add_recordtransfer",
    "records.change_recordtransfer",
}  # fmt: skip
_FAX_OUTBOX = {"records.view_faxoutboxitem"}
# Migration from another system: FHIR bundles and CSV exports (imports app).
_IMPORTS = {"imports.import_records"}
# The supply closet: everyone who gives care sees what is on the shelf; prices and stock
# value (and so purchase orders) are the office manager's and the assistants' who order.
_STOCK_READ = {"inventory.view_item", "inventory.view_equipmentrecord"}
_STOCK_WORK = _STOCK_READ | {
    "inventory.view_item_cost",
    "inventory.add_stockmovement",
    "inventory.add_cyclecount",
    "inventory.view_purchaseorder",
    "inventory.add_purchaseorder",
    "inventory.receive_purchaseorder",
    "inventory.add_serviceticket",
}
_STOCK_MANAGE = _STOCK_WORK | {
    "inventory.change_purchaseorder",
    "inventory.approve_purchaseorder",
    "inventory.change_equipmentrecord",
    "inventory.change_serviceticket",
} | {
    f"inventory.{action}_{model}"
    for action in ("view", "add", "change")
    for model in (
        "vendor", "vendorprice", "inventorysettings", "maintenanceplan", "equipmentdocument",
    )
} | {"inventory.add_item", "inventory.change_item", "inventory.add_equipmentrecord"}  # fmt: skip
# The privacy officer's program (privacy app): the yearly Security Rule risk assessment,
# security incidents and breach notification, training and policy acknowledgements, the
# business associate agreements. Every staff member acknowledges policies (AUTHENTICATED).
_PRIVACY_PROGRAM = {
    f"privacy.{action}_{model}"
    for action in ("view", "add", "change")
    for model in ("riskassessment", "securityincident", "businessassociate")
} | {"privacy.view_trainingrecord", "privacy.add_trainingrecord", "privacy.add_privacypolicy"}
# Patient accounts and the ledger (payments app): billers read and post, import ERAs (835)
# and work the suspense queue; the office manager reads. Clinicians never see accounts.
_LEDGER_READ = {"payments.view_ledger"}
_LEDGER_POST = _LEDGER_READ | {
    "payments.post_ledger", "payments.import_era", "payments.work_suspense",
}  # fmt: skip
# The office manager's dashboard and the general-ledger journal for the bookkeeper.
_REPORTS = {
    "reports.view_dashboard",
    "reports.export_journal",
    "reports.view_accountmap",
    "reports.add_accountmap",
    "reports.change_accountmap",
}

# Patient accounts at the desk and by mail (accounts app): the front desk takes payments
# and closes its drawer; billers run statements, plans and ask for refunds; the office
# manager approves refunds. Clinicians never see accounts.
_ACCOUNTS_DESK = {
    "accounts.view_accounts", "accounts.collect_payment", "accounts.close_day",
    "accounts.manage_plans", "accounts.request_refund",
}  # fmt: skip
_ACCOUNTS_BILLING = _ACCOUNTS_DESK - {"accounts.close_day"} | {
    "accounts.run_statements", "accounts.view_ar_reports",
}  # fmt: skip
_ACCOUNTS_MANAGE = (
    _ACCOUNTS_BILLING
    | {"accounts.approve_refund", "accounts.close_day"}
    | {f"accounts.{action}_accountsettings" for action in ("view", "add", "change")}
)  # the statement and collections policy (Configuration)
# HL7 v2 interfaces (interop app): the message log, in and out, for the office's set-up
# roles; the review queue of held inbound messages (results, registrations) for the
# records staff and clinicians, who match them to a patient or reject them.
_INTERFACE_LOG = {"interop.view_interfacemessage"}
_INTERFACE_REVIEW = {"interop.review_inboundmessage"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.FRONT_DESK: frozenset(
        _REGISTER
        | _SCHEDULE
        | _OUTSIDE
        | _MESSAGES_READ
        | _CHARGES_READ
        | _ELIGIBILITY
        | {"clinical.view_previsit"}
        | _DOCUMENTS
        | _COMMUNICATIONS
        | _REFERRALS
        | _ACCOUNTS_DESK
    ),
    Role.MEDICAL_ASSISTANT: frozenset(
        _REGISTER
        | _SCHEDULE
        | _OUTSIDE
        | _MESSAGES_READ
        | _CHARGES_READ
        | _ELIGIBILITY
        | _CHART_READ
        | _CHART_ROOMING
        | _TRANSCRIBE
        | _BREAK_GLASS
        | _DOCUMENTS
        | _COMMUNICATIONS
        | _REFERRALS
        | _STOCK_WORK
        | {"accounts.view_accounts", "accounts.collect_payment", "accounts.close_day"}
    ),
    Role.CODER: frozenset(
        _READ_PATIENT
        | _INSURANCE_READ
        | _SCHEDULE_READ
        | _CODE
        | _CODES_READ
        | _CHART_PROBLEMS
        | _CLINICAL_DOCUMENTS
    ),
    Role.BILLER: frozenset(
        _READ_PATIENT
        # Guarantor collections need the full SSN; every other role sees it masked (AC-03).
        | {"patients.reveal_patient_ssn"}
        | {"patients.view_coverage", "patients.add_coverage", "patients.change_coverage"}
        | {"patients.view_consent"}
        | _SCHEDULE_READ
        | _ENCOUNTER_READ
        | _CHARGES_READ
        | _CODES_READ
        | _CLAIM_WORK
        | _CLAIMS
        | _ELIGIBILITY
        | _CHART_PROBLEMS
        | {"records.view_document"}
        | _COMMUNICATIONS
        | {"records.view_referral"}
        | _LEDGER_POST
        | _ACCOUNTS_BILLING
    ),
    Role.RECORDS: frozenset(
        _REGISTER
        | {"patients.merge_patient", "patients.export_patient"}
        | _SCHEDULE_READ
        | _OUTSIDE
        | _CHART_READ
        | _TRANSCRIBE
        | _AMENDMENTS
        | _DOCUMENTS
        | _CLINICAL_DOCUMENTS
        | _COMMUNICATIONS
        | _REFERRALS
        | _RELEASE
        | _IMPORTS
        | _INTERFACE_REVIEW
    ),
    Role.CLINICIAN: frozenset(
        _READ_PATIENT
        | _INSURANCE_READ
        | {"patients.view_consent"}
        | _SCHEDULE_READ
        | {"scheduling.change_appointment"}
        | _OUTSIDE
        | _SUPERBILL
        | _CODES_READ
        | _CHART_CLINICIAN
        | _BREAK_GLASS
        | _DOCUMENTS
        | _CLINICAL_DOCUMENTS
        | _COMMUNICATIONS
        | {"records.answer_communication"}
        | _REFERRALS
        | _STOCK_READ
        | _INTERFACE_REVIEW
    ),
    Role.OFFICE_MANAGER: frozenset(
        _REGISTER
        | {"patients.view_payer"}
        | _SCHEDULE
        | _SCHEDULE_SETUP
        | _OUTSIDE
        | _MESSAGES_READ
        | _REMINDER_SETUP
        | {"messaging.view_smsoptout"}
        | _BILLING_SETUP
        | _CODES_READ
        | _CLEARINGHOUSE_SETUP
        | _ELIGIBILITY
        | {"clinical.view_previsit"}
        | _CHART_SETUP
        | _FAX_OUTBOX
        | _STOCK_MANAGE
        | _REPORTS
        | _LEDGER_READ
        | _ACCOUNTS_MANAGE
        | _INTERFACE_LOG
    ),
    Role.PRIVACY_OFFICER: frozenset(
        _READ_PATIENT
        | _AUDIT
        | _GLASS_REVIEW
        | {"records.view_roirequest", "records.view_disclosure"}
        | _PRIVACY_PROGRAM
    ),
    Role.ADMINISTRATOR: frozenset(
        _CONFIGURE | _AUDIT | _REMINDER_SETUP | _FAX_OUTBOX | _IMPORTS | _INTERFACE_LOG
    ),
}

# Roles that use the Django admin screens (payers, locations, staff).
STAFF_SITE_ROLES = frozenset({Role.ADMINISTRATOR, Role.OFFICE_MANAGER})


def sync_role_groups(**_kwargs) -> None:
    """Create a group per role and give it exactly the permissions of the table."""
    from django.contrib.auth.models import Group, Permission

    wanted = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    by_name = {}
    for perm in Permission.objects.select_related("content_type"):
        name = f"{perm.content_type.app_label}.{perm.codename}"
        if name in wanted:
            by_name[name] = perm
    missing = wanted - by_name.keys()
    if missing:
        # Permissions appear app by app during migrate; the last post_migrate completes them.
        return
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set([by_name[p] for p in perms])
