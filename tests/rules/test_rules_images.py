"""creations/{id} create with photos: `image` and `lastFrame` name the caller's own
upload, `uploads/{uid}/{uploadId}`, and lastFrame only with image. Hostile values: another
user's path, traversal, odd characters, wrong types, a last frame alone."""

from __future__ import annotations

import pytest

from tests.support.firestore_rest import outcome


def create(player, request_doc, new_id, **fields):
    return outcome(lambda: player.client.create(f"creations/{new_id()}", request_doc(player.uid, **fields)))


def own(player, upload_id="photo-1_A"):
    return f"uploads/{player.uid}/{upload_id}"


def test_a_request_from_an_own_upload_is_allowed(alice, request_doc, new_id):
    assert create(alice, request_doc, new_id, image=own(alice)) == "allowed"


def test_a_first_and_a_last_frame_are_allowed(alice, request_doc, new_id):
    assert create(alice, request_doc, new_id, image=own(alice), lastFrame=own(alice, "b" * 128)) == "allowed"


def test_a_last_frame_without_a_first_frame_is_denied(alice, request_doc, new_id):
    assert create(alice, request_doc, new_id, lastFrame=own(alice)) == "denied"


def test_someone_elses_upload_is_denied(alice, bob, request_doc, new_id):
    assert create(alice, request_doc, new_id, image=own(bob)) == "denied"
    assert create(alice, request_doc, new_id, image=own(alice), lastFrame=own(bob)) == "denied"


@pytest.mark.parametrize(
    "path",
    [
        "uploads/{uid}/../{other}/x",
        "uploads/{uid}/..",
        "uploads/{uid}/a/b",
        "uploads/{uid}/",
        "uploads/{uid}",
        "/uploads/{uid}/a",
        "Uploads/{uid}/a",
        "uploads//{uid}/a",
        "uploads/{uid}/a.jpg",
        "uploads/{uid}/a b",
        "uploads/{uid}/a%2Fb",
        "uploads/{uid}/é",
        "uploads/{uid}/" + "c" * 129,
        "gs://bucket/uploads/{uid}/a",
        "creations/{uid}/a",
        "",
    ],
)
def test_odd_paths_are_denied(alice, bob, request_doc, new_id, path):
    value = path.format(uid=alice.uid, other=bob.uid)
    assert create(alice, request_doc, new_id, image=value) == "denied"


@pytest.mark.parametrize("value", [42, True, None, ["uploads/x/y"], {"path": "uploads/x/y"}])
def test_an_image_that_is_not_a_string_is_denied(alice, request_doc, new_id, value):
    assert create(alice, request_doc, new_id, image=value) == "denied"
