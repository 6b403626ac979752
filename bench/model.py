"""A discrete-event model of Phoenix in production, built on SimPy.

It replays an open-loop burst of generation requests against the limits that production
has and the emulator does not: Firestore's sustained 1 write/s per document and its
500/50/5 ramp rule, Cloud Tasks dispatch rates and concurrency, Cloud Run instances x
threads, the Veo per-minute quota and its 30-120 s generation times, the poll schedule and
the orphan sweep. Three designs run under the same load:

- "designed": design14.md — a short onCreate debits and enqueues `startveo`, whose queue
  dispatches at the Veo quota and whose run claims the start (a transaction) before asking
  Veo; finalize is one short task per poll, on the poll shard (queue and function, with its
  own instances) a hash of the creation picks; no metric documents in the money
  transactions.
- "today": onCreate debits (writing a metric shard) and starts Veo itself (429 retried
  4 times, then refunded); one finalize task holds a dispatch slot while it polls;
  the draft transaction writes a metric shard too.
- "naive": the common sample: one onCreate that debits and blocks on Veo until done.

Service times (a function's own work, a Veo call, the GCS -> R2 copy, the listener) come
from `Calibration`, which `bench.predict.calibration` fills from a measured emulator run.
The limits it is made of are in bench/limits.py and bench/platform.py.
Everything here is pure Python: tests/bench/ test the building blocks without a stack.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from typing import Any

import simpy

from bench.limits import MinuteQuota, Pacer, Pool, designed_poll_delay, ramp_rate, today_poll_delay
from bench.platform import Calibration, Platform
from domain.admission import poll_delay

__all__ = [
    "Calibration",
    "Platform",
    "MinuteQuota",
    "Pacer",
    "Pool",
    "designed_poll_delay",
    "ramp_rate",
    "today_poll_delay",
    "simulate",
    "knee",
    "DESIGNS",
]
DESIGNS = ("designed", "today", "naive")


@dataclass
class Gen:
    index: int
    created: float
    veo_s: float
    status: str = "pending"
    started: float | None = None  # Veo accepted the start
    ready: float | None = None  # Veo's video exists
    visible: float | None = None  # a listener sees the draft
    cause: str | None = None  # why it failed
    polls: int = 0
    shard: int = 0  # designed: its poll queue (a stable hash of the id: random here)


def _known(moment: float | None) -> float:
    """A moment the simulation has set by now (a processing generation has started)."""
    assert moment is not None
    return moment


@dataclass
class Outcome:
    design: str
    offered_per_s: float
    veo_quota_per_min: int
    generations: int
    drafts: int
    failed_by_our_limits: int
    failed_causes: dict
    detection_p50_s: float | None
    detection_p95_s: float | None
    admission_p95_s: float | None  # request -> Veo started
    polls_per_video: float | None
    veo_429: int
    late_veo_results: int  # Veo finished (and billed) a generation we had already refunded
    cold_starts: int
    limit_hits: dict = field(default_factory=dict)

    @property
    def served(self) -> bool:
        """Nothing failed by our limits and, with the Veo quota matched, nothing waited a
        minute for our own instances or queues before Veo started."""
        return (
            self.failed_by_our_limits == 0
            and self.drafts == self.generations
            and self.admission_p95_s is not None
            and self.admission_p95_s < ADMISSION_BOUND_S
        )

    @property
    def ok(self) -> bool:
        return self.served and self.detection_p95_s is not None and self.detection_p95_s < 2.0


# With the quota matched to the load, waiting longer than this before Veo starts means our
# own instances or queues are the bottleneck (a held onCreate, a saturated queue).
ADMISSION_BOUND_S = 60.0


def pct(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


class World:
    def __init__(self, design: str, platform: Platform, cal: Calibration, seed: int):
        if design not in DESIGNS:
            raise ValueError(f"unknown design {design!r}")
        self.env = simpy.Environment()
        self.design, self.p, self.cal = design, platform, cal
        self.rng = random.Random(seed)
        env, p = self.env, platform
        self.db = Pacer(env, ramp_rate(p), burst=p.db_ramp_start)
        self.shards = [Pacer(env, p.doc_writes_per_s, p.doc_burst) for _ in range(p.metric_shards)]
        self.quota = MinuteQuota(p.veo_quota_per_min)
        self.start_pool = Pool(env, p.start_max_instances, p.threads, cal.cold_start_s)
        # Designed: each poll shard is its own function (instances) and queue (500/s).
        shards = max(1, p.poll_queues) if design == "designed" else 1
        self.finalize_pools = [Pool(env, p.finalize_max_instances, p.threads, cal.cold_start_s) for _ in range(shards)]
        self.finalize_pool = self.finalize_pools[0]
        self.startveo_pool = Pool(env, p.startveo_max_instances, p.threads, cal.cold_start_s)
        self.startveo_dispatches = simpy.Resource(env, capacity=max(1, p.startveo_max_concurrent))
        self.event_pool = Pool(env, p.finalize_max_instances, p.threads, cal.cold_start_s)
        self.naive_pool = Pool(env, p.naive_max_instances, p.naive_concurrency, cal.cold_start_s)
        # Firestore's cap on writes that land at the end of one sequential index of creations
        self.sequential = Pacer(env, p.sequential_index_writes_per_s, burst=p.sequential_index_writes_per_s / 5)
        self.vertex = (
            Pacer(env, p.vertex_requests_per_min / 60.0, burst=p.vertex_requests_per_min / 60.0)
            if p.vertex_requests_per_min > 0
            else None
        )
        self.admission = Pacer(env, max(p.veo_quota_per_min, 1) / 60.0, burst=1)
        self.poll_pacers = [Pacer(env, p.queue_max_rate, burst=p.queue_max_rate / 5) for _ in range(shards)]
        self.finalize_slots = simpy.Resource(env, capacity=p.finalize_max_concurrent)
        self.gens: list[Gen] = []
        self.limit_hits: dict[str, int] = {}
        self.abort_reason = ""

    def hit(self, what: str) -> None:
        self.limit_hits[what] = self.limit_hits.get(what, 0) + 1

    # --- Firestore
    def transaction(self, writes: int, hot: bool):
        """A transaction's writes against the database ramp and, for today's metric shard,
        one hot document. Returns False when it would wait past the give-up time (aborted)."""
        wait = self.db.delay(give_up=self.p.txn_give_up_s)
        if wait is None:
            self.hit("firestore_500_50_5")
            self.abort_reason = "debit_aborted_firestore_500_50_5"
            return False
        for _ in range(writes - 1):
            self.db.delay()
        if hot:
            shard = self.shards[self.rng.randrange(len(self.shards))]
            hot_wait = shard.delay(give_up=self.p.txn_give_up_s)
            if hot_wait is None:
                self.hit("hot_metric_shard")
                self.abort_reason = "debit_aborted_hot_metric_shard"
                return False
            wait = max(wait, hot_wait)
        return wait

    def book(self, ops: float, sequential: float) -> float | None:
        """Firestore operations of a step (reads count toward the 500/50/5 ramp, as writes do)
        and its writes at the end of a sequential index (500/s whatever the ramp). The wait
        they add, or None when it is past the give-up time (the transaction aborts)."""
        wait = 0.0
        for _ in range(int(round(sequential))):
            w = self.sequential.delay(give_up=self.p.txn_give_up_s)
            if w is None:
                self.hit("sequential_index_500_per_s")
                self.abort_reason = "debit_aborted_sequential_index"
                return None
            wait = max(wait, w)
        for _ in range(int(round(ops))):
            w = self.db.delay(give_up=self.p.txn_give_up_s)
            if w is None:
                self.hit("firestore_500_50_5")
                self.abort_reason = "debit_aborted_firestore_500_50_5"
                return None
            wait = max(wait, w)
        return wait

    def fail(self, g: Gen, cause: str) -> None:
        if g.status in ("pending", "processing"):
            g.status, g.cause = "failed", cause

    # --- one generation, per design
    def generation(self, g: Gen):
        _env, _p, cal = self.env, self.p, self.cal
        # Today's store.debit writes a metric shard; the designed one does not, and neither
        # does the common sample the naive peer stands for.
        hot = self.design == "today"
        self.db.delay()  # the client's create
        if self.design == "naive":
            yield from self._naive(g)
            return
        # onCreate: parse + debit (ledger entry, user, [metric shard])
        wait = self.transaction(3 if hot else 2, hot)
        if wait is False:
            self.fail(g, self.abort_reason)
            return
        if self.design == "designed":
            # the rest of its measured reads and writes: half up to the start, half at the end
            extra = self.book(max(0.0, self._ops() / 2 - 3), cal.sequential_index_writes_per_video / 2)
            if extra is None:
                self.fail(g, self.abort_reason)
                return
            wait += extra
        yield from self.start_pool.serve(cal.start_s + wait)
        if self.design == "designed":
            yield from self._designed_admit(g)
        else:
            yield from self._today_start(g)

    def _ops(self) -> float:
        return self.cal.writes_per_video + self.cal.reads_per_video

    def _vertex(self):
        """One Vertex request, when polls share a per-minute quota with the starts."""
        if self.vertex is not None:
            yield self.env.timeout(self.vertex.delay() or 0.0)

    def _veo_start(self, g: Gen) -> bool:
        if not self.quota.take(self.env.now):
            return False
        g.started = self.env.now
        g.ready = self.env.now + g.veo_s
        if g.status == "pending":
            g.status = "processing"
        return True

    def _designed_admit(self, g: Gen):
        env, p, cal = self.env, self.p, self.cal
        attempt = 0
        while g.status == "pending":
            yield env.timeout(self.admission.delay() or 0.0)  # startveo's dispatch rate = the quota
            if g.status != "pending":
                return
            ok = [False]

            def call(ok=ok):
                self.db.delay()  # the start's claim (one transaction on the creation)
                yield from self._vertex()
                yield env.timeout(cal.veo_start_s)
                ok[0] = self._veo_start(g)

            with self.startveo_dispatches.request() as dispatch:
                t0 = env.now
                yield dispatch
                if env.now - t0 > 1.0:
                    self.hit("startveo_max_concurrent_dispatches")
                yield from self._in(self.startveo_pool, call())
            if ok[0]:
                self.db.delay()  # mark processing
                yield env.timeout(cal.start_s)
                yield from self._designed_polls(g)
                return
            self.hit("veo_quota_429")  # not a failure: the task is retried later
            attempt += 1
            yield env.timeout(min(p.task_retry_max_s, p.task_retry_min_s * 2 ** (attempt - 1)))

    def _in(self, pool: Pool, body):
        yield from pool.run(body)

    def _designed_polls(self, g: Gen):
        env, p, cal = self.env, self.p, self.cal
        if p.finish_on_event:
            env.process(self._output_event(g))
        while g.status == "processing":
            elapsed = env.now - _known(g.started)
            delay = (
                poll_delay(elapsed, p.designed_fine_after_s, p.poll_fine_s, p.poll_coarse_s)  # functions' own
                if p.finish_on_event
                else designed_poll_delay(elapsed, p)  # before the event: every fine interval until done
            )
            yield env.timeout(delay)  # the task's ETA
            pacer = self.poll_pacers[g.shard]
            queued = pacer.delay() or 0.0
            if queued > 0.5:
                self.hit("poll_queue_500_per_s")
            yield env.timeout(queued)
            done = [False]

            def poll(done=done):
                yield from self._vertex()
                yield env.timeout(cal.veo_call_s)
                g.polls += 1  # the poll queued before the event finished it still looks once
                done[0] = g.status == "processing" and g.ready is not None and env.now >= _known(g.ready)
                if done[0]:
                    yield from self._finish(g, hot=False)

            yield from self._in(self.finalize_pools[g.shard], poll())
            if done[0]:
                return

    def _output_event(self, g: Gen):
        """finishgeneration: the object's finalize event, `event_latency_s` after Veo wrote it;
        one look at the operation (a Vertex poll) and the finish."""
        env, cal = self.env, self.cal
        yield env.timeout(max(0.0, _known(g.ready) - env.now) + cal.event_latency_s)
        if g.status != "processing":
            return

        def look():
            yield from self._vertex()
            yield env.timeout(cal.veo_call_s)
            g.polls += 1
            if g.status == "processing":
                yield from self._finish(g, hot=False)

        yield from self._in(self.event_pool, look())

    def _finish(self, g: Gen, hot: bool):
        """Copy + draft transaction (creation, user, [metric shard])."""
        while True:
            wait = self.transaction(3 if hot else 2, hot)
            if wait is not False and self.design == "designed":
                extra = self.book(max(0.0, self._ops() / 2 - 3), self.cal.sequential_index_writes_per_video / 2)
                wait = False if extra is None else wait + extra
            if wait is not False:
                break
            # an aborted draft transaction: the task fails and Cloud Tasks retries it
            yield self.env.timeout(self.p.task_retry_min_s)
        yield self.env.timeout(self.cal.finish_s + wait)
        if g.status == "processing":
            g.status = "draft"
            g.visible = self.env.now + self.cal.listen_s

    def _today_start(self, g: Gen):
        env, p, cal = self.env, self.p, self.cal
        # still inside startgeneration: Veo start with bounded retries on 429
        started = False

        def call():
            nonlocal started
            for delay in (0.0,) + p.start_retry_delays:
                yield env.timeout(delay + cal.veo_call_s)
                if self._veo_start(g):
                    started = True
                    return
                self.hit("veo_quota_429")

        yield from self._in(self.start_pool, call())
        if not started:
            self.fail(g, "veo_quota_refused")
            return
        # one finalize task polls in a loop, holding its dispatch slot and thread
        with self.finalize_slots.request() as slot:
            t0 = env.now
            yield slot
            if env.now - t0 > 1.0:
                self.hit("finalize_max_concurrent_dispatches")

            def loop():
                while g.status == "processing":
                    yield env.timeout(cal.veo_call_s)
                    g.polls += 1
                    if env.now >= _known(g.ready):
                        yield from self._finish(g, hot=True)
                        return
                    yield env.timeout(today_poll_delay(env.now - _known(g.started), p))

            if g.status == "processing":
                yield from self._in(self.finalize_pool, loop())

    def _naive(self, g: Gen):
        env, p, cal = self.env, self.p, self.cal

        def body():
            if env.now - g.created > 1.0:
                self.hit("naive_instances_x_concurrency")  # every thread holds a generation
            wait = self.transaction(2, False)
            if wait is False:
                self.fail(g, self.abort_reason)
                return
            yield env.timeout(cal.start_s + wait)
            for delay in (0.0,) + p.start_retry_delays:
                yield env.timeout(delay + cal.veo_start_s)
                if self._veo_start(g):
                    break
                self.hit("veo_quota_429")
            else:
                self.fail(g, "veo_quota_refused")
                return
            # sleep-and-poll, holding its thread: the polls until one sees the video, in one
            # step (the same moments as a loop of sleeps, without simulating each)
            step = p.naive_poll_s + cal.veo_call_s
            polls = max(1, math.ceil((_known(g.ready) - env.now) / step))
            yield env.timeout(polls * step)
            g.polls += polls
            if g.status == "processing":
                yield from self._finish(g, hot=False)

        yield from self._in(self.naive_pool, body())

    def sweeper(self):
        p = self.p
        while True:
            yield self.env.timeout(p.sweep_every_s)
            now = self.env.now
            for g in self.gens:
                if g.status == "pending":
                    queued = self.design == "designed"
                    limit = p.queue_max_wait_s if queued else p.orphan_after_s
                    if now - g.created > limit:
                        self.fail(g, "queue_max_wait" if queued else "orphan_timeout")
                elif g.status == "processing":
                    # Designed: a creation that waited its turn in the admission queue is
                    # timed from its Veo start, not from its request (design14 A).
                    since = g.started if self.design == "designed" and g.started is not None else g.created
                    if now - since > p.orphan_after_s:
                        self.fail(g, "orphan_timeout")

    def arrivals(self, rate: float, count: int):
        for i in range(count):
            g = Gen(i, self.env.now, self.rng.uniform(self.p.veo_min_s, self.p.veo_max_s))
            g.shard = self.rng.randrange(len(self.poll_pacers))
            self.gens.append(g)
            self.env.process(self.generation(g))
            yield self.env.timeout(1 / rate)


def simulate(
    design: str,
    offered_per_s: float,
    *,
    burst_s: float = 120.0,
    max_generations: int = 20_000,
    platform: Platform | None = None,
    cal: Calibration | None = None,
    seed: int = 1,
    horizon_s: float | None = None,
) -> Outcome:
    """Offer `offered_per_s` requests a second for `burst_s` seconds (at most
    `max_generations`), then let the system drain (with the sweep running)."""
    p, cal = platform or Platform(), cal or Calibration()
    world = World(design, p, cal, seed)
    count = max(1, min(max_generations, int(round(offered_per_s * burst_s))))
    world.env.process(world.arrivals(offered_per_s, count))
    world.env.process(world.sweeper())
    world.env.run(until=horizon_s or (count / offered_per_s + p.queue_max_wait_s + 2 * p.sweep_every_s))
    gens = world.gens
    drafts = [g for g in gens if g.status == "draft"]
    failed = [g for g in gens if g.status == "failed"]
    causes: dict[str, int] = {}
    for g in failed:
        cause = g.cause or "unknown"
        causes[cause] = causes.get(cause, 0) + 1
    detection = [g.visible - g.ready for g in drafts if g.visible is not None and g.ready is not None]
    admission = [g.started - g.created for g in gens if g.started is not None]
    cold = (
        world.start_pool.cold_starts
        + sum(pool.cold_starts for pool in world.finalize_pools)
        + world.startveo_pool.cold_starts
        + world.event_pool.cold_starts
        + world.naive_pool.cold_starts
    )
    return Outcome(
        design=design,
        offered_per_s=offered_per_s,
        veo_quota_per_min=p.veo_quota_per_min,
        generations=len(gens),
        drafts=len(drafts),
        failed_by_our_limits=len(failed),
        failed_causes=causes,
        detection_p50_s=pct(detection, 50),
        detection_p95_s=pct(detection, 95),
        admission_p95_s=pct(admission, 95),
        polls_per_video=(sum(g.polls for g in drafts) / len(drafts)) if drafts else None,
        veo_429=world.quota.refused,
        late_veo_results=sum(1 for g in failed if g.started is not None),
        cold_starts=cold,
        limit_hits=dict(world.limit_hits),
    )


def knee(design: str, rates: list[float], *, quota_matched: bool = True, **kwargs) -> dict:
    """Scans `rates` upwards. `knee`: the highest rate up to which every rate keeps p95
    detection < 2 s with nothing failed by our limits; `capacity`: the same for nothing
    failed (whatever the delay). `quota_matched`: the Veo quota is raised to the offered
    rate plus 20%, so what is found is our own limit, not Google's."""
    base = kwargs.pop("platform", None) or Platform()
    found: dict[str, Any] = {"knee": None, "capacity": None, "outcomes": []}
    knee_open = capacity_open = True
    for rate in sorted(rates):
        platform = (
            replace(base, veo_quota_per_min=max(base.veo_quota_per_min, math.ceil(rate * 72)))
            if quota_matched
            else base
        )
        outcome = simulate(design, rate, platform=platform, **kwargs)
        found["outcomes"].append(outcome)
        knee_open = knee_open and outcome.ok
        capacity_open = capacity_open and outcome.served
        if knee_open:
            found["knee"] = rate
        if capacity_open:
            found["capacity"] = rate
        if not (knee_open or capacity_open):
            break
    return found
