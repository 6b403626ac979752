"""Upload intents: a note written before an object is put in R2, removed once a creation
holds it. The media sweep reads only the notes left behind (a run that died between the
upload and the Firestore write, a copy for a creation deleted meanwhile), so its cost grows
with that traffic and never with the library (no bucket listing)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from google.cloud import firestore

from adapters import usage
from adapters.firestore_tx import db

UPLOADS = "uploads"


def intent_id(key: str) -> str:
    # A key may hold '/', which a document id may not: one id per key, whatever it holds.
    return hashlib.sha256(key.encode()).hexdigest()[:40]


def record(key: str, creation_id: str) -> None:
    db().collection(UPLOADS).document(intent_id(key)).set(
        {"key": key, "creationId": creation_id, "createdAt": firestore.SERVER_TIMESTAMP}
    )
    usage.wrote()


def forget(key: str) -> None:
    db().collection(UPLOADS).document(intent_id(key)).delete()
    usage.wrote()


def older_than(cutoff: datetime, limit: int) -> list[tuple[str, str]]:
    """(key, creationId) of up to `limit` intents written before `cutoff`, oldest first."""
    query = (
        db()
        .collection(UPLOADS)
        .where(filter=firestore.FieldFilter("createdAt", "<", cutoff))
        .order_by("createdAt")
        .limit(limit)
    )
    found = []
    for snap in query.stream():
        data = snap.to_dict()
        if isinstance(data.get("key"), str) and isinstance(data.get("creationId"), str):
            found.append((data["key"], data["creationId"]))
        else:  # not ours to judge, and never read again
            snap.reference.delete()
    usage.read(max(1, len(found)))
    return found
