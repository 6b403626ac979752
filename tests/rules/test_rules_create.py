"""creations/{id} create: who may ask for a video, with what, and only if they can pay for it."""

from __future__ import annotations

import datetime as dt
import sys

import pytest
import requests

from domain.contract import CLIENT_FIELDS, PROMPT_MAX_CHARS, SERVER_FIELDS
from domain.pricing import ASPECT_RATIOS, DURATIONS_SECONDS, token_cost
from tests.support.firestore_rest import Denied, encode, outcome

BLOCKED = "forbiddenword"  # keeps allowed creates away from Veo (see conftest)


def create(player, request_doc, new_id, **overrides):
    return outcome(lambda: player.client.create(f"creations/{new_id()}", request_doc(player.uid, **overrides)))


# ---- the allowed shape ----------------------------------------------------------------------


@pytest.mark.parametrize("aspect", ASPECT_RATIOS)
@pytest.mark.parametrize("duration", DURATIONS_SECONDS)
def test_owner_creates_a_valid_request_for_every_duration_and_aspect_ratio(
    alice, request_doc, new_id, duration, aspect
):
    assert create(alice, request_doc, new_id, duration=duration, aspectRatio=aspect) == "allowed"


def test_a_set_without_precondition_creates_like_the_mobile_sdks_setdata(alice, request_doc, new_id):
    assert outcome(lambda: alice.client.set(f"creations/{new_id()}", request_doc(alice.uid))) == "allowed"


def test_an_unauthenticated_create_is_denied(anon, alice, request_doc, new_id):
    assert outcome(lambda: anon.create(f"creations/{new_id()}", request_doc(alice.uid))) == "denied"


def test_a_request_in_another_users_name_is_denied(alice, bob, request_doc, new_id):
    assert create(alice, request_doc, new_id, userId=bob.uid) == "denied"


@pytest.mark.parametrize("user_id", ["", None, 7])
def test_a_userId_that_is_not_the_callers_uid_is_denied(alice, request_doc, new_id, user_id):
    assert create(alice, request_doc, new_id, userId=user_id) == "denied"


# ---- prompt -----------------------------------------------------------------------------------


def _padded(length: int) -> str:
    return (BLOCKED + " " + "x" * length)[:length]


@pytest.mark.parametrize(
    "prompt, expected",
    [
        pytest.param(_padded(PROMPT_MAX_CHARS), "allowed", id="exactly-2000-chars"),
        pytest.param(_padded(PROMPT_MAX_CHARS + 1), "denied", id="2001-chars"),
        pytest.param(BLOCKED, "allowed", id="one-word"),
        pytest.param(f"  {BLOCKED}\n\n", "allowed", id="text-inside-whitespace"),
        pytest.param(f"{BLOCKED}\nsecond line", "allowed", id="several-lines"),
        pytest.param("", "denied", id="empty"),
        pytest.param(" ", "denied", id="one-space"),
        pytest.param("   \n\t\r\n ", "denied", id="ascii-whitespace-only"),
        pytest.param("\u00a0\u2003\u3000\u2028", "denied", id="unicode-whitespace-only"),
        pytest.param("\x0b\x0c\x1c\x1f\x85", "denied", id="control-whitespace-only"),
        pytest.param(" " * PROMPT_MAX_CHARS, "denied", id="2000-spaces"),
        pytest.param([BLOCKED], "denied", id="list"),
        pytest.param({"text": BLOCKED}, "denied", id="map"),
        pytest.param(42, "denied", id="number"),
        pytest.param(None, "denied", id="null"),
    ],
)
def test_prompt_must_be_1_to_2000_characters_of_text_not_only_whitespace(alice, request_doc, new_id, prompt, expected):
    assert create(alice, request_doc, new_id, prompt=prompt) == expected


PYTHON_WHITESPACE = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]


@pytest.mark.parametrize("char", PYTHON_WHITESPACE, ids=lambda c: f"U+{ord(c):04X}")
def test_a_prompt_of_any_character_the_server_strips_is_denied(alice, request_doc, new_id, char):
    """The server rejects `not prompt.strip()`; the rules deny each of those characters too."""
    assert create(alice, request_doc, new_id, prompt=char * 3) == "denied"


# ---- aspect ratio, duration, status ---------------------------------------------------------


@pytest.mark.parametrize(
    "duration",
    [
        pytest.param("4", id="string"),
        pytest.param(4.5, id="float-4.5"),
        pytest.param(4.0, id="float-4.0-sent-as-double"),
        pytest.param(True, id="boolean"),
        pytest.param(None, id="null"),
        pytest.param(5, id="unsupported-5"),
        pytest.param(0, id="zero"),
        pytest.param(-4, id="negative"),
        pytest.param(80, id="eighty"),
        pytest.param([4], id="list"),
    ],
)
def test_duration_must_be_the_integer_4_6_or_8(alice, request_doc, new_id, duration):
    assert create(alice, request_doc, new_id, duration=duration) == "denied"


def test_rest_sends_4_0_as_a_double_so_the_rules_see_a_float():
    assert encode(4.0) == {"doubleValue": 4.0}


@pytest.mark.parametrize("aspect", ["1:1", "16:9 ", "9:16\n", "", None, 16, ["16:9"]])
def test_aspect_ratio_must_be_16_9_or_9_16(alice, request_doc, new_id, aspect):
    assert create(alice, request_doc, new_id, aspectRatio=aspect) == "denied"


@pytest.mark.parametrize(
    "status", ["processing", "draft", "failed", "published", "PENDING", "", None, {"value": "pending"}, ["pending"]]
)
def test_status_other_than_pending_on_create_is_denied(alice, request_doc, new_id, status):
    assert create(alice, request_doc, new_id, status=status) == "denied"


