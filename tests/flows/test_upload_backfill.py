"""Objects uploaded before upload intents existed: the media sweep never lists the
bucket, so it cannot see them until `python -m ops backfill-upload-intents` notes an intent
for each; then the sweep removes the orphans among them and keeps what a creation uses."""

from __future__ import annotations

import subprocess
import uuid

from devstack.stack import MEDIA_BUCKET, s3_client
from tests.flows.helpers import run_scheduled, submit, wait_status
from tests.support.ops_cli import run_ops
from tests.support.waiting import wait_until


def r2_keys(prefix: str) -> list[str]:
    listed = s3_client().list_objects_v2(Bucket=MEDIA_BUCKET, Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


def test_old_objects_are_invisible_to_the_sweep_until_backfilled_then_orphans_go_and_live_ones_stay(new_user, veo):
    from adapters import upload_intents
    from adapters.firebase_app import firestore_client

    user, client = new_user(tokens=100)
    cid = submit(client, user.uid, f"{uuid.uuid4().hex[:8]} an old harbour")
    assert wait_status(client, cid)["status"] == "draft"
    # The draft's poster is the other object it owns: wait for it, so the counts
    # below do not depend on whether it landed yet
    wait_until(lambda: client.get(f"creations/{cid}").get("posterUrl"), what="the draft's poster")
    live_key, poster_key = sorted(r2_keys(f"drafts/{user.uid}/{cid}/"), key=lambda k: not k.endswith(".mp4"))
    # Given an orphan left by a release before upload intents: an object and no intent
    orphan = f"drafts/{user.uid}/c-gone-{uuid.uuid4().hex}/secret.mp4"
    unmanaged = f"drafts/{user.uid}/notes.txt"  # names no creation: not ours to judge
    for key in (orphan, unmanaged):
        s3_client().put_object(Bucket=MEDIA_BUCKET, Key=key, Body=b"old")
    run_scheduled("sweeporphans")
    assert r2_keys(orphan) == [orphan]  # the sweep cannot see it

    # When the operator backfills this user's drafts (a dry run first writes nothing)
    def backfill(*extra: str) -> subprocess.CompletedProcess:
        return run_ops("--emulator", "backfill-upload-intents", "--prefix", f"drafts/{user.uid}/", *extra)

    dry = backfill("--dry-run")
    assert dry.returncode == 0 and "would note 3 upload intents" in dry.stdout, dry.stderr
    intents = firestore_client().collection("uploads")
    assert not intents.document(upload_intents.intent_id(orphan)).get().exists
    done = backfill()
    assert done.returncode == 0 and "noted 3 upload intents" in done.stdout, done.stderr
    assert f"skipped (names no creation): {unmanaged}" in done.stdout

    # Then the next sweep removes the orphan, keeps the draft's video and the unmanaged object
    run_scheduled("sweeporphans")
    assert r2_keys(orphan) == [] and r2_keys(live_key) == [live_key] and r2_keys(unmanaged) == [unmanaged]
    assert r2_keys(poster_key) == [poster_key]
    assert not [k for k in (orphan, live_key, poster_key) if intents.document(upload_intents.intent_id(k)).get().exists]
