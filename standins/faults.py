"""The fault queue both stand-ins share (the Veo stand-in and the R2 fault proxy).

Tests queue faults through a stand-in's `POST /_control/faults` ({"faults": [spec, ...]});
each request the stand-in serves takes the first pending fault that applies to it, which uses
up one of its `times`; a fault is gone when its last use is taken. What a spec holds and what
it applies to is each stand-in's own (its `Fault` dataclass and the predicate it passes to
`take`); the queue, its counting and the checks every spec shares live here, so both stand-ins
consume, count and report faults the same way.

Errors in a spec raise `FaultSpecError`; each stand-in answers it in its own error form
(Google's JSON error for Veo, {"error": ...} for the proxy).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Generic, Protocol, TypeVar


class FaultSpecError(ValueError):
    """A fault spec or a faults body the stand-in refuses (a 400 for the caller)."""


class FaultSpec(Protocol):
    """What the queue needs of a stand-in's fault: a dataclass with a kind and uses left."""

    __dataclass_fields__: ClassVar[dict[str, Any]]  # a dataclass: taken faults are copies
    kind: str
    times: int


F = TypeVar("F", bound=FaultSpec)


def specs_of(body: Any) -> list[Any]:
    """The list in a `{"faults": [...]}` control body."""
    specs = body.get("faults") if isinstance(body, dict) else None
    if not isinstance(specs, list):
        raise FaultSpecError('body must be {"faults": [...]}')
    return specs


def check_fields(spec: Any, allowed: Iterable[str]) -> dict[str, Any]:
    """`spec` as a dict, once it is an object with no field outside `allowed`."""
    if not isinstance(spec, dict):
        raise FaultSpecError(f"each fault must be an object, got {spec!r}")
    unknown = set(spec) - set(allowed)
    if unknown:
        raise FaultSpecError(f"unknown fault fields {sorted(unknown)}")
    return spec


def check_kind(kind: Any, kinds: Iterable[str]) -> str:
    kinds = tuple(kinds)
    if kind not in kinds:
        raise FaultSpecError(f"fault 'kind' must be one of {list(kinds)}, got {kind!r}")
    return kind


def check_times(times: Any) -> int:
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise FaultSpecError(f"fault 'times' must be a positive integer, got {times!r}")
    return times


def not_number(value: Any) -> bool:
    # bool is an int in Python, but `true` is no number of seconds.
    return isinstance(value, bool) or not isinstance(value, (int, float))


class FaultQueue(Generic[F]):
    """Pending faults in the order they were queued, safe to use from every request thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[F] = []
        self._injected = 0
        self._by_kind: dict[str, int] = {}

    def add(self, faults: Iterable[F]) -> int:
        """Queues `faults` after those pending; returns the uses now pending."""
        faults = list(faults)
        for fault in faults:
            check_times(fault.times)
        with self._lock:
            self._faults.extend(faults)
            return self._pending_count()

    def take(self, applies: Callable[[F], bool]) -> F | None:
        """Uses up one use of the first pending fault for which `applies` is true and returns
        a copy of it with `times=1` (the use taken), or None when no fault applies."""
        with self._lock:
            for fault in self._faults:
                if applies(fault):
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    self._injected += 1
                    self._by_kind[fault.kind] = self._by_kind.get(fault.kind, 0) + 1
                    return dataclasses.replace(fault, times=1)
        return None

    def pending(self) -> list[F]:
        """Copies of the pending faults, with the uses each has left."""
        with self._lock:
            return [dataclasses.replace(fault) for fault in self._faults]

    def pending_count(self) -> int:
        """Uses left over all pending faults (a fault queued with times=3 counts 3)."""
        with self._lock:
            return self._pending_count()

    def injected(self) -> int:
        """Uses taken since the last clear."""
        with self._lock:
            return self._injected

    def injected_by_kind(self) -> dict[str, int]:
        with self._lock:
            return dict(self._by_kind)

    def clear(self) -> None:
        """Drops every pending fault and the counts (a stand-in's reset)."""
        with self._lock:
            self._faults.clear()
            self._injected = 0
            self._by_kind.clear()

    def _pending_count(self) -> int:
        return sum(fault.times for fault in self._faults)
