"""What a stored document is, by its content: type, pages, text, thumbnail; and reading it back
only when its SHA-256 still matches (SECURITY.md WB-03, DP-04).

The name a file arrives with is never trusted: the type comes from the magic bytes
and from parsing the whole file (a PDF must open in pypdf, an image in Pillow), so
a renamed or truncated file is refused with the reason.
"""

import hashlib
import logging
import struct
import warnings
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from medoffice.records.errors import DocumentIntegrityError
from medoffice.records.models import DocumentKind

logger = logging.getLogger(__name__)

MAGIC = (
    (b"%PDF-", DocumentKind.PDF),
    (b"II*\x00", DocumentKind.TIFF),
    (b"MM\x00*", DocumentKind.TIFF),
    (b"\xff\xd8\xff", DocumentKind.JPEG),
    (b"\x89PNG\r\n\x1a\n", DocumentKind.PNG),
)
CONTENT_TYPES = {
    DocumentKind.PDF: "application/pdf",
    DocumentKind.TIFF: "image/tiff",
    DocumentKind.JPEG: "image/jpeg",
    DocumentKind.PNG: "image/png",
}
EXTENSIONS = {
    DocumentKind.PDF: ".pdf",
    DocumentKind.TIFF: ".tif",
    DocumentKind.JPEG: ".jpg",
    DocumentKind.PNG: ".png",
}
_ACTIVE_MARKERS = (b"<html", b"<script", b"<svg", b"<!doctype")
MAX_PAGES = 2000
MAX_TEXT = 500_000
THUMBNAIL_WIDTH = 160
VIEW_WIDTH = 900
# Pillow refuses images above this many pixels (decompression bombs): 12,000 x 12,000.
Image.MAX_IMAGE_PIXELS = 144_000_000


@dataclass(frozen=True)
class Inspected:
    kind: str
    pages: int
    sha256: str
    size: int
    text: str


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _refuse(message: str, code: str):
    raise ValidationError(message, code=code)


def inspect(data: bytes) -> Inspected:
    """Check an upload by its content; ValidationError with the reason if it is not accepted."""
    limit = settings.MEDOFFICE_MAX_UPLOAD_BYTES
    if len(data) > limit:
        _refuse(f"The file is larger than {limit // (1024 * 1024)} MB.", "too_large")
    if not data:
        _refuse("The file is empty.", "empty")
    kind = next((k for magic, k in MAGIC if data.startswith(magic)), None)
    if kind is None:
        _refuse(
            "This is not a PDF, TIFF, JPEG or PNG file (its content says otherwise,"
            " whatever its name).",
            "file_type",
        )
    if any(marker in data[:4096].lower() for marker in _ACTIVE_MARKERS):
        _refuse("The file carries web page markup: it is refused.", "file_type")
    if kind == DocumentKind.PDF:
        pages, text = _inspect_pdf(data)
    else:
        pages, text = _inspect_image(data, kind), ""
    return Inspected(kind=kind, pages=pages, sha256=sha256_of(data), size=len(data), text=text)


def _inspect_pdf(data: bytes) -> tuple[int, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(BytesIO(data), strict=False)
            if reader.is_encrypted:
                _refuse(
                    "The PDF is password-protected: ask the sender for an unprotected copy.",
                    "encrypted",
                )
            pages = len(reader.pages)
            if pages == 0:
                _refuse("The PDF has no pages.", "corrupt")
            if pages > MAX_PAGES:
                _refuse(f"The PDF has more than {MAX_PAGES} pages.", "too_large")
            chunks, length = [], 0
            for page in reader.pages:
                chunk = page.extract_text() or ""
                chunks.append(chunk)
                length += len(chunk)
                if length > MAX_TEXT:
                    break
    except ValidationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise ValidationError(
            "The PDF is damaged and cannot be read (" + type(exc).__name__ + ").", code="corrupt"
        ) from exc
    text = "\n".join(chunks)[:MAX_TEXT].replace("\x00", "")
    return pages, text.strip()


def _inspect_image(data: bytes, kind: str) -> int:
    try:
        with warnings.catch_warnings(), Image.open(BytesIO(data)) as image:
            warnings.simplefilter("ignore")
            if image.format.lower() != ("jpeg" if kind == DocumentKind.JPEG else kind):
                _refuse("The file's content does not match its type.", "file_type")
            frames = getattr(image, "n_frames", 1)
            if frames > MAX_PAGES:
                _refuse(f"The image has more than {MAX_PAGES} pages.", "too_large")
            for index in range(frames):
                image.seek(index)
                image.load()  # decodes every frame: a truncated file fails here
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        raise ValidationError("The image is too large to open.", code="too_large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, TypeError,
            KeyError, IndexError, struct.error) as exc:  # fmt: skip
        # Pillow's decoders raise all of these for damaged files.
        raise ValidationError(
            "The image is damaged and cannot be read (" + type(exc).__name__ + ").",
            code="corrupt",
        ) from exc
    return frames


def render_page(data: bytes, kind: str, page: int, *, width: int) -> bytes:
    """Page `page` (0-based) as a PNG `width` pixels wide."""
    if kind == DocumentKind.PDF:
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(data)
        try:
            pdf_page = document[page]
            scale = width / pdf_page.get_width()
            image = pdf_page.render(scale=scale).to_pil()
        finally:
            document.close()
    else:
        with Image.open(BytesIO(data)) as source:
            source.seek(page)
            image = source.convert("RGB")
            image.thumbnail((width, width * 4))
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def thumbnail(data: bytes, kind: str) -> bytes | None:
    """The first page, small; None (and a log line without PHI) if it cannot be drawn."""
    try:
        return render_page(data, kind, 0, width=THUMBNAIL_WIDTH)
    except Exception as exc:  # a thumbnail is a convenience: never refuse a filing for it
        logger.warning("No thumbnail drawn (%s)", type(exc).__name__)
        return None


def read_verified(field_file, expected_sha256: str, *, what: str = "document") -> bytes:
    """The stored bytes, after checking them against the digest taken when they were filed."""
    with field_file.open("rb") as handle:
        data = handle.read()
    if sha256_of(data) != expected_sha256:
        raise DocumentIntegrityError(
            f"The stored {what} no longer matches the fingerprint taken when it was filed;"
            " it was not served. Tell the privacy officer."
        )
    return data
