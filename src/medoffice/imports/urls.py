from django.urls import path

from medoffice.imports import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.run_list, name="run-list"),
    path("imports/fhir/", views.fhir_upload, name="fhir-upload"),
    path("imports/<uuid:public_id>/", views.run_detail, name="run-detail"),
    path("imports/<uuid:public_id>/decision/", views.fhir_decision, name="fhir-decision"),
    path("imports/csv/", views.csv_upload_view, name="csv-upload"),
    path("imports/csv/<uuid:public_id>/columns/", views.csv_map, name="csv-map"),
    path("imports/csv/<uuid:public_id>/commit/", views.csv_commit_view, name="csv-commit"),
]
