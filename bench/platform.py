"""What the model knows about production: its limits (`Platform`) and the measured service
times (`Calibration`)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shards import POLL_SHARDS
from main import INSTANCE_CONCURRENCY, START_MAX_CONCURRENT_DISPATCHES, START_MAX_INSTANCES


@dataclass(frozen=True)
class Calibration:
    """Seconds of work per step, measured on the emulator (bench/calibrate.py) or defaults."""

    start_s: float = 0.25  # onCreate: parse + debit transaction (+ enqueue)
    veo_call_s: float = 0.30  # one Vertex poll (fetchPredictOperation), production network (assumed)
    veo_start_s: float = 1.75  # Vertex's predictLongRunning answer: 1.5-2 s in production (assumed)
    finish_s: float = 0.60  # GCS -> R2 copy + draft transaction
    listen_s: float = 0.05  # commit -> a listening client sees it
    cold_start_s: float = 1.5  # a new Cloud Run instance before its first request
    # Storage finalize -> our function running. No published figure (checked 2026-12-04):
    # Eventarc/Pub/Sub deliver in well under a second typically; assumed 1 s, a knob.
    event_latency_s: float = 1.0
    # Firestore operations per delivered video (bench: measured in the same run's warm waves)
    writes_per_video: float = 16.0
    reads_per_video: float = 16.0
    # Writes per video that add an entry at the end of a sequential index of `creations`
    # (createdAt at the create, completedAt at the draft; the rest are exempt:
    # firestore.indexes.json, tests/test_firestore_indexes.py)
    sequential_index_writes_per_video: float = 2.0
    source: str = "defaults"


@dataclass(frozen=True)
class Platform:
    """Production limits. Declared values mirror functions/main.py; others are Google's."""

    threads: int = INSTANCE_CONCURRENCY  # THREADS in functions/.env = concurrency in functions/main.py
    start_max_instances: int = 50  # startgeneration
    finalize_max_instances: int = 20  # finalizegeneration, each poll shard (its own service)
    startveo_max_instances: int = START_MAX_INSTANCES  # designed: startveo (functions/main.py)
    startveo_max_concurrent: int = START_MAX_CONCURRENT_DISPATCHES  # its queue's dispatches at once
    finalize_max_concurrent: int = 200  # today's finalize queue max_concurrent_dispatches
    queue_max_rate: float = 500.0  # Cloud Tasks: max_dispatches_per_second ceiling per queue
    # designed: finalize queues (one function each) the poll tasks are spread over by a hash
    # of the creation id: domain.shards.POLL_SHARDS
    poll_queues: int = POLL_SHARDS
    doc_writes_per_s: float = 1.0  # Firestore: sustained writes per document
    doc_burst: float = 5.0  # tolerated burst on one document before contention (assumed)
    txn_give_up_s: float = 10.0  # a transaction waiting longer aborts (client retries spent; assumed)
    db_ramp_start: float = 500.0  # 500/50/5: 500 ops/s to start ...
    db_ramp_factor: float = 1.5  # ... +50% ...
    db_ramp_every_s: float = 300.0  # ... every 5 minutes
    db_warm: bool = False  # True: traffic already ramped (no database-wide cap)
    # Firestore: writes/s to a collection whose documents carry sequential values in an
    # indexed field (a hotspot at the index's end): applies warm or not
    sequential_index_writes_per_s: float = 500.0
    metric_shards: int = 4  # today: shards per 10-minute bucket
    veo_quota_per_min: int = 50
    veo_min_s: float = 30.0
    veo_max_s: float = 120.0
    orphan_after_s: float = 15 * 60
    queue_max_wait_s: float = 60 * 60  # designed: QUEUE_MAX_WAIT for admission
    sweep_every_s: float = 300.0
    poll_fine_s: float = 25.0  # POLL_INTERVAL_MS in production (functions/.env.example)
    poll_coarse_s: float = 30.0  # POLL_COARSE_INTERVAL_MS
    designed_fine_after_s: float = 30.0  # VEO_MIN_SECONDS
    # designed: Veo's output object finalized in the temp bucket finishes the video
    # (finishgeneration); False plays the poll-only pipeline
    finish_on_event: bool = True
    # Vertex requests a minute shared by starts and polls, if polls count toward a quota
    # (0: they do not; not published for Veo, checked 2026-12-04)
    vertex_requests_per_min: int = 0
    today_expected_s: float = 90.0  # VEO_EXPECTED_SECONDS: today fine after 70% of it
    naive_poll_s: float = 1.0  # the naive peer polls every second (its best case for detection)
    # the naive peer tuned as a good engineer would: Cloud Run's default concurrency and max instances
    naive_concurrency: int = 80
    naive_max_instances: int = 100
    start_retry_delays: tuple[float, ...] = (1.0, 2.0, 4.0)  # RETRY_ATTEMPTS=4, base 1 s
    task_retry_min_s: float = 10.0  # Cloud Tasks backoff of startveo / finalize
    task_retry_max_s: float = 120.0
