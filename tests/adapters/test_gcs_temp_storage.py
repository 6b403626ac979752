"""TempStorage (functions/adapters/gcs.py) against the Storage emulator as the stack runs it,
with Veo's output written the way the Veo stand-in writes it. A 1080p clip is larger than one
8 MiB read chunk, so its copy to R2 is a streamed, ranged read that must end at the object's
end: Cloud Storage answers the read past the end with 416, and so must the local stack."""

from __future__ import annotations

import hashlib
import io
import os
from types import SimpleNamespace

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from adapters import gcs
from adapters.r2 import MediaBucket
from domain.generation import OutcomeKind, VeoOutcome
from handlers.finalize_generation import _copy_to_media
from standins.fault_proxy import FaultProxy
from standins.tls import make_local_tls
from standins.veo_output import OutputWriter

MB = 1024 * 1024
BUCKET = "phoenix-veo-tmp"


@pytest.fixture(scope="module")
def gcs_endpoint(storage_alone):
    return storage_alone  # the session's lone Storage emulator (tests/conftest.py)


@pytest.fixture
def temp_storage(gcs_endpoint, monkeypatch) -> gcs.TempStorage:
    # The adapter's own client factory, uncached, so it reads this emulator's address.
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_endpoint)
    monkeypatch.setattr(gcs, "_client", gcs._client.__wrapped__)
    return gcs.TempStorage()


def veo_writes(gcs_endpoint: str, creation_id: str, clip: bytes) -> str:
    """Uploads the clip exactly as the Veo stand-in does and returns its gs:// URI."""
    operation = SimpleNamespace(storage_uri=gcs.temp_prefix_uri(BUCKET, creation_id), operation_id="op1")
    return OutputWriter(gcs_endpoint, "demo-phoenix").upload(operation, 0, clip)  # type: ignore[arg-type]


def media_url(gcs_endpoint: str, uri: str) -> str:
    bucket, path = uri[5:].split("/", 1)
    return f"{gcs_endpoint}/download/storage/v1/b/{bucket}/o/{requests.utils.quote(path, safe='')}?alt=media"


def test_a_read_starting_past_the_end_is_refused_with_416_as_cloud_storage_does(gcs_endpoint):
    clip = os.urandom(MB + 7)
    url = media_url(gcs_endpoint, veo_writes(gcs_endpoint, "past-end", clip))

    past = requests.get(url, headers={"Range": f"bytes={len(clip)}-{len(clip) + 8 * MB}"}, timeout=30)
    inside = requests.get(url, headers={"Range": "bytes=10-19"}, timeout=30)
    overlapping_end = requests.get(url, headers={"Range": f"bytes={len(clip) - 3}-{len(clip) + 100}"}, timeout=30)

    assert (past.status_code, past.headers.get("Content-Range"), past.content) == (416, f"bytes */{len(clip)}", b"")
    assert (inside.status_code, inside.content) == (206, clip[10:20])
    assert (overlapping_end.status_code, overlapping_end.content) == (206, clip[-3:])


@pytest.mark.parametrize("size", [20 * MB + 12345, 16 * MB], ids=["20MiB-and-a-bit", "exactly-two-chunks"])
def test_a_large_veo_output_streams_back_whole_and_ends(gcs_endpoint, temp_storage, size):
    clip = os.urandom(size)
    reader = temp_storage.open_read(veo_writes(gcs_endpoint, f"stream-{size}", clip))
    chunks = []
    try:
        # Bounded: a reader that never reaches its end (a read past it served again) fails here.
        for _ in range(size // (8 * MB) + 3):
            chunk = reader.read(8 * MB)
            if not chunk:
                break
            chunks.append(chunk)
        else:
            pytest.fail("the reader did not reach the end of the object")
    finally:
        reader.close()

    assert sum(map(len, chunks)) == size
    assert hashlib.sha256(b"".join(chunks)).hexdigest() == hashlib.sha256(clip).hexdigest()


@pytest.fixture(scope="module")
def media_bucket(tmp_path_factory):
    """R2 as the functions reach it locally: HTTPS through the strict fault proxy to moto."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    moto_url = f"http://{host}:{port}"
    tls = make_local_tls(tmp_path_factory.mktemp("r2tls"))
    with FaultProxy(moto_url, port=0, log_requests=False, tls=(str(tls.cert_file), str(tls.key_file))) as proxy:
        media = MediaBucket(
            proxy.s3_url, "auto", "media", f"{moto_url}/media/", "key", "secret", ca_bundle=str(tls.ca_file)
        )
        boto3.client(
            "s3", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
        ).create_bucket(Bucket="media")
        yield media
    server.stop()


class _AtMost:
    """Fails a reader that yields more bytes than the object holds (a read past its end served
    again), so that failure ends the copy instead of streaming to R2 forever."""

    def __init__(self, storage: gcs.TempStorage, limit: int):
        self._storage, self._limit = storage, limit

    def open_read(self, uri: str):
        raw, limit, seen = self._storage.open_read(uri), self._limit, [0]

        def read(size: int = -1) -> bytes:
            chunk = raw.read(size)
            seen[0] += len(chunk)
            assert seen[0] <= limit, f"read {seen[0]} bytes of a {limit}-byte object"
            return chunk

        return SimpleNamespace(read=read, close=raw.close)


def test_a_20_mib_veo_output_reaches_r2_byte_identical_through_the_finalize_copy(
    gcs_endpoint, temp_storage, media_bucket
):
    clip = os.urandom(20 * MB)
    uri = veo_writes(gcs_endpoint, "to-r2", clip)
    services = SimpleNamespace(temp_storage=_AtMost(temp_storage, len(clip)), media=media_bucket)

    _copy_to_media(VeoOutcome(OutcomeKind.READY, video_uri=uri), "drafts/u/to-r2/video.mp4", services)  # type: ignore[arg-type]

    landed = io.BytesIO()
    media_bucket.download_to("drafts/u/to-r2/video.mp4", landed)
    assert len(landed.getvalue()) == len(clip)
    assert hashlib.sha256(landed.getvalue()).hexdigest() == hashlib.sha256(clip).hexdigest()
