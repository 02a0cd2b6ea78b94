"""Pages of patient accounts and ERA posting (the biller's)."""

from django.urls import path  # noqa: F401 - routes are added with the pages

app_name = "payments"

urlpatterns: list = []
