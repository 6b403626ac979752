"""From a measured run to dollars and to the model's predictions for production."""

from __future__ import annotations

import statistics
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from bench import costs as cost_model
from bench import model

ROOT = Path(__file__).resolve().parent.parent
OFFERED = (1.0, 50.0, 500.0)
KNEE_RATES = [0.5, 1, 2, 3, 5, 8, 12, 20, 30, 50, 100, 200, 500]
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
    """Service times for the model from the warm runs. The finish step (the poll that finds
    the video, copy, draft transaction, listener) is the smallest measured Veo-ready ->
    draft-visible delay: the draft whose video was found by a poll right when it was ready
    waited for no poll at all (a mean or a median would fold in the poll schedule, which the
    model plays itself). A Veo call is given production's network (assumed 0.3 s: the
    stand-in answers in milliseconds)."""
    overhead_min = _mean([r["overhead_s"].get("min") for r in warm_runs])
    start = _mean([(r.get("per_success") or {}).get("secondsByFunction", {}).get("startgeneration") for r in warm_runs])
    cal = model.Calibration(
        start_s=round(start, 3) if start else model.Calibration.start_s,
        finish_s=round(max(0.1, overhead_min), 3) if overhead_min is not None else model.Calibration.finish_s,
        listen_s=0.0,  # inside the measured finish step
        source="measured: " + (figures.get("date") or "this run"),
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


def predictions(cal: dict | None, burst_s: float = 120.0, max_generations: int = 10_000) -> dict:
    calibrated = model.Calibration(**cal) if cal else model.Calibration()
    base = model.Platform()
    out: dict[str, Any] = {
        "calibration": asdict(calibrated),
        "platform": asdict(base),
        "burstSeconds": burst_s,
        "maxGenerations": max_generations,
        "offered": [],
        "knees": {},
    }
    for design in model.DESIGNS:
        for rate in OFFERED:
            for quota, label in ((max(base.veo_quota_per_min, int(rate * 72)), "matched"), (LAUNCH_QUOTA, "50/min")):
                outcome = model.simulate(
                    design,
                    rate,
                    burst_s=burst_s,
                    max_generations=max_generations,
                    platform=replace(base, veo_quota_per_min=quota),
                    cal=calibrated,
                )
                out["offered"].append({**_row(outcome), "quota": label})
        found = model.knee(design, KNEE_RATES, burst_s=burst_s, max_generations=3000, platform=base, cal=calibrated)
        out["knees"][design] = {
            "knee": found["knee"],
            "capacity": found["capacity"],
            "scanned": [_row(o) for o in found["outcomes"]],
        }
    # The designed system before its poll shards (one queue, one function), and with the
    # database already ramped (what lifts the next limit).
    for label, platform in (
        ("designed, 1 poll queue (before the shards)", replace(base, poll_queues=1)),
        ("designed + warm db", replace(base, db_warm=True)),
    ):
        found = model.knee(
            "designed", KNEE_RATES, burst_s=burst_s, max_generations=3000, platform=platform, cal=calibrated
        )
        out["knees"][label] = {
            "knee": found["knee"],
            "capacity": found["capacity"],
            "scanned": [_row(o) for o in found["outcomes"]],
        }
    return out
