"""clients/web in a real browser choosing Veo's options (issue #15): tests/e2e/options.mjs
drives Debian's Chromium through the form; this test plays the operator (grants 100 tokens)
and then checks the books and the stored video behind what the page showed."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import threading

import av
import pytest
import requests

from tests.e2e.conftest import E2E

TIMEOUT_S = 240


def test_choosing_options_in_the_web_client_prices_and_makes_that_video(
    stack, chromium, playwright_core, web_app, artifacts
):
    from adapters import store
    from adapters.firebase_app import firestore_client
    from ops import ledger_check

    node = shutil.which("node")
    assert node, "node is required"
    env = {**os.environ, "APP_URL": web_app, "ARTIFACTS": str(artifacts), "CHROMIUM": str(chromium)}
    proc = subprocess.Popen(
        [node, str(E2E / "options.mjs")],
        cwd=E2E,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    transcript, uid, cid, outcome = [], None, None, None
    watchdog = threading.Timer(TIMEOUT_S, proc.kill)  # a hung browser ends the read loop
    watchdog.start()
    try:
        for line in proc.stdout:
            line = line.rstrip("\n")
            transcript.append(line)
            if line.startswith("@@uid "):
                uid = line.split(" ", 1)[1].strip()
                store.grant(uid, 100, "e2e options", grant_id="grant_initial")
                proc.stdin.write("granted\n")
                proc.stdin.flush()
            elif line.startswith("@@id "):
                cid = line.split(" ", 1)[1].strip()
            elif line.startswith("@@fail "):
                outcome = line[len("@@fail ") :]
            elif line == "@@ok":
                outcome = "ok"
        proc.wait(timeout=TIMEOUT_S)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = "\n".join(transcript)
    (artifacts / "options-scenario.log").write_text(log + "\n")
    if outcome != "ok":
        pytest.fail(
            f"options scenario failed: {outcome or 'no verdict'}\n--- transcript ---\n{log[-4000:]}", pytrace=False
        )

    # What the page showed is what the books and the stored video say.
    assert uid and cid
    creation = firestore_client().collection("creations").document(cid).get().to_dict()
    assert (creation["quality"], creation["resolution"], creation["audio"]) == ("fast", "1080p", False)
    assert (creation["negativePrompt"], creation["seed"], creation["tokenCost"]) == ("people, text", 2026, 72)
    debit = firestore_client().document(f"users/{uid}/transactions/debit_{cid}").get().to_dict()
    assert debit["amount"] == 72
    video = requests.get(creation["mediaUrl"], timeout=20).content
    with av.open(io.BytesIO(video), format="mp4") as container:
        assert (container.streams.video[0].width, container.streams.video[0].height) == (1920, 1080)
        assert not container.streams.audio
    report = ledger_check.run([uid])
    assert report.ok, report.problems
