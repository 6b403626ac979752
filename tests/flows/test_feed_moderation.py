"""Reports and takedown, as the app, an attacker and an operator do them: distinct qualified
reporters hide an entry pending review; throw-away accounts and brigades cannot; `python -m ops
restore` shows it again and takes more reporters next time; `python -m ops takedown` makes the
video unreachable for everyone and keeps it from being published until restored."""

from __future__ import annotations

import os
import subprocess
import uuid

import requests

from devstack.stack import MEDIA_BUCKET, s3_client
from tests.flows.helpers import accountable_reporters, publish, run_scheduled, submit, wait_status
from tests.support.firestore_rest import SERVER_TIME, Denied, outcome
from tests.support.ops_cli import run_ops
from tests.support.waiting import wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PUBLISH = {"status": "published", "publishedAt": SERVER_TIME}
# The contract's "within a minute": what moderatemedia may take, a cold start on a busy machine included.
MEDIA_WITHIN = 60
VISIBLE_FEED = {"where": [("visible", "==", True)], "order_by": [("publishedAt", "DESCENDING")], "limit": 50}


def ops(*args: str) -> subprocess.CompletedProcess:
    return run_ops("--emulator", *args)


def feed_entry(client, cid):
    try:
        return client.get(f"feed/{cid}")
    except requests.HTTPError as exc:
        if exc.response.status_code == 404:
            return None
        raise


def published_video(new_user, veo, tag: str):
    user, client = new_user(tokens=100)
    cid = submit(client, user.uid, f"{uuid.uuid4().hex[:8]} {tag}")
    wait_status(client, cid)
    wait_until(lambda: client.get(f"creations/{cid}").get("posterUrl"), what="poster")
    publish(client, cid)
    wait_until(lambda: feed_entry(client, cid), what="feed entry")
    return user, client, cid


def report(client, uid, cid, reason="spam"):
    client.create(f"feed/{cid}/reports/{uid}", {"reason": reason, "createdAt": SERVER_TIME})


def review(admin_db, cid) -> dict:
    return admin_db.document(f"moderation/{cid}").get().to_dict() or {}


def served(url: str) -> int:
    return requests.get(url, timeout=10).status_code


def test_three_distinct_reporters_hide_an_entry_pending_review_and_restore_shows_it(new_user, veo, admin_db):
    owner, owner_client, cid = published_video(new_user, veo, "a quiet harbour")
    reporters = accountable_reporters(3, tokens=100)
    assert outcome(lambda: report(owner_client, owner.uid, cid)) == "denied"  # not one's own
    for user, client in reporters[:2]:
        report(client, user.uid, cid)
    viewer = reporters[0][1]
    wait_until(lambda: review(admin_db, cid).get("weight") == 2, what="2 counted")
    assert feed_entry(viewer, cid)["visible"] is True  # below the threshold: still shown

    user, client = reporters[2]
    report(client, user.uid, cid, reason="hate")
    wait_until(lambda: outcome(lambda: viewer.get(f"feed/{cid}")) == "denied", what="entry hidden")
    assert cid not in {c for c, _ in viewer.query("feed", **VISIBLE_FEED)}
    assert owner_client.get(f"creations/{cid}")["moderation"]["state"] == "under_review"
    assert owner_client.get(f"creations/{cid}")["status"] == "published"

    # A re-delivered report event counts nothing.
    from handlers import count_report
    from tests.flows.helpers import services

    assert count_report.handle(cid, user.uid, services(), threshold=3) is False
    assert review(admin_db, cid)["reports"] == 3

    queue = ops("review-queue")
    assert queue.returncode == 0 and cid in queue.stdout

    restored = ops("restore", cid, "--by", "reviewer")
    assert restored.returncode == 0, restored.stderr
    assert feed_entry(viewer, cid)["visible"] is True
    assert "moderation" not in owner_client.get(f"creations/{cid}")


