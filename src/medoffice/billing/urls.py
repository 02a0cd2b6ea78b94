from django.urls import path

from medoffice.billing import views

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
