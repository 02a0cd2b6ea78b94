"""Fax through a pluggable gateway (settings.MEDOFFICE_FAX_BACKEND, a dotted class path).

The default, `OutboxFaxBackend`, keeps each fax in a table (Configuration -> Fax
outbox) and sends nothing: a practice connects its fax service by writing a
backend with the same `send` method and naming it in the setting.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.module_loading import import_string

from medoffice.records.files import sha256_of


@dataclass(frozen=True)
class FaxResult:
    status: str  # "queued" (held in the outbox) or "sent"
    reference: str


class OutboxFaxBackend:
    def send(self, *, to_number: str, pdf: bytes, pages: int, cover_note: str = "") -> FaxResult:
        from medoffice.records.models import FaxOutboxItem

        item = FaxOutboxItem(
            to_number=to_number, cover_note=cover_note[:200], pages=pages, sha256=sha256_of(pdf)
        )
        item.file.save(f"{item.public_id.hex}.pdf", ContentFile(pdf), save=False)
        item.save()
        return FaxResult(status="queued", reference=str(item.public_id))


def fax_backend():
    return import_string(settings.MEDOFFICE_FAX_BACKEND)()
