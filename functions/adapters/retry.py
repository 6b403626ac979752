"""Bounded retries for calls to Veo, GCS and R2."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from domain.errors import ExternalServiceError
from domain.generation import RetryPolicy

T = TypeVar("T")


def with_retries(call: Callable[[], T], policy: RetryPolicy, sleep=time.sleep) -> T:
    """Runs `call`; a transient ExternalServiceError is retried after each policy delay.

    A permanent error, or the last transient one once the budget is spent, is raised.
    """
    for delay in policy.delays():
        try:
            return call()
        except ExternalServiceError as exc:
            if not exc.transient:
                raise
        sleep(delay)
    return call()
