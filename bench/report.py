"""Prints bench/results.json as tables (the same figures, for people)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fmt(v, unit="", digits=2):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}{unit}"
    return f"{v}{unit}"


def _p(d, key="p50"):
    return fmt((d or {}).get(key), " s")


def _table(title, header, rows):
    print(f"\n{title}")
    widths = (
        [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
        if rows
        else [len(h) for h in header]
    )
    for line in [header] + rows:
        print("  " + "  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=False)))


def print_all(f: dict) -> None:
    print(
        f"\nbench of {f.get('date')} on {f.get('machine')}; {fmt(f.get('benchMinutes'))} min; "
        f"pipeline: {f.get('design', '-')}"
    )
    if f.get("settings"):
        print("settings: " + ", ".join(f"{k}={v}" for k, v in f["settings"].items()))
    _print_waves(f)
    _print_spread(f)
    _print_per_success(f)
    _print_measured(f)
    _print_targets(f)
    _print_ramp(f)
    _print_costs(f)
    _print_model(f)
    _print_ledger(f)


def _wave_rows(f: dict, sep: str) -> list[list]:
    """One row per wave (cold, then each warm run), for the console and the docs alike; `sep`
    joins drafts, failed and open."""
    rows = []
    if f.get("cold"):
        c = f["cold"]
        rows.append(
            [
                "cold (first wave)",
                c["requests"],
                f"{_p(c['toProcessing_s'])} / {_p(c['toProcessing_s'], 'p95')}",
                f"{_p(c['detection_s'])} / {_p(c['detection_s'], 'p95')}",
                fmt(c.get("pollsPerVideo"), "", 1),
                sep.join(str(c[k]) for k in ("drafts", "failed", "nonTerminal")),
            ]
        )
    for i, w in enumerate(f.get("warm") or []):
        s = w["summary"]
        rows.append(
            [
                f"warm run {i + 1}",
                w["requests"],
                f"{_p(w['to_processing_s'])} / {_p(w['to_processing_s'], 'p95')}",
                f"{_p(w['overhead_s'])} / {_p(w['overhead_s'], 'p95')}",
                fmt(w.get("pollsPerVideo"), "", 1),
                sep.join((str(s["drafts"]), f"{w['refunded']} refunded", str(s["nonTerminal"]))),
            ]
        )
    return rows


def _print_waves(f: dict) -> None:
    rows = _wave_rows(f, "/")
    if rows:
        _table(
            "waves (Veo 30-120 s, production polls)",
            [
                "row",
                "requests",
                "to processing p50 / p95",
                "Veo done -> draft p50 / p95",
                "polls/video",
                "drafts/failed/non-terminal",
            ],
            rows,
        )


def _print_spread(f: dict) -> None:
    if f.get("spread"):
        _table(
            "spread over the warm runs",
            ["figure", "min", "median", "max"],
            [[k, fmt(v["min"]), fmt(v["median"]), fmt(v["max"])] for k, v in f["spread"].items() if v],
        )


def _print_per_success(f: dict) -> None:
    warm = (f.get("warm") or [{}])[0]
    if warm.get("per_success"):
        u = warm["per_success"]
        print(
            f"\nper success (run 1): {u['writes']:.1f} writes / {u['reads']:.1f} reads / {u['invocations']:.1f} "
            f"invocations, {u['taskDeliveries']:.1f} task deliveries"
        )
        for name, fn in sorted(u["byFunction"].items()):
            print(
                f"    {name}: {fn['invocations']} inv, {fn['reads']} reads, {fn['writes']} writes, "
                f"{u['secondsByFunction'].get(name, 0):.1f} s"
            )


def _print_measured(f: dict) -> None:
    m = f.get("measured")
    if m:
        w = m["warm"]
        ci = w.get("detection_p95_ci95") or [None, None]
        print(
            f"\nmeasured (warm waves): detection p50 {fmt(w.get('detection_p50_s'), ' s')}, p95 "
            f"{fmt(w['detection_p95_s'], ' s')} (95% interval {fmt(ci[0])}-{fmt(ci[1], ' s')}, {w['samples']} "
            f"videos); per delivered video {fmt(m['polls_per_video'], '', 1)} polls, "
            f"{fmt(m['invocations_per_video'], '', 1)} invocations, {fmt(m['writes_per_video'], '', 1)} writes, "
            f"{fmt(m['reads_per_video'], '', 1)} reads"
        )


def _print_targets(f: dict) -> None:
    if f.get("targets"):
        print("\ntargets:")
        for name, t in f["targets"].items():
            print(f"  {name:<28} {fmt(t['value']):>10}  target {t['target']}  {'met' if t['met'] else 'MISSED'}")


def _print_ramp(f: dict) -> None:
    ramp = f.get("ramp")
    if ramp:
        rows = []
        for system, data in ramp["systems"].items():
            for st in data["steps"]:
                rows.append(
                    [
                        system,
                        f"{st['rate']:g}/s",
                        st["requests"],
                        f"{st['drafts']}/{st['failed']}/{st['nonTerminal']}",
                        ", ".join(f"{k} {v}" for k, v in st["failedBy"].items()) or "-",
                        _p(st["detection_s"], "p95"),
                        _p(st["toVeoStart_s"], "p95"),
                        "ok" if st["ok"] else "NO",
                    ]
                )
            rows.append([system, "knee", fmt(data["knee"], "/s"), "", "", "", "", ""])
        _table(
            f"side by side, the same open-loop ramp at the same moments, {ramp['stepSeconds']:g} s per rate "
            f"(Veo quota {ramp['quotaPerMinute'] or 'off'})",
            ["system", "rate", "creates", "drafts/failed/open", "failed by", "detection p95", "to Veo start p95", "ok"],
            rows,
        )


def _print_costs(f: dict) -> None:
    c = f.get("costs")
    if c:
        rows = []
        for who in ("ours", "naive"):
            if c.get(who):
                x = c[who]
                rows.append(
                    [
                        who,
                        f"${x['oursUsdShared']:.6f} - ${x['oursUsdAlone']:.6f}",
                        f"${x['firestoreUsd']:.6f}",
                        f"${x['cloudTasksUsd'] + x['invocationsUsd']:.6f}",
                        f"{x['instanceVcpuSeconds']:.1f} vCPU-s / {x['instanceGibSeconds']:.1f} GiB-s",
                        f"${x['egressUsd']:.6f}",
                        f"${x['veoUsd']:.2f}",
                    ]
                )
        _table(
            f"dollars per video (clip {fmt(c['clipBytes'] / 1e6, ' MB')}; instance time shared by "
            f"{c['threads']} threads .. alone)",
            ["system", "ours total", "Firestore", "tasks+invocations", "instance time", "egress", "Veo"],
            rows,
        )
        r = c["recurringPerStoredVideoMonth"]
        print(
            f"  recurring per stored video per month: ${r['totalUsd']:.6f} (R2 ${r['r2StorageUsd']:.6f}, Firestore "
            f"${r['firestoreStorageUsd']:.8f}, media sweep {r['mediaSweepReads']} reads ${r['mediaSweepUsd']:.6f})"
        )


def _print_model(f: dict) -> None:
    m = f.get("model")
    if m:
        print(
            f"\nmodel of production (SimPy; {m['burstSeconds']:g} s bursts, at most {m['maxGenerations']} requests; "
            f"calibration: {m['calibration'].get('source')}; {m['writes_per_video']:.1f} writes and "
            f"{m['reads_per_video']:.1f} reads per video)"
        )
        print("  knee (p95 detection < 2 s, nothing failed by our limits) / capacity (nothing failed), quota matched:")
        for design, k in m["knees"].items():
            last = (k["scanned"] or [{}])[-1]
            hits = ", ".join(sorted(last.get("limitHits") or {}, key=lambda x: -last["limitHits"][x])[:2]) or "-"
            print(
                f"    {design:<16} knee {fmt(k['knee'], '/s'):>7}   capacity {fmt(k['capacity'], '/s'):>7}"
                f"   first limit past it: {hits}"
            )
        launch = m.get("launch")
        if launch:
            print(
                f"  launch burst 5/s at Veo's {launch['quota']}: {launch['drafts']}/{launch['generations']} drafts, "
                f"to Veo start p95 {fmt(launch['admissionP95'], ' s', 0)} (the quota binds)"
            )


def _print_ledger(f: dict) -> None:
    if "ledgerCheckOk" in f:
        print(
            f"\nledger check: {'OK' if f['ledgerCheckOk'] else f['ledgerProblems']}; "
            f"non-terminal: {f.get('nonTerminal')}"
        )


# --- The docs' figures, written from one results file (`python -m bench.report --write-docs`)

DOCS = {"performance": ROOT / "docs" / "performance.md", "capacity": ROOT / "docs" / "capacity.md"}
DEFAULT_RESULTS = "bench/results.json"
BEGIN = "<!-- generated by `python -m bench.report --write-docs` from {path}: do not edit by hand -->"
BEGIN_RE = re.compile(r"<!-- generated by `python -m bench\.report --write-docs` from (\S+): do not edit by hand -->")
END = "<!-- end of generated figures -->"


def _md_table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(x) for x in row) + " |" for row in rows]
    return lines


def _run_label(f: dict) -> str:
    config = f.get("config") or {}
    kind = "model only (no stack)" if config.get("model_only") else ("--quick" if config.get("quick") else "full")
    return f"`make bench` ({kind}) of {f.get('date', '?')}"


def _first_limit(k: dict) -> str:
    last = (k.get("scanned") or [{}])[-1]
    hits = last.get("limitHits") or {}
    return ", ".join(sorted(hits, key=lambda x: -hits[x])[:2]) or "-"


def _ci(w: dict) -> str:
    ci = w.get("detection_p95_ci95")
    return f"{fmt(ci[0])}-{fmt(ci[1], ' s')}" if ci else "- (fewer than 2 samples)"


def performance_md(f: dict, path: str) -> str:
    """docs/performance.md's figures: every one measured, in this one run."""
    out = [BEGIN.format(path=path), ""]
    if not f.get("measured"):
        out += [f"No measured figures: {path} is {_run_label(f)}, which starts no stack.", "", END]
        return "\n".join(out) + "\n"
    out.append(
        f"**Measured** by {_run_label(f)} on {f.get('machine', '?')}, {fmt(f.get('benchMinutes'), ' min', 1)} "
        f"(stack start {fmt(f.get('stackStartSeconds'), ' s', 0)}); pipeline: {f.get('design', '-')}."
    )
    phases = f.get("phaseSeconds")
    if phases:
        out += [
            "",
            "Phases (measured, after the stack's start): "
            + ", ".join(f"{k} {v:.0f} s" for k, v in phases.items())
            + ".",
        ]
    load = f.get("loadAverage")
    if load:
        out += [
            "",
            f"Machine load (1-minute load average; compare runs of one machine state): {load['start'][0]:.1f} at the "
            f"start, {load['end'][0]:.1f} at the end.",
        ]
    for section in (_md_headline, _md_waves, _md_side_by_side, _md_costs, _md_checks):
        out += section(f)
    out += ["", END]
    return "\n".join(out) + "\n"


