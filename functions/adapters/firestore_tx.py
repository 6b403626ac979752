"""The plumbing of every Firestore transaction: run it, count its reads and writes, and
add to the metric counters in the same commit."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from google.cloud import firestore

from adapters import usage
from adapters.firebase_app import firestore_client
from domain import metrics

METRICS = "metrics"
MAX_ATTEMPTS = 10
SHARDS = "shards"


def db():
    return firestore_client()


class CountingTransaction:
    """The transaction a body writes through: the SDK's own, with its writes counted here
    (the usage metering must not depend on the SDK's private attributes). Reads go to
    `raw`, the SDK's transaction."""

    def __init__(self, raw):
        self.raw = raw
        self.writes = 0

    def create(self, ref, data):
        self.writes += 1
        return self.raw.create(ref, data)

    def set(self, ref, data, merge=False):
        self.writes += 1
        return self.raw.set(ref, data, merge=merge)

    def update(self, ref, data):
        self.writes += 1
        return self.raw.update(ref, data)

    def delete(self, ref):
        self.writes += 1
        return self.raw.delete(ref)


def in_transaction(body):
    """Runs body(tx) as a Firestore transaction (retried on contention) and counts the
    writes of the attempt that committed."""
    written = [0]

    def attempt(raw):
        tx = CountingTransaction(raw)  # a fresh count for every attempt
        result = body(tx)
        written[0] = tx.writes
        return result

    # Money transactions of one user meet on the user document (debit, draft, refunds, a
    # deletion): a few more attempts than the SDK's 5 ride out a burst.
    result = firestore.transactional(attempt)(db().transaction(max_attempts=MAX_ATTEMPTS))
    usage.wrote(written[0])
    return result


def get(ref, tx: CountingTransaction):
    usage.read()
    return ref.get(transaction=tx.raw)


def get_all(tx: CountingTransaction, refs: list) -> dict:
    """Snapshots by path."""
    usage.read(len(refs))
    return {s.reference.path: s for s in tx.raw.get_all(refs)}


def get_many(refs: list) -> dict[str, dict]:
    """Snapshots (as dicts) of the refs that exist, by id, in batches of 300 outside a transaction."""
    found = {}
    for start in range(0, len(refs), 300):
        usage.read(len(refs[start : start + 300]))
        for snap in db().get_all(refs[start : start + 300]):
            if snap.exists:
                found[snap.id] = snap.to_dict()
    return found


def after_document(query, collection, doc_id: str):
    """`query` (ordered by __name__) resumed after the document `doc_id` of `collection`. The
    client refuses a bare DocumentReference as a cursor (TypeError: it wants a snapshot, a dict
    or values), so the reference goes in as the value of the __name__ order."""
    return query.start_after({"__name__": collection.document(doc_id)})


def _shard_ref(now: datetime):
    return (
        db()
        .collection(METRICS)
        .document(metrics.bucket_id(now))
        .collection(SHARDS)
        .document(str(random.randrange(metrics.SHARDS)))
    )


def _shard_fields(increments: dict, now: datetime) -> dict:
    fields: dict[str, object] = {key: firestore.Increment(value) for key, value in increments.items()}
    fields.update({"bucketStart": metrics.bucket_start(now), "day": metrics.day_id(now)})
    return fields


def count(tx: CountingTransaction, increments: dict) -> None:
    """Adds to this 10-minute bucket's counters in the caller's transaction (no read: no contention)."""
    now = datetime.now(UTC)
    tx.set(_shard_ref(now), _shard_fields(increments, now), merge=True)


def count_now(increments: dict) -> None:
    """The same counters, outside any state change (a document set aside, a repair)."""
    now = datetime.now(UTC)
    _shard_ref(now).set(_shard_fields(increments, now), merge=True)
    usage.wrote()


def incarnation_of(moment) -> str | None:
    """A document's create_time as text with nanoseconds: equal for the same document read
    by a transaction or delivered in an event, different for a document re-created later."""
    if moment is None:
        return None
    if not isinstance(moment, datetime) and hasattr(moment, "seconds") and hasattr(moment, "nanos"):
        seconds, nanos = int(moment.seconds), int(moment.nanos)  # a protobuf Timestamp
        moment = datetime.fromtimestamp(seconds, UTC)
    elif isinstance(moment, datetime):
        nanosecond = getattr(moment, "nanosecond", None)
        nanos = nanosecond if isinstance(nanosecond, int) else moment.microsecond * 1000
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    else:
        return None
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%S}.{nanos:09d}Z"
