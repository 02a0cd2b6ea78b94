import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from medoffice.core.api_auth import api_token_issue
from medoffice.core.context import Actor, reset_actor, set_actor
from medoffice.core.models import Practice
from medoffice.core.roles import Role
from medoffice.core.services import staff_user_create


class Command(BaseCommand):
    help = "Create a staff account with a role; optionally print an API token for it."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--practice", help="practice name (default: the only practice)")
        parser.add_argument("--api-token", action="store_true")
        parser.add_argument(
            "--no-password",
            action="store_true",
            help="a non-interactive service account (API token only)",
        )

    def handle(
        self, *args, username, role, practice=None, api_token=False, no_password=False, **options
    ):
        practices = Practice.objects.all()
        if practice:
            practices = practices.filter(name=practice)
        if practices.count() != 1:
            raise CommandError(
                "name the practice with --practice" if practices.exists() else "no such practice"
            )
        password = None
        if not no_password and not api_token:
            password = getpass.getpass("Password (12 characters or more): ")
        elif not no_password:
            password = (
                getpass.getpass("Password (empty for a token-only service account): ") or None
            )
        token = set_actor(Actor(None, "medoffice createuser", "", "", ""))
        try:
            user = staff_user_create(
                username=username, password=password, role=role, practice=practices.get()
            )
            raw = api_token_issue(user=user) if api_token else None
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                messages = [f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()]
            else:
                messages = [f"password: {' '.join(exc.messages)}"]
            raise CommandError("; ".join(messages)) from exc
        finally:
            reset_actor(token)
        self.stdout.write(f"created {username} ({role})")
        if raw:
            self.stdout.write(f"API token (shown once, store it safely): {raw}")
