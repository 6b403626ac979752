"""Phoenix backend: the table of contents of its Cloud Functions.

Each trigger declares its options and hands the event to one handler. Function names have
no underscores because the finalize function's name is also its Cloud Tasks queue id,
which allows only letters, digits and hyphens; the others follow for consistency.
"""

from firebase_functions import firestore_fn, https_fn, options, scheduler_fn, storage_fn, tasks_fn

import config
from domain.shards import finalize_queue

REGION = "us-central1"
LABELS = {"app": "phoenix", "phase": "3"}
# Requests one instance takes at once. Real only because functions/.env gives gunicorn as
# many threads (THREADS=20, deployed to every function): change both together. Cloud Run
# needs a whole CPU (cpu=1) to send an instance more than one request.
INSTANCE_CONCURRENCY = 20
# startveo: starts in flight at once. A start is a claim transaction, Vertex's
# predictLongRunning (about 1.5-2 s in production, assumed: docs/capacity.md) and the
# processing transaction, ~2.5 s in all, so 100 starts/s need ~250 at once; the cap leaves
# room for slow calls and must not exceed what the instances serve (a dispatch above
# instances x threads is a 429, which Cloud Tasks counts as an attempt).
START_MAX_CONCURRENT_DISPATCHES = 400
START_MAX_INSTANCES = START_MAX_CONCURRENT_DISPATCHES // INSTANCE_CONCURRENCY

# A poll shard's instances. Its queue dispatches no more at once than they serve: a dispatch
# beyond instances x concurrency is a Cloud Run 429, and each 429 spends one of the task's
# attempts (docs/architecture.md, "Queues that cannot starve their chain").
FINALIZE_MAX_INSTANCES = 20
# How long a poll task keeps being retried after its first try (Cloud Tasks stops only once
# both this and max_attempts are spent): it outlasts a burst of 429s or a Vertex outage of
# several minutes, and ends before the sweep (ORPHAN_AFTER_MINUTES, 15) would judge the
# creation abandoned.
FINALIZE_RETRY_SECONDS = 600


# What every function shares, declared once; a trigger states only what differs. Cloud Run
# sends an instance concurrent requests only with a whole CPU.
options.set_global_options(region=REGION, cpu=1, concurrency=INSTANCE_CONCURRENCY)


def _labels(service: str) -> dict[str, str]:
    return {**LABELS, "service": service}


def _usage(function: str, creation_id: str | None = None):
    from adapters import usage

    return usage.invocation(function, creation_id)


def _services():
    from bootstrap import bootstrap

    return bootstrap(config.settings())


def _incarnation(snapshot) -> str | None:
    """The event document's create_time: which document of a (re-usable) id this event is about."""
    from adapters.firestore_tx import incarnation_of

    return incarnation_of(getattr(snapshot, "create_time", None)) if snapshot is not None else None


@firestore_fn.on_document_created(
    document="creations/{creationId}",
    # firebase-functions 0.6.0 cannot declare retries on Firestore triggers (deploys with
    # retry off). Delivery is still at-least-once, so the handler is idempotent; a run that
    # dies midway is failed and refunded by sweeporphans.
    memory=options.MemoryOption.MB_512,
    timeout_sec=120,
    max_instances=50,
    labels=_labels("startgeneration"),
    secrets=config.R2_SECRETS,
)
def startgeneration(event: firestore_fn.Event[firestore_fn.DocumentSnapshot | None]) -> None:
    from handlers import start_generation

    data = event.data.to_dict() if event.data is not None else None
    with _usage("startgeneration", event.params["creationId"]):
        start_generation.handle(event.params["creationId"], data, _services(), _incarnation(event.data))


@tasks_fn.on_task_dispatched(
    # The admission control: the queue hands out starts at the rate of the Veo quota
    # (VEO_STARTS_PER_MINUTE, fixed at deploy: config.start_queue_rate). A start Veo still
    # refuses for quota is retried, backing off, for QUEUE_MAX_WAIT_MINUTES (Cloud Tasks
    # retries until both max_attempts and max_retry_seconds are spent).
    retry_config=options.RetryConfig(
        max_attempts=5,
        max_retry_seconds=config.queue_max_wait_seconds(),
        min_backoff_seconds=5,
        max_backoff_seconds=30,
        max_doublings=3,
    ),
    # The SDK types the rate as int; Cloud Tasks (and firebase-tools' manifest) take a fraction,
    # and 50 starts a minute is 0.83/s.
    rate_limits=options.RateLimits(
        max_dispatches_per_second=config.start_queue_rate(),  # type: ignore[arg-type]
        max_concurrent_dispatches=START_MAX_CONCURRENT_DISPATCHES,
    ),
    memory=options.MemoryOption.MB_512,
    timeout_sec=120,
    max_instances=START_MAX_INSTANCES,
    labels=_labels("startveo"),
)
def startveo(request: tasks_fn.CallableRequest) -> None:
    from handlers import start_veo

    with _usage("startveo", request.data["creationId"]):
        try:
            start_veo.handle(request.data["creationId"], request.data, _services())
        except start_veo.RetryLater as exc:
            # A non-2xx answer is what makes Cloud Tasks dispatch the task again.
            raise https_fn.HttpsError(https_fn.FunctionsErrorCode.RESOURCE_EXHAUSTED, str(exc)) from exc


