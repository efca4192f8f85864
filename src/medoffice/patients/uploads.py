"""Checking uploaded files by what they contain, never by their name.

A scan arrives as PDF, PNG, JPEG or TIFF. The type comes from the first bytes (magic numbers);
images must decode completely (Pillow) and a PDF must carry its end-of-file marker, so a
renamed text file, a truncated download or a half-written scan is refused before anything is
stored.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"

EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", TIFF: ".tif"}
LABELS = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", TIFF: "TIFF"}
DOCUMENT_TYPES = (PDF, PNG, JPEG, TIFF)
CARD_IMAGE_TYPES = (PNG, JPEG, PDF)

_SIGNATURES = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
)
# The PDF specification lets a reader find the header within the first 1024 bytes and the
# end-of-file marker within the last 1024.
_PDF_WINDOW = 1024
_PILLOW_FORMATS = {PNG: "PNG", JPEG: "JPEG", TIFF: "TIFF"}


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks: its bytes, real type and fingerprint."""

    data: bytes
    content_type: str
    sha256: str
    original_name: str

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def max_upload_bytes() -> int:
    return int(settings.MAX_UPLOAD_MB) * 1024 * 1024


def sniff(data: bytes) -> str | None:
    """The content type the first bytes announce, or None for anything else."""
    for signature, content_type in _SIGNATURES:
        if data.startswith(signature):
            return content_type
    if b"%PDF-" in data[:_PDF_WINDOW]:
        return PDF
    return None


def _describe(data: bytes) -> str:
    sample = data[:512]
    if not sample:
        return "it is empty"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        return "its content is not a type we accept"
    return "it contains plain text"


def _read_limited(upload: Any, limit: int) -> bytes:
    """Read at most `limit` bytes; a bigger file is refused without reading it all."""
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise ValidationError(_too_big(declared, limit))
    if hasattr(upload, "seek"):
        upload.seek(0)
    chunks, total = [], 0
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        total += len(chunk)
        if total > limit:
            raise ValidationError(_too_big(total, limit))
        chunks.append(chunk)
    return b"".join(chunks)


def _too_big(size: int, limit: int) -> str:
    return (
        f"The file is too large ({size / 1048576:.1f} MB); the limit is "
        f"{limit // 1048576} MB. Scan at a lower resolution or split the document."
    )


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-_PDF_WINDOW:]:
        raise ValidationError(
            "The PDF is incomplete or damaged (its end is missing). Save or scan it again."
        )


def _check_image(data: bytes, content_type: str) -> None:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with reportlab
        _check_image_without_pillow(data, content_type)
        return
    label = LABELS[content_type]
    damaged = ValidationError(
        f"The {label} image is damaged or incomplete and cannot be opened. Save or scan it again."
    )
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != _PILLOW_FORMATS[content_type]:
                raise damaged
            image.verify()
        # verify() checks structure only; decoding the pixels finds truncated data.
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise ValidationError(
            f"The {label} image is too large in pixels to open safely. Scan at a lower resolution."
        ) from None
    except Exception:
        raise damaged from None


def _check_image_without_pillow(data: bytes, content_type: str) -> None:
    complete = {
        PNG: data.rstrip(b"\x00").endswith(b"IEND\xaeB`\x82"),
        JPEG: b"\xff\xd9" in data[-64:],
        TIFF: len(data) > 8,
    }[content_type]
    if not complete:
        raise ValidationError(
            f"The {LABELS[content_type]} image is incomplete. Save or scan it again."
        )


def check_upload(upload: Any, *, allowed: Iterable[str] = DOCUMENT_TYPES) -> CheckedFile:
    """Read and check an uploaded file. Raises ValidationError with a message for people."""
    allowed = tuple(allowed)
    name = str(getattr(upload, "name", "") or "upload")
    data = _read_limited(upload, max_upload_bytes())
    accepted = ", ".join(LABELS[t] for t in allowed[:-1]) + f" or {LABELS[allowed[-1]]}"
    content_type = sniff(data)
    if content_type is None:
        suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        named = f"The file is named .{suffix}, but " if suffix else "This file is refused: "
        raise ValidationError(f"{named}{_describe(data)}. Upload a {accepted} file.")
    if content_type not in allowed:
        raise ValidationError(
            f"This is a {LABELS[content_type]} file; here only {accepted} is accepted."
        )
    if content_type == PDF:
        _check_pdf(data)
    else:
        _check_image(data, content_type)
    return CheckedFile(
        data=data,
        content_type=content_type,
        sha256=hashlib.sha256(data).hexdigest(),
        original_name=name[-255:],
    )
