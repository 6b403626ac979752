"""The docs' bench figures are written from one results file, and stay what it says."""

from __future__ import annotations

import json

import pytest

from bench import report

# What issue-level readers look up in every full run's results (docs/performance.md lists them).
REQUIRED_KEYS = (
    "measured.warm.detection_p95_s",
    "measured.warm.detection_p95_ci95",
    "measured.warm.samples",
    "measured.polls_per_video",
    "measured.invocations_per_video",
    "measured.writes_per_video",
    "measured.reads_per_video",
    "side_by_side.ours.knee_per_s",
    "side_by_side.naive.knee_per_s",
    "model.writes_per_video",
    "model.knee_per_s.new_db",
    "model.knee_per_s.warm_db",
)


def _get(figures: dict, dotted: str):
    value = figures
    for key in dotted.split("."):
        assert isinstance(value, dict) and key in value, f"results lack {dotted}"
        value = value[key]
    return value


@pytest.mark.parametrize("doc", sorted(report.DOCS))
def test_each_doc_shows_exactly_the_figures_of_the_results_file_it_names(doc):
    text = report.DOCS[doc].read_text()
    block = report.generated_block(text)
    assert block is not None, f"docs/{doc}.md has no generated figures"
    results = report.ROOT / block[2]
    assert results.exists(), f"docs/{doc}.md names {block[2]}, which is not in the tree"
    assert report.render_doc(text, doc, block[2]) == text, (
        f"docs/{doc}.md disagrees with {block[2]}: run `python -m bench.report --write-docs` "
        "(or restore the results file the docs were written from)"
    )


def test_both_docs_are_written_from_the_same_results_file():
    named = {report.generated_block(path.read_text())[2] for path in report.DOCS.values()}  # type: ignore[index]
    assert len(named) == 1


def test_the_published_results_hold_every_headline_key_of_a_full_run():
    text = report.DOCS["performance"].read_text()
    figures = json.loads((report.ROOT / report.generated_block(text)[2]).read_text())  # type: ignore[index]
    if (figures.get("config") or {}).get("model_only"):
        pytest.skip("a --model-only results file has no measured keys")
    for key in REQUIRED_KEYS:
        _get(figures, key)
    assert _get(figures, "model.writes_per_video") == _get(figures, "measured.writes_per_video")


def _figures(**overrides) -> dict:
    """A small results file of a full run: the shape bench/run.py writes."""
    scanned = [
        {"offered_per_s": r, "detectionP95": 1.5, "pollsPerVideo": 4.0, "limitHits": {"x": 1} if r == 300 else {}}
        for r in (50, 100, 300)
    ]
    knee = {"knee": 300, "capacity": 300, "scanned": scanned}
    return {
        "date": "2026-12-04 14:00 UTC",
        "machine": "2 cores",
        "config": {"quick": False, "model_only": False, "ramp_rates": [0.1, 0.2]},
        "loadAverage": {"start": [3.0, 2.0, 1.0], "end": [4.0, 3.0, 2.0]},
        "phaseSeconds": {"cold": 90.0, "warm": 300.4},
        "measured": {
            "warm": {"detection_p95_s": 1.234, "detection_p95_ci95": [1.0, 1.9], "samples": 30},
            "polls_per_video": 2.5,
            "invocations_per_video": 9.0,
            "writes_per_video": 15.0,
            "reads_per_video": 14.0,
        },
        "targets": {"detection_p95_s": {"value": 1.234, "target": 2.0, "met": True}},
        "side_by_side": {"ours": {"knee_per_s": 0.2, "broke": False}, "naive": {"knee_per_s": 0.1, "broke": True}},
        "model": {
            "calibration": {
                "start_s": 0.2,
                "finish_s": 0.5,
                "veo_start_s": 1.75,
                "veo_call_s": 0.3,
                "event_latency_s": 0.0,
                "cold_start_s": 1.5,
                "sequential_index_writes_per_video": 2.0,
            },
            "platform": {
                "veo_quota_per_min": 50,
                "db_ramp_start": 500.0,
                "db_ramp_every_s": 300.0,
                "db_ramp_factor": 1.5,
                "startveo_max_concurrent": 400,
                "sequential_index_writes_per_s": 500.0,
                "poll_queues": 8,
                "queue_max_rate": 500.0,
            },
            "burstSeconds": 60,
            "maxGenerations": 3000,
            "knees": {"ours, new db": {**knee, "knee": 20}, "ours, warm db": knee},
            "knee_per_s": {"new_db": 20, "warm_db": 300},
            "writes_per_video": 15.0,
            "reads_per_video": 14.0,
        },
        **overrides,
    }


def test_measured_figures_are_labelled_with_their_run_and_its_load():
    text = report.performance_md(_figures(), "bench/results.json")
    assert "**Measured** by `make bench` (full) of 2026-12-04 14:00 UTC" in text
    assert "3.0 at the start, 4.0 at the end" in text
    assert "Phases (measured, after the stack's start): cold 90 s, warm 300 s." in text
    assert "| detection p95 (`warm.detection_p95_s`) | 1.23 s | 2.0 (met) |" in text
    assert "1.00-1.90 s" in text
    assert "**ours ≥ 0.20/s (did not break)**; **naive 0.10/s**" in text


def test_modelled_figures_say_what_fed_them_and_whether_the_warm_knee_reaches_100_per_s():
    text = report.capacity_md(_figures(), "bench/results.json")
    assert "**Modelled**, fed by the counts measured in the same run" in text
    assert "15.0 writes and 14.0 reads per video (measured)" in text
    assert "≥ 300/s (the top of the scan)**, meeting the goal of 100" in text
    assert "50 starts/min = 0.83 generations/s" in text
    slow = _figures()
    slow["model"]["knee_per_s"]["warm_db"] = 50
    assert "**missing** the goal of 100" in report.capacity_md(slow, "bench/results.json")


def test_a_model_only_file_claims_no_measured_figure_and_says_the_model_ran_on_defaults():
    figures = _figures(config={"model_only": True})
    del figures["measured"]
    assert "No measured figures" in report.performance_md(figures, "r.json")
    assert "defaults of `bench.platform.Calibration`" in report.capacity_md(figures, "r.json")


def test_writing_the_docs_replaces_only_the_generated_block(tmp_path, monkeypatch):
    results = tmp_path / "results.json"
    results.write_text(json.dumps(_figures()))
    doc = tmp_path / "performance.md"
    doc.write_text(f"before\n\n{report.BEGIN.format(path=results)}\nstale\n{report.END}\n\nafter\n")
    monkeypatch.setattr(report, "DOCS", {"performance": doc})
    monkeypatch.setattr(report, "ROOT", tmp_path)
    report.write_docs(str(results))
    text = doc.read_text()
    assert text.startswith("before\n\n<!-- generated") and text.endswith(f"{report.END}\n\nafter\n")
    assert "stale" not in text and "1.23 s" in text
    assert report.render_doc(text, "performance", str(results)) == text  # written once, stable
