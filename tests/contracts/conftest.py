"""One contract per port: every test here runs twice, against the handler tier's in-memory fake
(tests/handlers/) and against the adapter on what it talks to in the stack (Firestore, Cloud
Tasks and Storage emulators, the Veo stand-in). What the fake does that the adapter does not,
fails here. (Notifier's contract: tests/adapters/test_notifier_contract.py.)

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


# ---- the FeedStore port: the same verbs on the fake feed and on adapters/feed_store -----------


@dataclass
class FakeFeedSide:
    """tests/handlers/fake_store.FakeFeed, on the FakeStore it shares a database with."""

    feed: Any

    def put_creation(self, creation_id: str, data: dict) -> None:
        self.feed.store.creations[creation_id] = dict(data)

    def creation(self, creation_id: str) -> dict | None:
        found = self.feed.store.creations.get(creation_id)
        return dict(found) if found is not None else None

    def entry(self, creation_id: str) -> dict | None:
        found = self.feed.store.feed.get(creation_id)
        return dict(found) if found is not None else None

    def put_entry(self, creation_id: str, data: dict) -> None:
        self.feed.store.feed[creation_id] = dict(data)

    def put_publication(self, creation_id: str) -> None:
        self.feed.publications.add(creation_id)

    def has_publication(self, creation_id: str) -> bool:
        return creation_id in self.feed.publications

    def ask_name(self, user_id: str, name: str) -> None:
        self.feed.profiles[user_id] = {"displayName": name}

    def shown_name(self, user_id: str) -> dict | None:
        found = self.feed.accepted.get(user_id)
        return dict(found) if found is not None else None

    def put_review(self, creation_id: str, review: dict) -> None:
        self.feed.reviews[creation_id] = dict(review)

    def review(self, creation_id: str) -> dict | None:
        found = self.feed.reviews.get(creation_id)
        return dict(found) if found is not None else None

    def file_report(self, creation_id: str, reporter_id: str, reason: str) -> None:
        self.feed.reports[(creation_id, reporter_id)] = {"reason": reason}

    def report(self, creation_id: str, reporter_id: str) -> dict | None:
        found = self.feed.reports.get((creation_id, reporter_id))
        return dict(found) if found is not None else None

    def paid(self, user_id: str) -> None:
        self.feed.store.entries[(user_id, "debit_paid")] = {"type": "debit"}


@dataclass
class FirestoreFeedSide:
    """adapters.feed_store (the FeedStore port as deployed) on the emulator."""

    feed: Any
    db: Any

    def _doc(self, *path: str):
        return self.db.document(*path)

    def _get(self, *path: str) -> dict | None:
        return self._doc(*path).get().to_dict()

    def put_creation(self, creation_id: str, data: dict) -> None:
        self._doc("creations", creation_id).set(data)

    def creation(self, creation_id: str) -> dict | None:
        return self._get("creations", creation_id)

    def entry(self, creation_id: str) -> dict | None:
        return self._get("feed", creation_id)

    def put_entry(self, creation_id: str, data: dict) -> None:
        self._doc("feed", creation_id).set(data)

    def put_publication(self, creation_id: str) -> None:
        self._doc("publications", creation_id).set({"at": "test"})

    def has_publication(self, creation_id: str) -> bool:
        return self._doc("publications", creation_id).get().exists

    def ask_name(self, user_id: str, name: str) -> None:
        self._doc("profiles", user_id).set({"displayName": name})

    def shown_name(self, user_id: str) -> dict | None:
        return self._get("displayNames", user_id)

    def put_review(self, creation_id: str, review: dict) -> None:
        self._doc("moderation", creation_id).set(review)

    def review(self, creation_id: str) -> dict | None:
        return self._get("moderation", creation_id)

    def file_report(self, creation_id: str, reporter_id: str, reason: str) -> None:
        self._doc("feed", creation_id, "reports", reporter_id).set({"reason": reason})

    def report(self, creation_id: str, reporter_id: str) -> dict | None:
        return self._get("feed", creation_id, "reports", reporter_id)

    def paid(self, user_id: str) -> None:
        self._doc("users", user_id, "transactions", "debit_paid").set({"type": "debit"})


@pytest.fixture(params=["fake", "firestore"])
def feed_side(request, monkeypatch):
    if request.param == "fake":
        from tests.handlers.fakes import FakeFeed

        return FakeFeedSide(FakeFeed(FakeStore(FakeClock())))
    db = request.getfixturevalue("contract_db")
    from adapters import feed_store, firestore_tx

    monkeypatch.setattr(firestore_tx, "firestore_client", lambda: db)
    return FirestoreFeedSide(feed_store, db)
