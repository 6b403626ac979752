"""clients/web in a real browser starting a video from a photo: tests/e2e/photo.mjs
drives Debian's Chromium through the form (photo chosen, previewed, uploaded with a progress
bar); this test plays the operator (grants 100 tokens), then checks that the draft's first frame
is the photo and that the books say the table's price."""

from __future__ import annotations

import io

import av
import pytest
import requests

from domain import pricing
from tests.e2e.driver import run_scenario
from tests.support import images

SILENCE_S = 240


def test_starting_from_a_photo_in_the_web_client_makes_a_draft_that_starts_on_it(
    stack, chromium, playwright_core, web_app, artifacts
):
    from adapters.firebase_app import firestore_client
    from ops import ledger_check

    landscape, portrait = artifacts / "landscape.jpg", artifacts / "portrait.jpg"
    landscape.write_bytes(images.with_exif(images.jpeg(1280, 720)))
    portrait.write_bytes(images.jpeg(720, 1280))
    env = {
        "APP_URL": web_app,
        "ARTIFACTS": str(artifacts),
        "CHROMIUM": str(chromium),
        "PHOTO_LANDSCAPE": str(landscape),
        "PHOTO_PORTRAIT": str(portrait),
        "PHOTO_PRICE": str(pricing.price(4)),
    }
    run = run_scenario(
        "photo.mjs", env, tokens=100, grant_reason="e2e photo", silence_s=SILENCE_S, log_file=artifacts / "photo.log"
    )
    if not run.ok:
        pytest.fail(
            f"photo scenario failed at step {run.last_step!r}: {run.outcome or 'no verdict'}"
            f" (exit {run.returncode})\n--- transcript ---\n{run.log[-4000:]}"
            f"\n--- server log ---\n{run.server_story()}",
            pytrace=False,
        )

    uid, (cid,) = run.uid, run.ids
    creation = firestore_client().collection("creations").document(cid).get().to_dict()
    assert creation["image"].startswith(f"uploads/{uid}/") and creation["tokenCost"] == pricing.price(4)
    video = requests.get(creation["mediaUrl"], timeout=20).content
    with av.open(io.BytesIO(video), format="mp4") as container:
        frame = next(container.decode(container.streams.video[0]))
    left, right = images.pixel_pair(frame)
    assert images.close(left, images.RED) and images.close(right, images.BLUE)
    report = ledger_check.run([uid])
    assert report.ok, report.problems
