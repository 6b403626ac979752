"""In-memory Firestore for the handler tier: creations, users, the ledger, metric counters and
the feed (the CreationStore and FeedStore ports).

The money decisions are NOT re-implemented here: each transaction reads its documents, asks
the same domain plans the Firestore adapter asks (domain/ledger.py plan_*), and writes the
fields domain/layouts.py declares for that transition, all or nothing — as adapters/store.py
does. What is faked is only the storage; tests/contracts runs the same assertions against
this fake and against the adapter on the emulator, so anything the fake does that the adapter
does not fails there. Counters: only those the adapter writes (documents set aside, repairs).
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from domain import admission, contract, layouts, ledger, media, metrics, moderation, notifications, profiles
from domain.errors import MESSAGES, ErrorCode, Failure
from domain.generation import same_operation
from domain.ledger import Account, EntryType
from domain.states import IN_FLIGHT, Status, parse_status, server_may_move
from ports import (
    Completion,
    Debit,
    Debited,
    DebitRefused,
    DebitSkipped,
    DeletionSettlement,
    MalformedDocument,
    Settlement,
)
from tests.handlers.fake_scale import ScaleStoreMixin
from tests.handlers.fakes import FakeClock, Scripted

# ---- Firestore: creations, users, ledger, metrics -----------------------------------------------


@dataclass
class _Trail:
    user_id: str
    incarnation: str | None
    account: Account | None
    debit: dict | None
    refund: dict | None
    account_error: bool = False

    @property
    def debit_ours(self) -> bool:
        return self.debit is not None and ledger.same_incarnation(
            self.debit.get("incarnation"), None, self.incarnation, None
        )

    @property
    def debited(self) -> int | None:
        return int(self.debit["amount"]) if self.debit_ours and self.debit else None

    @property
    def delivered(self) -> bool:
        return self.debit_ours and bool(self.debit and self.debit.get("deliveredAt"))


class FakeStore(ScaleStoreMixin, Scripted):
    """creations/{id}, users/{uid}, users/{uid}/transactions/{entry}, metric counters and the
    feed, in dicts. A document's incarnation is its create time, as in Firestore."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock
        self.creations: dict[str, dict] = {}
        self.create_times: dict[str, datetime] = {}
        self.users: dict[str, dict] = {}
        self.entries: dict[tuple[str, str], dict] = {}
        self.counters: Counter[str] = Counter()
        self.feed: dict[str, dict] = {}
        self.cursors: dict[str, str | None] = {}
        self.uploads: dict[str, dict] = {}  # upload intents by object key
        self.outbox: dict[str, dict] = {}  # notifications/{id}: written with a draft or a failure
        self.spent: set[tuple[str, str]] = set()  # users/{uid}/spentIds/{id}

    # ---- what the client and the tests do (not part of the port) --------------------------

    def uploads_in_use(self, paths: list[str]) -> set[str]:
        self._enter("uploads_in_use")
        named = set()
        for creation in self.creations.values():
            if creation.get("status") == Status.FAILED.value:
                continue
            named |= {creation.get(f) for f in ("image", "lastFrame")}
        return set(paths) & named

    def grant(self, user_id: str, tokens: int, in_flight: int = 0) -> None:
        self.users[user_id] = layouts.account(tokens, in_flight)
        if tokens:
            self.entries[(user_id, f"grant_{len(self.entries)}")] = layouts.ledger_entry(
                EntryType.GRANT, tokens, tokens, None, "test grant", None, self.clock.now()
            )

    def create(self, creation_id: str, data: dict) -> str:
        """A client's create; returns the document's incarnation (what the create event carries)."""
        self.clock.advance(0.001)  # a re-created id gets a later create time
        self.creations[creation_id] = dict(data)
        self.create_times[creation_id] = self.clock.now()
        return self.incarnation(creation_id) or ""

    def delete(self, creation_id: str) -> tuple[dict, str | None]:
        """A delete; returns the deleted document and its incarnation (the delete event)."""
        incarnation = self.incarnation(creation_id)
        self.create_times.pop(creation_id, None)
        return self.creations.pop(creation_id), incarnation

    def incarnation(self, creation_id: str) -> str | None:
        moment = self.create_times.get(creation_id)
        return moment.isoformat() if moment else None

    def tokens(self, user_id: str) -> int:
        return self.users[user_id]["tokens"]

    def in_flight(self, user_id: str) -> int:
        return self.users[user_id]["inFlight"]

    def entry(self, user_id: str, entry_id: str) -> dict | None:
        return self.entries.get((user_id, entry_id))

    # ---- reads -------------------------------------------------------------------------

    def load_creation(self, creation_id: str) -> dict | None:
        self._enter("load_creation")
        found = self.creations.get(creation_id)
        return dict(found) if found is not None else None

    def in_flight_older_than(self, cutoff: datetime) -> list[tuple[str, dict]]:
        self._enter("in_flight_older_than")
        return [
            (cid, dict(c))
            for cid, c in self.creations.items()
            if c.get("status") in IN_FLIGHT and isinstance(c.get("createdAt"), datetime) and c["createdAt"] < cutoff
        ]

    def in_flight_without_a_time(self, cutoff: datetime, limit: int = 50) -> list[tuple[str, dict]]:
        self._enter("in_flight_without_a_time")
        found = [
            (cid, dict(c))
            for cid, c in self.creations.items()
            if c.get("status") in IN_FLIGHT and isinstance(c.get("createdAt"), str)
        ][:limit]
        return [(cid, c) for cid, c in found if self.create_times[cid] < cutoff]

    def existing_creations(self, creation_ids: list[str]) -> dict[str, dict]:
        self._enter("existing_creations")
        return {cid: dict(self.creations[cid]) for cid in creation_ids if cid in self.creations}

    def published_since(self, since: datetime, limit: int) -> list[tuple[str, dict]]:
        self._enter("published_since")
        found = sorted(
            (
                (cid, dict(c))
                for cid, c in self.creations.items()
                if isinstance(c.get("publishedAt"), datetime) and c["publishedAt"] >= since
            ),
            key=lambda item: item[1]["publishedAt"],
        )
        return found[:limit]

    def in_flight_summary(self) -> tuple[int, datetime | None]:
        self._enter("in_flight_summary")
        flying = [c for c in self.creations.values() if c.get("status") in IN_FLIGHT]
        times = [c["createdAt"] for c in flying if isinstance(c.get("createdAt"), datetime)]
        return len(flying), (min(times) if times else None)

    # ---- counters ----------------------------------------------------------------------

    def count_malformed(self, where: str) -> None:
        self._enter("count_malformed")
        self.count_now(metrics.malformed(where))

    def count_now(self, increments: dict) -> None:
        self.counters.update({k: v for k, v in increments.items()})

    # ---- the money transactions (each: read, plan, write everything) -----------------------

    def reject(
        self, creation_id: str, failure: Failure, incarnation: str | None = None, refusals_per_hour: int = 20
    ) -> bool:
        self._enter("reject")
        snap = self.creations.get(creation_id)
        if _status(snap) != Status.PENDING:
            return False
        if incarnation is not None and self.incarnation(creation_id) != incarnation:
            return False
        user_id = _owner(snap)
        if user_id is None:
            self._update(creation_id, self._failed_fields(failure, refunded=False))
            return True
        trail = self._trail(creation_id, user_id)
        self._settle_failure(creation_id, trail, Status.PENDING, failure, refused=True)
        if trail.debited is None and user_id in self.users:
            self._spend_refused_id(user_id, creation_id, refusals_per_hour)
        return True

    def _spend_refused_id(self, user_id: str, creation_id: str, limit: int) -> None:
        self.spent.add((user_id, creation_id))
        self.users[user_id].update(admission.refusal(self.users[user_id], self.clock.now(), limit))

    def debit(
        self,
        creation_id: str,
        user_id: str,
        cost: int,
        max_in_flight: int,
        incarnation: str | None = None,
        refusals_per_hour: int = 20,
    ) -> Debit:
        self._enter("debit")
        snap = self.creations.get(creation_id)
        current = self.incarnation(creation_id) if snap is not None else None
        if snap is not None and incarnation is not None and current != incarnation:
            return DebitSkipped(ledger.DebitOutcome.GONE)
        account = self._account(user_id) or Account(0, 0)
        prior = self.entries.get((user_id, ledger.debit_id(creation_id)))
        cooling = admission.cooldown_code(self.users.get(user_id), self.clock.now())
        if prior is None and _status(snap) == Status.PENDING and cooling is not None:
            refused = Failure(cooling, MESSAGES[cooling])
            self._update(creation_id, self._failed_fields(refused, refunded=False))
            return DebitRefused(refused)
        plan = ledger.plan_debit(
            _status(snap),
            prior is not None,
            account,
            cost,
            max_in_flight,
            debit_is_ours=prior is not None and ledger.same_incarnation(prior.get("incarnation"), None, current, None),
            owner_matches=snap is not None and snap.get("userId") == user_id,
        )
        if isinstance(plan, ledger.DebitRefused):
            self._update(creation_id, self._failed_fields(plan.failure, refunded=False))
            if user_id in self.users and snap is not None and prior is None:
                self._spend_refused_id(user_id, creation_id, refusals_per_hour)
            return DebitRefused(plan.failure)
        if isinstance(plan, ledger.DebitSkipped):
            return DebitSkipped(plan.outcome)
        after = plan.account_after
        self.entries[(user_id, ledger.debit_id(creation_id))] = self._entry(
            EntryType.DEBIT, cost, after, creation_id, "generation", current
        )
        self.users.setdefault(user_id, {}).update(layouts.account(after.tokens, after.in_flight))
        return Debited(after.tokens, media.draft_key(user_id, creation_id, secrets.token_urlsafe(18)))

    def mark_processing(
        self,
        creation_id: str,
        operation_name: str,
        cost: int,
        media_key: str,
        incarnation: str | None = None,
        charged: dict | None = None,
    ) -> bool:
        self._enter("mark_processing")
        snap = self.creations.get(creation_id)
        if snap is None or not server_may_move(snap.get("status"), Status.PROCESSING):
            return False
        if incarnation is not None and self.incarnation(creation_id) != incarnation:
            return False
        self._update(creation_id, layouts.processing(operation_name, cost, media_key, charged, self.clock.now()))
        return True

    def record_progress(self, creation_id: str, progress: int) -> Status | None:
        self._enter("record_progress")
        snap = self.creations.get(creation_id)
        if snap is None:
            return None
        status = parse_status(snap.get("status"))
        shown = snap.get("progress") if type(snap.get("progress")) is int else 0
        if status == Status.PROCESSING and progress > shown:
            self._update(creation_id, layouts.progress(progress, self.clock.now()))
        return status

    def complete_draft(self, creation_id: str, media_url: str, *, operation: str | None = None) -> Completion:
        self._enter("complete_draft")
        snap = self.creations.get(creation_id)
        if not ledger.plan_draft(_status(snap)) or not same_operation((snap or {}).get("operationName"), operation):
            return Completion(False)
        assert snap is not None
        user_id, user_gone = _owner(snap), True
        if user_id:
            trail = self._trail(creation_id, user_id)
            if trail.account is not None and not trail.account_error:
                user_gone = False
                after = ledger.release_in_flight(trail.account)
                self.users[user_id]["inFlight"] = after.in_flight
            if trail.debit_ours and trail.debit is not None:
                trail.debit.update(layouts.delivered(self.clock.now()))
        self._update(creation_id, layouts.draft(media_url, self.clock.now()))
        self._notify(creation_id, user_id, Status.DRAFT)
        return Completion(True, user_gone)

    def fail_and_refund(self, creation_id: str, failure: Failure, *, operation: str | None = None) -> Settlement:
        self._enter("fail_and_refund")
        snap = self.creations.get(creation_id)
        status = _status(snap)
        if (
            status is None
            or not server_may_move(status, Status.FAILED)
            or not same_operation((snap or {}).get("operationName"), operation)
        ):
            return Settlement(False, status_before=status if isinstance(status, str) else None)
        user_id = _owner(snap)
        trail = self._trail(creation_id, user_id) if user_id else None
        return self._settle_failure(creation_id, trail, status, failure)

    def settle_deletion(self, creation_id: str, deleted: dict, incarnation: str | None) -> DeletionSettlement:
        self._enter("settle_deletion")
        user_id, status = deleted.get("userId"), parse_status(deleted.get("status"))
        current = self.incarnation(creation_id)
        recreated = creation_id in self.creations and current != incarnation
        if not contract.is_safe_user_id(user_id) or status not in IN_FLIGHT:
            return DeletionSettlement(recreated=recreated)
        assert isinstance(user_id, str)
        debit = self.entries.get((user_id, ledger.debit_id(creation_id)))
        if debit is None:
            return DeletionSettlement(recreated=recreated)
        if incarnation is not None:
            ours = ledger.same_incarnation(debit.get("incarnation"), None, incarnation, None)
        else:
            ours = not (
                creation_id in self.creations and ledger.same_incarnation(debit.get("incarnation"), None, current, None)
            )
        if not ours:
            return DeletionSettlement(recreated=recreated)
        account = self._account(user_id)
        refund_exists = (user_id, ledger.refund_id(creation_id)) in self.entries
        decision = ledger.plan_deletion_refund(
            account, int(debit["amount"]), refund_exists, bool(debit.get("deliveredAt"))
        )
        if decision is None:
            return DeletionSettlement(user_gone=True, recreated=recreated)
        if decision.refund_amount:
            after = decision.account_after
            self.entries[(user_id, ledger.refund_id(creation_id))] = self._entry(
                EntryType.REFUND,
                decision.refund_amount,
                after,
                creation_id,
                "deleted",
                debit.get("incarnation") or incarnation,
            )
            self.users.setdefault(user_id, {}).update(layouts.account(after.tokens, after.in_flight))
        return DeletionSettlement(decision.refund_amount, recreated=recreated)

    # ---- the transactions' shared reads and writes -------------------------------------------

    def _account(self, user_id: str) -> Account | None:
        user = self.users.get(user_id)
        if user is None:
            return None
        tokens, in_flight = user.get("tokens", 0), user.get("inFlight", 0)
        if not all(type(v) is int for v in (tokens, in_flight)):
            raise MalformedDocument(f"user {user_id}: tokens/inFlight are not integers")
        return Account(tokens, in_flight)

    def _trail(self, creation_id: str, user_id: str) -> _Trail:
        try:
            account, broken = self._account(user_id), False
        except MalformedDocument:
            account, broken = Account(0, 0), True
        return _Trail(
            user_id,
            self.incarnation(creation_id),
            account,
            self.entries.get((user_id, ledger.debit_id(creation_id))),
            self.entries.get((user_id, ledger.refund_id(creation_id))),
            broken,
        )

    def _settle_failure(
        self, creation_id: str, trail: _Trail | None, status: str, failure: Failure, refused: bool = False
    ) -> Settlement:
        if trail is None:
            self._update(creation_id, self._failed_fields(failure, refunded=False))
            self.count_now(metrics.malformed("creation"))
            return Settlement(True, 0, status, malformed=True)
        if trail.account_error:
            if trail.debited is not None and trail.refund is None and not trail.delivered:
                raise MalformedDocument(f"user {trail.user_id}: balance unreadable, refund of {creation_id} waits")
            refunded = trail.debit_ours and trail.refund is not None
            self._update(creation_id, self._failed_fields(failure, refunded=refunded))
            self.count_now(metrics.malformed("user"))
            return Settlement(True, 0, status, malformed=True)
        plan = ledger.plan_failure(status, trail.account, trail.debited, trail.refund is not None, trail.delivered)
        if isinstance(plan, ledger.FailWithRefund):
            after = plan.account_after
            self.entries[(trail.user_id, ledger.refund_id(creation_id))] = self._entry(
                EntryType.REFUND, plan.refund_amount, after, creation_id, failure.code.value, trail.incarnation
            )
            user = self.users.setdefault(trail.user_id, {})
            user.update(layouts.account(after.tokens, after.in_flight))
            if failure.code == ErrorCode.CONTENT_POLICY and not refused:
                user.update(admission.policy_strike(user, self.clock.now()))
        fields = self._failed_fields(failure, refunded=plan.refunded)
        if trail.debited is not None:
            fields["tokenCost"] = trail.debited
        self._update(creation_id, fields)
        if trail.debited is not None:  # only work the user paid for (adapters/store.py)
            self._notify(creation_id, trail.user_id, Status.FAILED, error_code=failure.code, refunded=plan.refunded)
        return Settlement(True, plan.refund_amount, status, user_gone=plan.user_gone)

    def _notify(self, creation_id: str, user_id: str | None, status: Status, **fields) -> None:
        """The outbox document the real transaction sets (adapters/notification_store.py)."""
        if user_id:
            key = notifications.outbox_id(creation_id, status.value, self.incarnation(creation_id))
            self.outbox[key] = notifications.outbox_document(creation_id, user_id, status, **fields)

    def _update(self, creation_id: str, fields: dict) -> None:
        self.creations[creation_id].update(fields)

    def _failed_fields(self, failure: Failure, *, refunded: bool) -> dict:
        return layouts.failed(failure, refunded=refunded, now=self.clock.now())

    def _entry(
        self, kind: EntryType, amount: int, after: Account, creation_id: str, reason: str, incarnation: str | None
    ) -> dict:
        return layouts.ledger_entry(kind, amount, after.tokens, creation_id, reason, incarnation, self.clock.now())


