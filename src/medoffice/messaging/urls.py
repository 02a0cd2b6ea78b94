from django.urls import path

from medoffice.messaging import views

app_name = "messaging"

urlpatterns = [
    path("hooks/sms/", views.sms_inbound, name="sms-inbound"),
    path("patients/<uuid:public_id>/messages/", views.patient_messages, name="message-list"),
]
