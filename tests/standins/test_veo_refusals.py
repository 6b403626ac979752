"""The Veo stand-in refuses what Vertex refuses, through the real google-genai client:
retired and unknown models (404), what a model does not accept (400), a burst over the
per-minute quota (429). And its output is shaped like Veo's."""

from __future__ import annotations

import io
import time
import uuid

import av
import pytest
from google.genai import errors, types

from domain import veo_models
from standins.veo_server import VeoControl, VeoStandIn
from tests.standins.veo_support import raw_post

MODEL = veo_models.DEFAULT_MODEL
BUCKET = "phoenix-veo-tmp"


def start(client, model=MODEL, prompt="a paper boat on a rainy street", **config):
    config.setdefault("number_of_videos", 1)
    config.setdefault("generate_audio", True)
    return client.models.generate_videos(
        model=model,
        source=types.GenerateVideosSource(prompt=prompt),
        config=types.GenerateVideosConfig(**config),
    )


def wait_until_done(client, name: str, timeout: float = 60.0):  # bounds a failing test only
    deadline = time.monotonic() + timeout
    while True:
        operation = client.operations.get(types.GenerateVideosOperation(name=name))
        if operation.done:
            return operation
        assert time.monotonic() < deadline, f"{name} not done after {timeout}s"
        time.sleep(0.05)


def streams(data: bytes) -> dict:
    with av.open(io.BytesIO(data)) as container:
        video = container.streams.video[0]
        return {
            "video": video.codec_context.name,
            "size": (video.width, video.height),
            "audio": [s.codec_context.name for s in container.streams.audio],
            "duration": container.duration / av.time_base,
        }


# ----- models


@pytest.mark.parametrize("model", sorted(veo_models.RETIRED_MODELS))
def test_retired_model_answers_vertex_404_not_found_and_starts_nothing(client, control, model):
    with pytest.raises(errors.ClientError) as raised:
        start(client, model=model)

    assert (raised.value.code, raised.value.status) == (404, "NOT_FOUND")
    assert raised.value.message.startswith(
        f"Publisher Model `projects/demo-phoenix/locations/us-central1/publishers/google/models/{model}` "
        "was not found or your project does not have access to it. Please ensure you are using a "
        "valid model version."
    )
    assert control.stats()["operations"] == {}


@pytest.mark.parametrize("model", ["veo-3.1-generate-002", "veo-3.1-fast-generate", "imagen-4.0-generate-001"])
def test_unknown_model_answers_404_not_found(client, control, model):
    with pytest.raises(errors.ClientError) as raised:
        start(client, model=model)
    assert (raised.value.code, raised.value.status) == (404, "NOT_FOUND")
    assert f"models/{model}` was not found" in raised.value.message


@pytest.mark.parametrize("model", sorted(veo_models.CURRENT_MODELS))
def test_every_current_ga_model_starts(client, control, model):
    assert start(client, model=model).name.split("/models/")[1].startswith(f"{model}/operations/")


# ----- parameters


INVALID_STARTS = [
    # (config, words the message must contain)
    ({"duration_seconds": 5}, "duration 5 seconds"),
    ({"duration_seconds": 10}, "duration 10 seconds"),
    ({"aspect_ratio": "1:1"}, "aspect ratio '1:1'"),
    ({"aspect_ratio": "4:3"}, "aspect ratio '4:3'"),
    ({"resolution": "4k"}, "resolution '4k'"),
    ({"resolution": "480p"}, "resolution '480p'"),
    ({"number_of_videos": 5}, "sampleCount must be between 1 and 4"),
    ({"number_of_videos": 0}, "sampleCount must be between 1 and 4"),
    ({"generate_audio": None}, "generateAudio is required"),
    ({"seed": 2**32}, "seed must be an integer"),
    ({"person_generation": "everyone"}, "personGeneration"),
    ({"output_gcs_uri": "s3://not-gcs/"}, "storageUri"),
]


@pytest.mark.parametrize(("config", "words"), INVALID_STARTS, ids=[w for _, w in INVALID_STARTS])
def test_each_invalid_combination_answers_400_invalid_argument(client, control, config, words):
    with pytest.raises(errors.ClientError) as raised:
        start(client, **config)
    assert (raised.value.code, raised.value.status) == (400, "INVALID_ARGUMENT")
    assert words in raised.value.message
    assert control.stats()["operations"] == {}


def test_unknown_parameter_answers_400_like_vertex(veo_server, control):
    # The SDK cannot send a parameter it does not know; a hand-written request can.
    path = f"/v1/projects/p/locations/us-central1/publishers/google/models/{MODEL}:predictLongRunning"
    status, body = raw_post(
        veo_server.base_url,
        path,
        {
            "instances": [{"prompt": "a cat"}],
            "parameters": {"generateAudio": True, "durationSecs": 8},
        },
    )
    assert status == 400 and body["error"]["status"] == "INVALID_ARGUMENT"
    assert 'Unknown name "durationSecs"' in body["error"]["message"]


# ----- quota


def test_quota_is_off_by_default(client, control):
    assert control.stats()["config"]["quotaPerMinute"] == 0
    for _ in range(6):
        start(client)


