"""The finalize poll shards: main.py declares one task-queue function per shard,
all alike, and the tasks adapter puts every poll of a creation on its own shard's queue.
Runs without the emulators (the manifest is the one `firebase deploy` reads)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from adapters import tasks
from domain.shards import POLL_SHARDS, finalize_queues, queue_for

FUNCTIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "functions")


def manifest_endpoints() -> dict:
    code = (
        "import json;from firebase_functions.private import serving;"
        "print(json.dumps(__import__('yaml').safe_load(serving.functions_as_yaml(serving.get_functions()))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=FUNCTIONS_DIR,
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("R2_")},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["endpoints"]


def test_every_poll_shard_is_a_task_queue_function_that_deploys_like_the_single_queue_did():
    endpoints = manifest_endpoints()
    shards = sorted(name for name in endpoints if name.startswith("finalizegeneration"))
    assert shards == sorted(finalize_queues()) and len(shards) == POLL_SHARDS
    first = endpoints["finalizegeneration"]
    for name in shards:
        ep = endpoints[name]
        # Found by the name Cloud Run and the emulator call it by (FUNCTION_TARGET)
        assert ep["entryPoint"] == name
        assert ep["labels"]["service"] == name
        for option in ("taskQueueTrigger", "availableMemoryMb", "timeoutSeconds", "maxInstances", "concurrency", "cpu"):
            assert ep[option] == first[option], (name, option)
        assert ep["secretEnvironmentVariables"] == first["secretEnvironmentVariables"]


def test_the_module_level_names_are_the_shard_functions(monkeypatch):
    monkeypatch.chdir(FUNCTIONS_DIR)
    import importlib

    main = importlib.import_module("main")
    for name in finalize_queues():
        assert getattr(main, name).__firebase_endpoint__.entryPoint == name


def test_every_poll_of_a_creation_is_enqueued_on_its_own_shards_queue(monkeypatch):
    sent: list[tuple[str, str]] = []

    def fake_enqueue(queue, data, **options):
        sent.append((queue, data["creationId"]))
        return True

    monkeypatch.setattr(tasks, "_enqueue", fake_enqueue)
    ids = [f"c-{n}" for n in range(40)]
    for cid in ids:
        for poll in range(3):  # the first poll (startveo) and the next ones (finalize)
            tasks.enqueue_finalize(cid, {"poll": poll}, delay_seconds=poll, task_id=f"poll-{cid}-{poll}")
    for cid in ids:
        assert {queue for queue, c in sent if c == cid} == {queue_for(cid)}
    assert len({queue for queue, _ in sent}) == POLL_SHARDS  # and the creations use every shard
