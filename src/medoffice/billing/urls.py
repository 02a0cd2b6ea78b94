from django.urls import path

from medoffice.billing import claim_views, views, work_views

app_name = "billing"

urlpatterns = [
    path("billing/encounters/", views.encounter_list, name="encounter-list"),
    path("billing/queue/", views.coding_queue, name="queue"),
    path("billing/codes/", views.code_lookup, name="code-search"),
    path("billing/encounters/<uuid:public_id>/", views.encounter_detail, name="encounter-detail"),
    path("billing/encounters/<uuid:public_id>/save/", views.encounter_save, name="encounter-save"),
    path("billing/encounters/<uuid:public_id>/sign/", views.encounter_sign, name="encounter-sign"),
    path(
        "billing/encounters/<uuid:public_id>/correct/",
        views.encounter_amend,
        name="encounter-amend",
    ),
    path(
        "billing/encounters/<uuid:public_id>/superbill.pdf",
        views.encounter_pdf,
        name="encounter-pdf",
    ),
    path(
        "billing/encounters/<uuid:public_id>/receipt.pdf",
        views.encounter_receipt,
        name="encounter-receipt",
    ),
]

# The billers' work on claims after they go out (billing/work_views.py).
urlpatterns += [
    path("billing/claims/work/", work_views.work_home, name="claim-work-home"),
    path("billing/claims/work/<slug:queue>/", work_views.claim_queue, name="claim-queue"),
    path("billing/claims/<uuid:public_id>/work/", work_views.claim_work_page, name="claim-work"),
    path("billing/claims/<uuid:public_id>/note/", work_views.claim_note, name="claim-note"),
    path("billing/claims/<uuid:public_id>/assign/", work_views.claim_assign, name="claim-assign"),
    path("billing/claims/<uuid:public_id>/close/", work_views.claim_close, name="claim-close"),
    path(
        "billing/claims/<uuid:public_id>/status-request/",
        work_views.claim_status_request,
        name="claim-status-request",
    ),
    path("billing/claims/<uuid:public_id>/appeal/", work_views.appeal_start, name="appeal-start"),
    path(
        "billing/claims/<uuid:public_id>/cms1500.pdf",
        work_views.claim_cms1500,
        name="claim-cms1500-pdf",
    ),
    path("billing/claims/paper/cms1500.pdf", work_views.paper_claims_pdf, name="paper-claims"),
    path(
        "billing/claims/paper/mailed/", work_views.paper_claims_mailed, name="paper-claims-mailed"
    ),
    path("billing/appeals/<uuid:public_id>/", work_views.appeal_detail, name="appeal-detail"),
    path(
        "billing/appeals/<uuid:public_id>/letter.pdf",
        work_views.appeal_letter,
        name="appeal-letter-pdf",
    ),
    path(
        "billing/appeals/<uuid:public_id>/<slug:step>/",
        work_views.appeal_update,
        name="appeal-update",
    ),
]

# Claims and the clearinghouse exchange (billing/claim_views.py).
urlpatterns += [
    path("billing/claims/", claim_views.claim_list, name="claim-list"),
    path("billing/claims/send/", claim_views.claims_send, name="claims-send"),
    path("billing/claims/responses/", claim_views.responses_check, name="responses-check"),
    path("billing/claims/<uuid:public_id>/", claim_views.claim_detail, name="claim-detail"),
    path("billing/claims/<uuid:public_id>/resend/", claim_views.claim_resend, name="claim-resend"),
    path(
        "billing/claims/<uuid:public_id>/correct/",
        claim_views.claim_correct,
        name="claim-correct",
    ),
    path("billing/batches/", claim_views.batch_list, name="batch-list"),
    path("billing/files/<uuid:public_id>/", claim_views.exchange_file, name="exchange-file"),
]
