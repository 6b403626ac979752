"""The finalize poll shards on the emulator: every shard is a loaded task-queue
function, every poll of a creation runs on its own shard's function, and the pipeline still
ends in a draft with one debit and no refund."""

from __future__ import annotations

import json
import uuid

import requests

from devstack.stack import FUNCTIONS_PORT, log_path
from domain.shards import finalize_queues, poll_shard, queue_for
from tests.flows.helpers import assert_ledger_ok, balance, cost, ledger_of, new_id, submit, wait_status
from tests.support.waiting import wait_until


def loaded_functions() -> set[str]:
    backends = requests.get(f"http://127.0.0.1:{FUNCTIONS_PORT}/backends", timeout=5).json()["backends"]
    return {t["entryPoint"] for b in backends for t in b["functionTriggers"]}


def finalize_runs(creation_id: str) -> list[str]:
    """The finalize functions that ran for a creation, from their usage lines in the log."""
    runs = []
    for line in log_path("emulators").read_text(errors="replace").splitlines():
        if "invocation usage" not in line or creation_id not in line:
            continue
        entry = json.loads(line[line.index("{") : line.rindex("}") + 1])
        if entry.get("creationId") == creation_id and entry["function"].startswith("finalizegeneration"):
            runs.append(entry["function"])
    return runs


def ids_on_distinct_shards(count: int) -> list[str]:
    """Creation ids hashed onto `count` different shards, none of them shard 0 (the queue that
    existed before the shards): a poll that went to the old queue would show."""
    by_shard: dict[int, str] = {}
    while len(by_shard) < count:
        cid = new_id()
        if poll_shard(cid) != 0:
            by_shard.setdefault(poll_shard(cid), cid)
    return list(by_shard.values())


def test_every_poll_shard_is_loaded_by_the_emulator():
    assert set(finalize_queues()) <= loaded_functions()


def test_every_poll_of_a_creation_runs_on_its_shard_and_the_pipeline_ends_in_a_draft(new_user, veo):
    # Given Veo takes 8 s (the emulator polls coarsely for 2 s, then every 0.3 s: many polls,
    # even after a shard's first task waited for its worker to start)
    veo.config(delaySeconds=8)
    user, client = new_user(tokens=200)
    tag = uuid.uuid4().hex[:8]
    ids = ids_on_distinct_shards(3)
    # When three requests hashed onto three different shards are made
    for n, cid in enumerate(ids):
        submit(client, user.uid, f"{tag} sharded lantern {n}", cid=cid)
    # Then each ends a draft, charged once and never refunded
    finals = [wait_status(client, cid, timeout=120) for cid in ids]
    assert [d["status"] for d in finals] == ["draft"] * 3, finals
    for doc in finals:
        assert requests.get(doc["mediaUrl"], timeout=10).status_code == 200
    assert not [e for e in ledger_of(client, user.uid).values() if e["type"] == "refund"]
    assert balance(client, user.uid) == 200 - 3 * cost(4)
    assert_ledger_ok(user.uid)
    # And every poll of a creation ran on its own shard's function, and only there
    for cid in ids:
        runs = wait_until(lambda cid=cid: (r := finalize_runs(cid)) and len(r) >= 2 and r)
        assert set(runs) == {queue_for(cid)}, (cid, runs)
