"""firestore.indexes.json against the code: the monotonically increasing fields of `creations`
that no query needs are exempt from indexing (Firestore caps writes to a collection whose
documents carry sequential values in an indexed field near 500/s), and every query still has
the index it needs. Runs without the emulators (which never check indexes)."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INDEXES = json.loads((ROOT / "firestore.indexes.json").read_text())
# Written once per generation, and queried: they keep their indexes (about 100 index writes
# a second each at 100 generations/s, under the cap).
KEPT_SEQUENTIAL = {"createdAt", "completedAt", "publishedAt"}
CREATION_WRITERS = ("functions/adapters/store.py", "functions/adapters/admission_store.py")
# Timestamps those files write to documents of OTHER collections (users/{uid}/spentIds/{id}.at,
# once per refused id): not on creations, so not part of its write ceiling.
NOT_ON_CREATIONS = {"at"}
QUERY_SOURCES = [
    *(ROOT / "functions").glob("adapters/*.py"),
    *(ROOT / "ops").glob("*.py"),
    *(ROOT / "clients" / "web" / "src").glob("*.js"),
    ROOT / "docs" / "client-contract.md",
]
QUERY_FIELD = re.compile(
    r"""(?:FieldFilter|order_by|orderBy|where|whereField|whereEqualTo|order\(by:)\(?\s*["']([\w.]+)["']"""
)
# The collection a query is on: the nearest collection reference before it (a literal name or
# a constant such as CREATIONS), in Python, JS, Swift and Kotlin alike.
COLLECTION_REF = re.compile(r"""collection(?:_group|Group)?\(\s*(?:db,\s*)?["']?(\w+)""")


def exempt(collection: str) -> set[str]:
    return {
        o["fieldPath"]
        for o in INDEXES["fieldOverrides"]
        if o["collectionGroup"] == collection and o.get("indexes") == []
    }


def queried_fields(collection: str) -> set[str]:
    """Fields used in the filters and orders of queries on `collection`."""
    found = set()
    for path in QUERY_SOURCES:
        text = path.read_text()
        refs = [(m.start(), m.group(1).lower()) for m in COLLECTION_REF.finditer(text)]
        for match in QUERY_FIELD.finditer(text):
            before = [name for at, name in refs if at < match.start()]
            if before and before[-1] == collection:
                found.add(match.group(1))
    return found


def test_every_sequential_field_written_on_creations_is_exempt_or_deliberately_kept():
    written = set()
    for name in CREATION_WRITERS:
        written |= set(re.findall(r'"(\w+)": firestore\.SERVER_TIMESTAMP', (ROOT / name).read_text()))
    assert written, "the pattern no longer finds the server timestamps"
    written -= NOT_ON_CREATIONS
    assert written <= exempt("creations") | KEPT_SEQUENTIAL, written - exempt("creations") - KEPT_SEQUENTIAL
    # updatedAt is written at every step of a generation (~8 times): it must never be indexed
    assert "updatedAt" in exempt("creations")


def test_no_query_needs_a_single_field_index_that_was_exempted():
    queried = queried_fields("creations")
    assert {"status", "createdAt", "completedAt", "queuedAt", "userId"} <= queried  # the scan sees the queries
    assert "publishedAt" in queried_fields("feed")
    for field in exempt("creations") & queried:
        # only a composite index that ends on the field (equalities first) may serve it
        composites = [
            [f["fieldPath"] for f in i["fields"]] for i in INDEXES["indexes"] if i["collectionGroup"] == "creations"
        ]
        assert any(c[-1] == field for c in composites), f"{field} is queried but has no index"


def test_kept_sequential_fields_keep_their_single_field_indexes():
    for field in KEPT_SEQUENTIAL:
        assert field not in exempt("creations"), field
