"""Runs one browser scenario (a .mjs script in this folder) and plays its pytest side of the
protocol (tests/e2e/harness.mjs): grants the tokens the scenario asks for with "@@uid", notes
the ids it reports with "@@id", hides an entry with "@@hide" (more users report it), and keeps
the transcript and the verdict ("@@ok" / "@@fail")."""

from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.conftest import E2E


@dataclass
class ScenarioRun:
    outcome: str | None = None  # "ok", the "@@fail" text, or why there was no verdict
    returncode: int | None = None
    uid: str | None = None
    ids: list[str] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome == "ok" and self.returncode == 0

    @property
    def last_step(self) -> str:
        steps = [t[len("@@step ") :] for t in self.transcript if t.startswith("@@step ")]
        return steps[-1] if steps else "(none)"

    @property
    def log(self) -> str:
        return "\n".join(self.transcript)

    def server_story(self, most: int = 40) -> str:
        """What the stack's functions logged about this run's creations (the ids it printed or
        named in its failure): why a video failed is there, not on the page."""
        from devstack.stack import log_path

        named = re.findall(r'(?:creation |data-id=")([A-Za-z0-9_-]{8,})', self.outcome or "")
        ids = set(self.ids) | set(named) | ({self.uid} if self.uid else set())  # the uid: every line of the user
        path = log_path("emulators")
        if not ids or not path.exists():
            return "(no server log for this run)"
        lines = [line for line in path.read_text(errors="replace").splitlines() if any(i in line for i in ids)]
        return "\n".join(lines[-most:]) or f"(nothing logged about {sorted(ids)})"


def hide_by_reports(creation_id: str, most: int = 20) -> str:
    """Users whose reports count (a verified email and a paid video: docs/client-contract.md,
    Reports) report the entry until the pipeline hides it, as many at a time as the weight it
    still lacks (whatever REPORTS_TO_HIDE is). Every report already filed is waited for until
    counted first, and each new one after it is filed, so no report is filed after the entry is
    hidden (the rules refuse that). "hidden", or why not (one line)."""
    import math

    from adapters.firebase_app import firestore_client
    from tests.flows.helpers import accountable_reporters
    from tests.support.firestore_rest import SERVER_TIME
    from tests.support.waiting import wait_until

    db = firestore_client()
    entry = db.collection("feed").document(creation_id)
    review = db.collection("moderation").document(creation_id)

    def all_counted() -> bool:
        return all((snap.to_dict() or {}).get("countedAt") for snap in entry.collection("reports").stream())

    def lacking() -> int:
        """Reports of weight 1 still needed (1 before the first report made the record)."""
        doc = review.get().to_dict() or {}
        if doc.get("hidden"):
            return 0
        return max(1, math.ceil(float(doc.get("hideAt") or 1) - float(doc.get("weight") or 0)))

    filed = 0
    reporters: list[str] = []
    try:
        wait_until(all_counted, what="the reports already filed counted")
        while filed < most and (needed := lacking()):
            batch = accountable_reporters(min(needed, most - filed))
            reporters += [user.uid for user, _ in batch]
            for user, client in batch:
                if not lacking():
                    break
                client.create(f"feed/{creation_id}/reports/{user.uid}", {"reason": "spam", "createdAt": SERVER_TIME})
                filed += 1
                wait_until(all_counted, what="the report counted")
        # The reporters' own videos finish before the scenario goes on: a scenario after this
        # one must not share the stack with their finishing work.
        # On progress: each video's status moving restarts the minute a busy machine may take.
        wait_until(
            lambda: all(status in ("draft", "failed") for _, status in _statuses(db, reporters)),
            timeout=60,
            interval=1.0,  # a query per reporter each look: videos take seconds, not tenths
            what="the reporters' videos finished",
            progress=lambda: _statuses(db, reporters),
        )
    except Exception as exc:  # the scenario reports it as its step's failure, with the transcript
        return f"reporting failed: {type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
    return "hidden" if not lacking() else f"still visible after {filed} more reports"


def _statuses(db, uids: list[str]) -> list[tuple[str, str | None]]:
    """(creation id, status) of every creation of these users, in id order."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    return sorted(
        (snap.id, (snap.to_dict() or {}).get("status"))
        for uid in uids
        for snap in db.collection("creations").where(filter=FieldFilter("userId", "==", uid)).stream()
    )


def _reader(stream, lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def run_scenario(
    script: str, env: dict[str, str], *, tokens: int, grant_reason: str, silence_s: float, log_file: Path
) -> ScenarioRun:
    """`tokens` are granted (as an operator would, through the Admin SDK) to the user the
    scenario signs up. The run fails after `silence_s` without a line from the scenario: each
    step bounds its own waits, so this catches only a scenario that hangs, never a busy
    machine's slower (but progressing) run."""
    from adapters import store

    node = shutil.which("node")
    assert node, "node is required"
    proc = subprocess.Popen(
        [node, str(E2E / script)],
        cwd=E2E,
        env={**os.environ, **env},
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    run = ScenarioRun()
    deadline = time.monotonic() + silence_s
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                run.outcome = f"no word from the scenario for {silence_s}s"
                break
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                break
            run.transcript.append(line)
            if line.startswith("@@uid "):
                run.uid = line.split(" ", 1)[1].strip()
                # The server grants no tokens on sign-up: the test plays the operator.
                store.grant(run.uid, tokens, grant_reason, grant_id="grant_initial")
                assert proc.stdin is not None
                proc.stdin.write("granted\n")
                proc.stdin.flush()
            elif line.startswith("@@hide "):
                answer = hide_by_reports(line.split(" ", 1)[1].strip())
                assert proc.stdin is not None
                proc.stdin.write(answer + "\n")
                proc.stdin.flush()
            elif line.startswith("@@id "):
                run.ids.append(line.split(" ", 1)[1].strip())
            elif line.startswith("@@fail "):
                run.outcome = line[len("@@fail ") :]
            elif line == "@@ok":
                run.outcome = "ok"
            deadline = time.monotonic() + silence_s  # what the driver did for the line counts as progress
    finally:
        if proc.poll() is None:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        run.returncode = proc.returncode
    log_file.write_text(run.log + "\n")
    return run
