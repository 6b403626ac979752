"""Admission under the Veo quota (issue #14): a burst beyond what Veo accepts waits, visibly
queued, and is started as quota frees; nothing is failed or refunded for our own limits."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.flows.helpers import assert_ledger_ok, balance, ledger_of, operations_for, submit, wait_status

QUOTA = 3
PER_USER = 3  # MAX_IN_FLIGHT in the emulator


@pytest.mark.slow
def test_a_burst_over_the_veo_quota_waits_queued_and_every_request_ends_a_draft(new_user, veo):
    # The stand-in refuses starts past 3 a minute with Vertex's 429 RESOURCE_EXHAUSTED.
    veo.config(quotaPerMinute=QUOTA)
    tag = uuid.uuid4().hex[:8]
    users = [new_user(tokens=200) for _ in range(2)]
    requests = [
        (user, client, submit(client, user.uid, f"{tag} harbour {n}"))
        for user, client in users
        for n in range(PER_USER)
    ]

    # Quota spent on the first three: the others wait, pending, showing where they stand.
    # (A cold emulator takes a while to run its first startveo tasks.)
    deadline = time.monotonic() + 120
    waiting: list[dict] = []
    while time.monotonic() < deadline and not (veo.stats()["quotaRefused"] and len(waiting) >= 3):
        docs = [client.get(f"creations/{cid}") for _, client, cid in requests]
        waiting = [d for d in docs if d["status"] == "pending" and d.get("queuedAt")]
        time.sleep(0.5)
    assert veo.stats()["quotaRefused"] >= 1
    assert len(waiting) >= len(requests) - QUOTA, waiting
    for doc in waiting:
        assert doc["queuePosition"] >= 1 and doc["estimatedStartAt"] >= doc["queuedAt"], doc
        assert "error" not in doc and doc.get("refunded") is not True

    # The stand-in's minute ends; the queue's retries start the rest.
    finals = [wait_status(client, cid, timeout=150) for _, client, cid in requests]
    assert [d["status"] for d in finals] == ["draft"] * len(requests), finals
    for user, client in users:
        entries = ledger_of(client, user.uid)
        assert not [e for e in entries.values() if e["type"] == "refund"], entries
        assert balance(client, user.uid) == 200 - PER_USER * 40
    assert len(operations_for(veo, tag)) == len(requests)  # one generation each, none twice
    assert_ledger_ok(*[u.uid for u, _ in users])
