"""Uploads: an allow-list checked by magic bytes, a size cap, generated names (WB-03)."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

# The first bytes of each type we accept, and the extension stored for it.
_SIGNATURES = {
    "jpeg": (b"\xff\xd8\xff", ".jpg"),
    "png": (b"\x89PNG\r\n\x1a\n", ".png"),
    "pdf": (b"%PDF-", ".pdf"),
}
# Markup that browsers would render if a file were ever served inline.
_ACTIVE_MARKERS = (b"<html", b"<script", b"<svg", b"<!doctype")


def checked_upload(upload: UploadedFile, *, kinds=("jpeg", "png", "pdf")) -> UploadedFile:
    """Return the upload renamed to a generated name, or raise ValidationError."""
    if upload.size > settings.MEDOFFICE_MAX_UPLOAD_BYTES:
        limit_mb = settings.MEDOFFICE_MAX_UPLOAD_BYTES // (1024 * 1024)
        raise ValidationError(f"The file is larger than {limit_mb} MB.", code="too_large")
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    for kind in kinds:
        magic, extension = _SIGNATURES[kind]
        if head.startswith(magic):
            if any(marker in head.lower() for marker in _ACTIVE_MARKERS):
                break
            upload.name = f"{uuid.uuid4().hex}{extension}"
            return upload
    allowed = ", ".join(k.upper() for k in kinds)
    raise ValidationError(f"Only {allowed} files are accepted.", code="file_type")
