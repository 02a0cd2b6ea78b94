from django.core.management.base import BaseCommand, CommandError

from medoffice.interop.selectors import WAITING
from medoffice.interop.services import feed_is_on, outbox_deliver


class Command(BaseCommand):
    help = "Send the HL7 messages still waiting (pending and refused), oldest first."

    def add_arguments(self, parser):
        parser.add_argument("control_ids", nargs="*", help="only these messages (MSH-10)")

    def handle(self, *args, control_ids, **options):
        if not feed_is_on():
            raise CommandError("the HL7 feed is off (MEDOFFICE_HL7_FEED=off)")
        report = outbox_deliver(statuses=WAITING, control_ids=control_ids or None)
        self.stdout.write(f"HL7 messages sent: {len(report.sent)}")
        if report.refused:
            self.stdout.write(f"refused by the receiver: {' '.join(report.refused)}")
        if report.busy:
            raise CommandError(
                "another process (a worker) is delivering the feed now; run this again shortly"
            )
        if report.held:
            raise CommandError(f"stopped at {report.held}: {report.reason}")
        if report.refused:
            raise CommandError(
                f"{len(report.refused)} message(s) refused; see `medoffice hl7 outbox`"
            )
