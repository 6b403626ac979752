"""Counts the Firestore reads and writes one function invocation makes, and logs them.

The benchmark adds these lines up per creation, so cost figures are measured, not guessed.
"""

from __future__ import annotations

import contextvars
import time
from contextlib import contextmanager
from dataclasses import dataclass

from adapters import log


@dataclass
class Usage:
    reads: int = 0
    writes: int = 0


_current: contextvars.ContextVar[Usage | None] = contextvars.ContextVar("phoenix_usage", default=None)


def read(count: int = 1) -> None:
    usage = _current.get()
    if usage is not None:
        usage.reads += count


def wrote(count: int = 1) -> None:
    usage = _current.get()
    if usage is not None:
        usage.writes += count


@contextmanager
def invocation(function: str, creation_id: str | None = None):
    usage = Usage()
    token = _current.set(usage)
    started = time.monotonic()
    try:
        yield usage
    finally:
        _current.reset(token)
        log.invocation_usage(function, creation_id, usage.reads, usage.writes, int((time.monotonic() - started) * 1000))
