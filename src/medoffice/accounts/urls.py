from django.urls import path

from medoffice.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/patients/<uuid:public_id>/", views.patient_account, name="patient-account"),
    path("accounts/patients/<uuid:public_id>/payment/", views.payment_take, name="payment-take"),
    path("accounts/patients/<uuid:public_id>/plans/", views.plan_create, name="plan-create"),
    path("accounts/plans/<uuid:public_id>/cancel/", views.plan_cancel, name="plan-cancel"),
    path(
        "accounts/patients/<uuid:public_id>/refunds/",
        views.refund_request,
        name="refund-request",
    ),
    path("accounts/refunds/", views.refund_list, name="refund-list"),
    path("accounts/refunds/<uuid:public_id>/decide/", views.refund_decide, name="refund-decide"),
    path("accounts/day-close/", views.day_close, name="day-close"),
    path("accounts/day-close/<uuid:public_id>/", views.day_close_detail, name="day-close-detail"),
    path(
        "accounts/day-close/<uuid:public_id>/deposit-slip.pdf",
        views.deposit_slip,
        name="deposit-slip-pdf",
    ),
    path("accounts/statements/", views.statement_run_page, name="statement-run"),
    path("accounts/statements/run/", views.statement_run_send, name="statement-run-send"),
    path("accounts/receipts/<uuid:public_id>.pdf", views.receipt_pdf, name="receipt-pdf"),
    path("accounts/receipts/<uuid:public_id>/email", views.receipt_send, name="receipt-send"),
    path("accounts/statements/<uuid:public_id>.pdf", views.statement_pdf, name="statement-pdf"),
]
