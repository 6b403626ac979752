"""Declared concurrency is real: each instance runs as many requests at once as Cloud Run sends it.

Cloud Run sends an instance up to its `concurrency` requests; functions-framework serves them
with gunicorn, one process and THREADS threads (default 4 x CPUs). firebase-tools deploys
functions/.env to every function, so THREADS there must equal every declared concurrency.
Needs no emulators.
"""

from __future__ import annotations

import functools
import http.client
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler

import pytest

from ops.deploy_check import read_env_file
from standins.control import ServiceHTTPServer
from tests import test_deploy_manifest
from tests.support.functions_framework import FUNCTIONS, deployed_env, serve

# firebase-tools' default when a gen2 function declares no concurrency and has a whole CPU
# (node_modules/firebase-tools/lib/deploy/functions/prepare.js, resolveCpuAndConcurrency).
FIREBASE_DEFAULT_CONCURRENCY = 80


@pytest.fixture(autouse=True)
def _stack():
    """Overrides the ops suite's stack fixture: nothing here needs the emulators."""
    return None


@functools.lru_cache(maxsize=1)
def manifest() -> dict:
    return test_deploy_manifest.manifest()  # a fresh interpreter each time: seconds, so once


def effective_concurrency(endpoint: dict) -> int:
    return endpoint.get("concurrency") or FIREBASE_DEFAULT_CONCURRENCY


def test_every_function_runs_as_many_threads_as_the_requests_it_is_sent_at_once():
    env = deployed_env()
    assert "THREADS" in env, "functions/.env must set THREADS (gunicorn's default is 4 x CPUs)"
    threads = int(env["THREADS"])
    assert int(env.get("WORKERS", "1")) == 1, "one process per instance: threads are the concurrency"
    for name, endpoint in manifest()["endpoints"].items():
        concurrency = effective_concurrency(endpoint)
        assert concurrency in (1, threads), (
            f"{name}: Cloud Run sends it {concurrency} requests at once, gunicorn serves {threads}"
        )
        if concurrency > 1:
            assert endpoint.get("cpu") == 1, f"{name}: concurrency > 1 needs a whole CPU"


# ----- the production server model, run locally


class VeoBarrier:
    """Stands in for Veo and holds every poll until `expected` are in flight at once, then
    answers each 404. `max_in_flight` is what the functions achieved. `give_up_seconds` only
    bounds a failing run (fewer ever in flight): a busy machine may take long to send them all."""

    def __init__(self, expected: int, give_up_seconds: float):
        self.expected, self.give_up_seconds = expected, give_up_seconds
        self.in_flight = self.max_in_flight = 0
        self.released = threading.Event()
        lock = threading.Lock()
        barrier = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self):
                # A poll names its operation in the body (fetchPredictOperation), not in the path.
                asked = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if b"warmup" not in asked and "warmup" not in self.path:
                    with lock:
                        barrier.in_flight += 1
                        barrier.max_in_flight = max(barrier.max_in_flight, barrier.in_flight)
                        if barrier.in_flight >= barrier.expected:
                            barrier.released.set()
                    barrier.released.wait(barrier.give_up_seconds)
                    with lock:
                        barrier.in_flight -= 1
                body = json.dumps({"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}).encode()
                self.send_response(404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _any

            def log_message(self, *args):
                pass

        self.httpd = ServiceHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def finalize_task(port: int, operation: str, timeout: float) -> int:
    """What Cloud Tasks sends finalizegeneration: a job complete enough to poll Veo at once."""
    job = {
        "creationId": operation,
        "operationName": f"projects/p/locations/us-central1/publishers/google/models/veo/operations/{operation}",
        "mediaKey": f"drafts/u/{operation}/s.mp4",
        "userId": "u",
        "startedAt": datetime.now(UTC).isoformat(),
    }
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", "/", json.dumps({"data": job}), {"Content-Type": "application/json"})
        return connection.getresponse().status
    finally:
        connection.close()


def test_one_instance_serves_its_declared_concurrency_at_once_under_functions_framework(tmp_path):
    # The finalize function of functions/main.py, served as Cloud Run serves it: the
    # functions-framework CLI (gunicorn, one worker) with the environment the deploy sets.
    concurrency = manifest()["endpoints"]["finalizegeneration"]["concurrency"]
    # Waits for all of them in flight, however long a busy machine takes to send them; the
    # handler's Veo timeout and the clients' outlast that wait, so nothing gives up before it.
    give_up = 120
    with VeoBarrier(expected=concurrency, give_up_seconds=give_up) as veo:
        env = {
            **read_env_file(FUNCTIONS / ".env.local"),
            **deployed_env(),
            "VEO_BASE_URL": veo.url,
            "RETRY_ATTEMPTS": "1",
            "VEO_HTTP_TIMEOUT_SECONDS": str(give_up + 30),
            "R2_ACCESS_KEY_ID": "local",
            "R2_SECRET_ACCESS_KEY": "local",
            "GCLOUD_PROJECT": "demo-phoenix",
            "METADATA_SERVER_DETECTION": "none",
            # No Google credentials here: after Veo's answer the handler's Firestore call fails
            # at once (500) instead of asking gcloud for credentials, seconds per request.
            "GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "no-credentials.json"),
            "FUNCTION_SIGNATURE_TYPE": "http",
        }
        with serve("finalizegeneration", env, tmp_path / "server.log") as port:
            finalize_task(port, "warmup", timeout=give_up)  # the handler imported once: a warm instance

            statuses: list[int | str] = []

            def one(i: int) -> None:
                try:
                    statuses.append(finalize_task(port, f"op{i}", timeout=give_up + 60))
                except OSError as error:
                    statuses.append(repr(error))

            clients = [threading.Thread(target=one, args=(i,)) for i in range(concurrency)]
            for client in clients:
                client.start()
            for client in clients:
                client.join()  # each ends by its own timeout at the latest

    assert veo.max_in_flight == concurrency, (
        f"only {veo.max_in_flight} of {concurrency} requests ran at once; server log:\n"
        + (tmp_path / "server.log").read_text()[-3000:]
    )
    assert len(statuses) == concurrency and all(isinstance(s, int) for s in statuses), statuses
