"""SMART discovery and Bulk Data export under the FHIR base (/fhir/); Group itself is a
resource type of the FHIR API (interop/fhir/resources/group.py)."""

from django.urls import path

from medoffice.interop.smart import fhir_views, views

app_name = "smart"

urlpatterns = [
    path(
        ".well-known/smart-configuration",
        views.smart_configuration,
        name="fhir-smart-configuration",
    ),  # fmt: skip
    path("$export", fhir_views.export_all, name="export"),
    path("Patient/$export", fhir_views.export_patients, name="export-patients"),
    path("Group/<str:group_id>/$export", fhir_views.export_group, name="export-group"),
    path("$export-status/<str:public_id>", fhir_views.export_status, name="export-status"),
    path("$export-file/<str:public_id>", fhir_views.export_file, name="export-file"),
]