def _md_headline(f: dict) -> list[str]:
    m = f["measured"]
    w = m.get("warm") or {}
    targets = f.get("targets") or {}

    def met(key):
        t = targets.get(key)
        return "-" if not t else f"{t['target']} ({'met' if t['met'] else '**missed**'})"

    per_video = "per delivered video"
    return [
        "",
        "### Headline (measured, warm waves)",
        "",
        *_md_table(
            ["figure (`measured.` key)", "value", "goal"],
            [
                ["detection p95 (`warm.detection_p95_s`)", fmt(w.get("detection_p95_s"), " s"), met("detection_p95_s")],
                ["its 95% interval (`warm.detection_p95_ci95`)", _ci(w), met("detection_p95_ci95_upper_s")],
                ["delivered videos behind it (`warm.samples`)", fmt(w.get("samples")), "-"],
                ["detection p50 (`warm.detection_p50_s`)", fmt(w.get("detection_p50_s"), " s"), "-"],
                [
                    f"Veo polls {per_video} (`polls_per_video`)",
                    fmt(m.get("polls_per_video"), "", 1),
                    met("polls_per_video"),
                ],
                [
                    f"invocations {per_video} (`invocations_per_video`)",
                    fmt(m.get("invocations_per_video"), "", 1),
                    met("invocations_per_video"),
                ],
                [f"Firestore writes {per_video} (`writes_per_video`)", fmt(m.get("writes_per_video"), "", 1), "-"],
                [f"Firestore reads {per_video} (`reads_per_video`)", fmt(m.get("reads_per_video"), "", 1), "-"],
            ],
        ),
    ]


