from django.urls import path

from medoffice.patients import views

app_name = "patients"

urlpatterns = [
    path("search/", views.patient_search, name="patient-search"),
    path("new/", views.patient_register, name="patient-register"),
    path("<uuid:public_id>/", views.patient_detail, name="patient-detail"),
    path("<uuid:public_id>/edit/", views.patient_edit, name="patient-edit"),
    path("<uuid:public_id>/ssn/", views.patient_ssn, name="patient-ssn"),
    path("<uuid:public_id>/merge/", views.patient_merge, name="patient-merge"),
    path("<uuid:public_id>/insurance/", views.coverage_list, name="coverage-list"),
    path("<uuid:public_id>/insurance/new/", views.coverage_add, name="coverage-add"),
    path("<uuid:public_id>/consents/", views.consent_list, name="consent-list"),
    path("<uuid:public_id>/consents/new/", views.consent_add, name="consent-add"),
    path("consents/<uuid:public_id>/revoke/", views.consent_revoke, name="consent-revoke"),
    path("coverage/<uuid:public_id>/edit/", views.coverage_edit, name="coverage-edit"),
    path("coverage/<uuid:public_id>/card/<str:side>/", views.coverage_card, name="coverage-card"),
]
