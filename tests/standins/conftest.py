"""Fixtures for the stand-in tests: the Firebase Storage emulator on its own ports (Veo's
output goes there, as in the stack; the session's, shared with other tiers), the Veo stand-in
in-process, and the real google-genai client pointed at it."""

from __future__ import annotations

from pathlib import Path

import google.oauth2.credentials
import pytest
from google import genai
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from google.genai import types
from moto.server import ThreadedMotoServer

from standins.fault_proxy import FaultProxy
from standins.tls import make_local_tls
from standins.veo_server import VeoControl, VeoStandIn
from tests.standins.proxy_support import RecordingUpstream
from tests.support.ports import free_port

# Short, so the suite is fast, but long enough that an immediate poll still sees "running".
DELAY_SECONDS = 0.3
PROJECT = "demo-phoenix"
LOCATION = "us-central1"


@pytest.fixture
def unused_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def gcs_endpoint(storage_alone):
    return storage_alone  # the session's lone Storage emulator (tests/conftest.py)


@pytest.fixture(scope="session")
def veo_server(gcs_endpoint):
    server = VeoStandIn(port=0, delay_seconds=DELAY_SECONDS, gcs_endpoint=gcs_endpoint)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def control(veo_server) -> VeoControl:
    """Control client; every test starts from a reset stand-in."""
    veo_control = VeoControl(veo_server.base_url)
    veo_control.reset()
    return veo_control


def _make_genai_client(
    base_url: str, api_version: str | None = None, timeout_ms: int | None = None, project: str = PROJECT
) -> genai.Client:
    # Exactly how the production adapter builds its client, apart from the base URL.
    return genai.Client(
        vertexai=True,
        project=project,
        location=LOCATION,
        credentials=google.oauth2.credentials.Credentials(token="local"),
        http_options=types.HttpOptions(base_url=base_url, api_version=api_version, timeout=timeout_ms),
    )


@pytest.fixture
def make_client():
    """make_client(base_url, api_version=None, timeout_ms=None, project=PROJECT) -> a real
    google-genai client in Vertex mode."""
    return _make_genai_client


@pytest.fixture
def client(veo_server, control) -> genai.Client:
    return _make_genai_client(veo_server.base_url)


@pytest.fixture(scope="session")
def gcs(gcs_endpoint) -> storage.Client:
    return storage.Client(
        project=PROJECT,
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": gcs_endpoint},
    )


@pytest.fixture
def delay_seconds() -> float:
    """The stand-in's start-up delay (restored by every reset)."""
    return DELAY_SECONDS


# ----- the fault proxy's (test_fault_proxy.py overrides `control` with the proxy's)


@pytest.fixture(scope="module")
def moto_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def recording_upstream():
    upstream = RecordingUpstream()
    upstream.thread.start()
    yield upstream
    upstream.httpd.shutdown()
    upstream.httpd.server_close()


@pytest.fixture
def relay(recording_upstream):
    """A proxy in front of the recording upstream, and the upstream (emptied)."""
    recording_upstream.requests.clear()
    with FaultProxy(recording_upstream.url, port=0, log_requests=False) as running:
        yield running, recording_upstream


@pytest.fixture(scope="module")
def local_tls(tmp_path_factory):
    return make_local_tls(tmp_path_factory.mktemp("tls"))
