"""Every Firestore query we run, and the index production needs for it (the emulator never asks).

    python -m ops indexes            each query, where it comes from, the index it needs
    python -m ops indexes --check    exit 1 if a query needs an index firestore.indexes.json lacks,
                                     or the file declares one that no query needs

Production refuses a query without its composite index (FAILED_PRECONDITION), and computes
`sum()`/`avg()` from index entries: the aggregated field must be in the index that serves the
filters ("a field must be indexed to calculate an aggregation", Google Cloud blog, "Calculate
SUM and AVG aggregations using Firestore", 2023-11-07; checked 2026-12-04). The emulator
answers everything, so nothing run against it can vouch for an index.

Where the queries come from, so that none is forgotten:
- the server's and the operator CLI's (functions/, ops/): their own code runs against a
  recording Firestore client (`captured_python_queries`); the shape comes from the
  StructuredQuery the SDK would send. `python_query_builders` finds, from the source, every
  function that builds a query, and tests/ops/test_indexes.py fails if the recording run did
  not exercise one of them;
- the web client (clients/web/src/*.js) and the contract doc's Swift/Kotlin/JS snippets:
  parsed from their text (`snippet_queries`).
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import ops  # noqa: F401  (puts functions/ on the path)

ROOT = Path(__file__).resolve().parent.parent
INDEXES_PATH = ROOT / "firestore.indexes.json"
CONTRACT_DOC = ROOT / "docs" / "client-contract.md"
WEB_SRC = ROOT / "clients" / "web" / "src"
PYTHON_SOURCES = (ROOT / "functions", ROOT / "ops")
ASC, DESC = "ASCENDING", "DESCENDING"
NAME = "__name__"
_SHORT = {ASC: "ASC", DESC: "DESC"}


@dataclass(frozen=True)
class Query:
    """One query's shape: equality filters, inequality filters, orderings, aggregations."""

    source: str  # where it is written: module:function, or file and snippet
    collection: str
    equals: frozenset[str] = frozenset()
    ranges: frozenset[str] = frozenset()
    order: tuple[tuple[str, str], ...] = ()
    aggregations: tuple[tuple[str, str], ...] = ()  # ("count", ""), ("sum", field), ("avg", field)
    group: bool = False


@dataclass(frozen=True)
class Needed:
    """An index Firestore needs beyond the automatic single-field ones."""

    collection: str
    scope: str
    equals: frozenset[str]  # ascending, in any order (Firestore merges them)
    tail: tuple[tuple[str, str], ...]  # then exactly these, in this order

    def describe(self) -> str:
        fields = [f"{f} ASC" for f in sorted(self.equals)] + [f"{f} {_SHORT[d]}" for f, d in self.tail]
        kind = "composite" if len(fields) > 1 else "single-field"
        return f"{self.collection} ({self.scope.lower()}) {kind}: " + ", ".join(fields)


def required_index(q: Query) -> Needed | None:
    """What Firestore needs for `q`, or None when the automatic indexes serve it.

    Automatic: each field has collection-scope single-field indexes (both directions), and
    equality filters on several fields are served by merging them. A collection group query
    gets no automatic single-field index. Inequality fields are ordered first (implicitly);
    the document name ends every index. A sum/avg reads the aggregated field from the index
    entries, so that field comes last. An `in` is an OR of equalities on its one field, and an
    ascending order by document name is the order of every index's entries: neither needs a
    composite index on its own (Firestore's index overview and query docs, checked 2026-12-04)."""
    tail = _tail(q)
    scope = "COLLECTION_GROUP" if q.group else "COLLECTION"
    if (q.equals and tail) or len(tail) > 1:
        return Needed(q.collection, scope, frozenset(q.equals), tail)
    if q.group and (q.equals or tail):
        only = tail[0] if tail else (next(iter(q.equals)), ASC)
        return Needed(q.collection, scope, frozenset(), (only,))
    return None


def _tail(q: Query) -> tuple[tuple[str, str], ...]:
    """The ordered part of the index a query reads: its orders (the inequality fields first,
    implicitly), then the fields it sums or averages."""
    sort = [(f, d) for f, d in q.order if f != NAME]
    for f in sorted(q.ranges):
        if f not in dict(sort):
            sort.insert(0, (f, ASC))
    named = q.equals | {f for f, _ in sort}
    aggregated = [(f, ASC) for kind, f in q.aggregations if kind in ("sum", "avg") and f not in named]
    return tuple(sort + list(dict.fromkeys(aggregated)))


