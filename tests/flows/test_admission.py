"""Admission under the Veo quota: a burst beyond what Veo accepts waits, visibly
queued, and is started as quota frees; nothing is failed or refunded for our own limits."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.flows.helpers import assert_ledger_ok, balance, cost, ledger_of, operations_for, submit, wait_status

QUOTA = 3
# Vertex's window is a minute; a shorter one (the stand-in's control API) proves the same
# rule in a quarter of the time: the requests over the quota still wait for the next window.
WINDOW_SECONDS = 15
PER_USER = 3  # MAX_IN_FLIGHT in the emulator


@pytest.mark.slow
def test_a_burst_over_the_veo_quota_waits_queued_and_every_request_ends_a_draft(new_user, veo):
    # The stand-in refuses starts past 3 a window with Vertex's 429 RESOURCE_EXHAUSTED.
    veo.config(quotaPerMinute=QUOTA, quotaWindowSeconds=WINDOW_SECONDS)
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

    # The stand-in's window ends; the queue's retries start the rest.
    finals = [wait_status(client, cid) for _, client, cid in requests]
    assert [d["status"] for d in finals] == ["draft"] * len(requests), finals
    for user, client in users:
        entries = ledger_of(client, user.uid)
        assert not [e for e in entries.values() if e["type"] == "refund"], entries
        assert balance(client, user.uid) == 200 - PER_USER * cost(4)
    assert len(operations_for(veo, tag)) == len(requests)  # one generation each, none twice
    assert_ledger_ok(*[u.uid for u, _ in users])


def test_a_start_delivered_twice_at_once_asks_veo_once_and_charges_once(new_user, veo):
    """Cloud Tasks delivers at least once. A twin delivery of the start task, run while the
    first delivery waits for Veo's answer, must not start (and bill) a second generation."""
    from handlers import start_veo
    from tests.flows.helpers import services
    from tests.support.waiting import wait_until

    user, client = new_user(tokens=100)
    tag = uuid.uuid4().hex[:8]
    # Veo answers this prompt's start after 7 s (the operation does start; the client gives up at
    # VEO_HTTP_TIMEOUT_SECONDS = 10): time for a twin on a loaded machine (4 s was once too short)
    veo.faults([{"on": "start", "kind": "stall", "seconds": 7, "match": tag, "times": 2}])
    prompt = f"{tag} a lighthouse in fog"
    cid = submit(client, user.uid, prompt)

    def asked_and_waiting():
        # Veo first, then the document: the claim commits before Veo is asked, so a document
        # read after Veo shows the operation must carry it. (Read the other way round, a
        # document read just before the claim met a Veo read just after the start.)
        if not operations_for(veo, tag):
            return None
        doc = client.get(f"creations/{cid}")
        return doc if doc["status"] == "pending" else None

    # When the first delivery has asked Veo and is waiting for its answer
    waiting = wait_until(asked_and_waiting, what="the first delivery to be waiting for Veo")
    assert waiting.get("startClaimedAt")  # it claimed the start before asking
    twin = {
        "prompt": prompt,
        "aspectRatio": "16:9",
        "duration": 4,
        "userId": user.uid,
        "cost": cost(4),
        "mediaKey": f"twin-{cid}",
    }
    # Then the twin delivery finds the claim taken and stays queued, without asking Veo
    with pytest.raises(start_veo.RetryLater):
        start_veo.handle(cid, twin, services())
    final = wait_status(client, cid)
    assert final["status"] == "draft" and final["refunded"] is False
    assert len(operations_for(veo, tag)) == 1  # one generation started, one billed
    assert veo.stats()["faultsPending"] == 1  # the second slow start was never asked for
    entries = ledger_of(client, user.uid)
    assert [k for k, e in entries.items() if e["type"] == "debit"] == [f"debit_{cid}"]
    assert not [e for e in entries.values() if e["type"] == "refund"]
    assert balance(client, user.uid) == 100 - cost(4)
    assert_ledger_ok(user.uid)
