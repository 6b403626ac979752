"""Helpers the Veo stand-in tests share: start and poll through the SDK, probe an MP4, read GCS,
and post raw JSON."""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request
import uuid

import av
from google.genai import types

from domain.veo_models import DEFAULT_MODEL

MODEL = DEFAULT_MODEL
BUCKET = "phoenix-veo-tmp"
POLL_INTERVAL = 0.05
# For tests that check the first poll still sees "running": long enough for a busy machine.
SLOW_DELAY_SECONDS = 0.8


def fresh_prefix() -> str:
    """A storageUri of its own per test: the Storage emulator lives for the whole session."""
    return f"gs://{BUCKET}/creations/{uuid.uuid4().hex}/"


def start(client, prompt="a cat walking on a beach", **config) -> types.GenerateVideosOperation:
    config.setdefault("number_of_videos", 1)
    config.setdefault("generate_audio", True)  # Veo 3.x refuses a start without it
    return client.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(prompt=prompt),
        config=types.GenerateVideosConfig(**config),
    )


def poll(client, name: str) -> types.GenerateVideosOperation:
    # By name only, as the production adapter does after storing the name.
    return client.operations.get(types.GenerateVideosOperation(name=name))


def wait_until_done(client, name: str, timeout: float = 60.0) -> types.GenerateVideosOperation:
    """The operation once done. `timeout` only bounds a failing test (one that never ends): a
    busy machine renders a clip in far more than the second or two it takes when idle."""
    deadline = time.monotonic() + timeout
    while True:
        operation = poll(client, name)
        if operation.done:
            return operation
        if time.monotonic() > deadline:
            raise AssertionError(f"operation {name} not done after {timeout}s")
        time.sleep(POLL_INTERVAL)


def probe_mp4(data: bytes) -> dict:
    """What an ffprobe check would report, read with PyAV (which bundles FFmpeg)."""
    assert data[4:8] == b"ftyp", "not an ISO-BMFF (MP4) file"
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        decoded_frames = sum(1 for _ in container.decode(stream))
        return {
            "codec": stream.codec_context.name,
            "width": stream.width,
            "height": stream.height,
            "duration": container.duration / av.time_base,
            "fps": float(stream.average_rate),
            "decoded_frames": decoded_frames,
        }


def gcs_object_names(gcs, storage_uri: str) -> list[str]:
    """The objects under `storage_uri`; none when the bucket does not exist yet (the stand-in
    creates it on its first upload, so a test that uploads nothing may run before any that does)."""
    from google.api_core.exceptions import NotFound

    prefix = storage_uri[len(f"gs://{BUCKET}/") :]
    try:
        return [blob.name for blob in gcs.list_blobs(BUCKET, prefix=prefix)]
    except NotFound:
        return []


def download(gcs, gcs_uri: str) -> bytes:
    bucket, _, name = gcs_uri[len("gs://") :].partition("/")
    return gcs.bucket(bucket).blob(name).download_as_bytes()


def raw_post(base_url: str, path: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        base_url + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
