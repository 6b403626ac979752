"""Faults queued through the Veo stand-in's control API, as the real google-genai client sees
them: HTTP errors, outcome faults (error, filtered, hang), `match` and `times`. Network faults
(reset, stall, slow body): test_veo_network_faults.py."""

from __future__ import annotations

import time

import pytest
from google.genai import errors

from tests.standins.veo_support import (
    POLL_INTERVAL,
    SLOW_DELAY_SECONDS,
    fresh_prefix,
    gcs_object_names,
    poll,
    start,
    wait_until_done,
)

HTTP_FAULT_CASES = [
    ("quota", errors.ClientError, 429, "RESOURCE_EXHAUSTED"),
    ("unavailable", errors.ServerError, 503, "UNAVAILABLE"),
    ("internal", errors.ServerError, 500, "INTERNAL"),
    ("invalid_argument", errors.ClientError, 400, "INVALID_ARGUMENT"),
]


@pytest.mark.parametrize(("kind", "error_class", "code", "status"), HTTP_FAULT_CASES)
def test_start_fault_raises_the_matching_sdk_error_once(client, control, kind, error_class, code, status):
    control.faults([{"on": "start", "kind": kind}])

    with pytest.raises(error_class) as raised:
        start(client)
    assert (raised.value.code, raised.value.status) == (code, status)

    # Consumed by that one call (and the SDK did not retry it): the next start works.
    assert start(client).name
    stats = control.stats()
    assert stats["starts"] == 2 and stats["faultsPending"] == 0 and len(stats["operations"]) == 1


@pytest.mark.parametrize(("kind", "error_class", "code", "status"), HTTP_FAULT_CASES)
def test_poll_fault_raises_the_matching_sdk_error_and_the_next_poll_recovers(
    client, control, kind, error_class, code, status
):
    name = start(client).name
    control.faults([{"on": "poll", "kind": kind}])

    with pytest.raises(error_class) as raised:
        poll(client, name)
    assert (raised.value.code, raised.value.status) == (code, status)

    assert wait_until_done(client, name).response.generated_videos


def test_operation_error_fault_on_poll_ends_the_operation_with_an_error(client, control):
    name = start(client).name
    control.faults([{"on": "poll", "kind": "operation_error"}])

    operation = poll(client, name)

    assert operation.done and operation.response is None
    assert operation.error["code"] == 13 and operation.error["message"]
    # A finished operation does not change afterwards.
    assert poll(client, name).error == operation.error
    assert control.stats()["operations"][name]["state"] == "failed"


@pytest.mark.parametrize("kind", ["operation_error", "filtered"])
def test_outcome_fault_on_start_decides_how_the_operation_ends_after_the_delay(client, control, kind):
    control.config(delaySeconds=SLOW_DELAY_SECONDS)
    control.faults([{"on": "start", "kind": kind}])
    name = start(client, prompt="a harmless kitten").name

    assert not poll(client, name).done
    operation = wait_until_done(client, name)

    if kind == "operation_error":
        assert operation.error["code"] == 13 and operation.response is None
    else:
        assert operation.error is None
        assert operation.response.rai_media_filtered_count == 1
        assert not operation.response.generated_videos


def test_filtered_fault_on_poll_filters_a_harmless_prompt(client, control, gcs):
    storage_uri = fresh_prefix()
    name = start(client, prompt="a harmless kitten", output_gcs_uri=storage_uri).name
    control.faults([{"on": "poll", "kind": "filtered"}])

    operation = poll(client, name)

    assert operation.done and operation.response.rai_media_filtered_count == 1
    assert operation.response.rai_media_filtered_reasons
    assert not operation.response.generated_videos
    assert gcs_object_names(gcs, storage_uri) == []


def test_hang_fault_keeps_the_operation_running_past_the_delay(client, control, delay_seconds):
    control.faults([{"on": "start", "kind": "hang"}])
    name = start(client).name

    deadline = time.monotonic() + 3 * delay_seconds
    polls = 0
    while time.monotonic() < deadline:
        assert not poll(client, name).done
        polls += 1
        time.sleep(POLL_INTERVAL)

    assert polls >= 5
    assert control.stats()["operations"][name]["state"] == "hanging"


def test_fault_with_match_only_hits_prompts_containing_it(client, control):
    control.faults([{"on": "start", "kind": "quota", "match": "dragon"}])

    assert start(client, prompt="a cat").name
    assert control.stats()["faultsPending"] == 1
    with pytest.raises(errors.ClientError) as raised:
        start(client, prompt="A red DRAGON")
    assert raised.value.code == 429
    assert control.stats()["faultsPending"] == 0
    assert start(client, prompt="a dragon again").name


def test_fault_times_sets_how_many_calls_fail(client, control):
    control.faults([{"on": "start", "kind": "unavailable", "times": 2}])

    for _ in range(2):
        with pytest.raises(errors.ServerError):
            start(client)
    assert start(client).name


def test_malformed_fault_is_refused_by_the_control_api(control):
    with pytest.raises(RuntimeError, match="400"):
        control.faults([{"on": "start", "kind": "explode"}])
    with pytest.raises(RuntimeError, match="400"):
        control.faults([{"on": "later", "kind": "quota"}])
    assert control.stats()["faultsPending"] == 0
