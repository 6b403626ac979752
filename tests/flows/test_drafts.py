"""Drafts list, delete with storage clean-up, publish to the feed — as the app does them."""

from __future__ import annotations

import io
import uuid

import av
import pytest
import requests

from devstack.stack import MEDIA_BUCKET, s3_client
from tests.flows.helpers import publish, run_scheduled, submit, wait_status
from tests.support.firestore_rest import Denied
from tests.support.waiting import wait_until


def r2_keys(prefix: str) -> list[str]:
    listed = s3_client().list_objects_v2(Bucket=MEDIA_BUCKET, Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


def drafts_page(client, uid, limit, after=None):
    return client.query(
        "creations",
        where=[("userId", "==", uid)],
        order_by=[("createdAt", "DESCENDING")],
        limit=limit,
        start_after=[after] if after else None,
    )


def test_drafts_list_delete_and_publish_keep_storage_and_feed_in_step(new_user, veo):
    user, client = new_user(tokens=200)
    tag = uuid.uuid4().hex[:10]
    veo.faults([{"on": "start", "kind": "hang", "match": f"{tag} pending"}])
    ok = submit(client, user.uid, f"{tag} a kite over the dunes")
    filtered = submit(client, user.uid, f"{tag} a gore scene")
    pending = submit(client, user.uid, f"{tag} pending forever")
    draft = wait_status(client, ok)
    assert draft["status"] == "draft"
    assert wait_status(client, filtered)["status"] == "failed"
    wait_status(client, pending, statuses=("processing",))

    # Newest first, two per page, with a cursor: every status is visible with its fields.
    first = drafts_page(client, user.uid, 2)
    second = drafts_page(client, user.uid, 2, after=first[-1][1]["createdAt"])
    listed = dict(first + second)
    assert [cid for cid, _ in first + second] == [pending, filtered, ok]
    assert listed[pending]["status"] == "processing" and "progress" in listed[pending]
    assert listed[filtered]["error"]["code"] == "content_policy" and listed[filtered]["refunded"] is True
    assert listed[ok]["mediaUrl"].startswith("http")

    client.delete(f"creations/{filtered}")
    with pytest.raises(Denied):
        client.delete(f"creations/{pending}")  # tokens are in flight

    # The draft's private URL cannot be derived from its id.
    assert ok not in draft["mediaUrl"].rsplit("/", 1)[1]
    wait_until(lambda: client.get(f"creations/{ok}").get("posterUrl"), what="the draft's poster")
    publish(client, ok)
    entry = wait_until(lambda: _feed_entry(client, ok), what="feed entry")
    # No uid in the feed: the owner's display name, or the fallback without a profile;
    # what the video is, defaults filled in.
    assert set(entry) == {"prompt", "aspectRatio", "duration", "publishedAt", "mediaUrl", "displayName", "visible"} | {
        "quality",
        "resolution",
        "audio",
    } | ({"posterUrl"} if "posterUrl" in entry else set())
    assert entry["displayName"] == "Phoenix creator" and entry["duration"] == 4
    video = requests.get(entry["mediaUrl"], timeout=10)
    assert video.status_code == 200
    with av.open(io.BytesIO(video.content), format="mp4") as container:
        assert container.streams.video
    other_user, other_client = new_user(tokens=0)
    assert _feed_entry(other_client, ok) == entry  # the feed is for every signed-in user

    owned = r2_keys(f"drafts/{user.uid}/{ok}/") + r2_keys(f"published/{ok}")
    assert sorted(k.rsplit(".", 1)[1] for k in owned) == ["jpg", "jpg", "mp4", "mp4"]  # videos and posters
    client.delete(f"creations/{ok}")
    wait_until(lambda: _feed_entry(client, ok) is None, what="feed entry removed")
    wait_until(
        lambda: not (r2_keys(f"drafts/{user.uid}/{ok}/") + r2_keys(f"published/{ok}")), what="R2 objects removed"
    )

    from adapters import store
    from domain.errors import ErrorCode, failure

    store.fail_and_refund(pending, failure(ErrorCode.TIMEOUT))


def _feed_entry(client, cid):
    try:
        return client.get(f"feed/{cid}")
    except requests.HTTPError as exc:
        if exc.response.status_code == 404:
            return None
        raise


def test_media_sweep_removes_orphan_objects_and_keeps_live_ones(new_user, veo):
    from adapters import upload_intents
    from adapters.firebase_app import firestore_client as OWNER_DB
    from domain import media

    user, client = new_user(tokens=100)
    cid = submit(client, user.uid, f"{uuid.uuid4().hex[:8]} keep me")
    live_key = (
        [k for k in r2_keys(f"drafts/{user.uid}/{cid}/") if k.endswith(".mp4")] if wait_status(client, cid) else []
    )
    orphan_draft = f"drafts/{user.uid}/c-gone-{uuid.uuid4().hex}/secret.mp4"
    orphan_public = f"published/c-gone-{uuid.uuid4().hex}.mp4"
    stale_public = f"published/{cid}.mp4"  # the creation exists but was never published
    unmanaged = f"other/{uuid.uuid4().hex}.txt"
    for key in (orphan_draft, orphan_public, stale_public, unmanaged):
        s3_client().put_object(Bucket=MEDIA_BUCKET, Key=key, Body=b"x")
    intents = OWNER_DB().collection("uploads")
    assert not intents.document(upload_intents.intent_id(live_key[0])).get().exists  # the draft cleared it
    # Uploads that died before their Firestore write left their intents behind (the sweep
    # never lists the bucket); the live draft's intent is left too, as if its removal failed.
    for key in (orphan_draft, orphan_public, stale_public, *live_key):
        upload_intents.record(key, media.creation_id_of(key))

    run_scheduled("sweeporphans")

    assert len(live_key) == 1 and r2_keys(live_key[0]) == live_key
    assert r2_keys(orphan_draft) == [] and r2_keys(orphan_public) == [] and r2_keys(stale_public) == []
    assert r2_keys(unmanaged) == [unmanaged]  # not ours to judge
    leftover = [
        k
        for k in (orphan_draft, orphan_public, stale_public, *live_key)
        if intents.document(upload_intents.intent_id(k)).get().exists
    ]
    assert leftover == []  # each intent is judged once
