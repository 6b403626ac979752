"""Players and fixture documents for the hostile-client suite.

Every call a test judges goes through the Firestore emulator's REST API with a real ID token
from the Auth emulator (or none), so the real rules engine decides. Set-up goes around the
rules with the Admin SDK. The database is shared with whoever else uses the running stack:
everything here lives under fresh uuids, nothing is ever cleared, and every fixture keeps the
ledger consistent (ops/ledger_check passes over it).

The backend functions are live: a creation written by anyone starts the onCreate pipeline,
an update wakes publishcreation and a delete wakes cleanupcreation.
- Allowed creates by the tests carry BLOCKED_PROMPT, so the server fails them with
  content_policy before any token moves and Veo is never called (the rules do not know the
  blocked terms; what the server does next is irrelevant to the rules' verdict).
- Finished fixtures (draft, failed, published) are written directly in that state, with their
  debit and a real object in the R2 stand-in: the onCreate handler only moves pending
  documents, and publishing or deleting one finds the video the server expects.
- A failed creation is never charged, except `charged_and_refunded` (debit and refund, as
  when Veo's filter fails a charged request). Deleting a fixture and creating its id again
  is how the suite proves that an id that ever carried money is spent for good.
- In-flight fixtures cannot be written as they are: the onCreate handler fails a pending
  document whose create event breaks the contract. They are written as a broken pending
  request, left for the handler to fail, then restored: onCreate fires once per document.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest

from tests.support.firestore_rest import SERVER_TIME, User, UserClient, sign_up
from tests.support.waiting import wait_until

# A word in BLOCKED_TERMS (functions/.env.local): the server refuses it before debiting.
BLOCKED_PROMPT = "forbiddenword: a red fox running through snow"
RICH = 1_000_000  # tokens for players whose balance must never be what decides


@dataclass
class Player:
    user: User
    client: UserClient

    @property
    def uid(self) -> str:
        return self.user.uid


def _new_id(prefix: str = "rules") -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def _request_doc(uid: str, **overrides) -> dict:
    """A valid generation request as the app writes it; overrides replace or add fields."""
    doc = {
        "userId": uid,
        "prompt": BLOCKED_PROMPT,
        "aspectRatio": "16:9",
        "duration": 4,
        "status": "pending",
        "createdAt": SERVER_TIME,
    }
    doc.update(overrides)
    return doc


# Helpers handed to tests as fixtures (a conftest is not importable from test modules).
@pytest.fixture(scope="session")
def new_id():
    return _new_id


@pytest.fixture(scope="session")
def request_doc():
    return _request_doc


@pytest.fixture(scope="session")
def blocked_prompt() -> str:
    return BLOCKED_PROMPT


def make_player(tokens: int, verified: bool = False) -> Player:
    from adapters import store

    user = sign_up(f"rules-{uuid.uuid4().hex[:12]}@example.test", verified=verified)
    if tokens:
        store.grant(user.uid, tokens, "rules test grant", grant_id="grant_initial")
    return Player(user, UserClient(user.id_token))


@pytest.fixture(scope="session")
def admin_db(stack):
    from adapters.firebase_app import firestore_client

    return firestore_client()


@pytest.fixture(scope="session")
def alice(stack) -> Player:
    return make_player(RICH)


@pytest.fixture(autouse=True)
def session_players_start_without_refusals(request):
    """alice and bob make many allowed creates across the session, and the server refuses each
    (BLOCKED_PROMPT): production's refusal limit (REFUSALS_PER_HOUR, functions/.env.local) would
    put them in a cooldown the rules enforce whenever the pipeline had counted enough of them in
    time. Their refusal record is cleared before each test, as their balance is RICH: neither may
    be what decides a test here (the limit itself: tests/flows/test_money_safety.py)."""
    from google.cloud import firestore

    from adapters import store
    from domain import admission

    # What the server records of a user's refused requests, asked of the domain that writes it:
    # the fields of a refusal and of a filter strike that reached their limits.
    now = dt.datetime.now(dt.UTC)
    strikes: dict = {}
    for _ in range(admission.POLICY_STRIKES):
        strikes = {**strikes, **admission.policy_strike(strikes, now)}
    recorded = set(admission.refusal(None, now, limit=1)) | set(strikes)
    cleared = {f: firestore.DELETE_FIELD for f in recorded}
    for name in ("alice", "bob"):
        if name in request.fixturenames:
            store.user_ref(request.getfixturevalue(name).uid).update(cleared)


@pytest.fixture(scope="session")
def bob(stack) -> Player:
    return make_player(RICH)


@pytest.fixture(scope="session")
def anon(stack) -> UserClient:
    return UserClient(None)


@pytest.fixture(scope="session")
def anonymous_player(stack) -> Player:
    """Signed in with signInAnonymously: a real uid, no email, no tokens."""
    from tests.support.firestore_rest import sign_in_anonymously

    user = sign_in_anonymously()
    return Player(user, UserClient(user.id_token))


@pytest.fixture(scope="session")
def anonymous_user(anonymous_player) -> UserClient:
    return anonymous_player.client


@pytest.fixture(scope="session")
def player(stack):
    """A fresh signed-up user with the given balance (0: no user document at all); `verified`:
    with a verified email (what filing a report takes)."""
    return make_player


class Seeder:
    """Writes creations in a given state with admin credentials, ledger-consistent."""

    def __init__(self, db):
        self.db = db
        self.in_flight_ids: list[str] = []

    def _fields(self, uid: str, cid: str, status: str, created: dt.datetime, duration: int = 4) -> dict:
        from domain import media
        from domain.pricing import token_cost

        base = {
            "userId": uid,
            "prompt": "a red fox running through snow",
            "aspectRatio": "16:9",
            "duration": duration,
            "status": status,
            "createdAt": created,
        }
        if status == "pending":
            return base
        if status == "failed":  # failed before any token moved, like a blocked prompt
            return {
                **base,
                "refunded": False,
                "completedAt": created,
                "updatedAt": created,
                "error": {
                    "code": "content_policy",
                    "message": "This prompt can't be used because it breaks the content policy.",
                },
            }
        key = media.draft_key(uid, cid, uuid.uuid4().hex)
        charged = {
            **base,
            "tokenCost": token_cost(duration),
            "refunded": False,
            "mediaKey": key,
            "operationName": "projects/demo-phoenix/locations/us-central1/publishers/google/"
            f"models/veo-3.0-fast-generate-001/operations/{cid}",
            "startedAt": created,
            "updatedAt": created,
        }
        if status == "processing":
            return {**charged, "progress": 40}
        finished = {
            **charged,
            "progress": 100,
            "completedAt": created,
            "mediaUrl": f"http://127.0.0.1:9000/phoenix-media/{key}",
        }
        if status == "published":
            finished["publishedAt"] = created
        return finished

    def finished(self, uid: str, status: str, created_at: dt.datetime | None = None) -> str:
        """A draft, failed or published creation; draft/published come with their debit and video."""
        from google.cloud import firestore

        from adapters import store
        from devstack.stack import MEDIA_BUCKET, s3_client
        from domain import ledger

        assert status in ("draft", "failed", "published")
        cid = _new_id()
        fields = self._fields(uid, cid, status, created_at or dt.datetime.now(dt.UTC))
        if status == "failed":
            store.creation_ref(cid).set(fields)
            return cid
        s3_client().put_object(
            Bucket=MEDIA_BUCKET, Key=fields["mediaKey"], Body=b"not really a video", ContentType="video/mp4"
        )

        def charge(batch, tokens: int) -> int:
            cost = fields["tokenCost"]
            batch.create(
                store.ledger_ref(uid, ledger.debit_id(cid)),
                {
                    "type": "debit",
                    "amount": cost,
                    "balanceAfter": tokens - cost,
                    "creationId": cid,
                    "reason": "generation",
                    "createdAt": firestore.SERVER_TIMESTAMP,
                },
            )
            batch.create(store.creation_ref(cid), fields)
            return tokens - cost

        self._seed_against_balance(uid, charge)
        return cid

    def _seed_against_balance(self, uid: str, write) -> None:
        """`write(batch, tokens)` adds the seed's writes, computed from the balance as read, and
        returns the balance after them; the batch commits only if the user document is still as
        read (what a transaction would give). Not a transaction: the emulator's pessimistic locks
        time out ("Transaction lock timeout", firebase-tools#6758) while the functions' own
        transactions run beside the suite, and no test here is about seeding. A batch that lost
        that race is redone."""
        from google.api_core import exceptions

        from adapters import store

        for _ in range(10):
            user = store.user_ref(uid).get()
            batch = self.db.batch()
            after = write(batch, int(user.get("tokens")))
            guard = self.db.write_option(last_update_time=user.update_time)
            batch.update(store.user_ref(uid), {"tokens": after}, option=guard)
            try:
                batch.commit()
                return
            except (exceptions.Aborted, exceptions.FailedPrecondition):
                continue
        raise AssertionError(f"could not seed a charged creation for {uid}: the balance kept changing")

    def charged_and_refunded(self, uid: str) -> str:
        """A creation that failed after its charge, as Veo's filter leaves one: failed,
        refunded, with both debit_{id} and refund_{id} in the ledger (net: nothing moved)."""
        from google.cloud import firestore

        from adapters import store
        from domain import ledger
        from domain.pricing import token_cost

        cost = token_cost(4)
        cid = _new_id()
        now = dt.datetime.now(dt.UTC)
        fields = {
            **self._fields(uid, cid, "failed", now),
            "tokenCost": cost,
            "refunded": True,
            "error": {
                "code": "content_policy",
                "message": "This prompt can't be used because it breaks the content policy.",
            },
        }

        def charge_and_refund(batch, tokens: int) -> int:
            for entry, balance_after in (("debit", tokens - cost), ("refund", tokens)):
                entry_id = ledger.debit_id(cid) if entry == "debit" else ledger.refund_id(cid)
                batch.create(
                    store.ledger_ref(uid, entry_id),
                    {
                        "type": entry,
                        "amount": cost,
                        "balanceAfter": balance_after,
                        "creationId": cid,
                        "reason": "generation" if entry == "debit" else "content_policy",
                        "createdAt": firestore.SERVER_TIMESTAMP,
                    },
                )
            batch.create(store.creation_ref(cid), fields)
            return tokens  # refunded: nothing moved

        self._seed_against_balance(uid, charge_and_refund)
        return cid

    def in_flight(self, uid: str, statuses: list[str], created_at: dt.datetime | None = None) -> list[str]:
        """Pending/processing creations (never debited), out of the pipeline's reach."""
        from adapters import store

        assert set(statuses) <= {"pending", "processing"}
        ids = [_new_id() for _ in statuses]
        for cid in ids:  # a broken request: the onCreate handler fails it without charging
            store.creation_ref(cid).set({"userId": uid, "status": "pending", "fixture": True})
        wait_until(
            lambda: all(store.load_creation(c)["status"] == "failed" for c in ids),
            interval=0.05,
            what="the onCreate handler to fail the fixtures",
        )
        created = created_at or dt.datetime.now(dt.UTC)
        for cid, status in zip(ids, statuses, strict=False):
            store.creation_ref(cid).set(self._fields(uid, cid, status, created))
        self.in_flight_ids += ids
        return ids

    def remove(self, cid: str) -> None:
        from adapters import store

        store.creation_ref(cid).delete()

    def status(self, cid: str) -> str | None:
        from adapters import store

        doc = store.load_creation(cid)
        return doc and doc["status"]


@pytest.fixture(scope="session")
def seed(admin_db):
    seeder = Seeder(admin_db)
    yield seeder
    # Nothing of ours stays in flight: the sweep, the stalled-workers alert and the in-flight
    # count of whoever shares the stack would see it. (Never charged: deleting is clean.)
    for cid in seeder.in_flight_ids:
        if seeder.status(cid) in ("pending", "processing"):
            seeder.remove(cid)


@pytest.fixture(scope="session")
def alice_in_flight(seed, alice) -> dict[str, str]:
    """Alice's pending and processing creations, shared by tests that must not change them."""
    pending, processing = seed.in_flight(alice.uid, ["pending", "processing"])
    return {"pending": pending, "processing": processing}


@pytest.fixture(scope="session")
def alice_finished(seed, alice) -> dict[str, str]:
    """Alice's draft, failed and published creations, shared by tests that must not change them."""
    return {status: seed.finished(alice.uid, status) for status in ("draft", "failed", "published")}
