"""Builds the set of ports the handlers run with (cosmicpython's bootstrap.py).

`bootstrap(settings)` is production: Firestore, Cloud Tasks, Veo, GCS, R2, FCM and the system
clock. Any port can be replaced by keyword (`bootstrap(settings, veo=FakeVeo())`): the handler
tests replace them all, the emulator tests only the ones they break on purpose. Adapters (and
their SDKs) are imported only for the ports not given.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from config import Settings
from ports import (
    Clock,
    CreationStore,
    FeedStore,
    ImageCodec,
    MediaBucket,
    NotificationStore,
    Notifier,
    Services,
    TaskQueue,
    TempStorage,
    Uploads,
    VideoGenerator,
)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def bootstrap(
    settings: Settings,
    *,
    veo: VideoGenerator | None = None,
    temp_storage: TempStorage | None = None,
    media: MediaBucket | None = None,
    store: CreationStore | None = None,
    feed: FeedStore | None = None,
    tasks: TaskQueue | None = None,
    clock: Clock | None = None,
    notifier: Notifier | None = None,
    notifications: NotificationStore | None = None,
    uploads: Uploads | None = None,
    images: ImageCodec | None = None,
    r2_keys: tuple[str, str] | None = None,
) -> Services:
    if veo is None:
        from adapters.veo import Veo

        veo = Veo(
            settings.project_id,
            settings.veo_location,
            settings.veo_model,
            settings.veo_base_url,
            http_timeout_s=settings.veo_http_timeout_s,
        )
    if temp_storage is None:
        from adapters.gcs import TempStorage as GcsTempStorage

        temp_storage = GcsTempStorage()
    if media is None:
        from adapters.r2 import MediaBucket as R2MediaBucket
        from config import r2_credentials

        key_id, secret = r2_keys or r2_credentials()
        media = R2MediaBucket(
            settings.r2_endpoint,
            settings.r2_region,
            settings.r2_bucket,
            settings.r2_public_base_url,
            key_id,
            secret,
            ca_bundle=settings.r2_ca_bundle,
        )
    if store is None:
        from adapters import store as firestore_store

        store = firestore_store
    if feed is None:
        from adapters import feed_store

        feed = feed_store
    if tasks is None:
        from adapters import tasks as cloud_tasks

        tasks = cloud_tasks
    if notifier is None:
        from adapters.fcm import Fcm

        # Builds no client until the first send: triggers that never notify pay nothing.
        notifier = Fcm(settings.project_id, settings.fcm_base_url, settings.fcm_credentials_file)
    if notifications is None:
        from adapters import notification_store

        notifications = notification_store
    if uploads is None and settings.uploads_bucket:
        from adapters.uploads import Uploads as StorageUploads

        uploads = StorageUploads(settings.uploads_bucket)
    if images is None:
        from adapters.image_codec import ImageCodec as AvImageCodec

        images = AvImageCodec()
    return Services(
        settings=settings,
        veo=veo,
        temp_storage=temp_storage,
        media=media,
        store=store,
        feed=feed,
        tasks=tasks,
        clock=clock or SystemClock(),
        notifier=notifier,
        notifications=notifications,
        uploads=uploads,
        images=images,
    )
