"""The stand-in's network faults, as the real google-genai client (httpx2 underneath) sees them.

A network fault loses the answer, not the work: a start hit by one has started its operation,
which is why a start that failed on the network must not be retried blindly.
"""

from __future__ import annotations

import time

import httpx2
import pytest
from google.genai import types

from domain import veo_models

MODEL = veo_models.DEFAULT_MODEL
CLIENT_TIMEOUT_MS = 1000
HOLD_SECONDS = 5  # longer than the client's timeout


def start(client, prompt="a cat on a skateboard"):
    return client.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(prompt=prompt),
        config=types.GenerateVideosConfig(number_of_videos=1, generate_audio=True, duration_seconds=4),
    )


def poll(client, name):
    return client.operations.get(types.GenerateVideosOperation(name=name))


@pytest.fixture
def timed_client(veo_server, control, make_client):
    return make_client(veo_server.base_url, timeout_ms=CLIENT_TIMEOUT_MS)


EXPECTED = {
    # fault kind: (httpx2 exceptions the client may raise, longest the call may take in s)
    "reset": ((httpx2.ReadError, httpx2.RemoteProtocolError), 1.0),
    "stall": ((httpx2.ReadTimeout,), HOLD_SECONDS - 1),
    "slow_body": ((httpx2.ReadTimeout,), HOLD_SECONDS - 1),
}


def fault(on, kind):
    spec = {"on": on, "kind": kind}
    if kind != "reset":
        spec["seconds"] = HOLD_SECONDS
    return spec


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_network_fault_on_start_breaks_the_call_but_the_operation_was_started(timed_client, control, kind):
    control.faults([fault("start", kind)])
    errors, longest = EXPECTED[kind]

    began = time.monotonic()
    with pytest.raises(errors):
        start(timed_client)
    assert time.monotonic() - began < longest  # the client's timeout ended it, not the server

    stats = control.stats()
    assert stats["starts"] == 1 and stats["faultsPending"] == 0
    assert len(stats["operations"]) == 1  # Vertex would bill this one


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_network_fault_on_poll_breaks_that_poll_and_the_next_one_answers(timed_client, control, kind):
    name = start(timed_client).name
    control.faults([fault("poll", kind)])
    errors, longest = EXPECTED[kind]

    began = time.monotonic()
    with pytest.raises(errors):
        poll(timed_client, name)
    assert time.monotonic() - began < longest

    assert poll(timed_client, name).name == name


def test_slow_body_within_the_timeout_is_only_slow(veo_server, control, make_client):
    patient = make_client(veo_server.base_url, timeout_ms=5000)
    control.faults([{"on": "start", "kind": "slow_body", "seconds": 0.5}])
    began = time.monotonic()
    assert start(patient).name
    assert time.monotonic() - began >= 0.5


def test_without_a_timeout_the_client_waits_out_a_stall(veo_server, control, make_client):
    # Why the adapter sets one: the SDK's default is to wait for ever.
    patient = make_client(veo_server.base_url)
    control.faults([{"on": "start", "kind": "stall", "seconds": 1.5}])
    began = time.monotonic()
    assert start(patient).name
    assert time.monotonic() - began >= 1.5


def test_stall_fault_can_match_a_prompt_and_is_refused_with_seconds_on_reset(timed_client, control):
    control.faults([{"on": "start", "kind": "stall", "seconds": HOLD_SECONDS, "match": "slow one"}])
    assert start(timed_client, prompt="a quick one").name
    with pytest.raises(httpx2.ReadTimeout):
        start(timed_client, prompt="the slow one")
    with pytest.raises(RuntimeError, match="seconds"):
        control.faults([{"on": "start", "kind": "reset", "seconds": 1}])
