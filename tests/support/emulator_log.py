"""What the functions emulator's log says about events it lost.

When the emulator's request to a function worker fails (the worker closed the socket, crashed
or timed out), it logs "Request to function failed", kills the worker and drops the event: no
retry. Production's triggers would have run; a test then waits for a state that never comes.
"""

from __future__ import annotations

LOST = "Request to function failed"
CONTEXT_LINES = 3  # the executions begun just before: the lost one is among them


def lost_events(log_text: str) -> list[str]:
    """Each lost event's line, with the lines before it."""
    lines = log_text.splitlines()
    return ["\n".join(lines[max(0, i - CONTEXT_LINES) : i + 1]) for i, line in enumerate(lines) if LOST in line]
