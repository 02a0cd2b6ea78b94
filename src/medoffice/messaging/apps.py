from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "medoffice.messaging"
    label = "messaging"
    verbose_name = "Messages to patients"

    def ready(self) -> None:
        from medoffice.messaging import listeners, replies
        from medoffice.messaging.models import Purpose
        from medoffice.scheduling.events import appointment_changing, waitlist_news

        appointment_changing.connect(
            listeners.notify_patient_of_change, dispatch_uid="messaging.notify_patient"
        )
        waitlist_news.connect(listeners.tell_waiting_patient, dispatch_uid="messaging.waitlist")
        replies.register_reply_handler(Purpose.REMINDER, replies.reminder_reply)
        replies.register_reply_handler(Purpose.WAITLIST_OFFER, replies.waitlist_offer_reply)
