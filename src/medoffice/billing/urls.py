from django.urls import path

from medoffice.billing import claim_views, views

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
