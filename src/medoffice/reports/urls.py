from django.urls import path

from medoffice.reports import views

app_name = "reports"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/figure/", views.figure_detail, name="figure"),
    path("accounting/journal/", views.journal, name="journal"),
]
