"""The local storage rules runtime's evaluator: it must refuse what the real runtime refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.storage_rules.evaluator import RulesError, parse, permits

ROOT = Path(__file__).resolve().parents[2]

OWNER_RULES = """
rules_version = '2';
service firebase.storage {
  match /b/{bucket}/o {
    function isOwner(uid) { return request.auth != null && request.auth.uid == uid; }
    match /uploads/{uid}/{uploadId} {
      allow read: if isOwner(uid);
      allow create: if isOwner(uid)
        && request.resource.size < 10 * 1024 * 1024
        && request.resource.contentType.matches('image/(jpeg|png)')
        && uploadId.size() <= 64;
    }
  }
}
"""


def request(uid: str | None, size: int = 1000, content_type: str = "image/jpeg") -> dict:
    return {
        "request": {
            "auth": None if uid is None else {"uid": uid, "token": {"user_id": uid}},
            "resource": {"size": size, "contentType": content_type, "metadata": {}},
        },
        "resource": None,
    }


@pytest.mark.parametrize(
    ("method", "owner_may"),
    [("create", True), ("get", True), ("list", False), ("update", False), ("delete", False)],
)
def test_the_repository_rules_give_a_photos_owner_create_and_get_and_nobody_anything_else(method, owner_may):
    rules = parse((ROOT / "storage.rules").read_text())
    assert rules.version == 2
    photo = "/b/demo-phoenix.appspot.com/o/uploads/alice/a"
    assert permits(rules, photo, method, request("alice")) == owner_may
    assert not permits(rules, photo, method, request("bob"))
    assert not permits(rules, photo, method, request(None))
    assert not permits(rules, "/b/demo-phoenix.appspot.com/o/elsewhere/alice/a", method, request("alice"))


def test_an_owner_rule_admits_the_owner_and_refuses_everyone_else():
    rules = parse(OWNER_RULES)
    path = "/b/bucket/o/uploads/alice/photo1"
    assert permits(rules, path, "create", request("alice"))
    assert permits(rules, path, "get", request("alice"))
    assert not permits(rules, path, "create", request("bob"))
    assert not permits(rules, path, "create", request(None))
    assert not permits(rules, path, "update", request("alice"))  # only create is allowed
    assert not permits(rules, path, "delete", request("alice"))


def test_conditions_on_the_incoming_object_are_enforced():
    rules = parse(OWNER_RULES)
    path = "/b/bucket/o/uploads/alice/photo1"
    assert not permits(rules, path, "create", request("alice", size=11 * 1024 * 1024))
    assert not permits(rules, path, "create", request("alice", content_type="video/mp4"))
    assert not permits(rules, "/b/bucket/o/uploads/alice/" + "x" * 65, "create", request("alice"))


def test_a_path_deeper_or_shallower_than_the_match_is_refused():
    rules = parse(OWNER_RULES)
    assert not permits(rules, "/b/bucket/o/uploads/alice/photo1/more", "create", request("alice"))
    assert not permits(rules, "/b/bucket/o/uploads/alice", "create", request("alice"))


def test_an_error_in_a_condition_refuses_rather_than_allows():
    rules = parse(
        "rules_version = '2'; service firebase.storage { match /b/{b}/o/{p=**} {"
        " allow read: if request.auth.uid == 'x'; } }"
    )
    assert not permits(rules, "/b/b/o/a", "get", request(None))  # null.uid is an error


def test_recursive_wildcards_match_zero_segments_only_in_version_2():
    v1 = parse("service firebase.storage { match /b/{b}/o/{p=**} { allow read; } }")
    v2 = parse("rules_version = '2'; service firebase.storage { match /b/{b}/o/{p=**} { allow read; } }")
    assert not permits(v1, "/b/b/o", "get", request(None))
    assert permits(v2, "/b/b/o", "get", request(None))


def test_rules_that_do_not_parse_are_refused_at_load():
    with pytest.raises(RulesError):
        parse("service firebase.storage { match /b/{b}/o { allow read: if ; } }")
    with pytest.raises(RulesError):
        parse("service cloud.firestore { match /x { allow read; } }")
