"""The function manifest the SDK hands to `firebase deploy`, checked so a wrong deploy
config fails in CI rather than in production. Runs without the emulators (it lives outside
tests/ops, whose fixtures start the stack)."""

from __future__ import annotations

import copy
import functools
import os
import subprocess
import sys

import yaml

from devstack import registry
from domain.shards import finalize_queues

FUNCTIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "functions")
SECRETS = {"R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY"}
FIRESTORE = "google.cloud.firestore.document.v1"
STORAGE_FINALIZED = "google.cloud.storage.object.v1.finalized"

EXPECTED = {
    # name: (trigger kind, event type or schedule, timeout, needs R2 secrets)
    "startgeneration": ("event", f"{FIRESTORE}.created", 120, True),
    "publishcreation": ("event", f"{FIRESTORE}.written", 120, True),
    "moderatemedia": ("event", f"{FIRESTORE}.written", 120, True),
    "cleanupcreation": ("event", f"{FIRESTORE}.deleted", 120, True),
    "startveo": ("task", None, 120, False),
    # the poll shards, each its own queue (shard 0 keeps the single queue's old name)
    **{queue: ("task", None, 600, True) for queue in finalize_queues()},
    # Veo's output object finalized in the temp bucket finishes the generation
    "finishgeneration": ("storage", STORAGE_FINALIZED, 540, True),
    "sweeporphans": ("schedule", "every 5 minutes", 300, True),
    "checkalerts": ("schedule", "every 5 minutes", 120, False),
    # Firestore only, no R2 secret
    "renameprofile": ("event", f"{FIRESTORE}.written", 300, False),
    "countreport": ("event", f"{FIRESTORE}.created", 60, False),
    # push notifications: the outbox the finishing transaction writes; Firestore and FCM only
    "sendnotification": ("event", f"{FIRESTORE}.created", 300, False),
}
DOCUMENTS = {
    "publishcreation": "publications/{creationId}",
    "moderatemedia": "moderation/{creationId}",
    "renameprofile": "profiles/{userId}",
    "countreport": "feed/{creationId}/reports/{reporterId}",
    "sendnotification": "notifications/{outboxId}",
}


