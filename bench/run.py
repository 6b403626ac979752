"""`make bench`: what our pipeline adds on top of Veo, measured on the emulator stack, and a
model of what production would do at scale. Figures explained in docs/performance.md and
docs/capacity.md.

Phases (each in bench/results.json; the headline figures under `measured`, `side_by_side`
and `model`):
1. cold: the first wave on a freshly started stack (no warm-up, nothing hidden; one request in
   --quick, given Veo's shortest time);
2. warm: U users x R requests + F filtered, at once, `--runs` times; one in four asks for an
   8 s 1080p clip (about 5x the bytes). Detection p95 over all warm samples with a bootstrap
   95% interval; polls, invocations, reads and writes per delivered video;
3. side by side: our pipeline and the naive peer offered the same open-loop ramp at the same
   moments, each with its own collection and listener, until each breaks (a step with a
   failure, an unfinished request or detection p95 >= 2 s); the knee is the last good step;
4. costs: dollars per video and per stored video per month (bench/costs.py, bench/prices.py);
5. model: the SimPy model (bench/model.py) fed by this run's measured reads, writes and step
   times: knees on a new and a warm database, ours and the naive peer.
All with production poll settings (bench/stack.py) and Veo times drawn from 30-120 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench import load, report
from bench.stats import bootstrap_ci, pct
from devstack import stack as devstack

ROOT = Path(__file__).resolve().parent.parent

TARGETS = {
    "to_processing_p95_s": 1.5,
    "cold_import_s": 0.5,
}
QUICK = dict(
    runs=1,
    users=4,
    requests=2,
    refund_requests=2,
    cold=1,  # one request: the first use of each function is reported as cold, not as the warm wave
    ramp_rates="0.1,0.3",
    ramp_step_s=20,
    quota=0,
    model_burst_s=60,
)
FULL = dict(
    runs=2,
    users=10,
    requests=2,
    refund_requests=4,
    cold=4,
    ramp_rates="0.1,0.2,0.3,0.5",
    ramp_step_s=40,
    quota=0,
    model_burst_s=60,
)
# Warm-wave detection goal (Veo done -> draft seen by a listener), and the poll and invocation
# budgets per delivered video with the finalize event.
DETECTION_GOAL_S = 2.0
POLLS_GOAL = 6
INVOCATIONS_GOAL = 15


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a one-request cold wave, one warm run, a 2-step ramp (~8 min)"
    )
    parser.add_argument("--runs", type=int)
    parser.add_argument("--users", type=int)
    parser.add_argument("--requests", type=int, help="successful requests per user")
    parser.add_argument("--refund-requests", type=int, help="filtered (refunded) requests")
    parser.add_argument("--cold", type=int, help="requests in the cold wave")
    parser.add_argument("--veo-min-s", type=float, default=30.0)
    parser.add_argument("--veo-max-s", type=float, default=120.0)
    parser.add_argument("--ramp-rates", help="creates per second, comma-separated, ascending")
    parser.add_argument("--ramp-step-s", type=float, help="seconds each ramp rate is offered")
    parser.add_argument("--quota", type=int, help="the stand-in's Veo starts per minute during the ramp (0: off)")
    parser.add_argument("--long-every", type=int, default=4, help="every Nth warm request is an 8 s 1080p clip")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive peer")
    parser.add_argument("--no-ramp", action="store_true")
    parser.add_argument("--model-only", action="store_true", help="only the SimPy model (no stack)")
    parser.add_argument("--model-burst-s", type=float)
    parser.add_argument("--json", help="where the results go (default: bench/results.json for the full run)")
    args = parser.parse_args(argv)
    if args.json is None:
        # Only a full run replaces the results the docs are written from (tests/bench checks them).
        kind = "model-only" if args.model_only else "quick" if args.quick else ""
        args.json = str(ROOT / "bench" / (f"results-{kind}.json" if kind else "results.json"))
    for key, value in (QUICK if args.quick else FULL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.ramp_rates = [float(x) for x in str(args.ramp_rates).split(",")]
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    args.load_at_start = list(os.getloadavg())  # the machine is shared: each run says how busy it was
    started = time.time()
    if args.model_only:
        from bench import predict

        model_only = {"model": predict.predictions(None, burst_s=args.model_burst_s)}
        model_only["model"]["note"] = "defaults, not a run's measurements: run the bench for a calibrated model"
        _write(args, model_only, started)
        return 0
    from bench import stack as bench_stack
    from devstack import preflight

    # The bench starts its own stack (production poll settings): its ports must be free.
    problem = preflight.ports_problem()
    if problem:
        print(problem, file=sys.stderr)
        return preflight.EXIT_NOT_READY
    env = bench_stack.bench_env(args.quota)
    config = bench_stack.lay_out(env, naive=not args.no_naive)
    os.environ.update(devstack.client_env())
    for key, value in env.items():
        os.environ.setdefault(key, value)
    os.environ.update({"VEO_DELAY_SECONDS": str(args.veo_min_s), "VEO_DELAY_MAX_SECONDS": str(args.veo_max_s)})
    print("starting the bench's stack (production poll settings, Veo 30-120 s)...", flush=True)
    t0 = time.time()
    stack = bench_stack.BenchStack(config, naive=not args.no_naive).start()
    try:
        figures: dict[str, Any] = {
            "stackStartSeconds": time.time() - t0,
            "settings": {
                k: env[k]
                for k in sorted(env)
                if bench_stack.PRODUCTION_PARAMS.match(k) or bench_stack.ADMISSION_PARAM.search(k)
            },
        }
        code = run(args, figures)
        _write(args, figures, started)
        return code
    finally:
        stack.stop()


def _write(args, figures, started) -> None:
    figures["config"] = {k: v for k, v in vars(args).items()}
    figures["benchMinutes"] = (time.time() - started) / 60
    figures["date"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    figures["machine"] = f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end"
    figures["loadAverage"] = {"start": args.load_at_start, "end": list(os.getloadavg())}
    Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
    report.print_all(figures)
    print(f"\nJSON written to {args.json}")


def run(args, figures: dict) -> int:
    from adapters.firebase_app import firestore_client
    from ops import ledger_check
    from standins.veo_server import VeoControl

    veo = VeoControl(devstack.VEO_URL)
    veo.reset()
    veo.config(delaySeconds=args.veo_min_s, delayMaxSeconds=args.veo_max_s, quotaPerMinute=0)
    db = firestore_client()
    timeout = args.veo_max_s * 2 + 120
    users = load.make_users(max(args.users, args.cold, 1))
    ledger_users = list(users)
    all_results: list[dict] = []
    # How long each phase took (the budgets: docs/performance.md), from the stack being up.
    phases: dict[str, float] = {}
    figures["phaseSeconds"] = phases
    mark = time.time()

    def phase(name: str) -> None:
        nonlocal mark
        phases[name] = round(time.time() - mark, 1)
        mark = time.time()

    # 1. cold: nothing ran on this stack yet
    if args.cold:
        if args.quick:
            # --quick's one cold request is about the functions' first runs, not Veo's time:
            # Veo's shortest time keeps the run within its 8 minutes
            veo.config(delayMaxSeconds=args.veo_min_s)
        cold = load.closed_wave(db, [(users[i], "a calm sea at dusk") for i in range(args.cold)], args.cold, timeout)
        veo.config(delayMaxSeconds=args.veo_max_s)
        _finish(veo, cold)
        figures["cold"] = load.summarize(cold)
        all_results += cold
        phase("cold")

    # 2. warm: --runs waves at once, one in `long_every` an 8 s 1080p clip
    warm_runs = []
    for n in range(args.runs):
        jobs = [
            (u, "a calm sea at dusk", load.clip_for(i, args.long_every))
            for i, u in enumerate(u for u in users[: args.users] for _ in range(args.requests))
        ]
        jobs += [(users[i % args.users], "a gore scene", {}) for i in range(args.refund_requests)]
        print(f"warm run {n + 1}/{args.runs}: {len(jobs)} requests at once", flush=True)
        t_start = time.time()
        results = load.closed_wave(db, jobs, len(jobs), timeout)
        _finish(veo, results)
        warm_runs.append(_warm_figures(results, t_start))
        all_results += results
        for u in users:
            from adapters import store

            store.grant(u.uid, 1000, "bench top-up", grant_id=f"grant_bench_topup_{n}")
    figures["warm"] = warm_runs
    phase("warm")
    figures["spread"] = _spread(warm_runs)
    figures["design"] = (
        "designed (queuedAt seen)" if any(r["queued"] for r in all_results) else "today's (no queuedAt on any creation)"
    )
    figures["measured"] = measured(warm_runs)

    # 3. side by side: ours and the naive peer, the same ramp at the same moments
    if not args.no_ramp:
        figures["ramp"] = side_by_side(args, db, veo, timeout, all_results, ledger_users)
        phase("side_by_side")
        # `broke`: a step failed; if not, the knee is only "at least the highest rate offered"
        figures["side_by_side"] = {
            name: {"knee_per_s": data["knee"], "broke": any(not row["ok"] for row in data["steps"])}
            for name, data in figures["ramp"]["systems"].items()
        }

    # 4. costs, 5. model fed by this run's measurements
    from bench import predict

    figures["costs"] = predict.costs(warm_runs, figures)
    figures["calibration"] = predict.calibration(warm_runs, figures)
    figures["model"] = predict.predictions(figures["calibration"], burst_s=args.model_burst_s)
    phase("costs_and_model")
    figures["coldImport"] = cold_import()
    figures["targets"] = targets(figures)
    report_check = ledger_check.run([u.uid for u in ledger_users])
    figures["ledgerCheckOk"] = report_check.ok
    phase("cold_import_and_ledger_check")
    figures["ledgerProblems"] = report_check.problems[:10]
    non_terminal = sum(1 for r in all_results if not r["finished"])
    figures["nonTerminal"] = non_terminal
    # The ramp is meant to break each system: its open requests are its knee (in its table), not
    # a failed run. A wave's open request is one.
    ours_ramp = ((figures.get("ramp") or {}).get("systems") or {}).get("ours") or {}
    ramp_open = sum(step["nonTerminal"] for step in ours_ramp.get("steps", []))
    return 0 if report_check.ok and non_terminal - ramp_open == 0 else 1


def measured(warm_runs: list[dict]) -> dict:
    """The headline measurements over every warm wave: detection pooled over all delivered
    videos (with a bootstrap 95% interval of its p95), and the per-video counts."""
    samples = [d for run_ in warm_runs for d in run_.get("detection_samples", [])]

    def mean_of(key):
        found = [(r.get("per_success") or {}).get(key) for r in warm_runs]
        values: list[float] = [v for v in found if isinstance(v, (int, float))]
        return statistics.mean(values) if values else None

    polls = [r["pollsPerVideo"] for r in warm_runs if isinstance(r.get("pollsPerVideo"), (int, float))]
    return {
        "warm": {
            "detection_p50_s": pct(samples, 50),
            "detection_p95_s": pct(samples, 95),
            "detection_p95_ci95": bootstrap_ci(samples, 95),
            "samples": len(samples),
        },
        "polls_per_video": statistics.mean(polls) if polls else None,
        "invocations_per_video": mean_of("invocations"),
        "writes_per_video": mean_of("writes"),
        "reads_per_video": mean_of("reads"),
    }


def side_by_side(args, db, veo, timeout: float, all_results: list[dict], ledger_users: list) -> dict:
    """Both systems get the same open-loop ramp, started at the same moment from two threads:
    the same offered load, the same machine, the same Veo stand-in (its quota off unless
    --quota: each system breaks on its own limits)."""
    from concurrent.futures import ThreadPoolExecutor

    veo.config(quotaPerMinute=args.quota)
    systems = [False] if args.no_naive else [False, True]
    per_system = max(6, int(max(args.ramp_rates) * (args.veo_max_s + 30) / 2) + 2)
    ramp_users = {naive: load.make_users(per_system) for naive in systems}
    start_at = time.time() + 2.0
    print(f"side by side: {args.ramp_rates} creates/s each, {args.ramp_step_s:g} s per rate", flush=True)
    with ThreadPoolExecutor(max_workers=len(systems)) as pool:
        futures = {
            naive: pool.submit(
                load.open_ramp,
                db,
                ramp_users[naive],
                args.ramp_rates,
                args.ramp_step_s,
                timeout,
                naive=naive,
                start_at=start_at,
            )
            for naive in systems
        }
        steps_by = {naive: f.result() for naive, f in futures.items()}
    out: dict[str, Any] = {"quotaPerMinute": args.quota, "stepSeconds": args.ramp_step_s, "systems": {}}
    for naive, steps in steps_by.items():
        name = "naive" if naive else "ours"
        ramp_results = [r for _, results in steps for r in results]
        _finish(veo, ramp_results)
        rows = []
        for rate, results in steps:
            row = {"rate": rate, **load.summarize(results)}
            row["ok"] = (
                row["failed"] == 0
                and row["nonTerminal"] == 0
                and row["detection_s"]["p95"] is not None
                and row["detection_s"]["p95"] < DETECTION_GOAL_S
            )
            rows.append(row)
        knee = None
        for row in rows:
            if not row["ok"]:
                break
            knee = row["rate"]
        out["systems"][name] = {"steps": rows, "knee": knee, "perDraft": _per_draft(ramp_results)}
        if not naive:
            all_results += ramp_results
            ledger_users += ramp_users[naive]
    out["quotaRefused"] = veo.stats()["quotaRefused"]
    veo.config(quotaPerMinute=0)
    return out


def _per_draft(results: list[dict]) -> dict | None:
    """Counted operations and function seconds per draft, for the side-by-side costs."""
    time.sleep(2)
    drafts = [r for r in results if "draft" in r["seen"]]
    usage = load.usage_by_creation(devstack.log_path("emulators"), {r["creationId"] for r in drafts})
    rows = list(usage.values())
    if not rows:
        return None
    functions = sorted({f for x in rows for f in x["seconds"]})
    naive_rules_read = 0 if any(r["naive"] for r in drafts) else 1
    return {
        "drafts": len(rows),
        "counts": {
            "reads": statistics.mean(x["reads"] for x in rows) + naive_rules_read,
            "writes": statistics.mean(x["writes"] for x in rows) + 1,
            "invocations": statistics.mean(x["invocations"] for x in rows),
            "taskDeliveries": statistics.mean(x["taskDeliveries"] for x in rows),
        },
        "secondsByFunction": {f: statistics.mean(x["seconds"].get(f, 0) for x in rows) for f in functions},
    }


def cold_import() -> dict:
    """`import main` in a fresh interpreter, best of 3, and whether a heavy SDK came with it."""
    import re
    import subprocess

    runs = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "import main"],
            cwd=ROOT / "functions",
            check=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        runs.append(time.perf_counter() - t)
    trace = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import main"],
        cwd=ROOT / "functions",
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    heavy = [
        m for m in ("google.genai", "boto3", "google.cloud.storage") if re.search(rf"\|\s+{re.escape(m)}$", trace, re.M)
    ]
    return {"seconds": min(runs), "runs": runs, "heavySdksImported": heavy}


def targets(figures: dict) -> dict:
    """The goals, on the measured figures: warm detection p95 (its 95% interval's upper end
    says whether the goal is met with confidence), polls and invocations per delivered video."""
    m = figures.get("measured") or {}
    warm = m.get("warm") or {}
    ci = warm.get("detection_p95_ci95")
    spread = figures.get("spread") or {}
    checks = {
        "detection_p95_s": (warm.get("detection_p95_s"), DETECTION_GOAL_S),
        "detection_p95_ci95_upper_s": (ci[1] if ci else None, DETECTION_GOAL_S),
        "polls_per_video": (m.get("polls_per_video"), POLLS_GOAL),
        "invocations_per_video": (m.get("invocations_per_video"), INVOCATIONS_GOAL),
        "to_processing_p95_s": (
            (spread.get("to_processing_p95_s") or {}).get("median"),
            TARGETS["to_processing_p95_s"],
        ),
        "cold_import_s": (figures.get("coldImport", {}).get("seconds"), TARGETS["cold_import_s"]),
    }
    return {
        k: {"value": v, "target": goal, "met": v is not None and (v < goal if "detection" in k else v <= goal)}
        for k, (v, goal) in checks.items()
    }


def _finish(veo, results: list[dict]) -> None:
    load.attach_operations(results, veo.stats())


def _warm_figures(results: list[dict], t_start: float) -> dict:
    time.sleep(2)  # the last invocations log their usage
    success = [r for r in results if "gore" not in r.get("op", {}).get("prompt", "gore")]
    refund = [r for r in results if r not in success]
    usage = load.usage_by_creation(devstack.log_path("emulators"), {r["creationId"] for r in results})
    drafts = [r for r in success if "draft" in r["seen"]]
    ratio = [
        (r["seen"]["draft"] - r["writtenAt"]) / r["op"]["delaySeconds"] for r in drafts if r["op"].get("delaySeconds")
    ]
    finals = [max(r["seen"].values()) for r in results if r["finished"]]

    def per(group):
        rows = [row for r in group if (row := usage.get(r["creationId"]))]
        if not rows:
            return None
        functions = sorted({f for x in rows for f in x["seconds"]})
        figures = {
            "writes": statistics.mean(x["writes"] for x in rows) + 1,  # + the client's create
            "reads": statistics.mean(x["reads"] for x in rows) + 1,  # + the rules' balance get()
            "invocations": statistics.mean(x["invocations"] for x in rows),
            "taskDeliveries": statistics.mean(x["taskDeliveries"] for x in rows),
            "secondsByFunction": {f: statistics.mean(x["seconds"].get(f, 0) for x in rows) for f in functions},
            "byFunction": rows[0]["byFunction"],
        }
        # publishcreation no longer runs on every creation update (it listens to publications),
        # so its invocations no longer count the progress writes: that figure is gone.
        return figures

    summary = load.summarize(success)
    return {
        "detection_samples": load.detection_delays(success),
        "requests": len(results),
        "summary": summary,
        "overhead_s": summary["detection_s"],
        "to_processing_s": summary["toProcessing_s"],
        "whole_over_generation": {"p50": pct(ratio, 50), "p95": pct(ratio, 95)},
        "throughput_per_min": len(finals) / ((max(finals) - t_start) / 60) if finals else 0,
        "refunded": sum(1 for r in refund if "failed" in r["seen"]),
        "per_success": per(drafts),
        "per_refund": per(refund),
        "clipBytes": _clip_bytes(drafts),
        "pollsPerVideo": summary["pollsPerVideo"],
    }


def _clip_bytes(drafts: list[dict]) -> float | None:
    """Mean size of the drafts' objects in the local R2 (what crossed GCS -> function -> R2)."""
    try:
        s3 = devstack.s3_client()
        sizes = {
            o["Key"]: o["Size"]
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=devstack.MEDIA_BUCKET)
            for o in page.get("Contents", [])
        }
    except Exception:  # noqa: BLE001 - a missing size leaves the egress figure out, not the run
        return None
    found = [size for key, size in sizes.items() if any(r["creationId"] in key for r in drafts)]
    return statistics.mean(found) if found else (statistics.mean(sizes.values()) if sizes else None)


def _spread(runs: list[dict]) -> dict:
    def take(path):
        values: list[float] = []
        for run_ in runs:
            v: Any = run_
            for key in path:
                v = (v or {}).get(key) if isinstance(v, dict) else None
            if isinstance(v, (int, float)):
                values.append(v)
        if not values:
            return None
        return {"min": min(values), "median": statistics.median(values), "max": max(values), "n": len(values)}

    return {
        "overhead_p95_s": take(["overhead_s", "p95"]),
        "overhead_p50_s": take(["overhead_s", "p50"]),
        "to_processing_p95_s": take(["to_processing_s", "p95"]),
        "whole_over_generation_p95": take(["whole_over_generation", "p95"]),
        "polls_per_video": take(["pollsPerVideo"]),
        "writes_per_success": take(["per_success", "writes"]),
        "reads_per_success": take(["per_success", "reads"]),
        "invocations_per_success": take(["per_success", "invocations"]),
    }


if __name__ == "__main__":
    sys.exit(main())
