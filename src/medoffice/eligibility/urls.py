from django.urls import path

from medoffice.eligibility import views

app_name = "eligibility"

urlpatterns = [
    path("eligibility/", views.check_list, name="check-list"),
    path("eligibility/<uuid:public_id>/", views.check_detail, name="check-detail"),
    path(
        "patients/coverage/<uuid:public_id>/eligibility/",
        views.coverage_checks,
        name="coverage-checks",
    ),
    path(
        "patients/coverage/<uuid:public_id>/eligibility/run/",
        views.coverage_check_run,
        name="coverage-check-run",
    ),
    path(
        "schedule/appointments/<uuid:public_id>/eligibility/",
        views.appointment_check_run,
        name="appointment-check-run",
    ),
]
