"""storage.rules against a hostile client: photos go to uploads/{uid}/{uploadId},
written once by their owner, a JPEG, PNG or WebP of at most 10 MiB, read by their owner only.
Every call goes through the Storage emulator's Firebase API with a real ID token, so the rules
decide; nothing else in the bucket is readable or writable by a client."""

from __future__ import annotations

import uuid

import pytest

from domain import uploads
from tests.support import images
from tests.support.storage_rest import StorageClient, allowed

JPEG = images.jpeg(640, 360)


@pytest.fixture(scope="module")
def alice_storage(alice):
    return StorageClient(alice.user.id_token)


@pytest.fixture(scope="module")
def bob_storage(bob):
    return StorageClient(bob.user.id_token)


def fresh() -> str:
    return uuid.uuid4().hex


def test_an_owner_uploads_each_allowed_type(alice, alice_storage):
    for content_type in uploads.UPLOAD_CONTENT_TYPES:
        path = uploads.upload_path(alice.uid, fresh())
        assert allowed(alice_storage.upload(path, JPEG, content_type)) == "allowed", content_type


def test_an_upload_of_exactly_the_cap_is_allowed_and_one_byte_more_is_not(alice, alice_storage):
    at_cap = JPEG + b"\0" * (uploads.MAX_UPLOAD_BYTES - len(JPEG))
    assert allowed(alice_storage.upload(uploads.upload_path(alice.uid, fresh()), at_cap)) == "allowed"
    assert allowed(alice_storage.upload(uploads.upload_path(alice.uid, fresh()), at_cap + b"\0")) == "denied"


def test_an_empty_upload_is_denied(alice, alice_storage):
    assert allowed(alice_storage.upload(uploads.upload_path(alice.uid, fresh()), b"")) == "denied"


@pytest.mark.parametrize(
    "content_type", ["image/gif", "image/svg+xml", "text/plain", "application/octet-stream", "image/JPEG", None]
)
def test_another_content_type_is_denied(alice, alice_storage, content_type):
    path = uploads.upload_path(alice.uid, fresh())
    assert allowed(alice_storage.upload(path, JPEG, content_type)) == "denied"


def test_an_upload_to_another_users_folder_is_denied(alice_storage, bob):
    assert allowed(alice_storage.upload(uploads.upload_path(bob.uid, fresh()), JPEG)) == "denied"


def test_a_signed_out_upload_is_denied(alice):
    assert allowed(StorageClient(None).upload(uploads.upload_path(alice.uid, fresh()), JPEG)) == "denied"


@pytest.mark.parametrize(
    "path",
    [
        "uploads/{uid}/../{other}/x",
        "uploads/{uid}/a/b",
        "uploads/{uid}/a.jpg",
        "uploads/{uid}/a b",
        "uploads/{uid}/é",
        "uploads/{uid}/" + "c" * 129,
        "uploads/{uid}",
        "uploads/x{uid}/a",
        "{uid}/a",
        "creations/{uid}/a",
        "feed/a.jpg",
        "a",
    ],
)
def test_odd_paths_and_other_folders_are_denied(alice, bob, alice_storage, path):
    assert allowed(alice_storage.upload(path.format(uid=alice.uid, other=bob.uid), JPEG)) == "denied"


def test_an_upload_is_never_overwritten_even_by_its_owner(alice, alice_storage):
    path = uploads.upload_path(alice.uid, fresh())
    assert allowed(alice_storage.upload(path, JPEG)) == "allowed"
    assert allowed(alice_storage.upload(path, images.png(640, 360), "image/png")) == "denied"
    status, data = alice_storage.read(path)
    assert status == 200 and data == JPEG


def test_an_upload_is_read_by_its_owner_and_by_nobody_else(alice, alice_storage, bob_storage):
    path = uploads.upload_path(alice.uid, fresh())
    assert allowed(alice_storage.upload(path, JPEG)) == "allowed"
    assert alice_storage.read(path) == (200, JPEG)
    assert allowed(bob_storage.read(path)[0]) == "denied"
    assert allowed(bob_storage.metadata(path)) == "denied"
    assert allowed(StorageClient(None).read(path)[0]) == "denied"


def test_nobody_lists_uploads_nor_deletes_one(alice, alice_storage, bob_storage):
    path = uploads.upload_path(alice.uid, fresh())
    assert allowed(alice_storage.upload(path, JPEG)) == "allowed"
    assert allowed(alice_storage.list(f"uploads/{alice.uid}/")) == "denied"
    assert allowed(bob_storage.list("uploads/")) == "denied"
    assert allowed(bob_storage.delete(path)) == "denied"
    assert allowed(alice_storage.delete(path)) == "denied"  # the server deletes photos, never the app
    assert alice_storage.read(path)[0] == 200