@dataclass
class Declared:
    composite: list[Needed] = field(default_factory=list)
    # (collection, field) -> the indexes its override keeps: {(scope, ASC|DESC|CONTAINS)}
    overrides: dict[tuple[str, str], set[tuple[str, str]]] = field(default_factory=dict)


def declared(path: Path = INDEXES_PATH) -> Declared:
    spec = json.loads(path.read_text())
    out = Declared()
    for index in spec.get("indexes", []):
        fields = [(f["fieldPath"], f["order"]) for f in index["fields"]]
        out.composite.append(Needed(index["collectionGroup"], index["queryScope"], frozenset(), tuple(fields)))
    for override in spec.get("fieldOverrides", []):
        out.overrides[(override["collectionGroup"], override["fieldPath"])] = {
            (i["queryScope"], i.get("order") or i.get("arrayConfig")) for i in override.get("indexes", [])
        }
    return out


def serves(index: Needed, need: Needed) -> bool:
    """Whether a declared index (its fields in `tail`) serves what a query needs."""
    if index.collection != need.collection or index.scope != need.scope:
        return False
    fields = index.tail
    head, tail = fields[: len(fields) - len(need.tail)], fields[len(fields) - len(need.tail) :]
    return (
        len(fields) == len(need.equals) + len(need.tail)
        and tail == need.tail
        and {f for f, _ in head} == need.equals
        and all(d == ASC for _, d in head)
    )


def problem(q: Query, spec: Declared) -> str | None:
    need = required_index(q)
    if need is None:
        tail = _tail(q)
        if len(tail) != 1:
            return None
        # Served by an automatic single-field index, unless an override took it away.
        need = Needed(q.collection, "COLLECTION", frozenset(), tail)
    if len(need.tail) == 1 and not need.equals:  # a single-field index
        (fld, direction) = need.tail[0]
        kept = spec.overrides.get((q.collection, fld))
        if kept is None:
            return None if need.scope == "COLLECTION" else f"needs a field override: {need.describe()}"
        return None if (need.scope, direction) in kept else f"its field override lacks {need.describe()}"
    if any(serves(index, need) for index in spec.composite):
        return None
    return f"missing index: {need.describe()}"


def unused(queries: list[Query], spec: Declared) -> list[str]:
    needs = [n for n in map(required_index, queries) if n]
    return [
        f"declared but no query needs it: {index.describe()}"
        for index in spec.composite
        if not any(serves(index, need) for need in needs)
    ]


# ---- the Python queries, recorded from the code itself ------------------------------------

_QUERY_METHODS = ("where", "order_by", "count", "sum", "avg", "collection_group")


