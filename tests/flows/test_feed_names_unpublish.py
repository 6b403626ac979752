"""As the app (and an impersonator) does it: a display name instead of a uid in the feed, a
rename that reaches the user's feed entries, a name nobody else may take, and unpublish
(publish -> unpublish -> publish, which keeps the entry's first place)."""

from __future__ import annotations

import uuid

import requests

from devstack.stack import MEDIA_BUCKET, s3_client
from tests.flows.helpers import publish, run_scheduled, submit, unpublish, wait_status
from tests.support.firestore_rest import SERVER_TIME
from tests.support.waiting import wait_until

PUBLISH = {"status": "published", "publishedAt": SERVER_TIME}


def feed_entry(client, cid):
    try:
        return client.get(f"feed/{cid}")
    except requests.HTTPError as exc:
        if exc.response.status_code == 404:
            return None
        raise


def r2_keys(prefix: str) -> list[str]:
    listed = s3_client().list_objects_v2(Bucket=MEDIA_BUCKET, Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


def test_the_feed_shows_the_display_name_and_a_rename_reaches_every_entry(new_user, veo):
    user, client = new_user(tokens=200)
    viewer, viewer_client = new_user(tokens=0)
    tag = uuid.uuid4().hex[:8]
    # Names are held by one user at a time on a stack other runs share: this run's own
    client.set(f"profiles/{user.uid}", {"displayName": f"Ana María {tag}", "updatedAt": SERVER_TIME})
    ids = [submit(client, user.uid, f"{tag} a lighthouse {i}") for i in range(2)]
    for cid in ids:
        assert wait_status(client, cid)["status"] == "draft"
        publish(client, cid)
    entries = [wait_until(lambda cid=cid: feed_entry(viewer_client, cid), what="feed entry") for cid in ids]
    for cid in ids:
        wait_until(lambda cid=cid: feed_entry(viewer_client, cid)["displayName"] == f"Ana María {tag}", what="name")
    assert all("userId" not in e and user.uid not in map(str, e.values()) for e in entries)

    client.set(f"profiles/{user.uid}", {"displayName": f"Ana M {tag}", "updatedAt": SERVER_TIME})
    for cid in ids:
        wait_until(lambda cid=cid: feed_entry(viewer_client, cid)["displayName"] == f"Ana M {tag}", what="renamed")

    # Deleting the profile: the feed falls back to the documented name.
    client.delete(f"profiles/{user.uid}")
    wait_until(lambda: feed_entry(viewer_client, ids[0])["displayName"] == "Phoenix creator", what="fallback name")


def test_publish_unpublish_publish_leaves_the_draft_and_exactly_one_feed_entry(new_user, veo):
    user, client = new_user(tokens=100)
    cid = submit(client, user.uid, f"{uuid.uuid4().hex[:8]} a paper boat")
    draft = wait_status(client, cid)
    publish(client, cid)
    first = wait_until(lambda: feed_entry(client, cid), what="feed entry")
    assert requests.get(first["mediaUrl"], timeout=10).status_code == 200

    unpublish(client, cid)
    wait_until(lambda: feed_entry(client, cid) is None, what="feed entry removed")
    wait_until(lambda: not [k for k in r2_keys(f"published/{cid}/")], what="public copies removed")
    mine = client.get(f"creations/{cid}")
    assert mine["status"] == "draft" and "publishedAt" not in mine
    assert requests.get(draft["mediaUrl"], timeout=10).status_code == 200  # the draft stays

    # The reconciliation of sweeporphans leaves an unpublished creation alone.
    run_scheduled("sweeporphans")
    assert feed_entry(client, cid) is None and client.get(f"creations/{cid}")["status"] == "draft"

    publish(client, cid)
    again = wait_until(lambda: feed_entry(client, cid), what="feed entry again")
    assert again["mediaUrl"] == first["mediaUrl"]
    assert again["publishedAt"] == first["publishedAt"]  # republishing does not move it up the feed
    rows = client.query("feed", where=[("visible", "==", True)], order_by=[("publishedAt", "DESCENDING")], limit=50)
    assert [r for r, _ in rows].count(cid) == 1
    assert requests.get(again["mediaUrl"], timeout=10).status_code == 200
    run_scheduled("sweeporphans")
    assert feed_entry(client, cid) is not None
