"""adapters/veo.py against the Veo stand-in, through the real google-genai client: what it
sends, how every failure becomes an ExternalServiceError, and which of them are retried.

Starts only an in-process stand-in on a free port (no emulators).
"""

from __future__ import annotations

import time

import httpx
import httpx2
import pytest

from adapters.retry import with_retries
from adapters.veo import DEFAULT_HTTP_TIMEOUT_S, Veo, _client, _translated_errors
from domain.errors import ExternalServiceError
from domain.generation import OutcomeKind, RetryPolicy, VeoCall
from domain.veo_models import DEFAULT_MODEL
from standins.veo_server import VeoControl, VeoStandIn
from tests.support.ports import free_port

PROJECT, LOCATION = "demo-phoenix", "us-central1"
FAST_RETRIES = RetryPolicy(attempts=4, base_delay_s=0.01)
HOLD_SECONDS = 5  # network faults hold the connection longer than the adapter's timeout


@pytest.fixture(scope="module")
def server():
    with VeoStandIn(port=0, delay_seconds=0.2, log_requests=False) as running:
        yield running


@pytest.fixture
def control(server) -> VeoControl:
    veo_control = VeoControl(server.base_url)
    veo_control.reset()
    return veo_control


@pytest.fixture
def veo(server, control) -> Veo:
    return Veo(PROJECT, LOCATION, DEFAULT_MODEL, server.base_url, http_timeout_s=1)


def only_operation(control) -> dict:
    (operation,) = control.stats()["operations"].values()
    return operation


def network_fault(on: str, kind: str) -> dict:
    return {"on": on, "kind": kind, **({} if kind == "reset" else {"seconds": HOLD_SECONDS})}


# ----- what a start sends


def test_start_sends_generate_audio_720p_and_one_sample_the_way_the_handler_calls_it(veo, control):
    veo.start("a paper boat on a rainy street", "9:16", 8, None)

    operation = only_operation(control)
    assert (operation["generateAudio"], operation["resolution"], operation["sampleCount"]) == (True, "720p", 1)
    assert (operation["durationSeconds"], operation["aspectRatio"]) == (8, "9:16")


def test_start_keyword_options_reach_veo(veo, control):
    veo.start("a paper boat", "16:9", 8, None, audio=False, resolution="1080p", negative_prompt="people", seed=42)
    operation = only_operation(control)
    assert (operation["generateAudio"], operation["resolution"]) == (False, "1080p")
    assert (operation["seed"], operation["negativePrompt"]) == (42, "people")


def test_a_started_generation_polls_to_a_video(server, control):
    veo = Veo(PROJECT, LOCATION, DEFAULT_MODEL, server.base_url, http_timeout_s=10)
    name = veo.start("a paper boat", "16:9", 4, None)
    deadline = time.monotonic() + 15
    while (outcome := veo.poll(name)).kind == OutcomeKind.RUNNING:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert outcome.kind == OutcomeKind.READY and len(outcome.video_bytes) > 1_000_000


# ----- start: not idempotent


@pytest.mark.parametrize("kind", ["reset", "stall", "slow_body"])
def test_network_error_after_a_start_was_sent_is_permanent_and_never_retried(veo, control, kind):
    control.faults([network_fault("start", kind)])

    began = time.monotonic()
    with pytest.raises(ExternalServiceError) as raised:
        with_retries(lambda: veo.start("a paper boat", "16:9", 8, None), FAST_RETRIES)

    assert raised.value.transient is False and raised.value.status is None
    assert "httpx2." in str(raised.value)
    assert time.monotonic() - began < HOLD_SECONDS - 1  # the HTTP timeout ended the wait
    stats = control.stats()
    # One start reached Veo and started a generation; a retry would have started a second.
    assert stats["starts"] == 1 and len(stats["operations"]) == 1


@pytest.mark.parametrize(("kind", "status"), [("internal", 500), ("unavailable", 503)])
def test_server_error_on_start_is_permanent_and_never_retried(veo, control, kind, status):
    control.faults([{"on": "start", "kind": kind, "times": 3}])
    with pytest.raises(ExternalServiceError) as raised:
        with_retries(lambda: veo.start("a paper boat", "16:9", 8, None), FAST_RETRIES)
    assert (raised.value.status, raised.value.transient) == (status, False)
    assert control.stats()["starts"] == 1


def test_quota_refusal_on_start_is_retried_until_it_starts(veo, control):
    control.faults([{"on": "start", "kind": "quota", "times": 2}])
    assert with_retries(lambda: veo.start("a paper boat", "16:9", 8, None), FAST_RETRIES)
    stats = control.stats()
    assert stats["starts"] == 3 and len(stats["operations"]) == 1


def test_start_over_the_stand_ins_real_quota_is_a_transient_429(server, control, veo):
    control.config(quotaPerMinute=1)
    veo.start("first", "16:9", 8, None)
    with pytest.raises(ExternalServiceError) as raised:
        veo.start("second", "16:9", 8, None)
    assert (raised.value.status, raised.value.transient) == (429, True)


