from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "medoffice.messaging"
    label = "messaging"
    verbose_name = "Messages to patients"

    def ready(self) -> None:
        from medoffice.messaging import listeners, replies
        from medoffice.messaging.models import Purpose
        from medoffice.scheduling.events import appointment_changed

        appointment_changed.connect(
            listeners.notify_patient_of_change, dispatch_uid="messaging.notify_patient"
        )
        replies.register_reply_handler(Purpose.REMINDER, replies.reminder_reply)
