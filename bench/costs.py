"""Dollars per video from what a run counted, and recurring dollars per stored video.

Instance time is priced two ways because Cloud Run bills an instance while at least one
request runs on it: `alone` (every request had an instance to itself: low traffic, the upper
bound) and `shared` (every instance full, THREADS requests sharing it: the lower bound).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.prices import usd

# What one stored video costs in Firestore: the creation (~1 KiB with its fields), its debit
# entry, and their automatic single-field index entries. An estimate, not a measurement.
FIRESTORE_BYTES_PER_VIDEO = 3 * 1024
# GCS operations per video that the run cannot count: Veo writes the clip (Class A), finalize
# reads it (B), the temp prefix is listed (A) and deleted (free).
GCS_OPS = {"a": 2, "b": 1}


def declared_memory(main_py: Path) -> dict[str, float]:
    """GiB each function declares in a functions main.py, read from the manifest the SDK
    hands `firebase deploy` (main.py builds its finalize shards in a helper, which a reading
    of its text would miss). Run in a fresh interpreter from the functions directory, as
    firebase-tools does."""
    code = (
        "import json;from firebase_functions.private import serving;"
        "print(json.dumps({n: f.__firebase_endpoint__.availableMemoryMb for n, f in serving.get_functions().items()}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=main_py.parent, capture_output=True, text=True, check=True
    ).stdout
    declared = json.loads(out.strip().splitlines()[-1])
    return {name: (mb or 256) / 1024 for name, mb in declared.items()}


def per_video(
    counts: dict,
    seconds_by_function: dict[str, float],
    memory: dict[str, float],
    threads: int,
    clip_bytes: float,
    video_seconds: float,
) -> dict:
    """`counts`: Firestore reads/writes/deletes, function invocations, task deliveries
    (each also enqueued once) per video."""
    firestore = (
        usd("firestore_read", counts.get("reads", 0))
        + usd("firestore_write", counts.get("writes", 0))
        + usd("firestore_delete", counts.get("deletes", 0))
    )
    tasks = usd("cloud_tasks_op", 2 * counts.get("taskDeliveries", 0))
    requests = usd("run_request", counts.get("invocations", 0))
    vcpu_s = sum(seconds_by_function.values())
    gib_s = sum(s * memory.get(fn, 0.5) for fn, s in seconds_by_function.items())
    compute_alone = usd("run_vcpu_second", vcpu_s) + usd("run_gib_second", gib_s)
    compute_shared = compute_alone / max(1, threads)
    egress = usd("egress_internet_gib", clip_bytes / 2**30)
    storage_ops = usd("r2_class_a_op", 1) + usd("gcs_class_a_op", GCS_OPS["a"]) + usd("gcs_class_b_op", GCS_OPS["b"])
    ours_alone = firestore + tasks + requests + compute_alone + egress + storage_ops
    ours_shared = ours_alone - compute_alone + compute_shared
    return {
        "firestoreUsd": firestore,
        "cloudTasksUsd": tasks,
        "invocationsUsd": requests,
        "instanceVcpuSeconds": vcpu_s,
        "instanceGibSeconds": gib_s,
        "computeUsdAlone": compute_alone,
        "computeUsdShared": compute_shared,
        "egressBytes": clip_bytes,
        "egressUsd": egress,
        "storageOpsUsd": storage_ops,
        "oursUsdAlone": ours_alone,
        "oursUsdShared": ours_shared,
        "veoUsd": usd("veo_fast_audio_second", video_seconds),
    }


def recurring_per_stored_video_month(clip_bytes: float, sweep_lists_bucket: bool, sweeps_per_day: float = 288) -> dict:
    """Monthly cost of keeping one video. Today's media sweep lists the bucket and reads
    every object's creation each run; the designed one reads only upload intents."""
    r2 = usd("r2_storage_gb_month", clip_bytes / 1e9)
    firestore = usd("firestore_storage_gib_month", FIRESTORE_BYTES_PER_VIDEO / 2**30)
    sweep_reads = sweeps_per_day * 30 if sweep_lists_bucket else 0
    sweep = usd("firestore_read", sweep_reads) + (usd("r2_class_a_op", sweep_reads / 1000) if sweep_lists_bucket else 0)
    return {
        "r2StorageUsd": r2,
        "firestoreStorageUsd": firestore,
        "mediaSweepReads": sweep_reads,
        "mediaSweepUsd": sweep,
        "totalUsd": r2 + firestore + sweep,
    }