def test_over_quota_answers_429_for_the_rest_of_the_minute_per_project(client, control, make_client, veo_server):
    control.config(quotaPerMinute=2)
    start(client)
    start(client)
    for _ in range(2):  # still refused: the window lasts the minute
        with pytest.raises(errors.ClientError) as raised:
            start(client)
        assert (raised.value.code, raised.value.status) == (429, "RESOURCE_EXHAUSTED")
    assert raised.value.message.startswith(
        "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model "
        "with base model: veo-3.1-fast-generate."
    )

    other_project = make_client(veo_server.base_url, project="another-project")
    assert start(other_project).name  # a quota is per project
    stats = control.stats()
    assert len(stats["operations"]) == 3 and stats["quotaRefused"] == 2


def test_quota_window_ends_and_starts_are_accepted_again(make_client):
    with VeoStandIn(
        port=0, delay_seconds=0, log_requests=False, quota_per_minute=1, quota_window_seconds=0.5
    ) as server:
        client = make_client(server.base_url)
        start(client)
        with pytest.raises(errors.ClientError):
            start(client)
        time.sleep(0.6)
        assert start(client).name


def test_control_config_shortens_the_quota_window_and_reset_restores_the_minute(client, control):
    # Given a quota of 1 start per 0.5 s window, set through the control API (not at construction)
    config = control.config(quotaPerMinute=1, quotaWindowSeconds=0.5)
    assert config["quotaWindowSeconds"] == 0.5
    try:
        start(client)
        # Then the window is as strict as Vertex's minute while it lasts ...
        with pytest.raises(errors.ClientError) as raised:
            start(client)
        assert raised.value.code == 429
        # ... and once it ends starts are accepted again
        time.sleep(0.6)
        assert start(client).name
    finally:
        # And a reset gives back production's 60 s window
        assert control.reset()["quotaWindowSeconds"] == 60.0


@pytest.mark.parametrize("window", [0, -1, "60", True])
def test_control_config_refuses_a_quota_window_that_is_not_a_positive_number(control, window):
    with pytest.raises(RuntimeError, match="quotaWindowSeconds must be a number > 0"):
        control.config(quotaWindowSeconds=window)


# ----- output like Veo's


def test_720p_clip_with_audio_is_h264_aac_at_veo_size_and_reaches_gcs(client, control, gcs, veo_server):
    storage_uri = f"gs://{BUCKET}/refusals/{uuid.uuid4().hex}/"
    operation = wait_until_done(client, start(client, duration_seconds=8, output_gcs_uri=storage_uri).name)

    uri = operation.response.generated_videos[0].video.uri
    data = gcs.bucket(BUCKET).blob(uri[len(f"gs://{BUCKET}/") :]).download_as_bytes()
    assert streams(data) == {
        "video": "h264",
        "size": (1280, 720),
        "audio": ["aac"],
        "duration": pytest.approx(8, abs=0.1),
    }
    assert 0.5 <= len(data) / 8 / 1e6 <= 0.8  # MB per second of video, like Veo at 720p


def test_1080p_portrait_clip_without_audio_has_no_audio_track_and_its_size(client, control, gcs):
    storage_uri = f"gs://{BUCKET}/refusals/{uuid.uuid4().hex}/"
    operation = wait_until_done(
        client,
        start(
            client,
            duration_seconds=8,
            aspect_ratio="9:16",
            resolution="1080p",
            generate_audio=False,
            output_gcs_uri=storage_uri,
        ).name,
    )

    uri = operation.response.generated_videos[0].video.uri
    data = gcs.bucket(BUCKET).blob(uri[len(f"gs://{BUCKET}/") :]).download_as_bytes()  # >8 MB: resumable upload
    info = streams(data)
    assert (info["size"], info["audio"]) == ((1080, 1920), [])
    assert 1.2 <= len(data) / 8 / 1e6 <= 1.8


def test_same_prompt_and_seed_give_the_same_clip_and_another_seed_another(client, control):
    def clip(seed, prompt="a lighthouse at dusk"):
        operation = wait_until_done(client, start(client, prompt=prompt, seed=seed, duration_seconds=4).name)
        return operation.response.generated_videos[0].video.video_bytes

    first = clip(7)
    assert clip(7) == first
    assert clip(8) != first
    assert clip(7, prompt="a lighthouse at dawn") != first


def test_generation_time_is_drawn_from_the_configured_range(client, control):
    control.config(delaySeconds=0.2, delayMaxSeconds=0.9)
    for _ in range(6):
        start(client)
    delays = [op["delaySeconds"] for op in control.stats()["operations"].values()]
    assert all(0.2 <= d <= 0.9 for d in delays) and len(set(delays)) > 1

    control.reset()  # back to the fixed, short delay of dev and tests
    assert control.stats()["config"]["delayMaxSeconds"] is None


def test_control_client_sets_quota_and_delay_range_by_snake_case_names(veo_server):
    control = VeoControl(veo_server.base_url)
    try:
        config = control.config(quota_per_minute=50, delay_max_seconds=120, delay_seconds=30)
        assert (config["quotaPerMinute"], config["delaySeconds"], config["delayMaxSeconds"]) == (50, 30, 120)
    finally:
        control.reset()
