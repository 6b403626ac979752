"""The Uploads and TempStorage ports' contracts, asserted on the handler tier's fakes and on the
Cloud Storage adapters (adapters/uploads.py, adapters/gcs.py) against the stack's Storage
emulator alike. Buckets of their own: the stack's temp bucket would wake the finish trigger."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from domain.errors import ExternalServiceError
from tests.handlers.fakes import FakeClock, FakeTempStorage, FakeUploads

UPLOADS_BUCKET = "contracts-uploads"
TEMP_BUCKET = "contracts-temp"


@dataclass
class FakeGcsSide:
    uploads: Any
    temp: Any

    def put_upload(self, path: str, data: bytes) -> None:
        self.uploads.put(path, data)

    def put_temp(self, uri: str, data: bytes) -> None:
        self.temp.objects[uri] = data


@dataclass
class EmulatorGcsSide:
    uploads: Any
    temp: Any
    client: Any

    def _put(self, bucket: str, path: str, data: bytes) -> None:
        self.client.bucket(bucket).blob(path).upload_from_string(data, content_type="application/octet-stream")

    def put_upload(self, path: str, data: bytes) -> None:
        self._put(UPLOADS_BUCKET, path, data)

    def put_temp(self, uri: str, data: bytes) -> None:
        bucket, _, path = uri[5:].partition("/")
        self._put(bucket, path, data)


@pytest.fixture(params=["fake", "emulator"])
def gcs_side(request):
    if request.param == "fake":
        return FakeGcsSide(FakeUploads(FakeClock()), FakeTempStorage())
    request.getfixturevalue("stack")
    from adapters import gcs, uploads

    return EmulatorGcsSide(uploads.Uploads(UPLOADS_BUCKET), gcs.TempStorage(), gcs._client())


@pytest.fixture
def tag() -> str:
    return uuid.uuid4().hex[:10]


def test_an_upload_reads_back_its_bytes_and_when_it_was_written(gcs_side, tag):
    path = f"uploads/u-{tag}/photo"
    gcs_side.put_upload(path, b"\x89PNG-bytes")

    found = gcs_side.uploads.read(path, 1024)

    assert (found.path, found.data) == (path, b"\x89PNG-bytes")
    assert found.created is not None


def test_an_upload_over_the_cap_reads_only_the_cap_and_one_byte(gcs_side, tag):
    path = f"uploads/u-{tag}/big"
    gcs_side.put_upload(path, bytes(range(10)) * 10)

    assert gcs_side.uploads.read(path, 7).data == bytes(range(8))


def test_a_missing_upload_reads_as_none_and_deletes_as_false(gcs_side, tag):
    path = f"uploads/u-{tag}/gone"
    assert gcs_side.uploads.read(path, 1024) is None
    assert gcs_side.uploads.delete(path) is False

    gcs_side.put_upload(path, b"x")
    assert gcs_side.uploads.delete(path) is True
    assert gcs_side.uploads.read(path, 1024) is None


def test_uploads_page_in_name_order_after_a_cursor(gcs_side, tag):
    paths = [f"uploads/u-{tag}/{name}" for name in ("b", "a", "c", "d")]
    for path in paths:
        gcs_side.put_upload(path, b"x")

    page = gcs_side.uploads.page(f"uploads/u-{tag}/a", 2)

    assert [p for p, _ in page] == [f"uploads/u-{tag}/b", f"uploads/u-{tag}/c"]
    assert all(created is not None for _, created in page)
    assert [p for p, _ in gcs_side.uploads.page(f"uploads/u-{tag}/c", 5)][:1] == [f"uploads/u-{tag}/d"]


def test_veos_output_streams_back_and_a_missing_one_is_a_permanent_error(gcs_side, tag):
    uri = f"gs://{TEMP_BUCKET}/veo/{tag}/sample_0.mp4"
    gcs_side.put_temp(uri, b"mp4" * 1000)

    reader = gcs_side.temp.open_read(uri)
    assert reader.read(-1) == b"mp4" * 1000

    with pytest.raises(ExternalServiceError) as missing:
        gcs_side.temp.open_read(f"gs://{TEMP_BUCKET}/veo/{tag}/none.mp4").read(-1)
    assert not missing.value.transient


def test_deleting_a_prefix_removes_what_is_under_it_and_counts_it(gcs_side, tag):
    for name in ("a/sample_0.mp4", "a/sample_1.mp4", "b/sample_0.mp4"):
        gcs_side.put_temp(f"gs://{TEMP_BUCKET}/veo/{tag}/{name}", b"x")

    assert gcs_side.temp.delete_prefix(f"gs://{TEMP_BUCKET}/veo/{tag}/a/") == 2
    assert gcs_side.temp.delete_prefix(f"gs://{TEMP_BUCKET}/veo/{tag}/a/") == 0
    assert gcs_side.temp.open_read(f"gs://{TEMP_BUCKET}/veo/{tag}/b/sample_0.mp4").read(-1) == b"x"
