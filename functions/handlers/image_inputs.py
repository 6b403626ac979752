"""The photos a request names (`image`, `lastFrame`): checked before any token moves, and
cleaned just before Veo is asked. A step of startgeneration and startveo, like poster_step is
of finalize.

Checked in startgeneration (nothing charged yet, so a refusal costs nothing): the object
exists, is the requester's (the path names their uid; the rules say so too), is really a
JPEG, PNG or WebP (decoded, whatever its content type says), within the pixel bounds, and
its shape fits the requested aspect. In startveo the bytes are read again and re-encoded
without metadata (adapters/image_codec.py): what Veo gets is never the user's file.
"""

from __future__ import annotations

from functools import partial

from adapters import log
from adapters.retry import with_retries
from domain import uploads
from domain.contract import GenerationRequest
from domain.errors import ErrorCode, ExternalServiceError, Failure, failure
from domain.uploads import ImageInput
from ports import Services

# The job fields (Cloud Tasks carries the paths, never the bytes: a task holds 1 MB at most).
JOB_FIELDS = {"image": "image", "lastFrame": "lastFrame"}


def check(request: GenerationRequest, services: Services) -> Failure | None:
    """Why the request's images cannot be used, or None. Storage that keeps failing past the
    retry budget refuses the request too (nothing was charged: the user may simply retry)."""
    for field, path in request.images:
        problem = uploads.path_problem(path, request.user_id)
        if problem:
            return uploads.not_owned_failure(field)
        try:
            upload = _read(path, services)
        except ExternalServiceError as exc:
            log.image_unreadable(request.creation_id, field, str(exc))
            return failure(ErrorCode.GENERATION_FAILED, "The photo could not be read; try again.")
        if upload is None:
            return uploads.missing_failure(field)
        facts = None if len(upload.data) > uploads.MAX_UPLOAD_BYTES else _images(services).inspect(upload.data)
        refused = uploads.image_failure(field, facts, request.aspect_ratio, len(upload.data))
        if refused:
            return refused
    return None


def clean_for_veo(creation_id: str, job: dict, services: Services) -> dict[str, ImageInput] | Failure:
    """{"image": ..., "last_frame": ...} as Veo is sent them, or the failure of a photo that
    is gone or no longer an image since it was checked (the tokens are then refunded).
    Raises ExternalServiceError when storage keeps failing (the start is retried later)."""
    cleaned: dict[str, ImageInput] = {}
    for field, keyword in (("image", "image"), ("lastFrame", "last_frame")):
        path = job.get(field)
        if not path:
            continue
        upload = _read(path, services)
        if upload is None or len(upload.data) > uploads.MAX_UPLOAD_BYTES:
            return failure(ErrorCode.GENERATION_FAILED, "The photo is no longer available.")
        codec = _images(services)
        if codec.inspect(upload.data) is None:
            return failure(ErrorCode.GENERATION_FAILED, "The photo is no longer available.")
        try:
            cleaned[keyword] = codec.clean(upload.data)
        except Exception as exc:  # noqa: BLE001 — a picture that decoded once and not now
            log.image_unreadable(creation_id, field, f"{type(exc).__name__}: {exc}")
            return failure(ErrorCode.GENERATION_FAILED, "The photo could not be prepared.")
    return cleaned


def _read(path: str, services: Services):
    if services.uploads is None:
        return None  # no uploads bucket configured: no photo can exist
    store = services.uploads
    return with_retries(partial(store.read, path, uploads.MAX_UPLOAD_BYTES), services.settings.retry)


def _images(services: Services):
    if services.images is None:  # pragma: no cover — bootstrap always provides one
        raise RuntimeError("no image codec")
    return services.images
