"""The production limits the model is made of: token buckets (Cloud Tasks queues, Firestore
documents and its 500/50/5 ramp), Veo's per-minute quota, the poll schedules, and Cloud Run
instances x threads. Each is small and tested on its own (tests/bench/test_model.py).
"""

from __future__ import annotations

import math

import simpy

from bench.platform import Platform


class Pacer:
    """A token bucket in O(1): `rate` per second, `burst` tokens. `delay()` books the next
    token and says how long to wait for it, or None (nothing booked) past `give_up`."""

    def __init__(self, env: simpy.Environment, rate, burst: float = 1.0):
        self.env = env
        self.rate = rate  # a number, or a function of time (the 500/50/5 ramp)
        self.burst = burst
        self.next_free = -math.inf

    def _rate(self) -> float:
        return self.rate(self.env.now) if callable(self.rate) else self.rate

    def delay(self, give_up: float | None = None) -> float | None:
        rate = self._rate()
        if rate == math.inf:
            return 0.0
        now = self.env.now
        start = max(self.next_free, now - (self.burst - 1) / rate)
        wait = max(0.0, start - now)
        if give_up is not None and wait > give_up:
            return None
        self.next_free = start + 1 / rate
        return wait


def ramp_rate(platform: Platform):
    """Firestore's 500/50/5 rule as a database-wide write rate over time."""
    if platform.db_warm:
        return lambda now: math.inf
    return lambda now: platform.db_ramp_start * platform.db_ramp_factor ** int(now // platform.db_ramp_every_s)


class MinuteQuota:
    """Veo's per-project quota as the stand-in enforces it: a 60 s window opened by the first start."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self.window_start = -math.inf
        self.used = 0
        self.refused = 0

    def take(self, now: float) -> bool:
        if self.per_minute <= 0:
            return True
        if now - self.window_start >= 60:
            self.window_start, self.used = now, 0
        if self.used < self.per_minute:
            self.used += 1
            return True
        self.refused += 1
        return False


def designed_poll_delay(elapsed: float, p: Platform) -> float:
    """Coarse while Veo cannot be done (before its shortest time), then land on that time,
    then fine."""
    if elapsed + p.poll_coarse_s <= p.designed_fine_after_s:
        return p.poll_coarse_s
    if elapsed < p.designed_fine_after_s:
        return max(p.poll_fine_s, p.designed_fine_after_s - elapsed)
    return p.poll_fine_s


def today_poll_delay(elapsed: float, p: Platform) -> float:
    """functions/domain/generation.next_poll_delay with production params."""
    if p.poll_coarse_s <= p.poll_fine_s or elapsed + p.poll_coarse_s > 0.7 * p.today_expected_s:
        return p.poll_fine_s
    return p.poll_coarse_s


class Pool:
    """Cloud Run instances x threads of one function: a slot per concurrent request, and a
    cold start when the warm instances are full."""

    def __init__(self, env, max_instances: int, threads: int, cold_start_s: float):
        self.env = env
        self.threads = threads
        self.slots = simpy.Resource(env, capacity=max_instances * threads)
        self.warm = 0
        self.cold_starts = 0
        self.cold_start_s = cold_start_s

    def run(self, body):
        """Runs the generator `body` while holding one thread of one instance."""
        with self.slots.request() as req:
            yield req
            if self.slots.count > self.warm * self.threads:
                self.warm += 1
                self.cold_starts += 1
                yield self.env.timeout(self.cold_start_s)
            yield from body

    def serve(self, seconds: float):
        def work():
            yield self.env.timeout(seconds)

        yield from self.run(work())