# ---- keys -------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", sorted(SERVER_FIELDS - CLIENT_FIELDS))
def test_a_server_field_on_create_is_denied(alice, request_doc, new_id, field):
    values = {
        "tokenCost": 0,
        "progress": 100,
        "refunded": True,
        "error": None,
        "mediaUrl": "https://evil.example/video.mp4",
        "mediaKey": "drafts/x.mp4",
        "operationName": "operations/x",
    }
    value = values.get(field, dt.datetime.now(dt.UTC))
    assert create(alice, request_doc, new_id, **{field: value}) == "denied"


@pytest.mark.parametrize("field", ["tokens", "userID", "extra", "publishedAt2"])
def test_an_unknown_extra_key_on_create_is_denied(alice, request_doc, new_id, field):
    assert create(alice, request_doc, new_id, **{field: 1}) == "denied"


@pytest.mark.parametrize("field", sorted(CLIENT_FIELDS))
def test_a_request_missing_a_client_field_is_denied(alice, request_doc, new_id, field):
    doc = request_doc(alice.uid)
    del doc[field]
    assert outcome(lambda: alice.client.create(f"creations/{new_id()}", doc)) == "denied"


# ---- createdAt and the id ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "created_at",
    [
        pytest.param("now", id="client-clock-now"),
        pytest.param(dt.datetime(2020, 1, 1, tzinfo=dt.UTC), id="in-the-past"),
        pytest.param(dt.datetime(2100, 1, 1, tzinfo=dt.UTC), id="in-the-future"),
        pytest.param("2026-01-01T00:00:00Z", id="string"),
    ],
)
def test_createdAt_must_be_the_request_time(alice, request_doc, new_id, created_at):
    if created_at == "now":
        created_at = dt.datetime.now(dt.UTC)
    assert create(alice, request_doc, new_id, createdAt=created_at) == "denied"


# The id's alphabet and length, and ids that carried money: test_rules_ids_and_reuse.py.


# ---- the price: the rules and functions/domain/pricing.py agree ------------------------------


@pytest.mark.parametrize("duration", DURATIONS_SECONDS)
def test_rules_price_agrees_with_domain_token_cost_for_every_duration(player, request_doc, new_id, duration):
    cost = token_cost(duration)
    just_enough, one_short = player(cost), player(cost - 1)
    assert create(one_short, request_doc, new_id, duration=duration) == "denied"
    assert create(just_enough, request_doc, new_id, duration=duration) == "allowed"


def test_a_user_without_a_user_document_has_no_tokens_and_is_denied(player, request_doc, new_id):
    assert create(player(0), request_doc, new_id) == "denied"


def test_the_balance_read_is_the_callers_not_the_forged_owners(player, bob, request_doc, new_id):
    poor = player(0)
    assert create(poor, request_doc, new_id, userId=bob.uid) == "denied"
    assert create(poor, request_doc, new_id) == "denied"


def test_a_batch_pairing_a_valid_create_with_a_forbidden_write_is_denied_whole(alice, request_doc, new_id, admin_db):
    cid = new_id()
    doc = {k: v for k, v in request_doc(alice.uid).items() if k != "createdAt"}
    writes = [
        {
            "update": {"name": f"creations/{cid}", "fields": {k: encode(v) for k, v in doc.items()}},
            "updateTransforms": [{"fieldPath": "createdAt", "setToServerValue": "REQUEST_TIME"}],
            "currentDocument": {"exists": False},
        },
        {
            "update": {"name": f"users/{alice.uid}", "fields": {"tokens": encode(10**9)}},
            "updateMask": {"fieldPaths": ["tokens"]},
        },
    ]
    assert outcome(lambda: alice.client.commit(writes)) == "denied"
    assert not admin_db.collection("creations").document(cid).get().exists


# ---- retries: a client-chosen id is never a second creation ---------------------------------


def test_a_retried_create_of_the_same_id_is_refused_and_charged_once(alice, request_doc, new_id, admin_db):
    from tests.support.waiting import wait_until

    cid = new_id()
    path = f"creations/{cid}"
    real = request_doc(alice.uid, prompt="a red fox running through snow")  # a real generation
    alice.client.create(path, real)

    # create() = exists:false precondition: 409 ALREADY_EXISTS, or 403 (Denied) once the first
    # request's debit exists (the rules' spent-id check is judged before the precondition):
    # refused either way, and nothing else is an acceptable answer.
    try:
        alice.client.create(path, real)
        pytest.fail("a second create of the same id was accepted")
    except Denied:
        pass
    except requests.HTTPError as conflict:
        assert conflict.response.status_code == 409
    assert outcome(lambda: alice.client.set(path, real)) == "denied"  # setData = an update

    debit = admin_db.collection("users").document(alice.uid).collection("transactions").document(f"debit_{cid}")
    wait_until(lambda: debit.get().exists, what="the one debit")
    charged = [
        e
        for _, e in alice.client.query(
            "transactions", where=[("creationId", "==", cid)], limit=10, parent=f"users/{alice.uid}"
        )
    ]
    assert [e["type"] for e in charged] == ["debit"]
    assert charged[0]["amount"] == token_cost(4)


def test_creating_an_id_another_user_already_used_does_not_touch_their_creation(alice, bob, seed, request_doc):
    cid = seed.finished(alice.uid, "draft")
    with pytest.raises(requests.HTTPError) as conflict:
        bob.client.create(f"creations/{cid}", request_doc(bob.uid))
    assert conflict.value.response.status_code == 409
    assert outcome(lambda: bob.client.set(f"creations/{cid}", request_doc(bob.uid))) == "denied"
    assert seed.status(cid) == "draft"
