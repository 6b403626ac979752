"""clients/web in a real browser choosing Veo's options: tests/e2e/options.mjs
drives Debian's Chromium through the form; this test plays the operator (grants a default 8 s video's price)
and then checks the books and the stored video behind what the page showed."""

from __future__ import annotations

import io

import av
import pytest
import requests

from domain.pricing import Options, price
from tests.e2e.driver import run_scenario

SILENCE_S = 240


def test_choosing_options_in_the_web_client_prices_and_makes_that_video(
    stack, chromium, playwright_core, web_app, artifacts
):
    from adapters.firebase_app import firestore_client
    from ops import ledger_check

    env = {"APP_URL": web_app, "ARTIFACTS": str(artifacts), "CHROMIUM": str(chromium)}
    run = run_scenario(
        "options.mjs",
        env,
        tokens=price(8),  # a default 8 s video: enough for fast, not for standard (options.mjs)
        grant_reason="e2e options",
        silence_s=SILENCE_S,
        log_file=artifacts / "options-scenario.log",
    )
    if not run.ok:
        pytest.fail(
            f"options scenario failed at step {run.last_step!r}: {run.outcome or 'no verdict'}"
            f" (exit {run.returncode})\n--- transcript ---\n{run.log[-4000:]}"
            f"\n--- server log ---\n{run.server_story()}",
            pytrace=False,
        )

    # What the page showed is what the books and the stored video say.
    uid, (cid,) = run.uid, run.ids
    assert uid
    creation = firestore_client().collection("creations").document(cid).get().to_dict()
    assert (creation["quality"], creation["resolution"], creation["audio"]) == ("fast", "1080p", False)
    chosen = price(8, Options("fast", "1080p", False))
    assert (creation["negativePrompt"], creation["seed"], creation["tokenCost"]) == ("people, text", 2026, chosen)
    debit = firestore_client().document(f"users/{uid}/transactions/debit_{cid}").get().to_dict()
    assert debit["amount"] == chosen
    video = requests.get(creation["mediaUrl"], timeout=20).content
    with av.open(io.BytesIO(video), format="mp4") as container:
        assert (container.streams.video[0].width, container.streams.video[0].height) == (1920, 1080)
        assert not container.streams.audio
    report = ledger_check.run([uid])
    assert report.ok, report.problems