def _repo_caller() -> str | None:
    """module:qualname of the nearest caller in functions/ or ops/ (not this module, not venv)."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        path = Path(frame.f_code.co_filename).resolve()
        if (
            path != Path(__file__).resolve()
            and "venv" not in path.parts
            and any(path.is_relative_to(src) for src in PYTHON_SOURCES)
        ):
            # A comprehension runs in its own frame: name the function it is written in.
            qualname = re.sub(r"(\.<locals>)?\.<(listcomp|dictcomp|setcomp|genexpr)>", "", frame.f_code.co_qualname)
            return f"{_module_name(path)}:{qualname}"
        frame = frame.f_back
    return None


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT / "functions") if path.is_relative_to(ROOT / "functions") else path.relative_to(ROOT)
    return ".".join(rel.with_suffix("").parts)


class _RecordingApi:
    """Stands in for the Firestore GAPIC client: answers every query with nothing and every
    aggregation with 1 (so that code going on to the next aggregation does), and records the
    request with the code that ran it."""

    def __init__(self, recorded: list[tuple[object, str]]):
        self.recorded = recorded

    def run_query(self, request, **_kw):
        self.recorded.append((request, _repo_caller() or "?"))
        return iter([])

    def run_aggregation_query(self, request, **_kw):
        from google.cloud.firestore_v1.types import firestore as fs
        from google.cloud.firestore_v1.types import query as q

        self.recorded.append((request, _repo_caller() or "?"))
        aggs: list[q.StructuredAggregationQuery.Aggregation] = list(
            request["structured_aggregation_query"].aggregations
            if isinstance(request, dict)
            else request.structured_aggregation_query.aggregations
        )
        fields = {a.alias: {"integer_value": 1} for a in aggs}
        return iter([fs.RunAggregationQueryResponse(result={"aggregate_fields": fields}, read_time=datetime.now(UTC))])

    def begin_transaction(self, request=None, **_kw):
        from google.cloud.firestore_v1.types import firestore as fs

        return fs.BeginTransactionResponse(transaction=b"recording")

    def commit(self, request=None, **_kw):
        from google.cloud.firestore_v1.types import firestore as fs

        return fs.CommitResponse(commit_time=datetime.now(UTC))

    def rollback(self, request=None, **_kw):
        return None

    def batch_get_documents(self, request, **_kw):
        from google.cloud.firestore_v1.types import firestore as fs

        docs = request["documents"] if isinstance(request, dict) else request.documents
        return iter([fs.BatchGetDocumentsResponse(missing=d, read_time=datetime.now(UTC)) for d in docs])


def _shape(request, caller: str) -> Query:
    from google.cloud.firestore_v1.types import query as q

    def get(obj, name):
        return obj[name] if isinstance(obj, dict) else getattr(obj, name)

    aggregations: tuple[tuple[str, str], ...] = ()
    if "structured_aggregation_query" in (request if isinstance(request, dict) else {}) or hasattr(
        request, "structured_aggregation_query"
    ):
        saq = get(request, "structured_aggregation_query")
        structured = saq.structured_query
        found = []
        for agg in saq.aggregations:
            kind = q.StructuredAggregationQuery.Aggregation.pb(agg).WhichOneof("operator")
            found.append((kind, "" if kind == "count" else getattr(agg, kind).field.field_path))
        aggregations = tuple(found)
    else:
        structured = get(request, "structured_query")
    pb = q.StructuredQuery.pb(structured)
    equals: set[str] = set()
    ranges: set[str] = set()
    eq_ops = {"EQUAL", "IN", "ARRAY_CONTAINS", "ARRAY_CONTAINS_ANY"}

    def walk(f) -> None:
        which = f.WhichOneof("filter_type")
        if which == "composite_filter":
            for sub in f.composite_filter.filters:
                walk(sub)
        elif which == "field_filter":
            op = q.StructuredQuery.FieldFilter.Operator(f.field_filter.op).name
            (equals if op in eq_ops else ranges).add(f.field_filter.field.field_path)
        elif which == "unary_filter":
            op = q.StructuredQuery.UnaryFilter.Operator(f.unary_filter.op).name
            (ranges if op.startswith("IS_NOT") else equals).add(f.unary_filter.field.field_path)

    if pb.HasField("where"):
        walk(pb.where)
    order = tuple(
        (o.field.field_path, DESC if o.direction == q.StructuredQuery.Direction.DESCENDING else ASC)
        for o in pb.order_by
    )
    (source,) = pb.from_
    return Query(
        caller,
        source.collection_id,
        frozenset(equals),
        frozenset(ranges),
        order,
        aggregations,
        group=source.all_descendants,
    )


@contextlib.contextmanager
def recording_client() -> Iterator[tuple[list[tuple[object, str]], set[str]]]:
    """Points our adapters and ops at a recording Firestore client. Yields (requests, builders):
    each run query with its caller, and every function seen building a query."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import firestore
    from google.cloud.firestore_v1 import base_collection, base_query, collection, query
    from google.cloud.firestore_v1 import client as client_module

    import adapters.firebase_app as firebase_app
    import adapters.firestore_tx as firestore_tx
    import ops.ledger_check as ledger_check

    recorded: list[tuple[object, str]] = []
    builders: set[str] = set()
    client = firestore.Client(project="index-check", credentials=AnonymousCredentials())
    client._firestore_api_internal = _RecordingApi(recorded)

    patched: list[tuple[Any, str, Any]] = []

    def wrap(owner, name):
        original = getattr(owner, name)

        def noting(*args, **kwargs):
            caller = _repo_caller()
            if caller:
                builders.add(caller)
            return original(*args, **kwargs)

        patched.append((owner, name, original))
        setattr(owner, name, noting)

    owners: tuple[type, ...] = (
        base_query.BaseQuery,
        query.Query,
        base_collection.BaseCollectionReference,
        collection.CollectionReference,
    )
    for owner in owners:
        for name in _QUERY_METHODS:
            if name in vars(owner):  # each class that defines it: subclasses override
                wrap(owner, name)
    wrap(client_module.Client, "collection_group")
    modules: tuple[Any, ...] = (firebase_app, firestore_tx, ledger_check)
    for module in modules:
        patched.append((module, "firestore_client", module.firestore_client))
        module.firestore_client = lambda: client
    try:
        yield recorded, builders
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)


