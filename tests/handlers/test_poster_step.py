"""The poster step of finalizegeneration: a JPEG frame beside the draft, never at
the draft's expense — against fakes, with a real MP4 and the real decoder."""

from __future__ import annotations

import functools

import pytest

from domain import ledger, media
from domain.pricing import price
from handlers import poster_step
from handlers.finalize_generation import FinalizeOutcome, handle
from handlers.publish_creation import publish
from tests.handlers.conftest import USER, request, start_and_dispatch
from tests.handlers.fakes import transient, video_at

COST = price(4)  # what a default 4 s request costs: the table's, never a literal

KEY = "drafts/alice/c1/s3cret.mp4"


@functools.cache
def real_mp4() -> bytes:
    from standins.media import render_mp4

    return render_mp4(4, "16:9")


def draft(world, status="draft", data: bytes | None = None):
    world.store.create("c1", {**request(), "status": status, "mediaKey": KEY})
    world.media.put(KEY, real_mp4() if data is None else data)


def test_a_draft_gets_a_jpeg_poster_beside_its_video_and_posterUrl(world):
    draft(world)
    url = poster_step.add_poster("c1", KEY, world.services)
    poster = media.poster_key(KEY)
    assert url == world.media.public_url(poster) == world.store.creations["c1"]["posterUrl"]
    assert world.media.objects[poster][0].startswith(b"\xff\xd8") and world.media.content_types[poster] == "image/jpeg"
    assert poster not in world.store.uploads  # the intent is cleared once the creation holds it


@pytest.mark.parametrize("data", [b"not a video", b""], ids=["garbage", "empty"])
def test_a_video_the_decoder_cannot_read_leaves_the_draft_without_a_poster(world, data):
    draft(world, data=data)
    assert poster_step.add_poster("c1", KEY, world.services) is None
    assert "posterUrl" not in world.store.creations["c1"]
    assert world.store.creations["c1"]["status"] == "draft"
    assert media.poster_key(KEY) not in world.media.objects


def test_r2_down_while_making_the_poster_leaves_the_draft_without_one_and_never_raises(world):
    draft(world)
    world.media.fail("upload_bytes", transient())
    assert poster_step.add_poster("c1", KEY, world.services) is None
    assert world.store.creations["c1"]["status"] == "draft" and "posterUrl" not in world.store.creations["c1"]
    assert media.poster_key(KEY) in world.store.uploads  # the media sweep finds any half-made upload


def test_a_creation_deleted_while_its_poster_is_made_keeps_no_poster(world):
    draft(world)
    world.feed.before("set_poster", lambda: world.store.delete("c1"))
    assert poster_step.add_poster("c1", KEY, world.services) is None
    assert media.poster_key(KEY) not in world.media.objects


def test_a_draft_published_before_its_poster_gets_the_public_poster_in_its_feed_entry(world):
    draft(world, status="published")
    publish("c1", dict(world.store.creations["c1"]), world.services)
    assert "posterUrl" not in world.store.feed["c1"]
    poster_step.add_poster("c1", KEY, world.services)
    public = media.published_poster_key("c1", KEY)
    assert world.store.feed["c1"]["posterUrl"] == world.media.public_url(public)
    assert world.media.objects[public][0].startswith(b"\xff\xd8")


def _processing(world, video: bytes):
    world.store.grant(USER, 100)
    start_and_dispatch(world)
    uri = "gs://veo-temp/c1/sample_0.mp4"
    world.temp.objects[uri] = video
    world.veo.answers = [video_at(uri)]
    return world.tasks.enqueued[-1][1]


def test_finalize_gives_a_decodable_draft_its_poster(world):
    job = _processing(world, real_mp4())
    assert handle("c1", world.services, job=job) == FinalizeOutcome.DRAFT
    creation = world.store.creations["c1"]
    assert creation["posterUrl"] == world.media.public_url(media.poster_key(creation["mediaKey"]))


def test_finalize_completes_the_paid_draft_even_when_no_poster_can_be_made(world):
    job = _processing(world, b"garbage")
    assert handle("c1", world.services, job=job) == FinalizeOutcome.DRAFT
    creation = world.store.creations["c1"]
    assert creation["status"] == "draft" and "posterUrl" not in creation
    assert world.store.tokens(USER) == 100 - COST and world.store.entry(USER, ledger.debit_id("c1"))["deliveredAt"]
