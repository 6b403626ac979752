"""creations/{id} ids: which ids a client may choose, and that an id which ever carried money
in the caller's ledger can never be created again (the free-video hole)."""

from __future__ import annotations

import pytest
import requests

from domain.contract import CREATION_ID_MAX_CHARS
from tests.support.firestore_rest import Denied, outcome


def create_at(player, request_doc, cid: str) -> str:
    return outcome(lambda: player.client.create(f"creations/{cid}", request_doc(player.uid)))


def refused(call) -> str:
    """ "allowed", "denied" (the rules, 403), or "invalid" (Firestore itself, 400: a name that
    is no document of creations at all). Both refusals leave nothing behind."""
    try:
        call()
    except Denied:
        return "denied"
    except requests.HTTPError as err:
        if err.response.status_code == 400:
            return "invalid"
        raise
    return "allowed"


# ---- the id alphabet ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "suffix",
    [
        pytest.param("", id="auto-id-alphabet"),
        pytest.param("-with-dashes", id="dash"),
        pytest.param("_with_underscores", id="underscore"),
        pytest.param("ABCxyz0189", id="mixed-case-and-digits"),
    ],
)
def test_an_id_of_letters_digits_dash_and_underscore_is_allowed(alice, request_doc, new_id, suffix):
    assert create_at(alice, request_doc, new_id() + suffix) == "allowed"


@pytest.mark.parametrize("cid", ["-", "_", "a", "Z", "0"])
def test_a_one_character_id_of_the_alphabet_is_allowed(player, request_doc, cid, admin_db):
    """A one-character id is the same for every run: on a stack reused by an earlier run
    (make dev) it may be taken already, and then there is nothing to judge."""
    if admin_db.collection("creations").document(cid).get().exists:
        pytest.skip(f"creations/{cid} exists already in this database")
    assert create_at(player(1_000), request_doc, cid) == "allowed"  # blocked prompt: never charged


@pytest.mark.parametrize(
    "length, expected", [(CREATION_ID_MAX_CHARS, "allowed"), (CREATION_ID_MAX_CHARS + 1, "denied")]
)
def test_an_id_is_1_to_128_characters(alice, request_doc, new_id, length, expected):
    cid = (new_id() + "x" * length)[:length]
    assert create_at(alice, request_doc, cid) == expected


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda base: f"{base}.mp4", id="dot-mp4"),
        pytest.param(lambda base: f"{base}.mp4?", id="dot-mp4-question-mark"),
        pytest.param(lambda base: f"{base}?x=1", id="question-mark"),
        pytest.param(lambda base: f"{base}#frag", id="hash"),
        pytest.param(lambda base: f"{base}%2F..", id="percent"),
        pytest.param(lambda base: f"{base} x", id="space"),
        pytest.param(lambda base: f" {base}", id="leading-space"),
        pytest.param(lambda base: f"{base}\t", id="tab"),
        pytest.param(lambda base: f"{base}\n", id="newline"),
        pytest.param(lambda base: f"{base}é", id="accented-letter"),
        pytest.param(lambda base: f"{base}\u200b", id="zero-width-space"),
        pytest.param(lambda base: f"{base}\u202e", id="right-to-left-override"),
        pytest.param(lambda base: f"{base}\uff41", id="fullwidth-letter"),
        pytest.param(lambda base: f"{base}\U0001f600", id="emoji"),
        pytest.param(lambda base: f"{base}+x", id="plus"),
        pytest.param(lambda base: f"{base}:x", id="colon"),
        pytest.param(lambda base: f"{base}\\x", id="backslash"),
        pytest.param(lambda base: f"{base}&x=1", id="ampersand"),
        pytest.param(lambda base: f"{base}~", id="tilde"),
        pytest.param(lambda base: "..", id="dot-dot"),
        pytest.param(lambda base: " ", id="one-space"),
        pytest.param(lambda base: "\u200b", id="only-zero-width-space"),
        pytest.param(lambda base: "\u3000", id="only-ideographic-space"),
    ],
)
def test_an_id_with_a_character_outside_the_alphabet_is_refused(alice, request_doc, new_id, admin_db, make):
    cid = make(new_id())
    assert refused(lambda: alice.client.create(f"creations/{cid}", request_doc(alice.uid))) != "allowed"
    if "/" not in cid and cid not in ("..",):
        assert not admin_db.collection("creations").document(cid).get().exists


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda base: f"{base}/x/y", id="slash-to-a-subcollection"),
        pytest.param(lambda base: f"{base}/x", id="slash-to-a-collection"),
        pytest.param(lambda base: "", id="empty"),
        pytest.param(lambda base: ".", id="dot"),
    ],
)
def test_an_id_that_is_no_creation_document_at_all_is_refused(alice, request_doc, new_id, make):
    """Not the rules' doing (Firestore refuses the name, or the rules have no match for the
    path): proven so that the alphabet rule is never mistaken for the only guard."""
    cid = make(new_id())
    assert refused(lambda: alice.client.create(f"creations/{cid}", request_doc(alice.uid))) != "allowed"


