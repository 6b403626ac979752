"""From a measured run to dollars and to the model's predictions for production."""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from bench import costs as cost_model
from bench import model

ROOT = Path(__file__).resolve().parent.parent
LAUNCH_QUOTA = 50  # Veo's default per-minute quota: what a launch-day burst meets


def _mean(values):
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.mean(values) if values else None


def _threads() -> int:
    for line in (ROOT / "functions" / ".env").read_text().splitlines():
        if line.startswith("THREADS="):
            return int(line.split("=", 1)[1])
    return 1


def calibration(warm_runs: list[dict], figures: dict) -> dict:
    """Service times and counts for the model from this run's warm waves. The finish step
    (the look that finds the video, copy, draft transaction, listener) is the smallest
    measured Veo-ready -> draft-visible delay: the draft found right when it was ready
    waited for nothing else (a mean or a median would fold in delays the model plays itself).
    It includes the emulator's event delivery (Storage emulator -> function), which stands
    for production's: no published figure. Reads and writes per delivered video are the
    measured means. A Vertex call is given production's network (assumed: the stand-in
    answers in milliseconds)."""
    overhead_min = _mean([r["overhead_s"].get("min") for r in warm_runs])
    start = _mean([(r.get("per_success") or {}).get("secondsByFunction", {}).get("startgeneration") for r in warm_runs])
    measured = figures.get("measured") or {}
    defaults = model.Calibration()
    cal = model.Calibration(
        start_s=round(start, 3) if start else defaults.start_s,
        finish_s=round(max(0.1, overhead_min), 3) if overhead_min is not None else defaults.finish_s,
        listen_s=0.0,  # inside the measured finish step
        # ... and so is the emulator's event delivery: production's (no published figure) is
        # taken to be the same, not added on top
        event_latency_s=0.0 if overhead_min is not None else defaults.event_latency_s,
        writes_per_video=measured.get("writes_per_video") or defaults.writes_per_video,
        reads_per_video=measured.get("reads_per_video") or defaults.reads_per_video,
        source="measured: run of " + (figures.get("date") or time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())),
    )
    return asdict(cal)


def costs(warm_runs: list[dict], figures: dict) -> dict:
    memory = cost_model.declared_memory(ROOT / "functions" / "main.py")
    memory.setdefault("naivegeneration", 0.5)
    threads = _threads()
    clip = _mean([r.get("clipBytes") for r in warm_runs]) or 0
    video_seconds = 4
    out = {"threads": threads, "memoryGib": memory, "clipBytes": clip, "videoSeconds": video_seconds}
    per = [r["per_success"] for r in warm_runs if r.get("per_success")]
    if per:
        counts = {k: _mean([p.get(k) for p in per]) for k in ("reads", "writes", "invocations", "taskDeliveries")}
        samples: dict[str, list[float]] = {}
        for p in per:
            for fn, s in p["secondsByFunction"].items():
                samples.setdefault(fn, []).append(s)
        seconds = {fn: statistics.mean(v) for fn, v in samples.items()}
        out["ours"] = {
            "counts": counts,
            "secondsByFunction": seconds,
            **cost_model.per_video(counts, seconds, memory, threads, clip, video_seconds),
        }
    naive = ((figures.get("ramp") or {}).get("systems") or {}).get("naive", {}).get("perDraft")
    if naive:
        out["naive"] = {
            **naive,
            **cost_model.per_video(naive["counts"], naive["secondsByFunction"], memory, threads, clip, video_seconds),
        }
    sweep_src = (ROOT / "functions" / "handlers" / "sweep_orphans.py").read_text()
    lists_bucket = "list_keys" in sweep_src
    out["recurringPerStoredVideoMonth"] = cost_model.recurring_per_stored_video_month(clip, lists_bucket)
    out["mediaSweepListsBucket"] = lists_bucket
    return out


def _row(o: model.Outcome) -> dict:
    return {
        "design": o.design,
        "offered_per_s": o.offered_per_s,
        "veoQuotaPerMin": o.veo_quota_per_min,
        "generations": o.generations,
        "drafts": o.drafts,
        "failedByOurLimits": o.failed_by_our_limits,
        "failedCauses": o.failed_causes,
        "detectionP50": o.detection_p50_s,
        "detectionP95": o.detection_p95_s,
        "admissionP95": o.admission_p95_s,
        "pollsPerVideo": o.polls_per_video,
        "veo429": o.veo_429,
        "billedButRefunded": o.late_veo_results,
        "limitHits": o.limit_hits,
        "ok": o.ok,
    }


