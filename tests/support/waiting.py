from __future__ import annotations

import time


def wait_until(check, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"):
    """Polls `check` until it returns something truthy; returns that value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")
