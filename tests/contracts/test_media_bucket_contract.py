"""The MediaBucket port's contract, asserted on the handler tier's fake and on the R2 adapter
(adapters/r2.py over HTTPS through the fault proxy to moto, as the functions use it). Needs no
emulator: the R2 side starts its own moto and proxy (tests/adapters/test_r2_media_bucket.py)."""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from domain import media
from domain.errors import ExternalServiceError
from standins.fault_proxy import FaultProxy
from standins.tls import make_local_tls
from tests.handlers.fakes import FakeClock, FakeMediaBucket


@dataclass
class Side:
    bucket: Any  # the port
    content_type_of: Any  # key -> the Content-Type it was stored with


@pytest.fixture(scope="module")
def r2_world(tmp_path_factory):
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    moto_url = f"http://{host}:{port}"
    tls = make_local_tls(tmp_path_factory.mktemp("r2tls"))
    with FaultProxy(moto_url, port=0, log_requests=False, tls=(str(tls.cert_file), str(tls.key_file))) as proxy:
        yield moto_url, proxy, tls
    server.stop()


def _r2_side(r2_world) -> Side:
    from adapters.r2 import MediaBucket

    moto_url, proxy, tls = r2_world
    name = f"media-{uuid.uuid4().hex[:10]}"
    s3 = boto3.client(
        "s3", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    s3.create_bucket(Bucket=name)
    s3.put_bucket_policy(
        Bucket=name,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{name}/*",
                    }
                ],
            }
        ),
    )
    bucket = MediaBucket(proxy.s3_url, "auto", name, "https://media.test/", "key", "secret", ca_bundle=str(tls.ca_file))
    return Side(bucket, lambda key: s3.head_object(Bucket=name, Key=key)["ContentType"])


@pytest.fixture(params=["fake", "r2"])
def side(request) -> Side:
    if request.param == "fake":
        fake = FakeMediaBucket(FakeClock())
        return Side(fake, lambda key: fake.content_types[key])
    return _r2_side(request.getfixturevalue("r2_world"))


def read(bucket, key: str) -> bytes:
    out = io.BytesIO()
    bucket.download_to(key, out)
    return out.getvalue()


def test_bytes_uploaded_come_back_with_their_content_type(side):
    side.bucket.upload_bytes(b"jpeg", "drafts/u/c/s.jpg", content_type=media.POSTER_CONTENT_TYPE)
    assert read(side.bucket, "drafts/u/c/s.jpg") == b"jpeg"
    assert side.content_type_of("drafts/u/c/s.jpg") == media.POSTER_CONTENT_TYPE


def test_a_streamed_upload_is_a_video(side):
    side.bucket.upload_stream(io.BytesIO(b"video"), "drafts/u/c/s.mp4")
    assert read(side.bucket, "drafts/u/c/s.mp4") == b"video"
    assert side.content_type_of("drafts/u/c/s.mp4") == "video/mp4"


def test_a_copy_has_the_source_bytes_and_the_content_type_it_is_given(side):
    side.bucket.upload_bytes(b"jpeg", "drafts/u/c/s.jpg", content_type=media.POSTER_CONTENT_TYPE)
    side.bucket.copy("drafts/u/c/s.jpg", "published/c/s.jpg", content_type=media.POSTER_CONTENT_TYPE)
    assert read(side.bucket, "published/c/s.jpg") == b"jpeg"
    assert side.content_type_of("published/c/s.jpg") == media.POSTER_CONTENT_TYPE


def test_copying_a_missing_object_is_a_permanent_404(side):
    with pytest.raises(ExternalServiceError) as raised:
        side.bucket.copy("drafts/u/c/missing.mp4", "published/c/missing.mp4")
    assert raised.value.status == 404 and not raised.value.transient


def test_reading_a_missing_object_is_a_permanent_404(side):
    with pytest.raises(ExternalServiceError) as raised:
        read(side.bucket, "drafts/u/c/missing.mp4")
    assert raised.value.status == 404 and not raised.value.transient


def test_delete_is_idempotent_and_listing_is_by_prefix(side):
    side.bucket.upload_bytes(b"a", "drafts/u/c1/s.mp4")
    side.bucket.upload_bytes(b"b", "drafts/u/c2/s.mp4")
    side.bucket.delete("drafts/u/c1/s.mp4")
    side.bucket.delete("drafts/u/c1/s.mp4")
    assert [key for key, _ in side.bucket.list_keys("drafts/u/")] == ["drafts/u/c2/s.mp4"]
    assert side.bucket.list_keys("published/") == []


def test_a_public_url_names_the_key_under_the_public_base(side):
    assert side.bucket.public_url("published/c/s.mp4") == "https://media.test/published/c/s.mp4"