def _md_waves(f: dict) -> list[str]:
    rows = _wave_rows(f, " / ")
    header = ["wave", "requests", "to `processing` p50 / p95", "detection p50 / p95", "polls per video"]
    out = ["", "### Waves (measured; Veo 30-120 s, production poll settings)", ""]
    out += _md_table([*header, "drafts / failed / open"], rows)
    per = ((f.get("warm") or [{}])[0]).get("per_success")
    if per:
        out += [
            "",
            "Per delivered video in warm run 1, by function (measured: the code's `invocation usage` lines):",
            "",
        ]
        out += _md_table(
            ["function", "invocations", "reads", "writes", "seconds"],
            [
                [name, fn["invocations"], fn["reads"], fn["writes"], fmt(per["secondsByFunction"].get(name, 0), "", 1)]
                for name, fn in sorted(per["byFunction"].items())
            ],
        )
    return out


def _md_side_by_side(f: dict) -> list[str]:
    out: list[str] = []
    ramp = f.get("ramp")
    if ramp:
        rows = [
            [
                system,
                f"{st['rate']:g}/s",
                st["requests"],
                f"{st['drafts']} / {st['failed']} / {st['nonTerminal']}",
                ", ".join(f"{k} {v}" for k, v in st["failedBy"].items()) or "-",
                _p(st["detection_s"], "p95"),
                _p(st["toVeoStart_s"], "p95"),
                "ok" if st["ok"] else "**no**",
            ]
            for system, data in ramp["systems"].items()
            for st in data["steps"]
        ]
        out += [
            "",
            f"### Side by side (measured; the same open-loop ramp at the same moments, {ramp['stepSeconds']:g} s per "
            f"rate, Veo stand-in quota {ramp['quotaPerMinute'] or 'off'})",
            "",
        ]
        header = ["system", "rate", "creates", "drafts / failed / open", "failed by", "detection p95"]
        out += _md_table([*header, "to Veo start p95", "ok"], rows)
    knees = f.get("side_by_side") or {}
    if knees:
        offered = max((f.get("config") or {}).get("ramp_rates") or [0])
        out += [
            "",
            "Knee measured on this machine (`side_by_side.*.knee_per_s`, the last step with nothing failed or open "
            "and detection p95 < 2 s): "
            + "; ".join(f"**{name} {_measured_knee(v)}**" for name, v in knees.items())
            + f" (highest rate offered {offered:g}/s).",
        ]
    return out


