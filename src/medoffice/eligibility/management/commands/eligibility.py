"""`medoffice eligibility run|collect|strays`: the batch before the visits, the pickup of
271s from the clearinghouse, and the answers that could not be applied."""

import json

from django.core.management.base import BaseCommand, CommandError

from medoffice.core.context import Actor, acting_as


class Command(BaseCommand):
    help = "Eligibility (270/271): run the batch, collect answers, list stray answers."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="ask about the booked visits of the next days")
        run.add_argument("--days", type=int, default=2, help="today and this many days ahead")
        run.add_argument(
            "--queue", action="store_true", help="hand the batch to the background worker"
        )
        sub.add_parser("collect", help="pick up 271s waiting at the gateway (the inbox)")
        sub.add_parser("strays", help="list the 271s set aside, with the reason")

    def handle(self, *args, **options) -> None:
        from medoffice.eligibility import services, tasks
        from medoffice.eligibility.models import StrayResponse

        action = options["action"]
        with acting_as(Actor(None, "medoffice eligibility", "")):
            if action == "run":
                days = options["days"]
                if not 0 <= days <= 14:
                    raise CommandError("--days must be between 0 and 14")
                if options["queue"]:
                    result = tasks.run_batch.enqueue(days)
                    self.stdout.write(f"Queued the batch for {days} days ahead ({result.id}).")
                    return
                counts = services.batch_run(days=days)
            elif action == "collect":
                counts = services.responses_collect()
            else:
                for stray in StrayResponse.objects.all()[:50]:
                    self.stdout.write(
                        f"{stray.received_at:%Y-%m-%d %H:%M} {stray.source}: {stray.reason}"
                    )
                return
        self.stdout.write(json.dumps(counts))
