from django.urls import path

from medoffice.records import views

app_name = "records"

urlpatterns = [
    # On the patient's record (tabs and their forms)
    path("patients/<uuid:public_id>/documents/", views.document_list, name="document-list"),
    path("patients/<uuid:public_id>/documents/new/", views.document_add, name="document-add"),
    path(
        "patients/<uuid:public_id>/communications/",
        views.communication_list,
        name="communication-list",
    ),
    path(
        "patients/<uuid:public_id>/communications/new/",
        views.communication_add,
        name="communication-add",
    ),
    path(
        "patients/<uuid:public_id>/communications/send/",
        views.communication_send,
        name="communication-send",
    ),
    path("patients/<uuid:public_id>/release/", views.release_list, name="release-list"),
    path("patients/<uuid:public_id>/release/new/", views.roi_add, name="roi-add"),
    path("patients/<uuid:public_id>/disclosures/new/", views.disclosure_add, name="disclosure-add"),
    path("patients/<uuid:public_id>/accounting/", views.accounting, name="accounting-pdf"),
    path("patients/<uuid:public_id>/transfers/out/", views.transfer_out, name="transfer-out"),
    path("patients/<uuid:public_id>/transfers/in/", views.transfer_in, name="transfer-in"),
    path("patients/<uuid:public_id>/referrals/", views.referral_list, name="referral-list"),
    path("patients/<uuid:public_id>/referrals/new/", views.referral_add, name="referral-add"),
    # Records work
    path("records/documents/<uuid:public_id>/", views.document_detail, name="document-detail"),
    path("records/documents/<uuid:public_id>/file/", views.document_file, name="document-file"),
    path("records/inbox/", views.inbox, name="inbox"),
    path(
        "records/communications/<uuid:public_id>/answer/",
        views.communication_answer,
        name="communication-answer",
    ),
    path(
        "records/communications/<uuid:public_id>/done/",
        views.communication_done,
        name="communication-done",
    ),
    path("records/requests/", views.roi_queue, name="roi-queue"),
    path("records/requests/<uuid:public_id>/", views.roi_detail, name="roi-detail"),
    path("records/requests/<uuid:public_id>/identity/", views.roi_identity, name="roi-identity"),
    path(
        "records/requests/<uuid:public_id>/authorization/",
        views.roi_authorization,
        name="roi-authorization",
    ),
    path("records/requests/<uuid:public_id>/extend/", views.roi_extend, name="roi-extend"),
    path("records/requests/<uuid:public_id>/close/", views.roi_close, name="roi-close"),
    path("records/requests/<uuid:public_id>/prepare/", views.roi_prepare, name="roi-prepare"),
    path("records/requests/<uuid:public_id>/packet/", views.roi_packet, name="roi-packet-pdf"),
    path("records/requests/<uuid:public_id>/release/", views.roi_release, name="roi-release"),
    path("records/transfers/<uuid:public_id>/send/", views.transfer_send, name="transfer-send"),
    path(
        "records/transfers/<uuid:public_id>/packet/",
        views.transfer_packet,
        name="transfer-packet-pdf",
    ),
    path(
        "records/transfers/<uuid:public_id>/bundle/", views.transfer_bundle, name="transfer-bundle"
    ),
    path("records/referrals/<uuid:public_id>/", views.referral_detail, name="referral-detail"),
    path("records/referrals/<uuid:public_id>/send/", views.referral_send, name="referral-send"),
    path(
        "records/referrals/<uuid:public_id>/schedule/",
        views.referral_schedule,
        name="referral-schedule",
    ),
    path(
        "records/referrals/<uuid:public_id>/consult/",
        views.referral_consult,
        name="referral-consult",
    ),
    path(
        "records/referrals/<uuid:public_id>/status/",
        views.referral_status,
        name="referral-status",
    ),
    path(
        "records/referrals/<uuid:public_id>/letter/",
        views.referral_letter,
        name="referral-letter-pdf",
    ),
]
