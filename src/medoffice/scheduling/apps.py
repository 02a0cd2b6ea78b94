from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "medoffice.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        from medoffice.patients.services import MERGE_HOOKS
        from medoffice.scheduling import waitlist
        from medoffice.scheduling.services import holds_follow_merge

        if holds_follow_merge not in MERGE_HOOKS:
            MERGE_HOOKS.append(holds_follow_merge)
        waitlist.connect()
