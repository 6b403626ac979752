"""The request-to-draft pipeline, driven as the mobile app drives it: through the rules."""

from __future__ import annotations

import io
import uuid

import av
import requests

from devstack.stack import TEMP_BUCKET
from tests.flows.helpers import cost
from tests.support.firestore_rest import SERVER_TIME
from tests.support.waiting import PATIENCE_S, wait_until


def request_doc(
    uid: str, prompt: str = "a red fox running through snow", duration: int = 4, aspect: str = "16:9"
) -> dict:
    return {
        "userId": uid,
        "prompt": prompt,
        "aspectRatio": aspect,
        "duration": duration,
        "status": "pending",
        "createdAt": SERVER_TIME,
    }


def watch_statuses(client, cid: str, timeout: float = PATIENCE_S) -> tuple[list[str], dict]:
    seen: list[str] = []

    def finished():
        doc = client.get(f"creations/{cid}")
        if not seen or seen[-1] != doc["status"]:
            seen.append(doc["status"])
        return doc if doc["status"] in ("draft", "failed") else None

    return seen, wait_until(finished, timeout=timeout, interval=0.05, what=f"creation {cid} to finish")


def ledger(client, uid: str) -> dict[str, dict]:
    return dict(client.list_all("transactions", parent=f"users/{uid}"))


def test_client_request_becomes_playable_draft_charging_exactly_its_price(new_user, veo):
    user, client = new_user(tokens=100 + cost(6))
    cid = f"c-{uuid.uuid4().hex}"
    # Long enough in flight that the watch below, sampling the document, sees it processing.
    veo.config(delaySeconds=3)

    client.create(f"creations/{cid}", request_doc(user.uid, duration=6, aspect="9:16"))
    seen, doc = watch_statuses(client, cid)

    assert seen[-1] == "draft", doc
    assert [s for s in ["pending", "processing", "draft"] if s in seen] == seen
    assert "processing" in seen
    assert doc["tokenCost"] == cost(6)
    assert doc["progress"] == 100 and doc["refunded"] is False
    assert doc["startedAt"] <= doc["completedAt"]
    assert client.get(f"users/{user.uid}")["tokens"] == 100
    entries = ledger(client, user.uid)
    debits = {k: v for k, v in entries.items() if v["type"] == "debit"}
    assert list(debits) == [f"debit_{cid}"]
    assert debits[f"debit_{cid}"]["amount"] == cost(6)
    assert debits[f"debit_{cid}"]["balanceAfter"] == 100
    assert debits[f"debit_{cid}"]["creationId"] == cid

    media = requests.get(doc["mediaUrl"], timeout=10)
    assert media.status_code == 200
    assert media.headers["Content-Type"] == "video/mp4"
    with av.open(io.BytesIO(media.content), format="mp4") as container:
        stream = container.streams.video[0]
        assert stream.height > stream.width  # 9:16
        assert abs(float(container.duration / av.time_base) - 6) < 0.3


def test_veo_temp_output_is_removed_once_the_draft_exists(new_user, veo):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    from devstack.stack import STORAGE_ENDPOINT

    user, client = new_user(tokens=100)
    cid = f"c-{uuid.uuid4().hex}"
    client.create(f"creations/{cid}", request_doc(user.uid))
    _, doc = watch_statuses(client, cid)
    assert doc["status"] == "draft"
    gcs = storage.Client(
        project="local", credentials=AnonymousCredentials(), client_options={"api_endpoint": STORAGE_ENDPOINT}
    )
    # Veo really wrote there (the stand-in records where), and nothing is left behind.
    assert any(TEMP_BUCKET in str(op) for op in veo.stats()["operations"].values())
    # Finalize removes the temp output right after it commits the draft.
    wait_until(
        lambda: list(gcs.list_blobs(TEMP_BUCKET, prefix=f"creations/{cid}/")) == [],
        what=f"temp output of {cid} to be removed",
    )
