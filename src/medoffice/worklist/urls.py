from django.urls import path

from medoffice.worklist import views

app_name = "worklist"

urlpatterns = [
    path("tasks/", views.task_list, name="task-list"),
    path("tasks/<uuid:public_id>/done/", views.task_done, name="task-done"),
]
