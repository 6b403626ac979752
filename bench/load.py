"""Offering load to the emulator stack as the app does, and reading what happened.

A request is a client's create of `creations/{id}` through the security rules (or, for the
naive peer, of `naivecreations/{id}` with the admin client: the rules know nothing of it),
watched by a listening client (Firestore `on_snapshot`) that records when each status
first becomes visible. Closed waves (N at once) and open-loop waves (a fixed rate,
whatever completes) share that code.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.stats import pct
from devstack import registry

TERMINAL = ("draft", "failed")
# The client's create through the rules: the test client's 10 s is too short for a first write
# on 2 cores shared with other stacks (the emulator answered after more than 10 s at load 36).
CREATE_TIMEOUT_S = 120.0


def _client_create(client, path: str, data: dict) -> dict:
    """The app's create through the security rules, as tests.support's UserClient.create, with
    the bench's timeout."""
    from tests.support.firestore_rest import DOCS

    write = client.write_op(path, data, exists=False)
    return client._check(client.session.post(f"{DOCS}:commit", json={"writes": [write]}, timeout=CREATE_TIMEOUT_S))


class Watch:
    """A listening client on one creation."""

    def __init__(self, db, collection: str, creation_id: str):
        self.seen: dict[str, float] = {}
        self.fields: set[str] = set()
        self.last: dict = {}
        self.done = threading.Event()
        self._unsub = db.collection(collection).document(creation_id).on_snapshot(self._on)

    def _on(self, snaps, changes, read_time):
        now = time.time()
        for snap in snaps:
            if snap.exists:
                data = snap.to_dict()
                self.fields |= set(data)
                self.last = data
                self.seen.setdefault(data.get("status"), now)
                if data.get("status") in TERMINAL:
                    self.done.set()

    def close(self):
        self._unsub.unsubscribe()


# The measured mix: mostly 4 s 720p clips, and 8 s 1080p ones (about 5x the bytes to copy).
LONG_CLIP = {"duration": 8, "resolution": "1080p"}


def clip_for(index: int, every: int = 4) -> dict:
    """Every `every`th request of a wave asks for an 8 s 1080p clip."""
    return dict(LONG_CLIP) if every and index % every == every - 1 else {}


def one_request(
    db, user, prompt: str, timeout: float, naive: bool = False, at: float | None = None, clip: dict | None = None
) -> dict:
    from google.cloud import firestore

    from tests.support.firestore_rest import SERVER_TIME

    if at is not None:
        time.sleep(max(0.0, at - time.time()))
    cid = f"bench-{uuid.uuid4().hex}"
    collection = "naivecreations" if naive else "creations"
    watch = Watch(db, collection, cid)
    fields = {
        "userId": user.uid,
        "prompt": f"{cid} {prompt}",
        "aspectRatio": "16:9",
        "duration": 4,
        "status": "pending",
        **(clip or {}),
    }
    t0 = time.time()
    client_error = None
    try:
        if naive:
            db.collection(collection).document(cid).set(
                {**fields, "createdAt": firestore.SERVER_TIMESTAMP}, timeout=CREATE_TIMEOUT_S
            )
        else:
            _client_create(user.client, f"creations/{cid}", {**fields, "createdAt": SERVER_TIME})
    except Exception as exc:  # noqa: BLE001 - a create the stack could not take is a failed request, not a crash
        client_error = type(exc).__name__
    # A create that timed out may still have landed: the listener says so either way.
    finished = watch.done.wait(timeout if client_error is None else CREATE_TIMEOUT_S)
    watch.close()
    if client_error and not watch.seen:
        finished = True  # nothing was created: a request refused at the client, not an open one
    return {
        "clientError": client_error,
        "creationId": cid,
        "writtenAt": t0,
        "seen": watch.seen,
        "finished": finished,
        "queued": "queuedAt" in watch.fields,
        "naive": naive,
        "clip": "8s-1080p" if clip else "4s-720p",
        "error": (watch.last.get("error") or {}).get("code") if watch.last.get("status") == "failed" else None,
    }


def closed_wave(db, jobs: list[tuple], concurrency: int, timeout: float, naive: bool = False) -> list[dict]:
    """`jobs`: (user, prompt) or (user, prompt, clip options)."""
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return list(
            pool.map(lambda j: one_request(db, j[0], j[1], timeout, naive, clip=j[2] if len(j) > 2 else None), jobs)
        )