def _finalize_shard(shard: int):
    """One finalize queue (docs/architecture.md, "Poll shards"): a creation's polls all go
    through the queue domain.shards picks from its id, and every shard runs the same handler.
    The SDK names a function after its Python name, so each shard's gets its own before the
    decorator sees it, and a module-level name of the same spelling below (the name the
    emulator and Cloud Run look the function up by)."""

    def finalize(request: tasks_fn.CallableRequest) -> None:
        from handlers import finalize_generation

        # Metered under the shard's own name: each shard is its own Cloud Run service.
        with _usage(finalize_queue(shard), request.data["creationId"]):
            finalize_generation.handle(request.data["creationId"], _services(), job=request.data)

    finalize.__name__ = finalize.__qualname__ = finalize_queue(shard)
    return tasks_fn.on_task_dispatched(
        retry_config=options.RetryConfig(
            max_attempts=10,
            max_retry_seconds=FINALIZE_RETRY_SECONDS,
            min_backoff_seconds=10,
            max_backoff_seconds=60,
            max_doublings=3,
        ),
        rate_limits=options.RateLimits(max_concurrent_dispatches=FINALIZE_MAX_INSTANCES * INSTANCE_CONCURRENCY),
        # One poll per task (the next one is a new task): short, except the last, which streams
        # the video to R2: time and memory for that one.
        memory=options.MemoryOption.GB_1,
        timeout_sec=600,
        max_instances=FINALIZE_MAX_INSTANCES,
        labels=_labels(finalize_queue(shard)),
        secrets=config.R2_SECRETS,
    )(finalize)


# The poll shards, POLL_SHARDS of them (tests/handlers/test_poll_shards.py checks the count).
# Shard 0 keeps the single queue's old name: tasks queued before the shards deployed still land.
finalizegeneration = _finalize_shard(0)
finalizegeneration1 = _finalize_shard(1)
finalizegeneration2 = _finalize_shard(2)
finalizegeneration3 = _finalize_shard(3)
finalizegeneration4 = _finalize_shard(4)
finalizegeneration5 = _finalize_shard(5)
finalizegeneration6 = _finalize_shard(6)
finalizegeneration7 = _finalize_shard(7)


@storage_fn.on_object_finalized(
    # Veo writes each finished video under creations/{id}/ of this bucket (its storageUri):
    # the object's finalize event finishes the generation, and the polls are only the safety
    # net (docs/architecture.md, "Finish on the event").
    bucket=config.GCS_TEMP_BUCKET,
    memory=options.MemoryOption.GB_1,  # streams the video to R2, like the last poll
    timeout_sec=540,  # the longest an event function may run
    max_instances=20,
    labels=_labels("finishgeneration"),
    secrets=config.R2_SECRETS,
)
def finishgeneration(event: storage_fn.CloudEvent[storage_fn.StorageObjectData]) -> None:
    from handlers import finish_generation

    data = event.data
    with _usage("finishgeneration", finish_generation.creation_of(data.name)):
        finish_generation.handle(data.bucket, data.name, str(data.generation or ""), _services())


@firestore_fn.on_document_written(
    # The app writes publications/{id} in the batch that publishes a creation and deletes it in
    # the one that unpublishes it (firestore.rules): this runs on those writes only, never on
    # the server's own progress, poster and state updates of every creation.
    document="publications/{creationId}",
    memory=options.MemoryOption.MB_512,
    timeout_sec=120,
    max_instances=20,
    labels=_labels("publishcreation"),
    secrets=config.R2_SECRETS,
)
def publishcreation(event: firestore_fn.Event[firestore_fn.Change[firestore_fn.DocumentSnapshot | None]]) -> None:
    from handlers import publish_creation

    after = event.data.after
    with _usage("publishcreation", event.params["creationId"]):
        publish_creation.handle(event.params["creationId"], after is not None, _services())