class FakeFeed(Scripted):
    """feed/{id} and the cursors, guarded by the creations of the same FakeStore (one database)."""

    def __init__(self, store: FakeStore) -> None:
        super().__init__()
        self.store = store
        self.profiles: dict[str, dict] = {}  # profiles/{uid}
        self.reviews: dict[str, dict] = {}  # moderation/{id}
        self.reports: dict[tuple[str, str], dict] = {}  # feed/{id}/reports/{uid}
        self.standings: dict[str, dict] = {}  # reporters/{uid}
        self.accepted: dict[str, dict] = {}  # displayNames/{uid}
        self.names: dict[str, str] = {}  # names/{skeleton key} -> holder
        self.publications: set[str] = set()  # publications/{id}

    def publish_to_feed(self, creation_id: str, media_url: str, poster_url: str | None = None) -> media.FeedWrite:
        self._enter("publish_to_feed")
        snap = self.store.creations.get(creation_id)
        if _status(snap) != Status.PUBLISHED or moderation.is_taken_down(snap):
            return media.FeedWrite.REFUSED
        assert snap is not None
        name = profiles.display_name_of(self.accepted.get(snap.get("userId")))
        hidden = moderation.is_hidden(self.reviews.get(creation_id))
        first = media.first_published_at(snap)
        if first is not None:
            snap.setdefault("firstPublishedAt", first)
        entry = media.feed_entry({**snap, "publishedAt": first}, media_url, name, poster_url, visible=not hidden)
        self.store.feed[creation_id] = entry
        return media.FeedWrite.HIDDEN if hidden else media.FeedWrite.PUBLISHED

    def accept_name(self, user_id: str) -> bool:
        """As adapters/feed_store.accept_name, on dicts."""
        now = self.store.clock.now()
        requested = (self.profiles.get(user_id) or {}).get("displayName")
        state = dict(self.accepted.get(user_id) or {})
        shown = state.get("name")
        holder = None
        if profiles.is_valid_display_name(requested):
            holder = self.names.get(profiles.name_key(requested))
        decision = profiles.decide_name(requested, shown, holder, user_id, list(state.get("renames") or []), now)
        after = profiles.accepted_after(state, decision, requested, now)
        if after == state:
            return False
        changed = after.get("name") != shown
        if changed and shown is not None and self.names.get(profiles.name_key(shown)) == user_id:
            del self.names[profiles.name_key(shown)]
        if changed and after.get("name") is not None:
            self.names[profiles.name_key(after["name"])] = user_id
        self.accepted[user_id] = after
        return changed

    def set_poster(self, creation_id: str, media_key: str, poster_url: str) -> str | None:
        self._enter("set_poster")
        snap = self.store.creations.get(creation_id)
        if snap is None or snap.get("mediaKey") != media_key or _status(snap) not in (Status.DRAFT, Status.PUBLISHED):
            return None
        snap["posterUrl"] = poster_url
        return _status(snap)

    def count_report(self, creation_id: str, reporter_id: str, threshold: int) -> tuple[int, bool] | None:
        """As adapters/feed_store.count_report, on dicts: the same domain plan."""
        self._enter("count_report")
        key = (creation_id, reporter_id)
        if key not in self.reports or self.reports[key].get("countedAt"):
            return None
        self.reports[key]["countedAt"] = True
        if _owner(self.store.creations.get(creation_id)) == reporter_id:
            return None
        now = self.store.clock.now()
        review = self.reviews.get(creation_id)
        contributors = {}
        if moderation.may_hide(review, threshold):
            contributors = {
                uid: self.standings.get(uid, {}) for uid in moderation.round_reporters(review) if uid != reporter_id
            }
        qualified = any(u == reporter_id and e.get("type") == "debit" for (u, _), e in self.store.entries.items())
        plan = moderation.plan_report(
            creation_id,
            reporter_id,
            str(self.reports[key].get("reason") or "other"),
            review,
            self.standings.get(reporter_id),
            qualified,
            contributors,
            threshold,
            now,
        )
        self.reports[key]["weight"] = plan.weight
        self.standings[reporter_id] = plan.standing
        for uid in plan.hid_with:
            self.standings[uid] = moderation.with_hide(self.standings.get(uid), creation_id, now)
        for uid in plan.flagged:
            self.standings[uid] = moderation.flagged(self.standings.get(uid))
        self.reviews[creation_id] = plan.review
        if plan.newly_hidden and creation_id in self.store.feed:
            self.store.feed[creation_id]["visible"] = False
        creation = self.store.creations.get(creation_id)
        if plan.newly_hidden and creation is not None and not moderation.is_taken_down(creation):
            creation["moderation"] = {"state": moderation.UNDER_REVIEW, "at": now}  # as feed_store marks the owner's
        return plan.review["reports"], plan.newly_hidden

    def published_by(self, user_id: str, after_id: str | None, limit: int) -> list[str]:
        ids = sorted(
            cid
            for cid, c in self.store.creations.items()
            if c.get("userId") == user_id and _status(c) == Status.PUBLISHED and (after_id is None or cid > after_id)
        )
        return ids[:limit]

    def rename_in_feed(self, creation_id: str, user_id: str) -> bool:
        snap, entry = self.store.creations.get(creation_id), self.store.feed.get(creation_id)
        if snap is None or snap.get("userId") != user_id or entry is None:
            return False
        name = profiles.display_name_of(self.accepted.get(user_id))
        if entry.get("displayName") == name:
            return False
        entry["displayName"] = name
        return True

    def remove_from_feed(self, creation_id: str) -> bool:
        self._enter("remove_from_feed")
        if _status(self.store.creations.get(creation_id)) == Status.PUBLISHED:
            return False
        self.store.feed.pop(creation_id, None)
        self.publications.discard(creation_id)
        return True

    def feed_page(self, after_id: str | None, limit: int) -> list[tuple[str, dict]]:
        self._enter("feed_page")
        ids = sorted(cid for cid in self.store.feed if after_id is None or cid > after_id)
        return [(cid, dict(self.store.feed[cid])) for cid in ids[:limit]]

    def feed_entries(self, creation_ids: list[str]) -> dict[str, dict]:
        return {cid: dict(self.store.feed[cid]) for cid in creation_ids if cid in self.store.feed}

    def get_cursor(self, name: str) -> str | None:
        return self.store.cursors.get(name)

    def set_cursor(self, name: str, after: str | None) -> None:
        self.store.cursors[name] = after


def _status(snap: dict | None) -> str | None:
    return snap.get("status") if snap is not None else None


def _owner(snap: dict | None) -> str | None:
    user_id = snap.get("userId") if snap is not None else None
    return user_id if contract.is_safe_user_id(user_id) else None