def test_takedown_removes_the_entry_and_public_copies_tells_the_owner_and_blocks_publishing(new_user, veo):
    owner, client, cid = published_video(new_user, veo, "a neon street")
    entry = feed_entry(client, cid)
    done = ops("takedown", cid, "--reason", "Copyright claim #42", "--by", "moderator-1")
    assert done.returncode == 0, done.stderr

    assert feed_entry(client, cid) is None
    mine = client.get(f"creations/{cid}")
    assert mine["status"] == "draft" and "publishedAt" not in mine
    assert mine["moderation"]["state"] == "taken_down" and mine["moderation"]["reason"] == "Copyright claim #42"
    assert "by" not in mine["moderation"] and mine["moderation"]["at"]  # operators stay private
    assert "moderator-1" not in str(mine)
    listed = lambda: s3_client().list_objects_v2(Bucket=MEDIA_BUCKET, Prefix=f"published/{cid}/").get("Contents")  # noqa: E731
    wait_until(lambda: not listed(), what="public video and poster removed", timeout=MEDIA_WITHIN)
    # Nothing of it is served to anyone: not the public copies, not the draft's own URLs
    wait_until(lambda: served(mine["mediaUrl"]) == 404, what="the draft video unreachable", timeout=MEDIA_WITHIN)
    assert served(entry["mediaUrl"]) == 404 and served(entry["posterUrl"]) == 404
    assert served(mine["posterUrl"]) == 404

    try:
        publish(client, cid)
        raise AssertionError("a taken-down creation was published again")
    except Denied:
        pass

    restored = ops("restore", cid, "--by", "moderator-2")
    assert restored.returncode == 0 and "taken_down ended" in restored.stdout
    assert "moderation" not in client.get(f"creations/{cid}")
    wait_until(lambda: served(mine["mediaUrl"]) == 200, what="the draft back at its own URL", timeout=MEDIA_WITHIN)
    assert served(mine["posterUrl"]) == 200
    publish(client, cid)
    again = wait_until(lambda: feed_entry(client, cid), what="published again")
    assert again["visible"] is True and again["publishedAt"] == entry["publishedAt"]  # no bump


def test_feed_backfill_rewrites_entries_of_before_names_so_the_new_rules_show_them(new_user, veo, admin_db):
    owner, client, cid = published_video(new_user, veo, "an old-format entry")
    client.set(f"profiles/{owner.uid}", {"displayName": f"Old Timer {owner.uid[:6]}", "updatedAt": SERVER_TIME})
    wait_until(lambda: feed_entry(client, cid)["displayName"].startswith("Old Timer"), what="the name accepted")
    entry = feed_entry(client, cid)
    # As the server wrote it before names were in the feed: the uid, no name, no visible flag.
    old = {k: v for k, v in entry.items() if k not in ("displayName", "visible", "posterUrl")}
    admin_db.document(f"feed/{cid}").set({**old, "userId": owner.uid})
    assert outcome(lambda: client.get(f"feed/{cid}")) == "denied"  # the new rules hide it

    done = ops("feed-backfill")
    assert done.returncode == 0, done.stderr
    fixed = feed_entry(client, cid)
    assert fixed["visible"] is True and fixed["displayName"] == f"Old Timer {owner.uid[:6]}" and "userId" not in fixed
    assert fixed["mediaUrl"] == entry["mediaUrl"] and "posterUrl" not in fixed  # old entries had none


# ---- when a moderatemedia run dies (it is never retried) -----------------------------------------


def test_a_takedown_whose_media_move_died_on_r2_is_repaired_by_the_next_reconcile(new_user, veo, r2):
    owner, client, cid = published_video(new_user, veo, "a stolen skyline")
    mine = client.get(f"creations/{cid}")
    held = lambda: sorted(  # noqa: E731
        o["Key"].rsplit(".", 1)[1]
        for o in s3_client().list_objects_v2(Bucket=MEDIA_BUCKET, Prefix=f"held/{cid}/").get("Contents", [])
    )
    # Every copy to the held keys fails: moderatemedia spends its tries and is not retried.
    r2.faults([{"method": "PUT", "pathContains": f"held/{cid}", "kind": "internal", "times": 1000}])
    done = ops("takedown", cid, "--reason", "Copyright claim #7", "--by", "moderator-1")
    assert done.returncode == 0, done.stderr
    attempts = _env_local("RETRY_ATTEMPTS")
    wait_until(lambda: r2.stats()["faultsInjected"] >= attempts, timeout=MEDIA_WITHIN, what="every try to fail")
    r2.reset()
    # The run raised on its last try (the poster goes first): nothing was held, the video is served.
    assert held() == [] and served(mine["mediaUrl"]) == 200

    run_scheduled("sweeporphans")
    assert held() == ["jpg", "mp4"]
    assert served(mine["mediaUrl"]) == 404 and served(mine["posterUrl"]) == 404
    run_scheduled("sweeporphans")  # a second run changes nothing
    assert held() == ["jpg", "mp4"] and served(mine["mediaUrl"]) == 404


def _env_local(name: str) -> int:
    """A param as the emulator's functions read it."""
    with open(os.path.join(ROOT, "functions", ".env.local")) as env:
        return int(dict(line.strip().split("=", 1) for line in env if "=" in line and not line.startswith("#"))[name])
