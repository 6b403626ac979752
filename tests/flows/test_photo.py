"""Start from a photo on the emulator stack, as the app does it: the photo goes up
with the Firebase Storage API under storage.rules, the request names it, and the draft's first
frame is that photo, charged the table's price. Every refusal is a clear error with no token
lost; Veo's filter refusing a photo is refunded; photos leave with their creation, or after a
day unused."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import UTC, datetime, timedelta

import av
import requests

from domain import pricing, uploads
from tests.flows.helpers import assert_ledger_ok, balance, ledger_of, new_id, request_doc, services, wait_status
from tests.support import images
from tests.support.storage_rest import StorageClient, admin_bucket
from tests.support.waiting import wait_until

PRICE = pricing.price(4)


def upload(user, data: bytes, content_type: str = "image/jpeg") -> str:
    path = uploads.upload_path(user.uid, uuid.uuid4().hex)
    status = StorageClient(user.id_token).upload(path, data, content_type)
    assert status == 200, f"upload refused: HTTP {status}"
    return path


def request_from(client, user, prompt: str, aspect: str = "16:9", **photos) -> str:
    cid = new_id()
    client.create(f"creations/{cid}", {**request_doc(user.uid, prompt, aspect=aspect), **photos})
    return cid


def first_frame(video: bytes):
    with av.open(io.BytesIO(video), format="mp4") as container:
        return next(container.decode(container.streams.video[0]))


def test_a_video_from_an_uploaded_jpeg_starts_on_that_photo_at_the_tables_price(new_user, veo):
    user, client = new_user(100)
    original = images.with_exif(images.jpeg(1280, 720))
    path = upload(user, original)
    cid = request_from(client, user, f"the boat sails off {uuid.uuid4().hex[:6]}", image=path)

    creation = wait_status(client, cid, timeout=120)
    assert creation["status"] == "draft", creation.get("error")
    assert creation["tokenCost"] == PRICE and balance(client, user.uid) == 100 - PRICE
    assert ledger_of(client, user.uid)[f"debit_{cid}"]["amount"] == PRICE
    left, right = images.pixel_pair(first_frame(requests.get(creation["mediaUrl"], timeout=30).content))
    assert images.close(left, images.RED) and images.close(right, images.BLUE)
    # Veo was sent a re-encoded copy, not the uploaded file (which carries EXIF and GPS).
    (operation,) = [op for op in veo.stats()["operations"].values() if op["prompt"] == creation["prompt"]]
    assert operation["image"]["mimeType"] == "image/jpeg"
    assert operation["image"]["sha256"] != hashlib.sha256(original).hexdigest()
    assert_ledger_ok(user.uid)


def test_a_photo_never_uploaded_fails_the_request_with_its_code_and_no_token_moves(new_user):
    # The Storage adapter's not-found answer; every other refusal (not an image, too small, the
    # wrong orientation) is decided on the bytes: tests/handlers/test_image_inputs.py with the
    # codec's own tests (tests/adapters/test_image_codec.py).
    user, client = new_user(100)
    cid = request_from(client, user, "from a photo", image=uploads.upload_path(user.uid, "never-uploaded"))
    creation = wait_status(client, cid)
    assert creation["status"] == "failed" and creation["error"]["code"] == "image_not_found"
    assert creation["refunded"] is False and "tokenCost" not in creation
    assert balance(client, user.uid) == 100 and f"debit_{cid}" not in ledger_of(client, user.uid)


def test_deleting_a_draft_deletes_its_photos(new_user):
    user, client = new_user(100)
    first, last = upload(user, images.jpeg(1280, 720)), upload(user, images.jpeg(1280, 720))
    cid = request_from(client, user, "a transition", image=first, lastFrame=last)
    assert wait_status(client, cid, timeout=120)["status"] == "draft"
    assert all(admin_bucket().blob(p).exists() for p in (first, last))

    # The feed never carries the source photo: tests/domain/test_uploads.py (a feed entry is
    # built from a fixed list of fields, whichever way publishing is requested).
    client.delete(f"creations/{cid}")
    wait_until(
        lambda: not any(admin_bucket().blob(p).exists() for p in (first, last)),
        timeout=60,
        what="the deleted draft's photos to be removed",
    )


def test_the_sweep_deletes_a_photo_no_creation_used_within_a_day(new_user):
    user, client = new_user(100)
    unused = upload(user, images.jpeg(1280, 720))
    used = upload(user, images.jpeg(1280, 720))
    cid = request_from(client, user, "kept while its draft exists", image=used)
    assert wait_status(client, cid, timeout=120)["status"] == "draft"

    from handlers import sweep_orphans

    # A day and a minute from now: both photos are old enough; only the unused one goes.
    later = datetime.now(UTC) + uploads.UNUSED_UPLOAD_TTL + timedelta(minutes=1)
    for _ in range(50):  # the whole bucket, however many photos other tests left
        sweep_orphans.sweep_uploads(services(), later)
        if not admin_bucket().blob(unused).exists():
            break
    assert not admin_bucket().blob(unused).exists()
    assert admin_bucket().blob(used).exists()