def _exercise() -> None:
    """Runs every function of functions/ and ops/ that queries, on every branch that builds
    a different query. tests/ops/test_indexes.py fails when a builder is missing here."""
    import argparse

    from adapters import admission_store, creation_reads, feed_store, metrics_store, notification_store, upload_intents
    from ops import __main__ as cli
    from ops import ledger_check, moderation

    now = datetime.now(UTC)
    upload_intents.older_than(now, 10)
    creation_reads.in_flight_older_than(now)
    creation_reads.in_flight_without_a_time(now)
    creation_reads.published_since(now, 10)
    creation_reads.uploads_in_use(["uploads/user/a", "uploads/user/b"])
    admission_store.queued_ahead(now)
    feed_store.published_by("user", None, 10)
    feed_store.feed_page(None, 10)
    feed_store.hidden_pending_review(10)
    feed_store._has_paid("user")
    notification_store.devices("user")
    metrics_store.metric_shards_since(now)
    metrics_store.in_flight_summary()
    metrics_store.totals_since(now - timedelta(hours=1), 0.15)
    metrics_store.totals_since(now - timedelta(hours=1), 0.15, end=now)
    metrics_store.last_finalized_at(now)
    ledger_check.changed_users(now)
    list(ledger_check._all_user_pages(10))
    ledger_check._check_page(["user"])
    from ops import accounts

    resolve = accounts.resolve
    accounts.resolve = lambda key: accounts.Account(key, key)  # Auth is not asked
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            cli.cmd_report(argparse.Namespace(hours=1.0, usd_per_second=0.15))
            cli.cmd_ledger(argparse.Namespace(user="user", limit=20))
            moderation.cmd_publications_backfill(argparse.Namespace(page_size=10))
    finally:
        accounts.resolve = resolve


def captured_python_queries() -> tuple[list[Query], set[str]]:
    """(every query functions/ and ops/ run, every function seen building one)."""
    with recording_client() as (recorded, builders):
        _exercise()
    return [_shape(request, caller) for request, caller in recorded], builders


def python_query_builders() -> set[str]:
    """module:qualname of every function in functions/ and ops/ whose own body builds a query
    (calls .where/.order_by/.collection_group, or .count()/.sum(f)/.avg(f) on a query)."""
    found: set[str] = set()
    for base in PYTHON_SOURCES:
        for path in sorted(base.rglob("*.py")):
            if "venv" in path.parts or path.resolve() == Path(__file__).resolve():
                continue
            tree = ast.parse(path.read_text())
            module = _module_name(path)
            _scan(tree, module, "", found)
    return found


def _scan(node: ast.AST, module: str, prefix: str, found: set[str]) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            qual = f"{prefix}{child.name}"
            if any(_builds_query(n) for n in _own_nodes(child)):
                found.add(f"{module}:{qual}")
            _scan(child, module, f"{qual}.<locals>.", found)
        elif isinstance(child, ast.ClassDef):
            _scan(child, module, f"{prefix}{child.name}.", found)


