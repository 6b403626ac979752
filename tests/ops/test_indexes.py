"""Every query has the index production needs (the emulator never asks for one): the queries
are recorded from the code itself (functions/, ops/) and parsed from the web client and the
contract doc's snippets. Runs without the emulators."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ops import indexes
from ops.indexes import ASC, DESC, Needed, Query

ROOT = indexes.ROOT


@pytest.fixture(autouse=True)
def _stack():
    """Overrides tests/ops/conftest.py's autouse stack: the check needs no emulator."""
    return None


@pytest.fixture(scope="module")
def recorded():
    return indexes.captured_python_queries()


def test_every_query_has_its_index_and_every_declared_index_serves_a_query(recorded):
    queries = recorded[0] + indexes.snippet_queries()
    _, problems = indexes.report(queries, indexes.declared())
    assert problems == []


def test_the_recording_run_exercises_every_function_that_builds_a_query(recorded):
    # A new query in functions/ or ops/ must be run by indexes._exercise, or it goes unchecked.
    builders = indexes.python_query_builders()
    assert builders, "the source scan found no query at all"
    assert builders <= recorded[1], f"not exercised by ops/indexes.py _exercise: {sorted(builders - recorded[1])}"


def test_the_alerts_sums_are_recorded_with_the_field_they_aggregate(recorded):
    sums = {q.aggregations for q in recorded[0] if q.source == "adapters.metrics_store:_sum"}
    assert sums == {(("sum", "duration"),)}


def test_the_photo_reuse_check_is_recorded_as_one_in_filter_per_field(recorded):
    # An `in` is equality-like: it is served by the field's automatic index as long as the
    # query filters nothing else (the "not failed" test is done on the documents read).
    shapes = {
        (q.collection, q.equals, q.ranges, q.order)
        for q in recorded[0]
        if q.source == "adapters.creation_reads:uploads_in_use"
    }
    assert shapes == {
        ("creations", frozenset({"image"}), frozenset(), ()),
        ("creations", frozenset({"lastFrame"}), frozenset(), ()),
    }


def test_the_web_client_and_every_snippet_language_are_read():
    sources = {q.source.split(":")[0] for q in indexes.snippet_queries()}
    assert sources == {"clients/web/src/contract.js", "docs/client-contract.md"}
    collections = {(q.collection, frozenset(q.equals)) for q in indexes.snippet_queries()}
    assert {("feed", frozenset({"visible"})), ("creations", frozenset({"userId"})), ("transactions", frozenset())} <= (
        collections
    )


def test_a_missing_composite_index_fails_the_check(recorded, tmp_path):
    spec = json.loads(indexes.INDEXES_PATH.read_text())
    for dropped in range(len(spec["indexes"])):
        trimmed = dict(spec, indexes=[i for n, i in enumerate(spec["indexes"]) if n != dropped])
        path = tmp_path / "indexes.json"
        path.write_text(json.dumps(trimmed))
        _, problems = indexes.report(recorded[0] + indexes.snippet_queries(), indexes.declared(path))
        assert any("missing index" in p for p in problems), spec["indexes"][dropped]


def test_a_sum_needs_the_aggregated_field_after_the_filters():
    window = Query("q", "creations", equals=frozenset({"status"}), ranges=frozenset({"completedAt"}))
    summed = Query(**{**window.__dict__, "aggregations": (("sum", "duration"),)})
    assert indexes.required_index(window) == Needed(
        "creations", "COLLECTION", frozenset({"status"}), (("completedAt", ASC),)
    )
    assert indexes.required_index(summed) == Needed(
        "creations", "COLLECTION", frozenset({"status"}), (("completedAt", ASC), ("duration", ASC))
    )
    without_duration = indexes.Declared(
        composite=[Needed("creations", "COLLECTION", frozenset(), (("status", ASC), ("completedAt", ASC)))]
    )
    assert indexes.problem(window, without_duration) is None
    assert "missing index" in (indexes.problem(summed, without_duration) or "")
    # a count reads no field: the filters' index serves it
    counted = Query(**{**window.__dict__, "aggregations": (("count", ""),)})
    assert indexes.problem(counted, without_duration) is None


def test_the_index_requirements_model_knows_the_textbook_cases():
    need = indexes.required_index
    assert need(Query("q", "c", equals=frozenset({"a"}), order=(("b", DESC),))) == Needed(
        "c", "COLLECTION", frozenset({"a"}), (("b", DESC),)
    )
    assert need(Query("q", "c", equals=frozenset({"a", "b"}))) is None  # merged single-field indexes
    assert need(Query("q", "c", order=(("b", DESC),))) is None
    assert need(Query("q", "c", order=(("__name__", ASC),), equals=frozenset({"a"}))) is None
    assert need(Query("q", "c", ranges=frozenset({"b"}), group=True)) == Needed(
        "c", "COLLECTION_GROUP", frozenset(), (("b", ASC),)
    )
    assert need(Query("q", "c", aggregations=(("sum", "d"),))) is None  # d's automatic index


def test_a_field_override_that_drops_an_automatic_index_a_query_uses_is_a_problem():
    spec = indexes.Declared(overrides={("c", "d"): {("COLLECTION", ASC)}})
    assert indexes.problem(Query("q", "c", order=(("d", ASC),)), spec) is None
    assert indexes.problem(Query("q", "c", order=(("d", DESC),)), spec)
    assert indexes.problem(Query("q", "c", ranges=frozenset({"d"}), group=True), spec)


@pytest.mark.parametrize(
    "snippet",
    [
        'db.collection("creations").whereField("userId", isEqualTo: uid)\n'
        '    .order(by: "createdAt", descending: true)',
        'Firebase.firestore.collection("creations").whereEqualTo("userId", uid)\n'
        '    .orderBy("createdAt", Query.Direction.DESCENDING)',
        'query(collection(db, "creations"), where("userId", "==", uid), orderBy("createdAt", "desc"))',
    ],
    ids=["swift", "kotlin", "js"],
)
def test_the_snippet_parser_reads_each_language(snippet):
    (line, text), *_ = indexes._statements(snippet)
    assert indexes._parse_snippet(text, "s") == Query(
        "s", "creations", equals=frozenset({"userId"}), order=(("createdAt", DESC),)
    )


def test_the_command_checks_the_repository():
    done = subprocess.run(
        [sys.executable, "-m", "ops", "indexes", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("OK")
