"""Create the demo practice "Riverside Family Medicine" (idempotent). Demo data only."""

from django.core.management.base import BaseCommand

from medoffice.patients.synthetic import DEMO_PASSWORD, DEMO_SEED, load_demo


class Command(BaseCommand):
    help = "Create the demo practice with staff logins and synthetic patients (once)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEMO_SEED)
        parser.add_argument("--patients", type=int, default=2000)

    def handle(self, *args, seed: int, patients: int, **options):
        summary = load_demo(seed=seed, patients=patients)
        practice = summary["practice"]
        verb = "Created" if summary["created"] else "Already present:"
        counts = ", ".join(f"{n:,} {name}" for name, n in summary["counts"].items())
        self.stdout.write(f"{verb} {practice.name}: {counts}.")
        if summary["logins"]:
            logins = ", ".join(f"{user} ({role})" for user, role in summary["logins"])
            self.stdout.write(f"Logins: {logins}.")
            if summary["created"]:
                self.stdout.write(f"Demo password for every login: {DEMO_PASSWORD} (demo only).")
                self.stdout.write(
                    "Every sign-in also takes a code from an authenticator app: the first"
                    " sign-in of each login shows a QR code to scan (or a key to type in)."
                )
