from django.urls import path

from medoffice.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("login/verify/", views.mfa_verify, name="mfa-verify"),
    path("login/recovery/", views.mfa_recovery, name="mfa-recovery"),
    path("login/authenticator/", views.mfa_enrol, name="mfa-enrol"),
    path("health/", views.health, name="health"),
    path("audit/", views.audit_list, name="audit-list"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
]