@firestore_fn.on_document_written(
    # A moderation decision reaching the media (held, released, public copies hidden or back):
    # the handler acts only when the takenDown or hidden state changes.
    document="moderation/{creationId}",
    memory=options.MemoryOption.MB_512,
    timeout_sec=120,
    max_instances=10,
    labels=_labels("moderatemedia"),
    secrets=config.R2_SECRETS,
)
def moderatemedia(event: firestore_fn.Event[firestore_fn.Change[firestore_fn.DocumentSnapshot | None]]) -> None:
    from handlers import moderate_media

    before, after = event.data.before, event.data.after
    with _usage("moderatemedia", event.params["creationId"]):
        moderate_media.handle(
            event.params["creationId"],
            before.to_dict() if before is not None else None,
            after.to_dict() if after is not None else None,
            _services(),
        )


@firestore_fn.on_document_deleted(
    document="creations/{creationId}",
    memory=options.MemoryOption.MB_512,
    timeout_sec=120,
    max_instances=20,
    labels=_labels("cleanupcreation"),
    secrets=config.R2_SECRETS,
)
def cleanupcreation(event: firestore_fn.Event[firestore_fn.DocumentSnapshot | None]) -> None:
    from handlers import cleanup_creation

    with _usage("cleanupcreation", event.params["creationId"]):
        cleanup_creation.handle(
            event.params["creationId"],
            event.data.to_dict() if event.data is not None else None,
            _services(),
            _incarnation(event.data),
        )


@scheduler_fn.on_schedule(
    schedule="every 5 minutes",
    memory=options.MemoryOption.MB_512,
    timeout_sec=300,
    max_instances=1,
    concurrency=1,  # one run at a time (the shared default is 20)
    labels=_labels("sweeporphans"),
    secrets=config.R2_SECRETS,
)
def sweeporphans(event: scheduler_fn.ScheduledEvent) -> None:
    from handlers import sweep_orphans

    with _usage("sweeporphans"):
        sweep_orphans.handle(_services())


@scheduler_fn.on_schedule(
    schedule="every 5 minutes",
    memory=options.MemoryOption.MB_256,
    timeout_sec=120,
    max_instances=1,
    concurrency=1,  # as above
    labels=_labels("checkalerts"),
)
def checkalerts(event: scheduler_fn.ScheduledEvent) -> None:
    from adapters import store
    from handlers import check_alerts

    settings = config.settings()
    with _usage("checkalerts"):
        check_alerts.handle(settings.alerts, store=store, usd_per_video_second=settings.veo_usd_per_video_second)


# ---- the feed: names, reports ---------------------------------------------------


def _services_without_media():
    """For triggers that touch only Firestore: no R2 secret is given to them (the media port is
    built with empty keys and never used)."""
    from bootstrap import bootstrap

    return bootstrap(config.settings(), r2_keys=("", ""))


@firestore_fn.on_document_written(
    document="profiles/{userId}",
    memory=options.MemoryOption.MB_256,
    timeout_sec=300,  # a user with thousands of published videos: a page of 100 at a time
    max_instances=10,
    labels=_labels("renameprofile"),
)
def renameprofile(event: firestore_fn.Event[firestore_fn.Change[firestore_fn.DocumentSnapshot | None]]) -> None:
    from handlers import rename_profile

    with _usage("renameprofile"):
        rename_profile.handle(event.params["userId"], _services_without_media())


@firestore_fn.on_document_created(
    document="feed/{creationId}/reports/{reporterId}",
    memory=options.MemoryOption.MB_256,
    timeout_sec=60,
    max_instances=10,
    labels=_labels("countreport"),
)
def countreport(event: firestore_fn.Event[firestore_fn.DocumentSnapshot | None]) -> None:
    from handlers import count_report

    with _usage("countreport", event.params["creationId"]):
        count_report.handle(
            event.params["creationId"],
            event.params["reporterId"],
            _services_without_media(),
            threshold=config.reports_to_hide(),
        )


# ---- push notifications ----------------------------------------------------------------------


@firestore_fn.on_document_created(
    document="notifications/{outboxId}",
    memory=options.MemoryOption.MB_256,
    # Room for FCM's Retry-After and backoff on up to 10 devices (handlers/send_notification.py);
    # retries are in the handler: firebase-functions 0.6.0 deploys Firestore triggers without them.
    timeout_sec=300,
    max_instances=20,
    labels=_labels("sendnotification"),
)
def sendnotification(event: firestore_fn.Event[firestore_fn.DocumentSnapshot | None]) -> None:
    from handlers import send_notification

    with _usage("sendnotification"):
        send_notification.handle(
            event.params["outboxId"],
            event.data.to_dict() if event.data is not None else None,
            _services_without_media(),
        )
