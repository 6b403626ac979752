"""Finish on the event (finishgeneration): the Veo stand-in writes each finished video to the
temp bucket in the Storage emulator at its time, as Vertex does, and the object's finalize
event reaches the function: end to end, as the app sees it."""

from __future__ import annotations

import json
import re
import uuid

from google.auth.credentials import AnonymousCredentials
from google.cloud import storage

from devstack import stack as devstack
from tests.flows.test_pipeline import ledger, request_doc, watch_statuses
from tests.support.waiting import wait_until


def finalize_events(creation_id: str) -> list[dict]:
    """The `veo output finalized` log events of one creation (the emulator's log)."""
    found = []
    for line in devstack.log_path("emulators").read_text(errors="replace").splitlines():
        if "veo output finalized" not in line or creation_id not in line:
            continue
        match = re.search(r"\{.*\}", line)
        if match:
            found.append(json.loads(match.group(0)))
    return found


def test_veo_s_output_object_fires_finishgeneration_and_the_video_is_delivered_once(new_user, veo):
    user, client = new_user(tokens=100)
    cid = f"c-{uuid.uuid4().hex}"
    client.create(f"creations/{cid}", request_doc(user.uid))
    seen, doc = watch_statuses(client, cid)
    assert seen[-1] == "draft", doc
    # The object's event reached finishgeneration: it made the draft, or found the draft a
    # poll made a moment before (the test settings poll fast)
    events = wait_until(lambda: finalize_events(cid), what="finishgeneration's log event")
    assert {e["outcome"] for e in events} <= {"draft", "not_processing", "ended_meanwhile"}, events
    assert events[0]["object"].startswith(f"creations/{cid}/")
    # and whoever finished it, the money moved once
    entries = ledger(client, user.uid)
    assert [e["type"] for e in entries.values()].count("debit") == 1
    assert not [e for e in entries.values() if e["type"] == "refund"]
    assert client.get(f"users/{user.uid}")["tokens"] == 100 - doc["tokenCost"]


def test_an_object_of_no_processing_creation_is_looked_at_and_left_alone():
    cid = f"stray-{uuid.uuid4().hex}"
    gcs = storage.Client(
        project=devstack.PROJECT_ID,
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": devstack.STORAGE_ENDPOINT},
    )
    gcs.bucket(devstack.TEMP_BUCKET).blob(f"creations/{cid}/1/sample_0.mp4").upload_from_string(
        b"not a video", content_type="video/mp4"
    )
    events = wait_until(lambda: finalize_events(cid), what="finishgeneration's log event")
    assert [e["outcome"] for e in events] == ["not_processing"]
