"""Start from a photo, against fakes: every refusal of a photo comes before any token
moves, Veo is sent a clean copy, and photos leave with their creation or after a day unused.
Given / When / Then."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain import pricing, uploads
from domain.errors import ErrorCode, ExternalServiceError
from handlers import cleanup_creation, start_generation, sweep_orphans
from handlers.start_veo import RetryLater, StartVeoOutcome
from tests.handlers.conftest import OTHER, USER, dispatch_start, request
from tests.handlers.fakes import T0
from tests.support import images

PHOTO = uploads.upload_path(USER, "photo1")
LAST = uploads.upload_path(USER, "photo2")
PRICE = pricing.price(4)
START = 10 * PRICE  # tokens each user starts with: several requests' worth


def create(world, cid="c1", **fields):
    """Given a user with START tokens; when their request is created and handled."""
    if USER not in world.store.users:
        world.store.grant(USER, START)
    data = request(**fields)
    inc = world.store.create(cid, data)
    return start_generation.handle(cid, dict(data), world.services, inc)


def assert_refused_for_free(world, code, cid="c1"):
    creation = world.store.creations[cid]
    assert creation["status"] == "failed" and creation["error"]["code"] == code.value
    assert world.store.users[USER]["tokens"] == START
    assert not world.tasks.starts and not world.veo.started


def test_a_request_from_a_photo_is_charged_the_tables_price_and_veo_gets_a_clean_copy(world):
    world.uploads.put(PHOTO, images.with_exif(images.jpeg(1280, 720)))
    assert create(world, image=PHOTO) == start_generation.StartOutcome.QUEUED
    assert world.store.users[USER]["tokens"] == START - PRICE
    assert dispatch_start(world) == StartVeoOutcome.PROCESSING
    sent = world.veo.options[0]["image"]
    assert sent.mime_type == "image/jpeg" and images.GPS_MARKER not in sent.data and b"Exif" not in sent.data
    assert "last_frame" not in world.veo.options[0]


def test_the_last_frame_is_sent_too(world):
    world.uploads.put(PHOTO, images.jpeg(1280, 720))
    world.uploads.put(LAST, images.png(1280, 720))
    create(world, image=PHOTO, lastFrame=LAST)
    dispatch_start(world)
    assert world.veo.options[0]["last_frame"].mime_type == "image/png"


def test_a_missing_upload_is_refused_before_any_charge(world):
    create(world, image=PHOTO)
    assert_refused_for_free(world, ErrorCode.IMAGE_NOT_FOUND)


def test_someone_elses_upload_is_refused_before_any_charge_without_reading_it(world):
    theirs = world.uploads.put(uploads.upload_path(OTHER, "p"), images.jpeg(1280, 720))
    create(world, image=theirs)
    creation = world.store.creations["c1"]
    assert creation["error"]["code"] in (ErrorCode.INVALID_REQUEST.value, ErrorCode.IMAGE_NOT_FOUND.value)
    assert world.uploads.calls.get("read", 0) == 0
    assert world.store.users[USER]["tokens"] == START


def test_text_uploaded_as_a_jpeg_is_not_an_image(world):
    world.uploads.put(PHOTO, b"GIF89a not really" * 100)
    create(world, image=PHOTO)
    assert_refused_for_free(world, ErrorCode.IMAGE_INVALID)


@pytest.mark.parametrize(
    ("size", "code"),
    [((320, 180), ErrorCode.IMAGE_TOO_SMALL), ((9000, 5000), ErrorCode.IMAGE_TOO_LARGE)],
)
def test_a_picture_out_of_the_pixel_bounds_is_refused_before_any_charge(world, size, code):
    world.uploads.put(PHOTO, images.png(*size))
    create(world, image=PHOTO)
    assert_refused_for_free(world, code)


def test_an_upload_over_the_byte_cap_is_refused_before_decoding(world):
    world.uploads.put(PHOTO, images.jpeg(1280, 720) + b"\0" * uploads.MAX_UPLOAD_BYTES)
    create(world, image=PHOTO)
    assert_refused_for_free(world, ErrorCode.IMAGE_TOO_LARGE)


def test_a_portrait_photo_for_a_landscape_video_is_refused_before_any_charge(world):
    world.uploads.put(PHOTO, images.jpeg(720, 1280))
    create(world, image=PHOTO)  # aspectRatio 16:9
    assert_refused_for_free(world, ErrorCode.IMAGE_ASPECT)


def test_a_portrait_phone_photo_stored_sideways_fits_a_portrait_video(world):
    world.uploads.put(PHOTO, images.with_exif(images.jpeg(1280, 720), orientation=6))
    assert create(world, image=PHOTO, aspectRatio="9:16") == start_generation.StartOutcome.QUEUED


def test_a_last_frame_without_a_first_frame_is_invalid(world):
    world.uploads.put(LAST, images.jpeg(1280, 720))
    create(world, lastFrame=LAST)
    assert_refused_for_free(world, ErrorCode.INVALID_REQUEST)


def test_storage_failing_before_the_charge_refuses_the_request_for_free(world):
    world.uploads.put(PHOTO, images.jpeg(1280, 720))
    world.uploads.fail("read", *[ExternalServiceError("gcs", "503", transient=True, status=503)] * 2)
    create(world, image=PHOTO)
    assert_refused_for_free(world, ErrorCode.GENERATION_FAILED)


def test_storage_failing_at_the_start_waits_in_the_queue(world):
    world.uploads.put(PHOTO, images.jpeg(1280, 720))
    create(world, image=PHOTO)
    world.uploads.fail("read", *[ExternalServiceError("gcs", "503", transient=True, status=503)] * 2)
    with pytest.raises(RetryLater):
        dispatch_start(world)
    assert world.store.creations["c1"]["status"] == "pending" and not world.veo.started
    # and the next dispatch starts it
    assert dispatch_start(world) == StartVeoOutcome.PROCESSING


def test_a_photo_gone_after_the_charge_is_refunded(world):
    world.uploads.put(PHOTO, images.jpeg(1280, 720))
    create(world, image=PHOTO)
    world.uploads.objects.clear()
    assert dispatch_start(world) == StartVeoOutcome.VEO_REFUSED
    creation = world.store.creations["c1"]
    assert creation["status"] == "failed" and creation["refunded"] is True
    assert world.store.users[USER]["tokens"] == START and not world.veo.started


def test_deleting_a_creation_deletes_its_photos(world):
    world.uploads.put(PHOTO, images.jpeg(1280, 720))
    world.uploads.put(LAST, images.jpeg(1280, 720))
    create(world, image=PHOTO, lastFrame=LAST)
    deleted = world.store.creations.pop("c1")
    cleanup_creation.handle("c1", deleted, world.services, None)
    assert PHOTO not in world.uploads.objects and LAST not in world.uploads.objects


def test_a_photo_another_creation_still_uses_is_kept_when_one_is_deleted(world):
    world.uploads.put(PHOTO, images.jpeg(1280, 720))
    create(world, "c1", image=PHOTO)
    create(world, "c2", image=PHOTO)
    deleted = world.store.creations.pop("c1")
    cleanup_creation.handle("c1", deleted, world.services, None)
    assert PHOTO in world.uploads.objects


def test_the_sweep_deletes_uploads_unused_for_a_day_and_keeps_the_rest(world):
    day_ago = T0 - uploads.UNUSED_UPLOAD_TTL - timedelta(minutes=1)
    unused_old = world.uploads.put(uploads.upload_path(USER, "old"), b"x", created=day_ago)
    unused_young = world.uploads.put(uploads.upload_path(USER, "young"), b"x", created=T0 - timedelta(hours=23))
    used_old = world.uploads.put(PHOTO, images.jpeg(1280, 720), created=day_ago)
    failed_old = world.uploads.put(uploads.upload_path(USER, "tiny"), images.png(100, 100), created=day_ago)
    create(world, "c1", image=PHOTO)
    create(world, "c2", image=failed_old)  # refused: image_too_small
    assert world.store.creations["c2"]["status"] == "failed"
    sweep_orphans.handle(world.services, T0)
    assert set(world.uploads.objects) == {unused_young, used_old}
    assert unused_old in world.uploads.deleted and failed_old in world.uploads.deleted


def test_the_upload_sweep_goes_on_from_its_cursor_across_runs(world, monkeypatch):
    monkeypatch.setattr(sweep_orphans, "UPLOADS_PAGE", 2)
    monkeypatch.setattr(sweep_orphans, "UPLOADS_PAGES_PER_RUN", 1)
    day_ago = T0 - timedelta(days=2)
    for n in range(5):
        world.uploads.put(uploads.upload_path(USER, f"u{n}"), b"x", created=day_ago)
    sweep_orphans.handle(world.services, T0)
    assert len(world.uploads.objects) == 3
    for _ in range(3):
        sweep_orphans.handle(world.services, T0)
    assert not world.uploads.objects
