from __future__ import annotations

import time

# Waits end on the state they wait for; the timeout only bounds a test that is failing. It is
# generous because a busy machine (two stacks and CPU burners beside them) can take half a minute
# to start a cold function worker; a passing test never waits for it.
PATIENCE_S = 120.0


def wait_until(check, timeout: float = PATIENCE_S, interval: float = 0.1, what: str = "condition", progress=None):
    """Polls `check` until it returns something truthy; returns that value.

    With `progress` (a callable returning a snapshot of the system's activity, e.g. the Veo
    stand-in's counters), `timeout` is how long nothing may move rather than a budget for the
    whole wait: the deadline restarts whenever the snapshot changes. A busy machine then only
    makes the wait longer; a stuck system still fails after `timeout` of silence."""
    deadline = time.monotonic() + timeout
    last = None
    seen = progress() if progress else None
    looked = time.monotonic()
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
        if progress and time.monotonic() - looked >= 1.0:  # a snapshot a second is plenty
            now, looked = progress(), time.monotonic()
            if now != seen:
                seen, deadline = now, looked + timeout
    quiet = " with no progress" if progress else ""
    raise AssertionError(f"timed out after {timeout}s{quiet} waiting for {what}; last value: {last!r}")
