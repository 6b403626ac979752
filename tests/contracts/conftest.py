"""One contract per port: every test here runs twice, against the handler tier's in-memory fake
(tests/handlers/fake_store.py) and against the Firestore adapter (adapters/store.py) on the
emulator. What the fake does that the adapter does not, fails here.

The adapter side talks to the stack's Firestore emulator under its own project id, so the
functions' triggers (bound to the stack's project) never see these documents: the adapter's
transactions are what is tested, not the pipeline around them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.handlers.fakes import FakeClock, FakeStore

CONTRACT_PROJECT = "demo-contracts"


@dataclass
class FakeSide:
    """The fake, with the same set-up verbs as the emulator side."""

    store: FakeStore

    def grant(self, user_id: str, tokens: int) -> None:
        self.store.grant(user_id, tokens)

    def create(self, creation_id: str, data: dict) -> str:
        return self.store.create(creation_id, data)

    def delete(self, creation_id: str) -> tuple[dict, str | None]:
        return self.store.delete(creation_id)

    def creation(self, creation_id: str) -> dict | None:
        found = self.store.creations.get(creation_id)
        return dict(found) if found is not None else None

    def account(self, user_id: str) -> dict | None:
        found = self.store.users.get(user_id)
        return dict(found) if found is not None else None

    def entry(self, user_id: str, entry_id: str) -> dict | None:
        return self.store.entry(user_id, entry_id)


@dataclass
class FirestoreSide:
    """adapters.store (the CreationStore port as deployed) on the emulator."""

    store: Any
    db: Any

    def grant(self, user_id: str, tokens: int) -> None:
        self.store.grant(user_id, tokens, "test grant")

    def create(self, creation_id: str, data: dict) -> str:
        from adapters.firestore_tx import incarnation_of

        ref = self.db.collection("creations").document(creation_id)
        ref.create(data)
        return incarnation_of(ref.get().create_time) or ""

    def delete(self, creation_id: str) -> tuple[dict, str | None]:
        from adapters.firestore_tx import incarnation_of

        ref = self.db.collection("creations").document(creation_id)
        snap = ref.get()
        ref.delete()
        return snap.to_dict(), incarnation_of(snap.create_time)

    def creation(self, creation_id: str) -> dict | None:
        return self.db.collection("creations").document(creation_id).get().to_dict()

    def account(self, user_id: str) -> dict | None:
        return self.db.collection("users").document(user_id).get().to_dict()

    def entry(self, user_id: str, entry_id: str) -> dict | None:
        user = self.db.collection("users").document(user_id)
        return user.collection("transactions").document(entry_id).get().to_dict()


@pytest.fixture(scope="session")
def contract_db(stack):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import firestore

    return firestore.Client(project=CONTRACT_PROJECT, credentials=AnonymousCredentials())


@pytest.fixture(params=["fake", "firestore"])
def side(request, monkeypatch):
    if request.param == "fake":
        return FakeSide(FakeStore(FakeClock()))
    db = request.getfixturevalue("contract_db")
    from adapters import firestore_tx, store

    # Every adapter module reaches Firestore through firestore_tx.db().
    monkeypatch.setattr(firestore_tx, "firestore_client", lambda: db)
    return FirestoreSide(store, db)


@pytest.fixture
def ids():
    """Fresh ids per test: the emulator's database outlives a test."""
    suffix = uuid.uuid4().hex[:10]
    return {"creation": f"c-{suffix}", "user": f"u-{suffix}", "other": f"o-{suffix}"}