def _measured_knee(system: dict) -> str:
    knee = system.get("knee_per_s")
    if system.get("broke") is False:
        return f"≥ {fmt(knee, '/s')} (did not break)"
    return fmt(knee, "/s") if knee is not None else "none (broke at the first step)"


def _md_costs(f: dict) -> list[str]:
    c = f.get("costs")
    if not (c and c.get("ours")):
        return []
    rows = [
        [
            who,
            f"${x['oursUsdShared']:.6f} .. ${x['oursUsdAlone']:.6f}",
            f"${x['firestoreUsd']:.6f}",
            f"${x['cloudTasksUsd'] + x['invocationsUsd']:.6f}",
            f"{x['instanceVcpuSeconds']:.1f} vCPU-s / {x['instanceGibSeconds']:.1f} GiB-s",
            f"${x['egressUsd']:.6f}",
            f"${x['veoUsd']:.2f}",
        ]
        for who in ("ours", "naive")
        if (x := c.get(who))
    ]
    out = [
        "",
        f"### Dollars per video (measured counts × list prices of `bench/prices.py`; clip "
        f"{fmt((c.get('clipBytes') or 0) / 1e6, ' MB')}; instance time shared by {c['threads']} threads .. alone)",
        "",
    ]
    out += _md_table(
        ["system", "ours total", "Firestore", "tasks + invocations", "instance time", "egress", "Veo"], rows
    )
    r = c.get("recurringPerStoredVideoMonth")
    if r:
        out += [
            "",
            f"Recurring per stored video per month: ${r['totalUsd']:.6f} (R2 ${r['r2StorageUsd']:.6f}, Firestore "
            f"${r['firestoreStorageUsd']:.8f}, media sweep {r['mediaSweepReads']} reads).",
        ]
    return out


def _md_checks(f: dict) -> list[str]:
    out = []
    imp = f.get("coldImport")
    if imp:
        out += [
            "",
            f"Cold `import main` (measured, best of 3): {fmt(imp['seconds'], ' s')}; heavy SDKs imported: "
            f"{', '.join(imp['heavySdksImported']) or 'none'}.",
        ]
    if "ledgerCheckOk" in f:
        out += [
            "",
            f"Ledger check over every bench user: {'OK' if f['ledgerCheckOk'] else 'PROBLEMS'}; requests left "
            f"non-terminal: {f.get('nonTerminal')}.",
        ]
    return out


