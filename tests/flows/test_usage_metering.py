"""Usage metering counts a transaction's writes without the SDK's private attributes."""

from __future__ import annotations


class RawTransactionWithoutPrivates:
    """Only the public write methods of a Firestore transaction."""

    def __init__(self):
        self.calls = []

    def create(self, ref, data):
        self.calls.append("create")

    def set(self, ref, data, merge=False):
        self.calls.append("set")

    def update(self, ref, data):
        self.calls.append("update")

    def delete(self, ref):
        self.calls.append("delete")


def test_writes_are_counted_through_the_public_methods_only():
    from adapters.firestore_tx import CountingTransaction

    raw = RawTransactionWithoutPrivates()
    tx = CountingTransaction(raw)
    tx.create("a", {})
    tx.set("b", {}, merge=True)
    tx.update("c", {})
    tx.delete("d")
    assert tx.writes == 4 and raw.calls == ["create", "set", "update", "delete"]


def test_a_grant_is_metered_as_the_writes_it_commits(new_user):
    import uuid

    from adapters import store, usage

    with usage.invocation("test") as used:
        store.grant(f"metered-{uuid.uuid4().hex[:8]}", 10, "test", grant_id="grant_once")
    assert used.writes == 2  # the ledger entry and the user document
