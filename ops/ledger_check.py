"""Audits users' balances against their ledgers and their creations' money trails.

Per user and paged: a page of users is read in one read-only transaction (a consistent
snapshot of those users, their ledgers and their creations, even while the pipeline keeps
writing), and no transaction ever spans everything. With `since`, only users whose ledger
moved since then (an entry written, or a debit marked delivered) are checked: the work of a
periodic run follows the traffic, not the number of users.
"""

from __future__ import annotations

from datetime import datetime

from adapters.firebase_app import firestore_client
from adapters.firestore_tx import after_document, incarnation_of
from adapters.store import CREATIONS, DELIVERED_FIELD, TRANSACTIONS, USERS
from domain.ledger import CreationFacts, LedgerEntry, LedgerReport, check_ledger

PAGE_SIZE = 50  # users per transaction: each brings its ledger and its creations


def run(user_ids: list[str] | None = None, page_size: int = PAGE_SIZE, since: datetime | None = None) -> LedgerReport:
    """Every user (paged by id), the given ones, or those changed since `since`."""
    total = LedgerReport()
    if user_ids:
        pages = (user_ids[i : i + page_size] for i in range(0, len(user_ids), page_size))
    elif since is not None:
        changed = changed_users(since)
        pages = (changed[i : i + page_size] for i in range(0, len(changed), page_size))
    else:
        pages = _all_user_pages(page_size)
    for page in pages:
        report = _check_page(page)
        total.problems += report.problems
        total.users_checked += report.users_checked
        total.entries_checked += report.entries_checked
        total.creations_checked += report.creations_checked
    return total


def changed_users(since: datetime, page_size: int = 500) -> list[str]:
    """Users with a ledger entry written, or a debit delivered, at or after `since` (two
    collection-group queries over the ledger, paged; single-field indexes)."""
    from google.cloud import firestore

    db = firestore_client()
    users: set[str] = set()
    for field in ("createdAt", DELIVERED_FIELD):
        query = (
            db.collection_group(TRANSACTIONS).where(filter=firestore.FieldFilter(field, ">=", since)).order_by(field)
        )
        last = None
        while True:
            page = query.start_after(last).limit(page_size) if last else query.limit(page_size)
            snaps = list(page.stream())
            users.update(s.reference.parent.parent.id for s in snaps)
            if len(snaps) < page_size:
                break
            last = snaps[-1]
    return sorted(users)


def _all_user_pages(page_size: int):
    db = firestore_client()
    after = None
    while True:
        query = db.collection(USERS).order_by("__name__").select([])
        if after:
            query = after_document(query, db.collection(USERS), after)
        ids = [snap.id for snap in query.limit(page_size).stream()]
        if ids:
            yield ids
        if len(ids) < page_size:
            return
        after = ids[-1]


def _check_page(user_ids: list[str]) -> LedgerReport:
    from google.cloud import firestore

    db = firestore_client()

    @firestore.transactional
    def snapshot(tx):
        user_snaps = list(tx.get_all([db.collection(USERS).document(u) for u in user_ids]))
        entry_snaps = [
            s
            for u in user_ids
            for s in tx.get(db.collection(USERS).document(u).collection(TRANSACTIONS).order_by("__name__"))
        ]
        creation_snaps = [
            s
            for u in user_ids
            for s in tx.get(db.collection(CREATIONS).where(filter=firestore.FieldFilter("userId", "==", u)))
        ]
        return user_snaps, entry_snaps, creation_snaps

    user_snaps, entry_snaps, creation_snaps = snapshot(db.transaction(read_only=True))
    return _audit(user_snaps, entry_snaps, creation_snaps)


def _audit(user_snaps, entry_snaps, creation_snaps) -> LedgerReport:
    balances, in_flight = {}, {}
    malformed: list[str] = []
    for snap in user_snaps:
        if snap.exists:
            data = snap.to_dict()
            tokens, count = data.get("tokens", 0), data.get("inFlight", 0)
            if type(tokens) is not int or type(count) is not int:
                malformed.append(f"user {snap.id}: tokens/inFlight are not integers")
                continue
            balances[snap.id], in_flight[snap.id] = tokens, count
    entries = []
    for snap in entry_snaps:
        data = snap.to_dict()
        amount = data.get("amount", 0)
        if type(amount) is not int:
            malformed.append(f"{snap.reference.path}: amount {amount!r} is not an integer")
            amount = 0
        entries.append(
            LedgerEntry(
                user_id=snap.reference.parent.parent.id,
                entry_id=snap.id,
                type=data.get("type"),
                amount=amount,
                creation_id=data.get("creationId"),
                incarnation=data.get("incarnation"),
                created_at=data.get("createdAt"),
                delivered=bool(data.get(DELIVERED_FIELD)),
            )
        )
    creations = []
    for snap in creation_snaps:
        data = snap.to_dict()
        creations.append(
            CreationFacts(
                snap.id,
                data.get("userId"),
                data.get("status"),
                bool(data.get("refunded", False)),
                incarnation=incarnation_of(snap.create_time),
                created_at=snap.create_time,
            )
        )
    report = check_ledger(balances, in_flight, entries, creations)
    report.problems[:0] = malformed
    return report