def capacity_md(f: dict, path: str) -> str:
    """docs/capacity.md's figures: the model's, fed by this run's measured counts."""
    out = [BEGIN.format(path=path), ""]
    m = f.get("model")
    if not m:
        return "\n".join(out + ["This results file holds no model.", "", END]) + "\n"
    cal = m["calibration"]
    measured = bool(f.get("measured"))
    source = "measured" if measured else "defaults"
    fed = (
        f"fed by the counts measured in the same run, {_run_label(f)}"
        if measured
        else "fed by the defaults of `bench.platform.Calibration`: a `--model-only` run, nothing measured"
    )
    event = (
        "event delivery inside the measured finish step"
        if measured
        else f"event latency {fmt(cal['event_latency_s'], ' s')} (assumed)"
    )
    out.append(
        f"**Modelled**, {fed}: {fmt(m['writes_per_video'], '', 1)} writes and {fmt(m['reads_per_video'], '', 1)} "
        f"reads per video ({source}), onCreate {fmt(cal['start_s'], ' s')} and finish step "
        f"{fmt(cal['finish_s'], ' s')} ({source}; {event}); Vertex start {fmt(cal['veo_start_s'], ' s')}, Vertex "
        f"look {fmt(cal['veo_call_s'], ' s')}, cold start {fmt(cal['cold_start_s'], ' s')} (assumed). Bursts of "
        f"{fmt(m['burstSeconds'], ' s', 0)}, at most {m['maxGenerations']} requests (the naive peer: "
        f"{fmt(m.get('naiveBurstSeconds'), ' s', 0)}, at most {m.get('naiveMaxGenerations', '-')}); knees found with "
        "Veo's quota matched to the offered rate (+20%), so they are our limits, not Google's."
    )
    scan_top = max(_scanned_rates(m), default=None)
    rows = []
    for label, k in m["knees"].items():
        at: dict = next((r for r in k.get("scanned") or [] if r["offered_per_s"] == k.get("knee")), {})
        knee_text = fmt(k.get("knee"), "/s")
        if k.get("knee") is not None and k.get("knee") == scan_top:
            knee_text = f"≥ {knee_text} (top of the scan)"
        elif k.get("knee") is None and k.get("scanned"):
            first = k["scanned"][0]
            knee_text = (
                f"none (at {fmt(first['offered_per_s'], '/s')}: detection p95 {fmt(first['detectionP95'], ' s')})"
            )
        rows.append(
            [
                label,
                f"**{knee_text}**",
                fmt(k.get("capacity"), "/s"),
                fmt(at.get("detectionP95"), " s"),
                fmt(at.get("pollsPerVideo"), "", 1),
                _first_limit(k),
            ]
        )
    header = ["system, database", "knee", "capacity", "detection p95 at the knee", "polls per video"]
    out += ["", *_md_table([*header, "first limit past the last rate"], rows)]
    launch = m.get("launch")
    if launch:
        out += [
            "",
            f"At launch, Veo's default quota ({launch['quota']}) and 5 requests/s for "
            f"{fmt(m['burstSeconds'], ' s', 0)} (modelled): {launch['drafts']}/{launch['generations']} delivered, "
            f"{launch['failedByOurLimits']} refunded, the last started {fmt(launch['admissionP95'], ' s', 0)} (p95) "
            "after its request: the quota binds.",
        ]
    return "\n".join(out + _md_binds(m, scan_top) + ["", END]) + "\n"


