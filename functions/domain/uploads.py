"""Start from a photo: the images a user uploads and names on a request (`image`, `lastFrame`).

Pure rules only. The bytes are read by an adapter (adapters/uploads.py) and parsed and
re-encoded by another (adapters/image_codec.py); what they find comes here as `ImageFacts`,
and the decision (use it, or which refusal) is made here, the same in every handler.

Limits (Google's docs, checked on CHECKED_ON, see docs/veo-protocol.md "Image input"):
- Vertex takes `image` / `lastFrame` as `{bytesBase64Encoded | gcsUri, mimeType}` with
  mimeType `image/jpeg` or `image/png` only; we also accept WebP uploads (phones make them)
  and send every image re-encoded as JPEG or PNG, which also drops EXIF/GPS/XMP.
- "Maximum image size uploaded or sent in a request (image-to-video generation): 20 MB":
  our own upload cap (10 MiB, storage.rules) is below it.
- Veo fits the image to the requested 16:9 or 9:16 frame; an image of the other orientation
  (or square) would be cropped to a sliver or padded: refused before any token moves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .errors import ErrorCode, Failure, failure

CHECKED_ON = date(2026, 12, 4)

UPLOADS_PREFIX = "uploads/"
UPLOAD_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,128}")
# What storage.rules accepts as the object's content type (and what the app may send).
UPLOAD_CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # 10 MiB; Veo's own limit is 20 MB
VEO_MAX_IMAGE_BYTES = 20 * 1000 * 1000  # what Vertex refuses above (the stand-in too)
# What Vertex takes as an image's mimeType: everything we send is re-encoded to one of them.
VEO_IMAGE_MIME_TYPES = ("image/jpeg", "image/png")

# Pixels: small enough to refuse a decompression bomb before decoding it (a 10 MiB PNG can
# claim billions of pixels), large enough for any phone camera; at least a 360p picture on
# the short side (Veo upscales to 720p/1080p: below that it is mush the user paid for).
MIN_SHORT_SIDE = 360
MAX_LONG_SIDE = 8192
MAX_PIXELS = 40_000_000

# width / height an image may have for each requested aspect ratio (16:9 is 1.78).
ASPECT_BOUNDS: dict[str, tuple[float, float]] = {
    "16:9": (1.25, 2.5),
    "9:16": (0.4, 0.8),
}

# An upload no creation names within this long is deleted by the sweep.
UNUSED_UPLOAD_TTL = timedelta(hours=24)
IMAGE_FIELDS = ("image", "lastFrame")


class ImageFormat(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"


@dataclass(frozen=True)
class ImageInput:
    """An image as it is sent to Veo: clean bytes (re-encoded, no metadata) and their type."""

    data: bytes
    mime_type: str


@dataclass(frozen=True)
class ImageFacts:
    """What the codec found in the bytes (never what the upload's content type claims)."""

    format: ImageFormat
    width: int
    height: int


def upload_path(user_id: str, upload_id: str) -> str:
    return f"{UPLOADS_PREFIX}{user_id}/{upload_id}"


def parse_upload_path(path: object) -> tuple[str, str] | None:
    """(uid, uploadId) of a well-formed `uploads/{uid}/{uploadId}`, else None."""
    if not isinstance(path, str):
        return None
    parts = path.split("/")
    if len(parts) != 3 or parts[0] != UPLOADS_PREFIX.rstrip("/"):
        return None
    uid, upload_id = parts[1], parts[2]
    if not uid or uid in (".", "..") or len(uid) > 128 or UPLOAD_ID_PATTERN.fullmatch(upload_id) is None:
        return None
    return uid, upload_id


def path_problem(path: object, user_id: str) -> str | None:
    """Why a request's `image` / `lastFrame` value cannot be used (None when it can)."""
    parsed = parse_upload_path(path)
    if parsed is None:
        return "must be uploads/{your uid}/{uploadId}, uploadId 1 to 128 characters among A-Z, a-z, 0-9, _ and -."
    if parsed[0] != user_id:
        return "must name one of your own uploads."
    return None


def image_failure(
    field: str, facts: ImageFacts | None, aspect_ratio: str, size_bytes: int | None = None
) -> Failure | None:
    """The refusal for an uploaded image that was read (`facts` None: it is not an image the
    codec could decode), or None when Veo may be given it for a video of `aspect_ratio`."""
    if size_bytes is not None and size_bytes > MAX_UPLOAD_BYTES:
        return failure(ErrorCode.IMAGE_TOO_LARGE, f"{field}: at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB.")
    if facts is None:
        return failure(ErrorCode.IMAGE_INVALID, f"{field}: not a JPEG, PNG or WebP image that can be decoded.")
    short, long = sorted((facts.width, facts.height))
    if short < MIN_SHORT_SIDE:
        return failure(
            ErrorCode.IMAGE_TOO_SMALL, f"{field}: {facts.width}x{facts.height}, at least {MIN_SHORT_SIDE} px a side."
        )
    if long > MAX_LONG_SIDE or facts.width * facts.height > MAX_PIXELS:
        return failure(
            ErrorCode.IMAGE_TOO_LARGE,
            f"{field}: {facts.width}x{facts.height}, at most {MAX_LONG_SIDE} px a side "
            f"and {MAX_PIXELS // 1_000_000} megapixels.",
        )
    low, high = ASPECT_BOUNDS[aspect_ratio]
    if not low <= facts.width / facts.height <= high:
        shape = "landscape" if aspect_ratio == "16:9" else "portrait"
        return failure(
            ErrorCode.IMAGE_ASPECT,
            f"{field}: {facts.width}x{facts.height} does not fit a {aspect_ratio} video; use a {shape} image "
            f"(width/height between {low} and {high}).",
        )
    return None


def missing_failure(field: str) -> Failure:
    return failure(ErrorCode.IMAGE_NOT_FOUND, f"{field}: no such upload.")


def not_owned_failure(field: str) -> Failure:
    return failure(ErrorCode.IMAGE_NOT_FOUND, f"{field}: not one of your uploads.")


def referenced_uploads(creation: dict | None) -> list[str]:
    """The uploads a creation document names (well-formed ones only)."""
    if not isinstance(creation, dict):
        return []
    return [creation[f] for f in IMAGE_FIELDS if parse_upload_path(creation.get(f)) is not None]
