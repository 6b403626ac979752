"""feed_store.remove_from_feed against the Firestore emulator: it deletes only what exists.

A delete of a missing publications/{id} still fires publishcreation in the emulator, and
publishcreation calls remove_from_feed: a removal that deleted unconditionally re-fired itself
forever, and its feed deletes reset every live feed query ~40 times a second (the web client's
other listeners then stalled: a new account never saw its granted tokens)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest


@pytest.fixture
def db(stack):
    from adapters.firebase_app import firestore_client

    return firestore_client()


def _remove(creation_id: str):
    from adapters import store, usage

    with usage.invocation("test", creation_id) as used:
        store.remove_from_feed(creation_id)
    return used


def test_removing_what_is_already_gone_writes_nothing(db):
    creation_id = f"gone{uuid.uuid4().hex[:12]}"

    used = _remove(creation_id)

    assert used.writes == 0  # no delete event: publishcreation is not woken again


def test_an_orphan_feed_entry_is_removed_and_the_missing_publication_left_alone(db):
    creation_id = f"orphan{uuid.uuid4().hex[:12]}"
    entry = db.collection("feed").document(creation_id)
    entry.set({"visible": True, "publishedAt": datetime.now(UTC), "prompt": "left behind"})

    used = _remove(creation_id)

    assert not entry.get().exists
    assert used.writes == 1
