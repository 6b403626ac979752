"""`python -m ops smoke` against the emulator stack: the whole post-deploy check passes, prints
one screen with each step's time, and leaves no user behind; a failing step exits non-zero
with a line that names it."""

from __future__ import annotations

import os
import subprocess
import sys

from ops import smoke

ROOT = smoke.ROOT


def ops(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ops", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=env or os.environ.copy(),
    )


def test_the_smoke_test_makes_fetches_and_cleans_up_one_video(admin_db):
    done = ops("--emulator", "smoke")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    print(done.stdout)  # the one screen, for `pytest -s` and for the report of a failure below
    steps = [line for line in lines if line.startswith("  ok  ")]
    assert len(steps) == 8, done.stdout  # every step, the user's removal included
    assert any("video/mp4" in line for line in steps)
    assert "smoke: OK" in done.stdout and "Traceback" not in done.stderr
    # The throw-away user is gone: no balance, no ledger under a smoke user's id.
    leftovers = [
        snap.id
        for snap in admin_db.collection("users").stream()
        if any(e.id == "grant_smoke" for e in snap.reference.collection("transactions").stream())
    ]
    assert leftovers == []


def test_a_failed_step_is_named_and_exits_non_zero(veo):
    # Veo's filter refuses the smoke prompt: the creation fails and is refunded.
    veo.faults([{"on": "start", "kind": "operation_error", "match": "smoke test"}])
    done = ops("--emulator", "smoke")
    assert done.returncode == 1, done.stdout
    assert "FAIL wait for the draft" in done.stdout and "smoke: FAILED" in done.stdout
    assert "ok   remove the user" in done.stdout and "Traceback" not in done.stderr
