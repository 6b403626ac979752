"""Posters, as the app sees them: every draft gets a JPEG frame beside its video,
private like the draft; publishing makes a public copy in the feed entry; unpublish and delete
remove them."""

from __future__ import annotations

import io
import uuid

import av
import requests

from devstack.stack import MEDIA_BUCKET, s3_client
from tests.flows.helpers import publish, submit, unpublish, wait_status
from tests.support.waiting import wait_until


def r2_keys(prefix: str) -> list[str]:
    listed = s3_client().list_objects_v2(Bucket=MEDIA_BUCKET, Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


def feed_entry(client, cid):
    try:
        return client.get(f"feed/{cid}")
    except requests.HTTPError as exc:
        if exc.response.status_code == 404:
            return None
        raise


def jpeg_size(url: str, cache: str) -> tuple[int, int]:
    resp = requests.get(url, timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "image/jpeg" and resp.headers["Cache-Control"].startswith(cache)
    with av.open(io.BytesIO(resp.content)) as container:
        frame = next(container.decode(video=0))
        return frame.width, frame.height


def test_a_draft_gets_a_poster_that_follows_it_to_the_feed_and_away(new_user, veo):
    user, client = new_user(tokens=100)
    cid = submit(client, user.uid, f"{uuid.uuid4().hex[:8]} a hot air balloon")
    assert wait_status(client, cid)["status"] == "draft"
    draft = wait_until(lambda: (d := client.get(f"creations/{cid}")).get("posterUrl") and d, what="posterUrl")
    assert jpeg_size(draft["posterUrl"], "private") == (480, 270)  # 16:9 at 480 px wide
    assert draft["posterUrl"].rsplit(".", 1)[0] == draft["mediaUrl"].rsplit(".", 1)[0]  # beside its video

    publish(client, cid)
    entry = wait_until(lambda: feed_entry(client, cid), what="feed entry")
    assert entry["posterUrl"] != draft["posterUrl"] and f"/published/{cid}/" in entry["posterUrl"]
    assert jpeg_size(entry["posterUrl"], "public") == (480, 270)

    unpublish(client, cid)
    wait_until(lambda: not r2_keys(f"published/{cid}/"), what="public video and poster removed")
    assert requests.get(draft["posterUrl"], timeout=10).status_code == 200  # the draft keeps its poster

    client.delete(f"creations/{cid}")
    wait_until(lambda: not r2_keys(f"drafts/{user.uid}/{cid}/"), what="draft video and poster removed")
