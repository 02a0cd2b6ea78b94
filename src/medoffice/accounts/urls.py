from django.urls import path

from medoffice.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/receipts/<uuid:public_id>.pdf", views.receipt_pdf, name="receipt-pdf"),
    path("accounts/statements/<uuid:public_id>.pdf", views.statement_pdf, name="statement-pdf"),
]
