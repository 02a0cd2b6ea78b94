"""REST API routes (/api/), its OpenAPI schema and docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from medoffice.accounts import api as accounts_api
from medoffice.billing import api as billing_api
from medoffice.billing import claim_api, work_api
from medoffice.clinical import api as clinical_api
from medoffice.coding import api as coding_api
from medoffice.core.policy import AUTHENTICATED
from medoffice.eligibility import api as eligibility_api
from medoffice.inventory import api as inventory_api
from medoffice.patients import api as patients_api
from medoffice.payments import api as payments_api
from medoffice.records import api as records_api
from medoffice.scheduling import api as scheduling_api
from medoffice.worklist import api as worklist_api

app_name = "api"


def _documented(view):
    view.medoffice_policy = AUTHENTICATED
    return view


urlpatterns = [
    path("schema/", _documented(SpectacularAPIView.as_view()), name="schema"),
    path(
        "docs/",
        _documented(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path("patients/", patients_api.PatientCollection.as_view(), name="patient-list"),
    path("patients/search/", patients_api.PatientSearch.as_view(), name="patient-search"),
    path("patients/<uuid:public_id>/", patients_api.PatientItem.as_view(), name="patient-detail"),
    path("patients/<uuid:public_id>/ssn/", patients_api.PatientSsn.as_view(), name="patient-ssn"),
    path(
        "patients/<uuid:public_id>/coverages/",
        patients_api.CoverageCollection.as_view(),
        name="coverage-list",
    ),
    path(
        "coverages/<uuid:public_id>/", patients_api.CoverageItem.as_view(), name="coverage-detail"
    ),
    path("payers/", patients_api.PayerCollection.as_view(), name="payer-list"),
    path("codes/search/", coding_api.CodeSearch.as_view(), name="code-search"),
    path("codes/suggest/", coding_api.CodeSuggest.as_view(), name="code-suggest"),
    path("slots/", scheduling_api.SlotList.as_view(), name="slot-list"),
    path("appointments/", scheduling_api.AppointmentCollection.as_view(), name="appointment-list"),
    path(
        "appointments/<uuid:public_id>/",
        scheduling_api.AppointmentItem.as_view(),
        name="appointment-detail",
    ),
    path(
        "appointments/<uuid:public_id>/reschedule/",
        scheduling_api.AppointmentReschedule.as_view(),
        name="appointment-reschedule",
    ),
    path(
        "appointments/<uuid:public_id>/status/",
        scheduling_api.AppointmentStatusChange.as_view(),
        name="appointment-status",
    ),
    path(
        "appointments/<uuid:public_id>/check-in/",
        scheduling_api.AppointmentCheckIn.as_view(),
        name="appointment-check-in",
    ),
    path(
        "appointments/<uuid:public_id>/steps/",
        scheduling_api.AppointmentStep.as_view(),
        name="appointment-step",
    ),
    path("waitlist/", scheduling_api.WaitlistCollection.as_view(), name="waitlist-list"),
    path(
        "patients/<uuid:public_id>/appointments/",
        scheduling_api.PatientAppointments.as_view(),
        name="patient-appointment-list",
    ),
    path("encounters/", billing_api.EncounterCollection.as_view(), name="encounter-list"),
    path(
        "encounters/<uuid:public_id>/",
        billing_api.EncounterItem.as_view(),
        name="encounter-detail",
    ),
    path(
        "encounters/<uuid:public_id>/superbill/",
        billing_api.EncounterSuperbill.as_view(),
        name="encounter-superbill",
    ),
    path(
        "encounters/<uuid:public_id>/sign/",
        billing_api.EncounterSign.as_view(),
        name="encounter-sign",
    ),
    path(
        "encounters/<uuid:public_id>/amend/",
        billing_api.EncounterAmend.as_view(),
        name="encounter-amend",
    ),
    path(
        "encounters/<uuid:public_id>/charges/",
        billing_api.EncounterCharges.as_view(),
        name="encounter-charge-list",
    ),
    path("charges/", billing_api.ChargeCollection.as_view(), name="charge-list"),
    # Claims and batches (billing/claim_api.py)
    path("claims/", claim_api.ClaimCollection.as_view(), name="claim-list"),
    path("claims/send/", claim_api.ClaimsSend.as_view(), name="claims-send"),
    path("claims/responses/", claim_api.ResponsesPickup.as_view(), name="claims-responses"),
    path("claims/<uuid:public_id>/", claim_api.ClaimItem.as_view(), name="claim-detail"),
    path("claims/<uuid:public_id>/resend/", claim_api.ClaimResend.as_view(), name="claim-resend"),
    path(
        "claims/<uuid:public_id>/correct/",
        claim_api.ClaimCorrect.as_view(),
        name="claim-correct",
    ),
    path("batches/", claim_api.BatchCollection.as_view(), name="batch-list"),
]

# The billers' work on claims after they go out (billing/work_api.py).
urlpatterns += [
    path("claims/queues/<slug:queue>/", work_api.ClaimQueue.as_view(), name="claim-queue"),
    path("claims/<uuid:public_id>/work/", work_api.ClaimWorkItem.as_view(), name="claim-work"),
    path("claims/<uuid:public_id>/notes/", work_api.ClaimNoteCreate.as_view(), name="claim-note"),
    path(
        "claims/<uuid:public_id>/status-request/",
        work_api.ClaimStatusRequest.as_view(),
        name="claim-status-request",
    ),
    path(
        "claims/<uuid:public_id>/appeals/",
        work_api.ClaimAppealCreate.as_view(),
        name="claim-appeal-create",
    ),
    path("appeals/<uuid:public_id>/", work_api.AppealItem.as_view(), name="appeal-detail"),
    path("codes/explain/", work_api.CodeExplanation.as_view(), name="code-explain"),
    path(
        "eligibility-checks/",
        eligibility_api.CheckCollection.as_view(),
        name="eligibility-check-list",
    ),
    path(
        "eligibility-checks/<uuid:public_id>/",
        eligibility_api.CheckItem.as_view(),
        name="eligibility-check-detail",
    ),
    path(
        "patients/<uuid:public_id>/chart/",
        clinical_api.ChartSummary.as_view(),
        name="chart-summary",
    ),
    path(
        "patients/<uuid:public_id>/problems/",
        clinical_api.ProblemCollection.as_view(),
        name="problem-list",
    ),
    path(
        "patients/<uuid:public_id>/results/",
        clinical_api.ResultCollection.as_view(),
        name="result-list",
    ),
    path(
        "results/<uuid:public_id>/review/",
        clinical_api.ResultReview.as_view(),
        name="result-review",
    ),
    path(
        "patients/<uuid:public_id>/notes/", clinical_api.NoteCollection.as_view(), name="note-list"
    ),
    path("notes/<uuid:public_id>/", clinical_api.NoteItem.as_view(), name="note-detail"),
    path("notes/<uuid:public_id>/sign/", clinical_api.NoteSign.as_view(), name="note-sign"),
    path(
        "notes/<uuid:public_id>/addenda/", clinical_api.NoteAddendum.as_view(), name="note-addendum"
    ),
    # Records: documents, communications log, release of information, referrals, FHIR export
    path(
        "patients/<uuid:public_id>/documents/",
        records_api.PatientDocuments.as_view(),
        name="patient-document-list",
    ),
    path("documents/<uuid:public_id>/", records_api.DocumentItem.as_view(), name="document-detail"),
    path(
        "documents/<uuid:public_id>/file/", records_api.DocumentFile.as_view(), name="document-file"
    ),
    path(
        "patients/<uuid:public_id>/communications/",
        records_api.PatientCommunications.as_view(),
        name="patient-communication-list",
    ),
    path(
        "communications/<uuid:public_id>/answer/",
        records_api.CommunicationAnswer.as_view(),
        name="communication-answer",
    ),
    path(
        "patients/<uuid:public_id>/roi-requests/",
        records_api.PatientRoiRequests.as_view(),
        name="patient-roi-list",
    ),
    path("roi-requests/<uuid:public_id>/", records_api.RoiRequestItem.as_view(), name="roi-detail"),
    path(
        "roi-requests/<uuid:public_id>/identity-checks/",
        records_api.RoiIdentityChecks.as_view(),
        name="roi-identity",
    ),
    path(
        "roi-requests/<uuid:public_id>/prepare/",
        records_api.RoiPrepare.as_view(),
        name="roi-prepare",
    ),
    path(
        "roi-requests/<uuid:public_id>/release/",
        records_api.RoiRelease.as_view(),
        name="roi-release",
    ),
    path(
        "patients/<uuid:public_id>/disclosures/",
        records_api.PatientDisclosures.as_view(),
        name="patient-disclosure-list",
    ),
    path(
        "patients/<uuid:public_id>/referrals/",
        records_api.PatientReferrals.as_view(),
        name="patient-referral-list",
    ),
    path("referrals/<uuid:public_id>/", records_api.ReferralItem.as_view(), name="referral-detail"),
    path(
        "referrals/<uuid:public_id>/status/",
        records_api.ReferralStatusChange.as_view(),
        name="referral-status",
    ),
    path(
        "patients/<uuid:public_id>/fhir/",
        records_api.PatientFhirExport.as_view(),
        name="patient-fhir-export",
    ),
    path("inventory/items/", inventory_api.ItemCollection.as_view(), name="item-list"),
    path(
        "inventory/items/<uuid:public_id>/stock/",
        inventory_api.ItemStock.as_view(),
        name="item-stock",
    ),
    path(
        "inventory/items/<uuid:public_id>/movements/",
        inventory_api.ItemMovements.as_view(),
        name="item-movements",
    ),
    path("inventory/orders/", inventory_api.OrderCollection.as_view(), name="order-list"),
    path(
        "inventory/orders/<uuid:public_id>/",
        inventory_api.OrderItem.as_view(),
        name="order-detail",
    ),
    path(
        "inventory/orders/<uuid:public_id>/receive/",
        inventory_api.OrderReceive.as_view(),
        name="order-receive",
    ),
    path(
        "inventory/orders/<uuid:public_id>/approve/",
        inventory_api.OrderApprove.as_view(),
        name="order-approve",
    ),
    path(
        "inventory/equipment/", inventory_api.EquipmentCollection.as_view(), name="equipment-list"
    ),
    path("tasks/", worklist_api.TaskCollection.as_view(), name="task-list"),
    path("era/", payments_api.EraCollection.as_view(), name="era-list"),
    path("era/<uuid:public_id>/", payments_api.EraItem.as_view(), name="era-detail"),
    path(
        "patients/<uuid:public_id>/ledger/",
        payments_api.AccountLedger.as_view(),
        name="patient-ledger",
    ),
    path("suspense/", payments_api.SuspenseCollection.as_view(), name="suspense-list"),
    # Patient accounts: balances, desk payments, statements, plans, refunds (accounts/api.py)
    path(
        "patients/<uuid:public_id>/account/",
        accounts_api.PatientAccount.as_view(),
        name="patient-account",
    ),
    path(
        "patients/<uuid:public_id>/payments/",
        accounts_api.PatientPayments.as_view(),
        name="patient-payment-list",
    ),
    path(
        "patients/<uuid:public_id>/statements/",
        accounts_api.PatientStatements.as_view(),
        name="patient-statement-list",
    ),
    path(
        "patients/<uuid:public_id>/plans/",
        accounts_api.PatientPlans.as_view(),
        name="patient-plan-list",
    ),
    path(
        "patients/<uuid:public_id>/refunds/",
        accounts_api.PatientRefunds.as_view(),
        name="patient-refund-list",
    ),
    path(
        "refunds/<uuid:public_id>/decision/",
        accounts_api.RefundDecision.as_view(),
        name="refund-decision",
    ),
    path("statements/run/", accounts_api.StatementRunApi.as_view(), name="statement-run"),
    path(
        "suspense/<uuid:public_id>/match/",
        payments_api.SuspenseMatch.as_view(),
        name="suspense-match",
    ),
]
