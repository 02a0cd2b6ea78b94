"""Pages of ERA posting and the suspense queue (the biller's)."""

from django.urls import path

from medoffice.payments import views

app_name = "payments"

urlpatterns = [
    path("payments/era/", views.era_list, name="era-list"),
    path("payments/era/upload/", views.era_upload, name="era-upload"),
    path("payments/era/<uuid:public_id>/", views.era_detail, name="era-detail"),
    path("payments/suspense/", views.suspense_list, name="suspense-list"),
    path("payments/suspense/<uuid:public_id>/match/", views.suspense_match, name="suspense-match"),
    path("payments/suspense/<uuid:public_id>/close/", views.suspense_close, name="suspense-close"),
]
