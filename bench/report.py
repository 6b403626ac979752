"""Prints bench/results.json as tables (the same figures, for people)."""

from __future__ import annotations


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


def _print_waves(f: dict) -> None:
    rows = []
    if f.get("cold"):
        c = f["cold"]
        rows.append(
            [
                "cold (first wave)",
                c["requests"],
                f"{_p(c['toProcessing_s'])} / {_p(c['toProcessing_s'], 'p95')}",
                f"{_p(c['detection_s'])} / {_p(c['detection_s'], 'p95')}",
                fmt(c["pollsPerVideo"], "", 1),
                f"{c['drafts']}/{c['failed']}/{c['nonTerminal']}",
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
                fmt(w["pollsPerVideo"], "", 1),
                f"{s['drafts']}/{w['refunded']} refunded/{s['nonTerminal']}",
            ]
        )
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
