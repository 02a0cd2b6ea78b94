"""Shared bits of the code-set commands (not a command: the name starts with "_")."""

from datetime import date

from django.core.management.base import CommandError

from medoffice.coding.errors import CodingError, ImportRefusedError
from medoffice.core.models import Practice


def parse_date(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None


def practice_id(name: str | None) -> int | None:
    """The named practice, or the only one; None when there is none (no usage ranking)."""
    practices = Practice.objects.all()
    if name:
        practices = practices.filter(name=name)
        if not practices.exists():
            raise CommandError(f"no practice named {name!r}")
    ids = list(practices.values_list("id", flat=True)[:2])
    if len(ids) > 1:
        raise CommandError("name the practice with --practice")
    return ids[0] if ids else None


def refuse(command, exc: CodingError) -> CommandError:
    """Write each bad row to stderr, return the one-line reason to raise."""
    if isinstance(exc, ImportRefusedError):
        for error in exc.errors:
            command.stderr.write(str(error))
    return CommandError(f"{exc} [{exc.code}]")
