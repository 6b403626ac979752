"""The ports: what the handlers need from the world, as `typing.Protocol`s.

Production implements them in adapters/ (wired by bootstrap.py); the handler tests implement
them in memory (tests/handlers/fakes.py) on the same domain plans (domain/ledger.py), so a
money decision is the same in both. A module can satisfy a Protocol: adapters.store and
adapters.tasks are used as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, Protocol

from domain import ledger
from domain.admission import QueueEstimate, StartClaim
from domain.errors import Failure
from domain.generation import VeoOutcome
from domain.media import FeedWrite
from domain.metrics import Totals
from domain.notifications import Device, SendResult
from domain.states import Status
from domain.uploads import ImageFacts, ImageInput

if TYPE_CHECKING:
    from config import Settings


class MalformedDocument(Exception):
    """A document the server cannot act on safely (e.g. a non-numeric balance): the handler
    sets it aside (log + `malformed` counter) and goes on with the rest."""


# ---- what the creation store's transactions return -------------------------------------------

DebitResult = ledger.DebitOutcome


@dataclass(frozen=True)
class Debited:
    balance_after: int
    media_key: str  # where this creation's video will live
    result: Literal[DebitResult.DEBITED] = field(default=DebitResult.DEBITED, init=False)


@dataclass(frozen=True)
class DebitRefused:
    """Failed before any token moved (the creation is failed in the same transaction)."""

    failure: Failure
    result: Literal[DebitResult.REFUSED] = field(default=DebitResult.REFUSED, init=False)


@dataclass(frozen=True)
class DebitSkipped:
    """A repeated event (already handled) or an event of a document no longer there (gone)."""

    result: Literal[DebitResult.ALREADY_HANDLED, DebitResult.GONE]


Debit = Debited | DebitRefused | DebitSkipped


@dataclass(frozen=True)
class Completion:
    done: bool
    user_gone: bool = False

    def __bool__(self) -> bool:
        return self.done


@dataclass(frozen=True)
class Settlement:
    changed: bool
    refunded_tokens: int = 0
    status_before: str | None = None
    user_gone: bool = False  # charged, but the user document is gone: no refund entry written
    malformed: bool = False  # failed without money: no usable userId to find its ledger


@dataclass(frozen=True)
class DeletionSettlement:
    refunded_tokens: int = 0
    user_gone: bool = False
    recreated: bool = False  # the id holds a newer document now: its feed entry is not ours


class CreationStore(Protocol):
    """creations/{id} and the money that moves with it (Firestore transactions), its reads,
    and the metric counters written outside a state change."""

    def load_creation(self, creation_id: str) -> dict | None: ...

    def reject(
        self, creation_id: str, failure: Failure, incarnation: str | None = None, refusals_per_hour: int = 20
    ) -> bool: ...

    def debit(
        self,
        creation_id: str,
        user_id: str,
        cost: int,
        max_in_flight: int,
        incarnation: str | None = None,
        refusals_per_hour: int = 20,
    ) -> Debit: ...

    def mark_processing(
        self,
        creation_id: str,
        operation_name: str,
        cost: int,
        media_key: str,
        incarnation: str | None = None,
        charged: dict | None = None,
    ) -> bool: ...

    def record_progress(self, creation_id: str, progress: int) -> Status | None: ...

    def complete_draft(self, creation_id: str, media_url: str, *, operation: str | None = None) -> Completion: ...

    def fail_and_refund(self, creation_id: str, failure: Failure, *, operation: str | None = None) -> Settlement: ...

    def settle_deletion(self, creation_id: str, deleted: dict, incarnation: str | None) -> DeletionSettlement: ...

    def in_flight_older_than(self, cutoff: datetime) -> list[tuple[str, dict]]: ...

    def in_flight_without_a_time(self, cutoff: datetime, limit: int = 50) -> list[tuple[str, dict]]: ...

    def existing_creations(self, creation_ids: list[str]) -> dict[str, dict]: ...

    def published_since(self, since: datetime, limit: int) -> list[tuple[str, dict]]: ...

    def count_malformed(self, where: str) -> None: ...

    def count_now(self, increments: dict) -> None: ...

    def in_flight_summary(self) -> tuple[int, datetime | None]: ...

    # -- the alerts' figures, aggregated from the creations --

    def totals_since(self, start: datetime, usd_per_video_second: float, end: datetime | None = None) -> Totals: ...

    def last_finalized_at(self, now: datetime, look: int = 20) -> datetime | None: ...

    # -- admission under the Veo quota --

    def queued_ahead(self, now: datetime) -> int: ...

    def mark_queued(
        self,
        creation_id: str,
        incarnation: str | None,
        estimate: QueueEstimate,
        queued_at: datetime,
        charged: dict | None = None,
    ) -> bool: ...

    def claim_start(self, creation_id: str, incarnation: str | None, claim: str) -> StartClaim: ...

    def release_start(self, creation_id: str, claim: str) -> bool: ...

    # -- upload intents: what the media sweep reads instead of listing the bucket --

    def record_upload(self, key: str, creation_id: str) -> None: ...

    def forget_upload(self, key: str) -> None: ...

    def upload_intents_older_than(self, cutoff: datetime, limit: int) -> list[tuple[str, str]]: ...

    # -- photos named by creations --

    def uploads_in_use(self, paths: list[str]) -> set[str]:
        """Those of `paths` a creation that has not failed names as image or lastFrame."""
        ...


class FeedStore(Protocol):
    """feed/{id} and the reconciliation cursors."""

    def publish_to_feed(self, creation_id: str, media_url: str, poster_url: str | None = None) -> FeedWrite: ...

    def remove_from_feed(self, creation_id: str) -> bool: ...

    def feed_page(self, after_id: str | None, limit: int) -> list[tuple[str, dict]]: ...

    def feed_entries(self, creation_ids: list[str]) -> dict[str, dict]: ...

    def get_cursor(self, name: str) -> str | None: ...

    def set_cursor(self, name: str, after: str | None) -> None: ...

    # -- posters and display names --

    def set_poster(self, creation_id: str, media_key: str, poster_url: str) -> str | None: ...

    def published_by(self, user_id: str, after_id: str | None, limit: int) -> list[str]: ...

    def rename_in_feed(self, creation_id: str, user_id: str) -> bool: ...

    def accept_name(self, user_id: str) -> bool: ...

    # -- reports: (reports, newly hidden), or None when nothing was counted --

    def count_report(self, creation_id: str, reporter_id: str, threshold: int) -> tuple[int, bool] | None: ...


class TaskQueue(Protocol):
    """Both return False when a task of that id exists already (a repeated event)."""

    def enqueue_start(self, creation_id: str, job: dict, task_id: str) -> bool: ...

    def enqueue_finalize(
        self, creation_id: str, job: dict | None = None, delay_seconds: float = 0, task_id: str | None = None
    ) -> bool: ...


class VideoGenerator(Protocol):
    """Veo: raises domain.errors.ExternalServiceError."""

    def start(
        self,
        prompt: str,
        aspect_ratio: str,
        duration_seconds: int,
        output_gcs_uri: str | None,
        *,
        audio: bool = True,
        resolution: str = "720p",
        negative_prompt: str | None = None,
        seed: int | None = None,
        model: str | None = None,
        image: ImageInput | None = None,
        last_frame: ImageInput | None = None,
    ) -> str: ...

    def poll(self, operation_name: str) -> VeoOutcome: ...


@dataclass(frozen=True)
class Upload:
    """An object of the uploads bucket as read: its bytes and when it was written."""

    path: str
    data: bytes
    created: datetime | None = None


class Uploads(Protocol):
    """The images users upload with the Storage SDK (`uploads/{uid}/{uploadId}` in the
    default bucket). Raises domain.errors.ExternalServiceError."""

    def read(self, path: str, max_bytes: int) -> Upload | None:
        """None when there is no such object. An object over max_bytes is returned with only
        its first max_bytes + 1 bytes (enough to refuse it for its size)."""
        ...

    def delete(self, path: str) -> bool: ...

    def page(self, after: str | None, limit: int) -> list[tuple[str, datetime | None]]:
        """Up to `limit` uploads (path, created) in name order after `after`; fewer: the end."""
        ...


class ImageCodec(Protocol):
    """Image bytes: what they really are, and a clean copy for Veo (adapters/image_codec.py)."""

    def inspect(self, data: bytes) -> ImageFacts | None: ...

    def clean(self, data: bytes) -> ImageInput: ...


class TempStorage(Protocol):
    """Where Veo writes its output (GCS)."""

    def open_read(self, uri: str) -> BinaryIO: ...

    def delete_prefix(self, uri: str) -> int: ...


class MediaBucket(Protocol):
    """The videos users see (R2)."""

    def public_url(self, key: str) -> str: ...

    def upload_stream(self, reader: Any, key: str) -> None: ...

    def upload_bytes(self, data: bytes, key: str, *, content_type: str = ...) -> None: ...

    def copy(self, source_key: str, target_key: str, *, content_type: str = ...) -> None: ...

    def download_to(self, key: str, writer: Any) -> None: ...

    def delete(self, key: str) -> None: ...

    def list_keys(self, prefix: str = "") -> list[tuple[str, Any]]: ...


class Notifier(Protocol):
    """FCM HTTP v1: one message to one device. Never raises for an FCM or network error: the
    answer comes back as a SendResult the handler acts on."""

    def send(self, message: dict) -> SendResult: ...


class NotificationStore(Protocol):
    """The outbox (notifications/{id}), a user's devices (users/{uid}/devices) and
    preferences (profiles/{uid}.notify)."""

    def preferences(self, user_id: str) -> dict | None: ...

    def devices(self, user_id: str) -> list[Device]: ...

    def remove_device(self, user_id: str, device_id: str, token: str | None = None) -> bool: ...

    def mark_sent(self, outbox_id: str, device_id: str, message_name: str | None) -> None: ...

    def record_outcome(self, outbox_id: str, outcome: dict) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...  # aware, UTC

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


@dataclass(frozen=True)
class Services:
    """The ports a handler runs with (and the settings): what bootstrap.py builds. Handlers
    import this, never the composition root."""

    settings: Settings
    veo: VideoGenerator
    temp_storage: TempStorage
    media: MediaBucket
    store: CreationStore
    feed: FeedStore
    tasks: TaskQueue
    clock: Clock
    notifier: Notifier
    notifications: NotificationStore
    uploads: Uploads | None = None  # the photos users upload, for image-to-video
    images: ImageCodec | None = None