def test_connection_refused_on_start_is_transient_because_nothing_was_sent():
    port = free_port()  # closed again: nothing listens there
    veo = Veo(PROJECT, LOCATION, DEFAULT_MODEL, f"http://127.0.0.1:{port}", http_timeout_s=1)
    attempts = []

    def attempt():
        attempts.append(1)
        return veo.start("a paper boat", "16:9", 8, None)

    with pytest.raises(ExternalServiceError) as raised:
        with_retries(attempt, FAST_RETRIES)
    assert raised.value.transient is True and "ConnectError" in str(raised.value)
    assert len(attempts) == FAST_RETRIES.attempts


def test_retired_model_is_a_permanent_404(server, control):
    veo = Veo(PROJECT, LOCATION, "veo-3.0-fast-generate-001", server.base_url, http_timeout_s=1)
    with pytest.raises(ExternalServiceError) as raised:
        veo.start("a paper boat", "16:9", 8, None)
    assert (raised.value.status, raised.value.transient) == (404, False)


# ----- poll: idempotent


@pytest.mark.parametrize(
    "fault",
    [
        {"on": "poll", "kind": "reset"},
        {"on": "poll", "kind": "stall", "seconds": HOLD_SECONDS},
        {"on": "poll", "kind": "slow_body", "seconds": HOLD_SECONDS},
        {"on": "poll", "kind": "unavailable"},
        {"on": "poll", "kind": "internal"},
        {"on": "poll", "kind": "quota"},
    ],
    ids=lambda fault: fault["kind"],
)
def test_every_transient_poll_failure_is_retried(veo, control, fault):
    name = veo.start("a paper boat", "16:9", 8, None)
    control.faults([fault])
    outcome = with_retries(lambda: veo.poll(name), FAST_RETRIES)
    assert outcome.kind in (OutcomeKind.RUNNING, OutcomeKind.READY)
    assert control.stats()["polls"] == 2


# ----- the translation itself, class by class


START_SAFE = [
    httpx2.ConnectError,
    httpx2.ConnectTimeout,
    httpx2.PoolTimeout,
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    ConnectionRefusedError,
]
START_UNSAFE = [
    httpx2.ReadTimeout,
    httpx2.WriteTimeout,
    httpx2.ReadError,
    httpx2.WriteError,
    httpx2.RemoteProtocolError,
    httpx2.LocalProtocolError,
    httpx2.CloseError,
    httpx.ReadTimeout,
    httpx.ReadError,
    httpx.RemoteProtocolError,
    ConnectionResetError,
    TimeoutError,
    BrokenPipeError,
]


@pytest.mark.parametrize("error_class", START_SAFE + START_UNSAFE, ids=lambda c: f"{c.__module__}.{c.__name__}")
@pytest.mark.parametrize("call", list(VeoCall))
def test_every_transport_error_becomes_an_external_service_error(error_class, call):
    with pytest.raises(ExternalServiceError) as raised, _translated_errors(call):
        raise error_class("boom")
    assert raised.value.service == "veo" and raised.value.status is None
    expected = error_class in START_SAFE if call == VeoCall.START else True
    assert raised.value.transient is expected


def test_httpx2_errors_are_neither_oserror_nor_httpx_errors():
    # Why the adapter names httpx2 itself (google-genai 3.x sends with it).
    assert not issubclass(httpx2.ConnectError, (OSError, httpx.TransportError))
    assert not issubclass(httpx2.ReadTimeout, (OSError, httpx.TransportError))


def test_other_exceptions_are_not_disguised_as_service_errors():
    with pytest.raises(KeyError), _translated_errors(VeoCall.POLL):
        raise KeyError("a bug of ours")


def test_client_timeout_is_given_to_the_sdk_in_milliseconds():
    # google-genai's HttpOptions.timeout is in ms (divided by 1000 before httpx2 sees it).
    client = _client(PROJECT, LOCATION, "http://127.0.0.1:9", 1.5)
    assert client._api_client._http_options.timeout == 1500
    assert DEFAULT_HTTP_TIMEOUT_S == Veo(PROJECT, LOCATION, DEFAULT_MODEL)._args[-1] == 20.0


def test_start_sends_the_first_and_last_frames_inline_with_their_types(veo, control):
    from domain.uploads import ImageInput
    from tests.support import images

    first, last = images.jpeg(1280, 720), images.png(1280, 720)
    veo.start(
        "a boat",
        "16:9",
        4,
        None,
        image=ImageInput(first, "image/jpeg"),
        last_frame=ImageInput(last, "image/png"),
    )
    operation = only_operation(control)
    assert operation["image"]["mimeType"] == "image/jpeg" and operation["image"]["bytes"] == len(first)
    assert operation["lastFrame"]["mimeType"] == "image/png" and operation["lastFrame"]["bytes"] == len(last)


def test_a_start_without_images_sends_none(veo, control):
    veo.start("a boat", "16:9", 4, None)
    operation = only_operation(control)
    assert operation["image"] is None and operation["lastFrame"] is None