def _md_binds(m: dict, scan_top: float | None) -> list[str]:
    """The limits in the order they bind, computed from the model's platform and this run's counts."""
    cal, plat = m["calibration"], m["platform"]
    warm = (m.get("knee_per_s") or {}).get("warm_db")
    ops = (m["writes_per_video"] or 0) + (m["reads_per_video"] or 0)
    seq = cal["sequential_index_writes_per_video"]
    warm_rows = m["knees"].get("ours, warm db", {}).get("scanned", [])
    polls_100 = next((r["pollsPerVideo"] for r in warm_rows if r["offered_per_s"] == 100), None)
    startveo_per_s = plat["startveo_max_concurrent"] / cal["veo_start_s"]
    sequential_per_s = plat["sequential_index_writes_per_s"] / seq
    warm_text = fmt(warm, "/s")
    if warm is not None and warm == scan_top:
        warm_text = f"≥ {warm_text} (the top of the scan)"
    ramp_minutes = plat["db_ramp_every_s"] / 60
    return [
        "",
        "### What binds, in order (modelled, from the limits above and this run's counts)",
        "",
        f"Warm database, Veo quota matched to the load: designed knee **{warm_text}**, "
        f"{'meeting' if warm is not None and warm >= 100 else '**missing**'} the goal of 100 generations/s. Above "
        f"{m['maxGenerations'] / m['burstSeconds']:g}/s a scan step is a burst shorter than "
        f"{fmt(m['burstSeconds'], ' s', 0)} (at most {m['maxGenerations']} requests): sustained, the lowest of our own "
        f"ceilings below (3 and 4) is **{min(startveo_per_s, sequential_per_s):.0f} generations/s**.",
        "",
        f"1. **Veo's quota: {plat['veo_quota_per_min']} starts/min = {plat['veo_quota_per_min'] / 60:.2f} "
        "generations/s** (Google's default). It binds first, long before any limit of ours; 100 generations/s needs "
        f"{100 * 60:,} starts/min (see below for how to raise it).",
        f"2. **Firestore's 500/50/5 ramp on a new database: ~{plat['db_ramp_start'] / ops:.0f} generations/s** for "
        f"the first {ramp_minutes:.0f} minutes ({plat['db_ramp_start']:.0f} operations/s over {ops:.1f} reads + "
        f"writes a video, +{(plat['db_ramp_factor'] - 1) * 100:.0f}% every {ramp_minutes:.0f} minutes).",
        f"3. **`startveo`'s dispatches: ~{startveo_per_s:.0f} starts/s** ({plat['startveo_max_concurrent']} at once, "
        f"each held {fmt(cal['veo_start_s'], ' s')} by Vertex's start call).",
        f"4. **The sequential index of `creations`: {sequential_per_s:.0f} generations/s** "
        f"({plat['sequential_index_writes_per_s']:.0f} writes/s at the end of an index, {seq:g} such writes a "
        "generation).",
        f"5. The poll queues: {fmt(polls_100, '', 1)} polls a video at 100/s = {fmt((polls_100 or 0) * 100, '', 0)} "
        f"dispatches/s of {plat['poll_queues']} × {plat['queue_max_rate']:.0f}.",
    ]


def _scanned_rates(m: dict) -> list[float]:
    """The rates the model scanned (from the results file, not from today's code)."""
    return sorted({r["offered_per_s"] for k in m.get("knees", {}).values() for r in k.get("scanned") or []})


RENDERERS = {"performance": performance_md, "capacity": capacity_md}


def generated_block(text: str) -> tuple[int, int, str] | None:
    """(start, end, results path) of a doc's generated block, or None."""
    begin = BEGIN_RE.search(text)
    if not begin:
        return None
    end = text.find(END, begin.end())
    if end < 0:
        raise ValueError(f"a generated block without its end marker {END!r}")
    return begin.start(), end + len(END) + 1, begin.group(1)


def render_doc(text: str, doc: str, results_path: str) -> str:
    block = generated_block(text)
    if block is None:
        raise ValueError(f"docs/{doc}.md has no generated block (a line {BEGIN.format(path='...')!r})")
    start, end, _ = block
    figures = json.loads((ROOT / results_path).read_text())
    return text[:start] + RENDERERS[doc](figures, results_path) + text[end:]


def write_docs(results_path: str = DEFAULT_RESULTS) -> list[Path]:
    written = []
    for doc, path in DOCS.items():
        text = path.read_text()
        new = render_doc(text, doc, results_path)
        if new != text:
            path.write_text(new)
            written.append(path)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="bench/results.json as tables, or as the docs' figures")
    parser.add_argument("--results", default=DEFAULT_RESULTS, help="a results file, relative to the repository")
    parser.add_argument(
        "--write-docs", action="store_true", help="rewrite the figures of docs/performance.md and docs/capacity.md"
    )
    args = parser.parse_args(argv)
    if args.write_docs:
        for path in write_docs(args.results):
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    print_all(json.loads((ROOT / args.results).read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