# ---- an id that carried money is spent for good -------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "published"])
def test_a_charged_creation_deleted_then_created_again_under_its_id_is_denied(
    alice, seed, request_doc, admin_db, status
):
    cid = seed.finished(alice.uid, status)  # with its debit_{id}, as the pipeline leaves it
    assert outcome(lambda: alice.client.delete(f"creations/{cid}")) == "allowed"
    assert create_at(alice, request_doc, cid) == "denied"
    assert outcome(lambda: alice.client.set(f"creations/{cid}", request_doc(alice.uid))) == "denied"
    assert not admin_db.collection("creations").document(cid).get().exists


def test_a_charged_then_refunded_creation_deleted_then_created_again_is_denied(alice, seed, request_doc, admin_db):
    cid = seed.charged_and_refunded(alice.uid)
    assert outcome(lambda: alice.client.delete(f"creations/{cid}")) == "allowed"
    assert create_at(alice, request_doc, cid) == "denied"
    assert not admin_db.collection("creations").document(cid).get().exists


def test_an_id_deleted_by_an_operator_after_its_charge_cannot_be_created_again(alice, seed, request_doc):
    """Deleted around the rules (Admin SDK, console, account deletion): the ledger still
    holds the debit, so the id stays spent."""
    cid = seed.finished(alice.uid, "draft")
    seed.remove(cid)
    assert create_at(alice, request_doc, cid) == "denied"


def test_a_never_charged_creation_deleted_then_created_again_is_allowed(alice, seed, request_doc):
    cid = seed.finished(alice.uid, "failed")  # refused before any debit: nothing in the ledger
    assert outcome(lambda: alice.client.delete(f"creations/{cid}")) == "allowed"
    assert create_at(alice, request_doc, cid) == "allowed"


def test_an_id_another_user_was_charged_for_is_judged_by_the_callers_own_ledger(
    alice, bob, seed, request_doc, admin_db
):
    """The rules read only the caller's ledger: Bob may take an id Alice used and deleted.
    Alice's money is untouched (her debit stays in her ledger, Bob's would go in his)."""
    cid = seed.finished(alice.uid, "draft")
    assert outcome(lambda: alice.client.delete(f"creations/{cid}")) == "allowed"
    assert create_at(bob, request_doc, cid) == "allowed"
    assert outcome(lambda: alice.client.set(f"creations/{cid}", request_doc(alice.uid))) == "denied"
    alice_debit = (
        admin_db.collection("users").document(alice.uid).collection("transactions").document(f"debit_{cid}").get()
    )
    from domain.pricing import token_cost

    assert alice_debit.exists and alice_debit.get("amount") == token_cost(4)  # seed.finished: a 4 s draft


def test_a_new_id_is_not_denied_by_ledger_entries_of_other_ids(player, request_doc, seed, new_id):
    """The ledger check is per id: a user with a long history still creates fresh ids."""
    owner = player(1_000)
    seed.finished(owner.uid, "draft")
    assert create_at(owner, request_doc, new_id()) == "allowed"


def test_an_id_the_server_refused_cannot_be_deleted_and_sent_again(player, request_doc, new_id, seed):
    from tests.support.waiting import wait_until

    me = player(1_000)
    cid = new_id()
    assert create_at(me, request_doc, cid) == "allowed"  # a blocked prompt: refused, never charged
    wait_until(lambda: seed.status(cid) == "failed", what="the server's refusal")
    assert outcome(lambda: me.client.delete(f"creations/{cid}")) == "allowed"
    assert create_at(me, request_doc, cid) == "denied"


@pytest.mark.parametrize("field", ["policyCooldownUntil", "refusalCooldownUntil"])
def test_a_user_in_a_cooldown_cannot_create_until_it_ends(player, request_doc, new_id, admin_db, field):
    import datetime as dt

    me = player(1_000)
    user = admin_db.document(f"users/{me.uid}")
    user.update({field: dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)})
    assert create_at(me, request_doc, new_id()) == "denied"
    user.update({field: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)})
    assert create_at(me, request_doc, new_id()) == "allowed"
