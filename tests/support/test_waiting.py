"""wait_until with `progress`: the timeout is a silence, not a budget."""

from __future__ import annotations

import itertools
import time

import pytest

from tests.support.waiting import wait_until


def test_a_wait_outlives_its_timeout_while_the_system_moves():
    started = time.monotonic()
    ticks = itertools.count()
    done_after = started + 2.5
    assert wait_until(lambda: time.monotonic() > done_after, timeout=1.5, interval=0.05, progress=lambda: next(ticks))
    assert time.monotonic() - started > 1.5


def test_a_wait_fails_after_its_timeout_of_silence():
    with pytest.raises(AssertionError, match="with no progress"):
        wait_until(lambda: False, timeout=1.2, interval=0.05, progress=lambda: "still")
