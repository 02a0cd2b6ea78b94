from django.urls import path

from medoffice.imports import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.run_list, name="run-list"),
    path("imports/fhir/", views.fhir_upload, name="fhir-upload"),
    path("imports/<uuid:public_id>/", views.run_detail, name="run-detail"),
]
