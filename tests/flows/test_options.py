"""The options end to end, as the app: a request with non-default options goes through the rules,
is charged its combination's price, runs on the model of its quality with its resolution, sound,
seed and negative prompt, and becomes a draft whose stored video is what was paid for; a
failure refunds exactly what was charged; the feed shows quality, resolution and sound."""

from __future__ import annotations

import io
import uuid

import av
import requests

from domain.pricing import Options, price
from tests.flows.helpers import assert_ledger_ok, ledger_of, operations_for, publish, wait_status
from tests.support.firestore_rest import SERVER_TIME
from tests.support.waiting import wait_until


def request_doc(uid: str, prompt: str, **fields) -> dict:
    return {
        "userId": uid,
        "prompt": prompt,
        "aspectRatio": "16:9",
        "duration": 8,
        "status": "pending",
        "createdAt": SERVER_TIME,
        **fields,
    }


def stored_video(url: str) -> dict:
    media = requests.get(url, timeout=20)
    assert media.status_code == 200
    with av.open(io.BytesIO(media.content), format="mp4") as container:
        video = container.streams.video[0]
        return {
            "size": (video.width, video.height),
            "audio": [s.codec_context.name for s in container.streams.audio],
            "seconds": float(container.duration / av.time_base),
            "comment": container.metadata.get("comment", ""),
        }


def test_a_standard_1080p_silent_request_becomes_the_draft_it_paid_for(new_user, veo):
    cost = price(8, Options("standard", "1080p", False))
    user, client = new_user(tokens=cost + 5)
    tag = f"options-{uuid.uuid4().hex[:8]}"
    cid = f"c-{uuid.uuid4().hex}"
    client.create(
        f"creations/{cid}",
        request_doc(
            user.uid,
            f"{tag} a lighthouse in a storm",
            quality="standard",
            resolution="1080p",
            audio=False,
            negativePrompt="boats",
            seed=1234,
        ),
    )

    doc = wait_status(client, cid)
    assert doc["status"] == "draft", doc
    # What was chosen stays on the creation, and what was charged is the combination's price.
    assert (doc["quality"], doc["resolution"], doc["audio"], doc["negativePrompt"], doc["seed"]) == (
        "standard",
        "1080p",
        False,
        "boats",
        1234,
    )
    assert doc["tokenCost"] == cost
    assert client.get(f"users/{user.uid}")["tokens"] == 5
    assert ledger_of(client, user.uid)[f"debit_{cid}"]["amount"] == cost

    # Veo was asked for exactly that, on the standard model...
    (operation,) = operations_for(veo, tag)
    assert operation["model"] == "veo-3.1-generate-001"
    assert (operation["resolution"], operation["generateAudio"]) == ("1080p", False)
    assert (operation["seed"], operation["negativePrompt"]) == (1234, "boats")
    # ...and the stored video is it: 1080p, no sound track, 8 s, made by that model.
    video = stored_video(doc["mediaUrl"])
    assert video["size"] == (1920, 1080) and video["audio"] == []
    assert abs(video["seconds"] - 8) < 0.3
    assert "model=veo-3.1-generate-001" in video["comment"]
    assert_ledger_ok(user.uid)


def test_a_published_video_shows_its_quality_resolution_and_sound_in_the_feed(new_user, veo):
    user, client = new_user(tokens=100)
    cid = f"c-{uuid.uuid4().hex}"
    client.create(
        f"creations/{cid}", request_doc(user.uid, "a red fox in snow", duration=4, audio=False, quality="fast")
    )
    draft = wait_status(client, cid)
    assert draft["status"] == "draft"
    # The resolution the request left out is on the creation as it was priced
    assert (draft["quality"], draft["resolution"], draft["audio"], draft["tokenCost"]) == (
        "fast",
        "720p",
        False,
        price(4, Options("fast", "720p", False)),
    )
    publish(client, cid)

    def feed_entry():
        try:
            return client.get(f"feed/{cid}")
        except requests.HTTPError:
            return None

    entry = wait_until(feed_entry, what="the feed entry")
    assert (entry["quality"], entry["resolution"], entry["audio"]) == ("fast", "720p", False)
    assert "seed" not in entry and "negativePrompt" not in entry
