"""The handler tier: every handler against in-memory fakes of its ports (tests/handlers/fakes.py).

Nothing starts here (no emulator, no network): the whole tier runs in seconds. Each test reads
Given / When / Then. The emulator suites (tests/flows) remain the end-to-end proof.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from bootstrap import Services, bootstrap
from config import Settings
from domain.generation import RetryPolicy
from domain.metrics import Thresholds
from domain.states import Status
from tests.handlers.fake_notify import FakeFcm, FakeNotificationStore
from tests.handlers.fakes import FakeClock, FakeFeed, FakeMediaBucket, FakeStore, FakeTasks, FakeTempStorage, FakeVeo

USER = "alice"
OTHER = "bob"
TEMP_BUCKET = "veo-temp"


def settings(**overrides) -> Settings:
    base = Settings(
        veo_model="veo-3.0-generate-001",
        veo_location="us-central1",
        veo_base_url="",
        veo_expected_seconds=90,
        veo_http_timeout_s=20.0,
        gcs_temp_bucket=TEMP_BUCKET,
        r2_endpoint="",
        r2_bucket="media",
        r2_region="auto",
        r2_public_base_url="https://media.test",
        r2_ca_bundle="",
        max_in_flight=3,
        refusals_per_hour=20,
        orphan_after_minutes=15,
        orphan_media_minutes=60,
        blocked_terms=("gore",),
        poll_interval_s=1.0,
        poll_coarse_interval_s=10.0,
        progress_step_pct=25,
        retry=RetryPolicy(attempts=2, base_delay_s=0.0),
        veo_usd_per_video_second=0.15,
        alerts=Thresholds(failure_rate=0.2, stalled_minutes=5, max_in_flight=100, daily_spend_usd=100.0),
        reconcile_window_minutes=180,
        reconcile_page_size=200,
        project_id="demo-phoenix",
        veo_starts_per_minute=50,
        queue_max_wait_minutes=60,
        veo_min_seconds=30.0,
    )
    return dataclasses.replace(base, **overrides)


def request(user: str = USER, duration: int = 4, prompt: str = "a cat surfing", **extra) -> dict:
    return {
        "userId": user,
        "prompt": prompt,
        "aspectRatio": "16:9",
        "duration": duration,
        "status": Status.PENDING.value,
        "createdAt": None,
        **extra,
    }


@dataclass
class World:
    clock: FakeClock
    store: FakeStore
    feed: FakeFeed
    tasks: FakeTasks
    veo: FakeVeo
    temp: FakeTempStorage
    media: FakeMediaBucket
    services: Services
    fcm: FakeFcm
    notify: FakeNotificationStore

    def with_settings(self, **overrides) -> World:
        self.services = dataclasses.replace(
            self.services, settings=dataclasses.replace(self.services.settings, **overrides)
        )
        return self


@pytest.fixture
def world() -> World:
    clock = FakeClock()
    store = FakeStore(clock)
    feed, tasks, veo = FakeFeed(store), FakeTasks(clock), FakeVeo()
    temp, media = FakeTempStorage(), FakeMediaBucket(clock)
    fcm, notify = FakeFcm(), FakeNotificationStore()
    services = bootstrap(
        settings(),
        veo=veo,
        temp_storage=temp,
        media=media,
        store=store,
        feed=feed,
        tasks=tasks,
        clock=clock,
        notifier=fcm,
        notifications=notify,
    )
    return World(clock, store, feed, tasks, veo, temp, media, services, fcm, notify)


def dispatch_start(world: World, cid: str = "c1"):
    """Cloud Tasks dispatching the creation's queued startveo task (the last one queued)."""
    from handlers import start_veo

    job = [job for c, job in world.tasks.starts if c == cid][-1]
    return start_veo.handle(cid, job, world.services)


def start_and_dispatch(world: World, cid: str = "c1", data: dict | None = None):
    """Given: a created request handled by startgeneration (charged, queued), then its start
    task dispatched at once (quota free): Veo started, the first poll task queued."""
    from handlers import start_generation

    data = data if data is not None else request()
    inc = world.store.create(cid, data)
    assert start_generation.handle(cid, dict(data), world.services, inc) == start_generation.StartOutcome.QUEUED
    return dispatch_start(world, cid)
