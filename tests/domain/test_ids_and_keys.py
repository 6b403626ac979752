"""Ids cannot change what an object key or a URL means."""

import pytest

from domain import media
from domain.contract import is_valid_creation_id, parse_request
from domain.errors import ErrorCode, Failure
from tests.domain.test_contract import valid


@pytest.mark.parametrize("cid", ["victim.mp4?", "a/b", "a b", "é", "", "x" * 129, "..", "a#b", "%2F"])
def test_ids_outside_the_auto_id_alphabet_are_refused(cid):
    assert not is_valid_creation_id(cid)
    problem = parse_request(cid, valid())
    assert isinstance(problem, Failure) and problem.code == ErrorCode.INVALID_REQUEST


@pytest.mark.parametrize("cid", ["AbC09_-", "x" * 128, "c-0123456789abcdef"])
def test_auto_ids_are_accepted(cid):
    assert not isinstance(parse_request(cid, valid()), Failure)


def test_keys_escape_whatever_an_id_holds():
    key = media.draft_key("u/../v", "victim.mp4?", "s")
    assert key == "drafts/u%2F..%2Fv/victim.mp4%3F/s.mp4"
    assert media.creation_id_of(key) == "victim.mp4%3F"


def test_the_public_key_is_specific_to_one_incarnation():
    first = media.draft_key("u", "x", "secret1")
    second = media.draft_key("v", "x", "secret2")
    assert media.published_key("x", first) == "published/x/secret1.mp4"
    assert media.published_key("x", first) != media.published_key("x", second)
    assert media.creation_id_of("published/x/secret1.mp4") == "x"
    assert media.creation_id_of("published/x.mp4") == "x"  # objects published before


def test_a_new_owners_public_copy_is_not_the_old_documents():
    new_owner = {"status": "published", "mediaKey": media.draft_key("v", "x", "s2")}
    assert media.object_is_live("published/x/s2.mp4", new_owner)
    assert not media.object_is_live("published/x/s1.mp4", new_owner)
    assert media.keys_of("x", {"mediaKey": media.draft_key("u", "x", "s1")}) == [
        "drafts/u/x/s1.mp4",
        "published/x/s1.mp4",
        "drafts/u/x/s1.jpg",  # the posters
        "published/x/s1.jpg",
    ]


def test_a_failed_creations_upload_is_not_live():
    key = media.draft_key("u", "x", "s")
    assert not media.object_is_live(key, {"status": "failed", "mediaKey": key})
    assert media.object_is_live(key, {"status": "processing", "mediaKey": key})


def test_posters_live_beside_their_video_and_belong_to_the_same_document():
    key = media.draft_key("u", "x", "s1")
    assert media.poster_key(key) == "drafts/u/x/s1.jpg"
    assert media.published_poster_key("x", key) == "published/x/s1.jpg"
    assert media.creation_id_of("drafts/u/x/s1.jpg") == "x"
    assert media.creation_id_of("published/x/s1.jpg") == "x"
    draft = {"status": "draft", "mediaKey": key}
    assert media.object_is_live("drafts/u/x/s1.jpg", draft)
    assert not media.object_is_live("published/x/s1.jpg", draft)  # unpublished: the public poster goes
    assert media.object_is_live("published/x/s1.jpg", {**draft, "status": "published"})
    assert not media.object_is_live("drafts/u/x/s2.jpg", draft)  # another incarnation's
    assert not media.object_is_live("drafts/u/x/s1.jpg", {**draft, "status": "failed"})
    assert media.public_keys_of("x", draft) == ["published/x/s1.mp4", "published/x/s1.jpg"]