def manifest(**env: str) -> dict:
    """The manifest a deploy would see with these variables set. A fresh interpreter takes
    seconds to import the functions, so each environment is asked once per session (the key
    is the whole environment, so a variable changed meanwhile asks again; pytest's own
    PYTEST_CURRENT_TEST, which names each test, is left out or no test would share an answer)."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("R2_", "PYTEST_CURRENT_TEST"))},
        **env,
    }
    return copy.deepcopy(_manifest(tuple(sorted(environment.items()))))


@functools.cache
def _manifest(environment: tuple[tuple[str, str], ...]) -> dict:
    # The same code path firebase-tools uses (it serves this YAML at /__/functions.yaml),
    # in a fresh interpreter so this test sees exactly what a deploy would.
    code = "from firebase_functions.private import serving;print(serving.functions_as_yaml(serving.get_functions()))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=FUNCTIONS_DIR,
        capture_output=True,
        text=True,
        check=True,
        env=dict(environment),
    )
    return yaml.safe_load(out.stdout)


def test_every_function_is_declared_as_intended():
    spec = manifest()
    endpoints = spec["endpoints"]
    assert set(endpoints) == set(EXPECTED) == set(registry.function_names())
    for name, (kind, what, timeout, needs_r2) in EXPECTED.items():
        ep = endpoints[name]
        assert ep["region"] == ["us-central1"], name
        assert ep["labels"] == {"app": "phoenix", "service": name, "phase": "3"}, name
        assert ep["timeoutSeconds"] == timeout, name
        assert ep["maxInstances"], name
        secrets = {s["key"] for s in ep.get("secretEnvironmentVariables") or []}
        assert secrets == (SECRETS if needs_r2 else set()), name
        if kind == "event":
            trigger = ep["eventTrigger"]
            assert trigger["eventType"] == what
            assert trigger["eventFilterPathPatterns"] == {"document": DOCUMENTS.get(name, "creations/{creationId}")}
            assert trigger["eventFilters"] == {"database": "(default)", "namespace": "(default)"}
        elif kind == "storage":
            trigger = ep["eventTrigger"]
            assert trigger["eventType"] == what
            # the bucket Veo writes to (its storageUri), whatever the project sets it to
            assert trigger["eventFilters"] == {"bucket": "{{ params.GCS_TEMP_BUCKET }}"}
        elif kind == "task":
            retry = ep["taskQueueTrigger"]["retryConfig"]
            if name.startswith("finalizegeneration"):  # see test_no_queue_dispatches_more_than_...
                assert retry["maxRetrySeconds"] >= 600
            else:  # startveo: see test_the_start_queue_dispatches_at_the_veo_quota_...
                assert retry["maxRetrySeconds"] >= 600
        else:
            assert ep["scheduleTrigger"]["schedule"] == what
        if (ep.get("concurrency") or 1) > 1:
            assert ep.get("cpu") == 1, f"{name}: concurrency needs a whole CPU"


def test_finalize_has_memory_and_time_for_streaming_video():
    ep = manifest()["endpoints"]["finalizegeneration"]
    assert ep["availableMemoryMb"] >= 1024 and ep["timeoutSeconds"] >= 600


def test_params_all_have_defaults_and_secrets_are_declared():
    params = {p["name"]: p for p in manifest()["params"]}
    for name in (
        "VEO_MODEL",
        "VEO_LOCATION",
        "GCS_TEMP_BUCKET",
        "R2_ENDPOINT",
        "R2_BUCKET",
        "R2_PUBLIC_BASE_URL",
        "MAX_IN_FLIGHT",
        "ORPHAN_AFTER_MINUTES",
        "BLOCKED_TERMS",
        "ALERT_FAILURE_RATE_PCT",
        "ALERT_DAILY_SPEND_USD",
        "VEO_USD_PER_VIDEO_SECOND",
    ):
        assert name in params, name
        if params[name]["type"] != "secret":
            assert "default" in params[name], f"{name} has no default: the emulator would load no functions"
    assert {n for n, p in params.items() if p["type"] == "secret"} == SECRETS


def test_env_example_lists_every_param():
    params = {p["name"] for p in manifest()["params"]}
    with open(os.path.join(FUNCTIONS_DIR, ".env.example")) as f:
        listed = {line.split("=", 1)[0].lstrip("# ").strip() for line in f if "=" in line}
    assert params <= listed, params - listed


def test_make_deploy_refuses_demo_projects_and_a_missing_project():
    root = os.path.dirname(FUNCTIONS_DIR)
    # `-o install`: a test never installs. The install step may rebuild the venv the running
    # suite (and its emulator's workers) import from, and it needs the network.
    make = ["make", "-s", "-o", "install", "deploy"]
    demo = subprocess.run([*make, "PROJECT=demo-phoenix"], cwd=root, capture_output=True, text=True, timeout=600)
    assert demo.returncode != 0 and "refusing to deploy to demo-phoenix" in demo.stdout
    missing = subprocess.run(make, cwd=root, capture_output=True, text=True, timeout=600)
    assert missing.returncode != 0 and "usage: make deploy PROJECT=" in missing.stdout


# Runtime settings the emulator's workers need beside the params (functions/.env.local says why).
EMULATOR_RUNTIME_SETTINGS = {"THREADS"}


def test_emulator_env_sets_every_param_once():
    # firebase-tools appends a default for each missing param to .env.local, which would
    # leave the committed file dirty and, with a duplicate key, ambiguous.
    params = {p["name"] for p in manifest()["params"] if p["type"] != "secret"}
    with open(os.path.join(FUNCTIONS_DIR, ".env.local")) as f:
        keys = [line.split("=", 1)[0].strip() for line in f if "=" in line and not line.startswith("#")]
    assert len(keys) == len(set(keys)), "duplicate keys"
    assert set(keys) == params | EMULATOR_RUNTIME_SETTINGS


def test_finalize_task_deadline_matches_the_function_timeout():
    from adapters.tasks import DISPATCH_DEADLINE_SECONDS, START_DISPATCH_DEADLINE_SECONDS

    endpoints = manifest()["endpoints"]
    assert endpoints["finalizegeneration"]["timeoutSeconds"] == DISPATCH_DEADLINE_SECONDS
    assert endpoints["startveo"]["timeoutSeconds"] == START_DISPATCH_DEADLINE_SECONDS


def test_the_start_queue_dispatches_at_the_veo_quota_and_retries_a_refusal_for_the_queue_wait():
    # firebase-tools loads functions/.env.<project> before it reads the manifest: the
    # project's quota, as set there, is the queue's rate.
    for per_minute in ("50", "120"):
        trigger = manifest(VEO_STARTS_PER_MINUTE=per_minute, QUEUE_MAX_WAIT_MINUTES="45")["endpoints"]["startveo"]
        trigger = trigger["taskQueueTrigger"]
        assert trigger["rateLimits"]["maxDispatchesPerSecond"] == int(per_minute) / 60
        # Cloud Tasks retries until BOTH the attempts and the time are spent: the time rules.
        assert trigger["retryConfig"]["maxRetrySeconds"] == 45 * 60
    assert trigger["retryConfig"]["maxBackoffSeconds"] <= 60  # a freed quota is used soon


def test_the_start_queue_keeps_100_starts_a_second_in_flight_and_no_more_than_its_instances_serve():
    # A start holds its dispatch for the claim, Vertex's start call (1.5-2 s, assumed) and the
    # processing transaction: ~2.5 s. 100 starts/s therefore need 250 dispatches at once.
    ep = manifest(VEO_STARTS_PER_MINUTE="6000")["endpoints"]["startveo"]
    dispatches = ep["taskQueueTrigger"]["rateLimits"]["maxConcurrentDispatches"]
    assert dispatches >= 100 * 2.5
    assert dispatches <= ep["maxInstances"] * ep["concurrency"]


def test_no_queue_dispatches_more_than_its_function_serves_and_a_burst_of_429s_cannot_end_a_chain():
    # Cloud Run answers 429 to a dispatch beyond instances x concurrency, and Cloud Tasks
    # counts it as an attempt: a cap above capacity spends a poll chain's attempts under load.
    spec = manifest()
    endpoints, params = spec["endpoints"], {p["name"]: p for p in spec["params"]}
    tasks = {name: ep for name, ep in endpoints.items() if "taskQueueTrigger" in ep}
    assert tasks
    for name, ep in tasks.items():
        trigger = ep["taskQueueTrigger"]
        assert trigger["rateLimits"]["maxConcurrentDispatches"] <= ep["maxInstances"] * ep["concurrency"], name
        retry = trigger["retryConfig"]
        # Retries go on until BOTH the attempts and the window are spent: the window rules.
        assert retry["maxRetrySeconds"] >= 600, name
        attempts_in_window, waited, backoff = 1, 0.0, retry["minBackoffSeconds"]
        for _ in range(retry.get("maxDoublings", 16)):
            if waited + backoff > retry["maxRetrySeconds"]:
                break
            waited, attempts_in_window, backoff = waited + backoff, attempts_in_window + 1, backoff * 2
        assert attempts_in_window >= 4, name  # several tries inside a 10-minute burst
    for name in (n for n in tasks if n.startswith("finalizegeneration")):
        # ...and the poll chain ends before the sweep would fail and refund the creation.
        orphan_seconds = int(params["ORPHAN_AFTER_MINUTES"]["default"]) * 60
        assert tasks[name]["taskQueueTrigger"]["retryConfig"]["maxRetrySeconds"] < orphan_seconds, name
