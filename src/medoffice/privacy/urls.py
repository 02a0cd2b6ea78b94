from django.urls import path

from medoffice.privacy import views

app_name = "privacy"

P = "privacy/"
urlpatterns = [
    path(P, views.home, name="home"),
    path(f"{P}risk/", views.assessment_list, name="assessment-list"),
    path(f"{P}risk/start/", views.assessment_start, name="assessment-start"),
    path(f"{P}risk/<uuid:public_id>/", views.assessment_detail, name="assessment-detail"),
    path(f"{P}risk/<uuid:public_id>/complete/", views.assessment_complete,
         name="assessment-complete"),
    path(f"{P}risk/answer/<uuid:public_id>/", views.answer_edit, name="answer-edit"),
    path(f"{P}incidents/", views.incident_list, name="incident-list"),
    path(f"{P}incidents/new/", views.incident_add, name="incident-add"),
    path(f"{P}incidents/<uuid:public_id>/", views.incident_detail, name="incident-detail"),
    path(f"{P}incidents/<uuid:public_id>/edit/", views.incident_edit, name="incident-edit"),
    path(f"{P}incidents/<uuid:public_id>/scope/", views.incident_scope, name="incident-scope"),
    path(f"{P}incidents/<uuid:public_id>/assess/", views.incident_assess,
         name="incident-assess"),
    path(f"{P}incidents/<uuid:public_id>/notices/", views.incident_notices,
         name="incident-notices"),
    path(f"{P}incidents/<uuid:public_id>/letters.pdf", views.incident_letters,
         name="incident-letters"),
    path(f"{P}incidents/<uuid:public_id>/notices.csv", views.incident_export,
         name="incident-export"),
    path(f"{P}workforce/", views.workforce, name="workforce"),
    path(f"{P}workforce/training/", views.training_add, name="training-add"),
    path(f"{P}workforce/policies/", views.policy_add, name="policy-add"),
    path("policies/", views.my_policies, name="my-policies"),
    path("policies/<uuid:public_id>/acknowledge/", views.policy_ack, name="policy-ack"),
    path(f"{P}associates/", views.baa_list, name="baa-list"),
    path(f"{P}associates/new/", views.baa_add, name="baa-add"),
    path(f"{P}associates/<uuid:public_id>/", views.baa_edit, name="baa-edit"),
]  # fmt: skip
