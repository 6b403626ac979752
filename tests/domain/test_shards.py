"""Which finalize queue carries a creation's polls (domain/shards.py)."""

from __future__ import annotations

import uuid
from collections import Counter

from domain.shards import FINALIZE_QUEUE, POLL_SHARDS, finalize_queue, finalize_queues, poll_shard, queue_for


def test_a_creation_always_has_the_same_shard_in_every_process_and_release():
    # Pinned values (sha256 of the id): no interpreter's salted hash() can move a creation
    assert [poll_shard(cid, 8) for cid in ("c1", "c2", "c3")] == [3, 5, 2]
    assert all(poll_shard("same-id") == poll_shard("same-id") for _ in range(3))


def test_creation_ids_spread_evenly_over_the_shards():
    counts = Counter(poll_shard(f"c-{uuid.uuid4().hex}") for _ in range(8000))
    assert set(counts) == set(range(POLL_SHARDS))
    assert max(counts.values()) < 1.15 * 8000 / POLL_SHARDS  # no queue carries much more than its share


def test_shard_zero_keeps_the_single_queues_name_so_tasks_queued_before_still_land():
    assert finalize_queue(0) == FINALIZE_QUEUE == "finalizegeneration"
    assert finalize_queues(3) == ["finalizegeneration", "finalizegeneration1", "finalizegeneration2"]
    assert len(set(finalize_queues())) == POLL_SHARDS
    # Cloud Tasks queue ids: letters, digits, hyphens
    assert all(q.isalnum() for q in finalize_queues())


def test_one_shard_is_the_single_queue():
    assert {queue_for(f"c-{n}", shards=1) for n in range(50)} == {"finalizegeneration"}
    assert queue_for("c1") == finalize_queue(poll_shard("c1"))
