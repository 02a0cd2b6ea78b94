from django.apps import AppConfig


class WorklistConfig(AppConfig):
    name = "medoffice.worklist"
    label = "worklist"
    verbose_name = "Tasks"