KNEE_SCAN: list[float] = [5, 10, 20, 30, 50, 70, 100, 150, 200, 300]
# The naive peer holds a thread for each whole generation: its limit shows only in a burst
# longer than a generation, so it gets a longer one (it is cheap to simulate).
NAIVE_BURST_S = 180.0
NAIVE_MAX_GENERATIONS = 40_000


KNEE_LABELS = ("ours, new db", "ours, warm db", "naive, new db", "naive, warm db")
# The naive peer's scans first: they take the longest, so the pool starts them first.
KNEE_SCENARIOS = (
    ("naive, new db", "naive", False),
    ("naive, warm db", "naive", True),
    ("ours, warm db", "designed", True),
    ("ours, new db", "designed", False),
)


def _burst(design: str, burst_s: float, max_generations: int) -> tuple[float, int]:
    return (NAIVE_BURST_S, NAIVE_MAX_GENERATIONS) if design == "naive" else (burst_s, max_generations)


def _knee(design: str, platform, cal, burst_s: float, max_generations: int) -> dict:
    found = model.knee(design, KNEE_SCAN, burst_s=burst_s, max_generations=max_generations, platform=platform, cal=cal)
    return {"knee": found["knee"], "capacity": found["capacity"], "scanned": [_row(o) for o in found["outcomes"]]}


def _knee_of(scenario: tuple) -> dict:
    _label, design, platform, cal, burst_s, max_generations = scenario
    return _knee(design, platform, cal, burst_s, max_generations)


def predictions(cal: dict | None, burst_s: float = 60.0, max_generations: int = 3000) -> dict:
    """The model at the knee scan's rates, fed by `cal` (this run's measurements, or the
    defaults): ours and the naive peer, on a new database (the 500/50/5 ramp) and a warm one,
    the Veo quota matched to the load (so what is found is our own limit); then what binds
    first at launch (Veo's 50/min). Bounded to stay well under a minute on 2 cores."""
    calibrated = model.Calibration(**cal) if cal else model.Calibration()
    base = model.Platform()
    out: dict[str, Any] = {
        "calibration": asdict(calibrated),
        "platform": asdict(base),
        "burstSeconds": burst_s,
        "maxGenerations": max_generations,
        "naiveBurstSeconds": NAIVE_BURST_S,
        "naiveMaxGenerations": NAIVE_MAX_GENERATIONS,
        "knees": {},
        "calibratedBy": {
            "writes_per_video": "measured.writes_per_video (this run's warm waves)",
            "reads_per_video": "measured.reads_per_video (this run's warm waves)",
            "start_s": "startgeneration's measured seconds per delivered video",
            "finish_s": "the smallest measured Veo-ready -> draft-visible delay (this run), event delivery included",
            "sequential_index_writes_per_video": "firestore.indexes.json + write sites (static)",
            "veo_call_s, veo_start_s, event_latency_s, cold_start_s": "assumed (no production figure offline)",
        },
    }
    scenarios = [
        (label, design, replace(base, db_warm=warm), calibrated, *_burst(design, burst_s, max_generations))
        for label, design, warm in KNEE_SCENARIOS
    ]
    # The four scans are independent: one process each, so `--model-only` takes the longest
    # scan's time rather than the sum (the naive peer's scans are most of it). Spawned, not
    # forked: in a bench run the parent holds gRPC threads (the Firestore listeners).
    workers = min(len(scenarios), os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        found = dict(zip((s[0] for s in scenarios), pool.map(_knee_of, scenarios), strict=True))
    out["knees"] = {label: found[label] for label in KNEE_LABELS}
    launch = model.simulate(
        "designed", 5.0, burst_s=burst_s, max_generations=max_generations, platform=base, cal=calibrated
    )
    out["launch"] = {**_row(launch), "quota": f"{LAUNCH_QUOTA}/min"}
    out["knee_per_s"] = {
        "new_db": out["knees"]["ours, new db"]["knee"],
        "warm_db": out["knees"]["ours, warm db"]["knee"],
        "naive_new_db": out["knees"]["naive, new db"]["knee"],
        "naive_warm_db": out["knees"]["naive, warm db"]["knee"],
    }
    out["writes_per_video"] = calibrated.writes_per_video
    out["reads_per_video"] = calibrated.reads_per_video
    return out