def _own_nodes(fn: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's body, not of the functions nested in it."""
    for child in ast.iter_child_nodes(fn):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        yield child
        yield from _own_nodes(child)


def _builds_query(node: ast.AST) -> bool:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    name = node.func.attr
    if name in ("where", "order_by", "collection_group"):
        return True
    return (name == "count" and not node.args) or (name in ("sum", "avg") and len(node.args) == 1)


# ---- the app's queries: the web client and the contract doc's snippets --------------------

_COLLECTION = re.compile(r"""collection(?:Group)?\((?:db,\s*)?((?:"[^"]+"|\w+)(?:,\s*(?:"[^"]+"|\w+))*)\)""")
_EQUALS = re.compile(
    r"""where\("([\w.]+)",\s*"(==|in|array-contains|array-contains-any)"|whereField\("([\w.]+)",\s*(?:isEqualTo|in)\b"""
    r"""|whereEqualTo\("([\w.]+)\"|whereIn\("([\w.]+)\""""
)
_RANGE = re.compile(
    r"""where\("([\w.]+)",\s*"(<|<=|>|>=|!=|not-in)"|whereField\("([\w.]+)",\s*is(?:Less|Greater|NotEqual|NotIn)"""
    r"""|whereLessThan\w*\("([\w.]+)\"|whereGreaterThan\w*\("([\w.]+)\""""
)
_ORDER = re.compile(
    r"""orderBy\("([\w.]+)"(?:,\s*("desc"|"asc"|Query\.Direction\.DESCENDING|Query\.Direction\.ASCENDING))?\)"""
    r"""|order\(by:\s*"([\w.]+)"(?:,\s*descending:\s*(true|false))?\)"""
)
_AGG = re.compile(r"""\b(sum|average)\("([\w.]+)"\)""")


def _parse_snippet(text: str, source: str) -> Query | None:
    colls = list(_COLLECTION.finditer(text))
    if not colls:
        return None
    coll = colls[-1]  # db.collection("users").document(uid).collection("transactions"): the last
    parts = [p.strip() for p in coll.group(1).split(",")]
    collection = parts[-1].strip('"')
    equals = {_first(m, (1, 3, 4, 5)) for m in _EQUALS.finditer(text)}
    ranges = {_first(m, (1, 3, 4, 5)) for m in _RANGE.finditer(text)}
    order = []
    for m in _ORDER.finditer(text):
        if m.group(1):
            desc = (m.group(2) or "").strip('"') in ("desc", "Query.Direction.DESCENDING")
            order.append((m.group(1), DESC if desc else ASC))
        else:
            order.append((m.group(3), DESC if m.group(4) == "true" else ASC))
    aggs = tuple(("sum" if k == "sum" else "avg", f) for k, f in _AGG.findall(text))
    if not (equals or ranges or order or aggs):
        return None
    return Query(
        source, collection, frozenset(equals), frozenset(ranges), tuple(order), aggs, "collectionGroup(" in text
    )


def _first(match: re.Match, groups: tuple[int, ...]) -> str:
    return next(match.group(g) for g in groups if match.group(g))


def _statements(code: str) -> list[tuple[int, str]]:
    """(line, text) of each query expression: from a line that names a collection through the
    end of its statement (a line that ends without a continuation)."""
    lines = code.splitlines()
    out = []
    i = 0
    while i < len(lines):
        if re.search(r"\b(query|collection|collectionGroup)\(", lines[i]):
            start, text, depth = i, lines[i], lines[i].count("(") - lines[i].count(")")
            while i + 1 < len(lines) and (depth > 0 or lines[i + 1].lstrip().startswith(".")):
                i += 1
                text += "\n" + lines[i]
                depth += lines[i].count("(") - lines[i].count(")")
            out.append((start + 1, text))
        i += 1
    return out


def snippet_queries() -> list[Query]:
    queries = []
    for path in sorted(WEB_SRC.rglob("*.js")):
        for line, text in _statements(path.read_text()):
            if (found := _parse_snippet(text, f"{path.relative_to(ROOT)}:{line}")) is not None:
                queries.append(found)
    doc = CONTRACT_DOC.read_text()
    for block in re.finditer(r"```(swift|kotlin|js|javascript|ts)\n(.*?)```", doc, re.S):
        first_line = doc[: block.start()].count("\n") + 2
        code = block.group(2)
        for line, text in _statements(code):
            # The base of a list may be extended below it ("add where userId before orderBy"):
            # the doc says which; each snippet is checked as written.
            if (found := _parse_snippet(text, f"{CONTRACT_DOC.relative_to(ROOT)}:{first_line + line - 1}")) is not None:
                queries.append(found)
    return queries


# ---- the command ---------------------------------------------------------------------------


def all_queries() -> list[Query]:
    python, _ = captured_python_queries()
    return python + snippet_queries()


def report(queries: list[Query], spec: Declared) -> tuple[list[str], list[str]]:
    """(lines to print, problems)."""
    lines, problems = [], []
    seen = set()
    for q in queries:
        need = required_index(q)
        key = (q.source, need)
        if key in seen:
            continue
        seen.add(key)
        found = problem(q, spec)
        aggs = ", ".join(f"{k}({f})" if f else k for k, f in q.aggregations)
        what = need.describe() if need else "automatic indexes"
        lines.append(f"{'MISSING' if found else 'ok':<8} {q.source}{' [' + aggs + ']' if aggs else ''}: {what}")
        if found:
            problems.append(f"{q.source}: {found}")
    problems += unused(queries, spec)
    return lines, problems


def main(check: bool = False) -> int:
    queries = all_queries()
    lines, problems = report(queries, declared())
    if not check:
        print("\n".join(lines))
    for p in problems:
        print(f"PROBLEM {p}")
    print(
        f"indexes: {len(queries)} queries checked against {INDEXES_PATH.name}: "
        + ("OK" if not problems else f"{len(problems)} problem(s)")
    )
    return 1 if problems else 0
