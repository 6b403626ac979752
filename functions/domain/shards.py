"""Which finalize queue carries a creation's polls (pure rules).

One Cloud Tasks queue dispatches at most 500 tasks a second. With fine polls every second
after Veo's shortest time, a generation costs ~49 polls, so one queue caps the pipeline near
10 generations a second (docs/capacity.md). The polls are spread over POLL_SHARDS queues, one
task-queue function each, all handing off to the same handler. A creation's shard is a stable
hash of its id: every poll of one creation goes through the same queue, so a task id names
one poll once (a re-delivered poll cannot schedule its successor twice) and a queue's backlog
delays only the creations hashed onto it.
"""

from __future__ import annotations

import hashlib

# 8 queues x 500 dispatches/s = 4000 polls/s: ~80 generations/s at ~49 polls each, the model's
# knee with 8 queues and a warm database is 50/s (docs/capacity.md). A deploy-time constant,
# not a param: each shard is a function declared in main.py, and a change of this number
# re-hashes creations in flight (harmless, every shard runs the same handler, but a poll could
# then be scheduled twice: once by each queue).
POLL_SHARDS = 8

# Shard 0 keeps the name of the single queue that came before, so tasks already queued when
# the shards are deployed still land.
FINALIZE_QUEUE = "finalizegeneration"


def poll_shard(creation_id: str, shards: int = POLL_SHARDS) -> int:
    """The shard (0..shards-1) of a creation: the same in every process and every release
    (sha256, not Python's salted hash())."""
    if shards <= 1:
        return 0
    digest = hashlib.sha256(creation_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % shards


def finalize_queue(shard: int) -> str:
    """The task-queue function (and Cloud Tasks queue id) of a shard: `finalizegeneration`,
    then `finalizegeneration1` .. `finalizegeneration{POLL_SHARDS-1}`. Queue ids take letters,
    digits and hyphens only, so no underscore."""
    if shard < 0:
        raise ValueError(f"negative shard {shard}")
    return FINALIZE_QUEUE if shard == 0 else f"{FINALIZE_QUEUE}{shard}"


def finalize_queues(shards: int = POLL_SHARDS) -> list[str]:
    """Every finalize queue, shard 0 first: what main.py declares and the deploy check expects."""
    return [finalize_queue(s) for s in range(max(1, shards))]


def queue_for(creation_id: str, shards: int = POLL_SHARDS) -> str:
    return finalize_queue(poll_shard(creation_id, shards))
