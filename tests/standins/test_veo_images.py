"""Image-to-video on the Veo stand-in: it refuses what Vertex refuses for `image` / `lastFrame`
(through the raw REST call and through the real google-genai client), and its clip visibly
starts from the image it was given (and ends on the last frame)."""

from __future__ import annotations

import base64
import dataclasses
import io

import av
import pytest
from google.genai import errors, types

from domain import veo_models
from domain.uploads import VEO_MAX_IMAGE_BYTES
from tests.standins.veo_support import MODEL, fresh_prefix, raw_post, wait_until_done
from tests.support import images

PATH = f"/v1beta1/projects/demo-phoenix/locations/us-central1/publishers/google/models/{MODEL}:predictLongRunning"


def body(**instance) -> dict:
    return {
        "instances": [{"prompt": "the boat drifts away", **instance}],
        "parameters": {"sampleCount": 1, "durationSeconds": 4, "aspectRatio": "16:9", "generateAudio": False},
    }


def inline(data: bytes, mime: str = "image/jpeg") -> dict:
    return {"bytesBase64Encoded": base64.b64encode(data).decode(), "mimeType": mime}


def refused(veo_server, **instance) -> str:
    status, answer = raw_post(veo_server.base_url, PATH, body(**instance))
    assert status == 400, answer
    return answer["error"]["message"]


JPEG = images.jpeg(1280, 720)


def test_an_image_without_its_mime_type_is_refused(veo_server, control):
    assert "mimeType" in refused(veo_server, image={"bytesBase64Encoded": base64.b64encode(JPEG).decode()})


def test_an_image_type_vertex_does_not_take_is_refused(veo_server, control):
    assert "image/webp" in refused(veo_server, image=inline(images.webp(1280, 720), "image/webp"))


def test_invalid_base64_is_refused(veo_server, control):
    assert "Base64 decoding failed" in refused(
        veo_server, image={"bytesBase64Encoded": "not base64 at all!!", "mimeType": "image/jpeg"}
    )


def test_an_invalid_gcs_uri_is_refused(veo_server, control):
    assert "gcsUri" in refused(veo_server, image={"gcsUri": "https://example.com/a.jpg", "mimeType": "image/jpeg"})


def test_both_bytes_and_a_uri_are_refused(veo_server, control):
    both = {**inline(JPEG), "gcsUri": "gs://b/a.jpg"}
    assert "exactly one" in refused(veo_server, image=both)


def test_bytes_that_do_not_decode_as_the_named_type_are_refused(veo_server, control):
    assert "could not be decoded" in refused(veo_server, image=inline(b"\xff\xd8\xff" + b"junk" * 500))
    assert "could not be decoded" in refused(veo_server, image=inline(JPEG, "image/png"))


def test_an_image_over_vertexs_size_limit_is_refused(veo_server, control):
    assert "maximum image size" in refused(veo_server, image=inline(JPEG + b"\0" * VEO_MAX_IMAGE_BYTES))


def test_a_last_frame_without_an_image_is_refused(veo_server, control):
    assert "requires instances[0].image" in refused(veo_server, lastFrame=inline(JPEG))


def test_a_model_without_image_input_refuses_one(veo_server, control, monkeypatch):
    text_only = dataclasses.replace(veo_models.CURRENT_MODELS[MODEL], image_input=False, last_frame_input=False)
    monkeypatch.setitem(veo_models.CURRENT_MODELS, MODEL, text_only)
    assert "not supported" in refused(veo_server, image=inline(JPEG))


def test_the_sdk_sees_a_refused_image_as_a_400(client):
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_videos(
            model=MODEL,
            source=types.GenerateVideosSource(
                prompt="p", image=types.Image(image_bytes=b"not an image", mime_type="image/jpeg")
            ),
            config=types.GenerateVideosConfig(number_of_videos=1, generate_audio=False),
        )
    assert caught.value.code == 400


def first_and_last_frames(data: bytes):
    with av.open(io.BytesIO(data)) as container:
        frames = list(container.decode(container.streams.video[0]))
    return frames[0], frames[-1]


def test_the_clip_starts_on_the_image_and_ends_on_the_last_frame(client, gcs):
    last = images.png(1280, 720, left=images.BLUE, right=images.RED)
    operation = client.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(
            prompt="the colours swap", image=types.Image(image_bytes=JPEG, mime_type="image/jpeg")
        ),
        config=types.GenerateVideosConfig(
            number_of_videos=1,
            generate_audio=False,
            duration_seconds=4,
            output_gcs_uri=fresh_prefix(),
            last_frame=types.Image(image_bytes=last, mime_type="image/png"),
        ),
    )
    done = wait_until_done(client, operation.name)
    uri = done.response.generated_videos[0].video.uri
    bucket, name = uri[len("gs://") :].split("/", 1)
    first, final = first_and_last_frames(gcs.bucket(bucket).blob(name).download_as_bytes())
    left, right = images.pixel_pair(first)
    assert images.close(left, images.RED) and images.close(right, images.BLUE)
    left, right = images.pixel_pair(final)
    assert images.close(left, images.BLUE) and images.close(right, images.RED)


def test_a_text_only_clip_does_not_start_on_that_image(client):
    operation = client.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(prompt="a plain clip"),
        config=types.GenerateVideosConfig(number_of_videos=1, generate_audio=False, duration_seconds=4),
    )
    done = wait_until_done(client, operation.name)
    first, _ = first_and_last_frames(done.response.generated_videos[0].video.video_bytes)
    left, right = images.pixel_pair(first)
    assert not (images.close(left, images.RED) and images.close(right, images.BLUE))
