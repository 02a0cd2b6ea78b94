from django.urls import path

from medoffice.interop import views

app_name = "interop"

urlpatterns = [
    path("interfaces/messages/", views.message_log, name="message-log"),
    path("interfaces/messages/<uuid:public_id>/", views.inbound_detail, name="inbound-detail"),
    path("interfaces/review/", views.review_queue, name="review-queue"),
    path("interfaces/review/<uuid:public_id>/", views.review_detail, name="review-detail"),
    path(
        "interfaces/review/<uuid:public_id>/match/", views.inbound_match_view, name="inbound-match"
    ),  # fmt: skip
    path(
        "interfaces/review/<uuid:public_id>/reject/",
        views.inbound_dismiss_view,
        name="inbound-dismiss",
    ),  # fmt: skip
]
