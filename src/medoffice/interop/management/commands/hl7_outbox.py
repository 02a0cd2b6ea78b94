from django.core.management.base import BaseCommand
from django.utils import timezone

from medoffice.interop.selectors import outbound_message_list_recent, outbound_message_list_waiting
from medoffice.interop.services import feed_is_on, outbox_fill


class Command(BaseCommand):
    help = "List the HL7 messages not yet delivered (or, with --all, the latest ones)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", dest="show_all", help="the last 50 of any status"
        )

    def handle(self, *args, show_all, **options):
        if feed_is_on():
            outbox_fill()  # the changes the worker has not made into messages yet: listed too
        messages = outbound_message_list_recent() if show_all else outbound_message_list_waiting()
        if not messages:
            self.stdout.write("HL7 outbox: empty" if show_all else "HL7 outbox: nothing waiting")
            return
        # Control ids, triggers and errors only: the messages themselves hold PHI.
        for message in messages:
            made = timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M:%S")
            error = f"  {message.last_error}" if message.last_error else ""
            self.stdout.write(
                f"{made}  {message.control_id}  {message.trigger}  {message.status:<7}"
                f"  attempts {message.attempts}{error}"
            )
