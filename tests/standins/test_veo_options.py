"""The stand-in honours every option a request can pay for — the model of the chosen
quality, resolution, sound, seed and negative prompt — in the file it serves, and refuses the
combination the catalog says the model does not make, through the real google-genai client."""

from __future__ import annotations

import pytest
from google.genai import errors

from domain import veo_models
from tests.standins.test_veo_refusals import start, streams, wait_until_done


def served(client, **config) -> bytes:
    operation = wait_until_done(client, start(client, **config).name)
    return operation.response.generated_videos[0].video.video_bytes


def comment(data: bytes) -> str:
    import io

    import av

    with av.open(io.BytesIO(data)) as container:
        return container.metadata.get("comment", "")


@pytest.mark.parametrize("model", sorted(veo_models.CURRENT_MODELS))
@pytest.mark.parametrize(
    "resolution, audio, size, tracks",
    [("720p", True, (1280, 720), ["aac"]), ("720p", False, (1280, 720), []), ("1080p", True, (1920, 1080), ["aac"])],
)
def test_the_served_clip_has_the_resolution_and_the_sound_asked_for(
    client, control, model, resolution, audio, size, tracks
):
    data = served(client, model=model, duration_seconds=8, resolution=resolution, generate_audio=audio, seed=1)
    info = streams(data)
    assert (info["size"], info["audio"]) == (size, tracks)
    assert f"model={model}" in comment(data)


@pytest.mark.parametrize("model", sorted(veo_models.CURRENT_MODELS))
@pytest.mark.parametrize("seconds", [4, 6])
def test_1080p_shorter_than_8_seconds_is_refused_as_the_catalog_says(client, control, model, seconds):
    with pytest.raises(errors.ClientError) as raised:
        start(client, model=model, duration_seconds=seconds, resolution="1080p")
    assert (raised.value.code, raised.value.status) == (400, "INVALID_ARGUMENT")
    assert "1080p" in raised.value.message
    assert veo_models.combination_problem(model, seconds, "16:9", "1080p", generate_audio=True)


def test_the_negative_prompt_and_the_model_change_the_clip_and_the_seed_alone_repeats_it(client, control):
    base = {"prompt": "a kite over a beach", "duration_seconds": 4, "seed": 11}
    first = served(client, **base)
    assert served(client, **base) == first
    assert served(client, negative_prompt="people", **base) != first
    assert served(client, model="veo-3.1-generate-001", **base) != first
