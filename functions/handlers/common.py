"""What several handlers do the same way: record a failure that was settled, set a malformed
document aside, and remove media without letting a storage error undo a settled outcome."""

from __future__ import annotations

from adapters import log
from adapters.gcs import temp_prefix_uri
from adapters.retry import with_retries
from domain.errors import ExternalServiceError
from domain.states import Status
from ports import Services


def failure_settled(
    creation_id: str,
    user_id: object,
    from_state: str | None,
    error_code: str,
    settlement,
    *,
    duration_ms: int | None = None,
    **extra,
) -> None:
    """The logs of a creation failed (and refunded) by store.fail_and_refund."""
    uid = user_id if isinstance(user_id, str) else None
    log.state_change(
        creation_id, uid, from_state, Status.FAILED, duration_ms=duration_ms, error_code=error_code, **extra
    )
    if settlement.refunded_tokens:
        log.ledger_movement(creation_id, uid, "refund", settlement.refunded_tokens)
    if settlement.user_gone:
        log.user_gone(creation_id, user_id)


def set_aside(creation_id: str, where: str, reason: str, services: Services, counter: str) -> None:
    """A document the server cannot act on safely: logged and counted, the rest goes on."""
    log.malformed_set_aside(creation_id, where, reason)
    services.store.count_malformed(counter)


def delete_media(creation_id: str, media_key: str, services: Services) -> None:
    try:
        with_retries(lambda: services.media.delete(media_key), services.settings.retry)
    except ExternalServiceError as exc:
        # Its upload intent stays: the media sweep deletes the object later.
        log.media_not_removed(creation_id, str(exc))
        return
    forget_upload(media_key, services)


def forget_upload(key: str, services: Services) -> None:
    """The object is held by its creation (or gone): the media sweep need not look at it."""
    try:
        services.store.forget_upload(key)
    except Exception as exc:  # noqa: BLE001 — a note left behind only costs the sweep one look
        log.upload_intent_not_removed(key, str(exc))


def remove_temp(creation_id: str, services: Services) -> None:
    bucket = services.settings.gcs_temp_bucket
    if not bucket:
        return
    try:
        services.temp_storage.delete_prefix(temp_prefix_uri(bucket, creation_id))
    except ExternalServiceError as exc:
        # Not worth failing a finished video over: the orphan sweep retries the clean-up.
        log.temp_media_not_removed(creation_id, str(exc))