def open_ramp(
    db,
    users: list,
    rates: list[float],
    step_s: float,
    timeout: float,
    naive: bool = False,
    prompt: str = "a calm sea at dusk",
    start_at: float | None = None,
) -> list[tuple[float, list[dict]]]:
    """Each rate offered for `step_s` seconds, one after the other with no pause: creates are
    issued on schedule, whatever completes. Returns each rate with its requests. Two ramps
    given the same `start_at` offer the same load at the same moments (side by side)."""
    schedule, at = [], (start_at if start_at is not None else time.time() + 1.0)
    for rate in rates:
        count = max(1, int(round(rate * step_s)))
        schedule += [(rate, at + i / rate) for i in range(count)]
        at += count / rate
    with ThreadPoolExecutor(max_workers=len(schedule)) as pool:
        futures = [
            (rate, pool.submit(one_request, db, users[i % len(users)], prompt, timeout, naive, when, clip_for(i)))
            for i, (rate, when) in enumerate(schedule)
        ]
        done = [(rate, f.result()) for rate, f in futures]
    return [(rate, [r for x, r in done if x == rate]) for rate in rates]


def attach_operations(results: list[dict], veo_stats: dict) -> None:
    ops = {op["prompt"].split(" ", 1)[0]: op for op in veo_stats["operations"].values()}
    for r in results:
        r["op"] = ops.get(r["creationId"], {})


def detection_delays(results: list[dict]) -> list[float]:
    """Veo's video ready (stand-in start + generation time) -> draft seen by the listener."""
    return [
        r["seen"]["draft"] - r["op"]["readyAt"]
        for r in results
        if "draft" in r["seen"] and r.get("op", {}).get("readyAt")
    ]


def summarize(results: list[dict]) -> dict:
    drafts = [r for r in results if "draft" in r["seen"]]
    detection = detection_delays(results)
    to_processing = [r["seen"]["processing"] - r["writtenAt"] for r in results if "processing" in r["seen"]]
    to_start = [r["op"]["startedAt"] - r["writtenAt"] for r in results if r.get("op", {}).get("startedAt")]
    polls = [r["op"]["polls"] for r in drafts if r.get("op")]
    errors: dict[str, int] = {}
    for r in results:
        if "failed" in r["seen"]:
            errors[r["error"] or "unknown"] = errors.get(r["error"] or "unknown", 0) + 1
        elif r.get("clientError") and not r["seen"]:
            errors[f"client create: {r['clientError']}"] = errors.get(f"client create: {r['clientError']}", 0) + 1
    return {
        "requests": len(results),
        "drafts": len(drafts),
        "failed": sum(errors.values()),
        "failedBy": errors,
        "nonTerminal": sum(1 for r in results if not r["finished"]),
        "queuedSeen": sum(1 for r in results if r["queued"]),
        "detection_s": {
            "min": min(detection, default=None),
            "p50": pct(detection, 50),
            "p95": pct(detection, 95),
            "max": max(detection, default=None),
        },
        "toProcessing_s": {"p50": pct(to_processing, 50), "p95": pct(to_processing, 95)},
        "toVeoStart_s": {"p50": pct(to_start, 50), "p95": pct(to_start, 95)},
        "pollsPerVideo": (sum(polls) / len(polls)) if polls else None,
    }


def usage_by_creation(log_path: Path, creation_ids: set[str]) -> dict[str, dict]:
    """Sums each creation's `invocation usage` log lines: reads, writes, invocations, seconds."""
    totals: dict[str, dict] = {}
    for line in log_path.read_text(errors="replace").splitlines():
        if "invocation usage" not in line:
            continue
        match = re.search(r"\{.*\}", line)
        if not match:
            continue
        try:
            entry = json.loads(match.group(0))
        except ValueError:
            continue
        cid = entry.get("creationId")
        if cid not in creation_ids:
            continue
        t = totals.setdefault(
            cid, {"reads": 0, "writes": 0, "invocations": 0, "taskDeliveries": 0, "seconds": {}, "byFunction": {}}
        )
        # The finalize shards (finalizegeneration1..N-1) are one function to the figures.
        fn_name = re.sub(r"^(finalizegeneration)\d+$", r"\1", entry["function"])
        t["reads"] += entry.get("reads", 0)
        t["writes"] += entry.get("writes", 0)
        t["invocations"] += 1
        t["taskDeliveries"] += entry["function"] in registry.task_functions()
        t["seconds"][fn_name] = t["seconds"].get(fn_name, 0) + entry.get("durationMs", 0) / 1000
        fn = t["byFunction"].setdefault(fn_name, {"invocations": 0, "reads": 0, "writes": 0})
        fn["invocations"] += 1
        fn["reads"] += entry.get("reads", 0)
        fn["writes"] += entry.get("writes", 0)
    return totals


def make_users(count: int, tokens: int = 1000) -> list:
    from adapters import store
    from tests.support.firestore_rest import UserClient, sign_up

    users = []
    for _ in range(count):
        user = sign_up(f"bench-{uuid.uuid4().hex[:10]}@example.test")
        store.grant(user.uid, tokens, "bench", grant_id="grant_bench")
        user.client = UserClient(user.id_token)  # type: ignore[attr-defined]  # the bench's own handle on it
        users.append(user)
    return users
