"""MediaBucket (functions/adapters/r2.py) against the local R2 path as the functions use it:
HTTPS through the fault proxy (strict like R2) to moto, and anonymous GETs on the public URL.
Needs no emulators."""

from __future__ import annotations

import hashlib
import io
import json
import os
import urllib.error
import urllib.request
import uuid

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from adapters.r2 import PART_SIZE, PRIVATE, PUBLIC, MediaBucket
from standins.fault_proxy import FaultProxy, ProxyControl
from standins.tls import make_local_tls

MB = 1024 * 1024


@pytest.fixture(scope="module")
def moto_url():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return make_local_tls(tmp_path_factory.mktemp("r2tls"))


@pytest.fixture(scope="module")
def proxy(moto_url, tls):
    with FaultProxy(moto_url, port=0, log_requests=False, tls=(str(tls.cert_file), str(tls.key_file))) as running:
        yield running


def moto_s3(moto_url):
    return boto3.client(
        "s3", endpoint_url=moto_url, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )


@pytest.fixture
def bucket_name(moto_url, proxy) -> str:
    """A bucket readable anonymously, like an R2 bucket behind its public domain (devstack's set-up)."""
    name = f"media-{uuid.uuid4().hex[:10]}"
    s3 = moto_s3(moto_url)
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
    ProxyControl(proxy.base_url).reset()
    return name


@pytest.fixture
def media(proxy, tls, moto_url, bucket_name) -> MediaBucket:
    return MediaBucket(
        proxy.s3_url, "auto", bucket_name, f"{moto_url}/{bucket_name}/", "key", "secret", ca_bundle=str(tls.ca_file)
    )


def anonymous_get(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers


# ----- checksums: what R2 refuses, our client does not send


def test_a_default_boto3_client_is_refused_by_the_local_r2_as_by_r2(proxy, tls, moto_url, bucket_name):
    default = boto3.client(
        "s3",
        endpoint_url=proxy.s3_url,
        region_name="auto",
        aws_access_key_id="key",
        aws_secret_access_key="secret",
        verify=str(tls.ca_file),
        config=Config(retries={"total_max_attempts": 1}),
    )

    with pytest.raises(ClientError) as put:
        default.put_object(Bucket=bucket_name, Key="drafts/a.mp4", Body=b"video")
    error = put.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("Unauthorized", "Unauthorized")
    assert put.value.response["ResponseMetadata"]["HTTPStatusCode"] == 401
    with pytest.raises(Exception, match="Unauthorized"):
        default.upload_fileobj(
            io.BytesIO(os.urandom(9 * MB)),
            bucket_name,
            "drafts/big.mp4",
            Config=TransferConfig(multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE),
        )

    assert moto_s3(moto_url).list_objects_v2(Bucket=bucket_name).get("KeyCount") == 0
    assert ProxyControl(proxy.base_url).stats()["refused"] >= 2


def test_the_adapter_puts_uploads_multipart_copies_lists_and_deletes_through_the_local_r2(
    media, proxy, moto_url, bucket_name
):
    small, big = b"\x00small video\xff", os.urandom(12 * MB)  # big: two 8 MB parts
    media.upload_bytes(small, "drafts/u/c1/s.mp4")
    media.upload_stream(io.BytesIO(big), "drafts/u/c2/s.mp4")
    media.copy("drafts/u/c2/s.mp4", "published/c2.mp4")

    s3 = moto_s3(moto_url)
    assert s3.get_object(Bucket=bucket_name, Key="drafts/u/c1/s.mp4")["Body"].read() == small
    assert s3.head_object(Bucket=bucket_name, Key="drafts/u/c2/s.mp4")["ETag"].endswith('-2"')  # multipart
    copied = s3.get_object(Bucket=bucket_name, Key="published/c2.mp4")["Body"].read()
    assert hashlib.sha256(copied).digest() == hashlib.sha256(big).digest()
    assert sorted(key for key, _ in media.list_keys("drafts/")) == ["drafts/u/c1/s.mp4", "drafts/u/c2/s.mp4"]

    media.delete("drafts/u/c1/s.mp4")
    media.delete("drafts/u/c1/s.mp4")  # a repeat is harmless
    assert [key for key, _ in media.list_keys("drafts/u/c1/")] == []
    stats = ProxyControl(proxy.base_url).stats()
    assert stats["refused"] == 0 and stats["forwarded"] == stats["requests"]


# ----- caching: a draft is private, the public copy short-lived


@pytest.mark.parametrize("size", [1024, 12 * MB], ids=["single-put", "multipart"])
def test_a_draft_is_served_private_so_no_shared_cache_stores_it(media, size):
    draft = f"drafts/u/c-{size}/s.mp4"
    media.upload_stream(io.BytesIO(os.urandom(size)), draft)  # the callers' default: a private draft
    body, headers = anonymous_get(media.public_url(draft))
    assert len(body) == size
    assert (headers["Cache-Control"], headers["Content-Type"]) == ("private, max-age=3600", "video/mp4")


def test_the_published_copy_gets_its_own_headers_public_for_five_minutes(media):
    draft, public = "drafts/u/c/s.mp4", "published/c.mp4"
    media.upload_bytes(os.urandom(2048), draft)
    media.copy(draft, public)  # the callers' default: the public copy
    body, headers = anonymous_get(media.public_url(public))
    assert len(body) == 2048
    assert (headers.get("Cache-Control"), headers["Content-Type"]) == ("public, max-age=300", "video/mp4")


def test_visibility_can_be_said_explicitly(media):
    media.upload_bytes(b"v", "drafts/u/x/s.mp4", visibility=PRIVATE)
    media.copy("drafts/u/x/s.mp4", "published/x.mp4", visibility=PUBLIC)
    media.upload_bytes(b"v", "published/y.mp4", visibility=PUBLIC)
    assert anonymous_get(media.public_url("published/y.mp4"))[1]["Cache-Control"] == "public, max-age=300"
    with pytest.raises(TypeError):
        media.upload_bytes(b"v", "drafts/u/x/s.mp4", visibility="public")


# ----- public URLs: no key can change what the URL names


def test_public_url_percent_encodes_each_segment_and_keeps_the_slashes():
    media = MediaBucket("", "auto", "b", "https://media.example.com/", "k", "s")
    assert media.public_url("published/abc_-9.mp4") == "https://media.example.com/published/abc_-9.mp4"
    assert media.public_url("published/v.mp4?x=1#frag 100%+") == (
        "https://media.example.com/published/v.mp4%3Fx%3D1%23frag%20100%25%2B"
    )
    for bad in ("published/../drafts/u/c/s.mp4", "published/./x.mp4", "published//x.mp4", "/x.mp4"):
        with pytest.raises(ValueError):
            media.public_url(bad)


def test_a_key_ending_in_a_query_mark_names_its_own_object_not_the_victims(media):
    media.upload_bytes(b"the victim's video", "published/victim.mp4")
    media.upload_bytes(b"the attacker's video", "published/victim.mp4?")
    media.upload_bytes(b"hash", "published/a#b%41.mp4")

    assert anonymous_get(media.public_url("published/victim.mp4?"))[0] == b"the attacker's video"
    assert anonymous_get(media.public_url("published/a#b%41.mp4"))[0] == b"hash"
    with pytest.raises(urllib.error.HTTPError):
        anonymous_get(media.public_url("published/victim.mp4?").replace("%3F", "%3F-missing"))
