"""Audits every user's balance against the ledger and every creation's money trail."""
from __future__ import annotations

from adapters.firebase_app import firestore_client
from adapters.firestore_tx import incarnation_of
from adapters.store import CREATIONS, TRANSACTIONS, USERS
from domain.ledger import CreationFacts, LedgerEntry, LedgerReport, check_ledger


def run(user_ids: list[str] | None = None) -> LedgerReport:
    """Reads users, ledgers and creations in one read-only transaction: one consistent snapshot,
    even while the pipeline keeps writing."""
    from google.cloud import firestore

    db = firestore_client()

    def everything(collection):
        return collection.order_by("__name__")  # transactions read queries, not collections

    @firestore.transactional
    def snapshot(tx):
        if user_ids:
            user_snaps = [s for s in tx.get_all([db.collection(USERS).document(u) for u in user_ids])]
            entry_snaps = [s for u in user_ids
                           for s in tx.get(everything(db.collection(USERS).document(u).collection(TRANSACTIONS)))]
            creation_snaps = [s for u in user_ids for s in tx.get(
                db.collection(CREATIONS).where(filter=firestore.FieldFilter("userId", "==", u)))]
        else:
            user_snaps = list(tx.get(everything(db.collection(USERS))))
            entry_snaps = list(tx.get(db.collection_group(TRANSACTIONS)))
            creation_snaps = list(tx.get(everything(db.collection(CREATIONS))))
        return user_snaps, entry_snaps, creation_snaps

    user_snaps, entry_snaps, creation_snaps = snapshot(db.transaction(read_only=True))
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
        entries.append(LedgerEntry(
            user_id=snap.reference.parent.parent.id, entry_id=snap.id, type=data.get("type"),
            amount=amount, creation_id=data.get("creationId"), incarnation=data.get("incarnation"),
            created_at=data.get("createdAt"), delivered=bool(data.get("deliveredAt"))))
    creations = []
    for snap in creation_snaps:
        data = snap.to_dict()
        creations.append(CreationFacts(snap.id, data.get("userId"), data.get("status"),
                                       bool(data.get("refunded", False)),
                                       incarnation=incarnation_of(snap.create_time),
                                       created_at=snap.create_time))
    report = check_ledger(balances, in_flight, entries, creations)
    report.problems[:0] = malformed
    return report
