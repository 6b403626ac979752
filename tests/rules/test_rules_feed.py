"""Through the real rules engine: display names (profiles/{uid}), unpublish, hidden
feed entries, reports, and the moderation fields no client may write."""

from __future__ import annotations

import pytest

from tests.support.firestore_rest import SERVER_TIME, outcome

VISIBLE = [("visible", "==", True)]
NEWEST = [("publishedAt", "DESCENDING")]


def doc_of(admin_db, path: str) -> dict | None:
    snap = admin_db.document(path).get()
    return snap.to_dict() if snap.exists else None


def feed_entry_for(admin_db, cid: str, visible: bool = True) -> str:
    """The feed entry the server writes for a published creation."""
    from domain import media

    creation = doc_of(admin_db, f"creations/{cid}")
    admin_db.collection("feed").document(cid).set(
        media.feed_entry(creation, f"http://127.0.0.1:9000/phoenix-media/{media.published_key(cid)}", visible=visible)
    )
    return cid


# ---- profiles/{uid} ---------------------------------------------------------------------------


def name(value: str) -> dict:
    return {"displayName": value, "updatedAt": SERVER_TIME}


def test_a_user_sets_and_changes_their_own_display_name_and_reads_it(player):
    me = player(0)
    assert outcome(lambda: me.client.set(f"profiles/{me.uid}", name("Ana María"))) == "allowed"
    assert outcome(lambda: me.client.set(f"profiles/{me.uid}", name("Ana M"))) == "allowed"
    assert me.client.get(f"profiles/{me.uid}")["displayName"] == "Ana M"
    assert outcome(lambda: me.client.delete(f"profiles/{me.uid}")) == "allowed"


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param("a", id="too-short"),
        pytest.param("x" * 31, id="too-long"),
        pytest.param(" Ana", id="leading-space"),
        pytest.param("Ana ", id="trailing-space"),
        pytest.param("Ana  B", id="double-space"),
        pytest.param("Ana\u200bB", id="zero-width-space"),
        pytest.param("Ana\u202eB", id="bidi-override"),
        pytest.param("Ana\nB", id="newline"),
        pytest.param("Ana<script>", id="markup"),
        pytest.param("-Ana", id="starts-with-punctuation"),
    ],
)
def test_a_display_name_that_could_impersonate_or_break_layout_is_refused(player, bad):
    me = player(0)
    assert outcome(lambda: me.client.set(f"profiles/{me.uid}", name(bad))) == "denied"


def test_a_profile_takes_only_the_name_and_the_request_time(player):
    me = player(0)
    assert outcome(lambda: me.client.set(f"profiles/{me.uid}", {"displayName": "Ana"})) == "denied"
    assert outcome(lambda: me.client.set(f"profiles/{me.uid}", {**name("Ana"), "uid": me.uid})) == "denied"
    assert outcome(lambda: me.client.set(f"profiles/{me.uid}", {"displayName": "Ana", "updatedAt": 5})) == "denied"


def test_nobody_else_writes_or_reads_a_profile(player, anon):
    me, other = player(0), player(0)
    me.client.set(f"profiles/{me.uid}", name("Ana"))
    assert outcome(lambda: other.client.set(f"profiles/{me.uid}", name("Evil"))) == "denied"
    assert outcome(lambda: other.client.get(f"profiles/{me.uid}")) == "denied"
    assert outcome(lambda: other.client.delete(f"profiles/{me.uid}")) == "denied"
    assert outcome(lambda: anon.get(f"profiles/{me.uid}")) == "denied"
    assert outcome(lambda: other.client.query("profiles", limit=10)) == "denied"


# ---- unpublish -------------------------------------------------------------------------------


UNPUBLISH = {"status": "draft"}
UNPUBLISH_MASK = ["status", "publishedAt"]  # publishedAt in the mask, not in the data: removed


def test_owner_unpublishes_removing_publishedAt_and_changing_nothing_else(alice, seed, admin_db):
    cid = seed.finished(alice.uid, "published")
    before = doc_of(admin_db, f"creations/{cid}")
    assert outcome(lambda: alice.client.update_masked(f"creations/{cid}", UNPUBLISH, UNPUBLISH_MASK)) == "allowed"
    after = doc_of(admin_db, f"creations/{cid}")
    assert after["status"] == "draft" and "publishedAt" not in after
    assert {k: v for k, v in after.items() if k != "status"} == {
        k: v for k, v in before.items() if k not in ("status", "publishedAt")
    }


@pytest.mark.parametrize(
    "data, mask",
    [
        pytest.param({"status": "draft"}, ["status"], id="keeping-publishedAt"),
        pytest.param({"status": "draft", "publishedAt": SERVER_TIME}, UNPUBLISH_MASK, id="restamping-publishedAt"),
        pytest.param({"status": "draft", "prompt": "changed"}, [*UNPUBLISH_MASK, "prompt"], id="with-another-field"),
        pytest.param({"status": "failed"}, UNPUBLISH_MASK, id="to-failed"),
    ],
)
def test_an_unpublish_that_changes_more_or_otherwise_is_denied(alice, seed, data, mask):
    cid = seed.finished(alice.uid, "published")
    assert outcome(lambda: alice.client.update_masked(f"creations/{cid}", data, mask)) == "denied"
    assert seed.status(cid) == "published"


def test_unpublishing_someone_elses_creation_is_denied(alice, bob, seed):
    cid = seed.finished(bob.uid, "published")
    assert outcome(lambda: alice.client.update_masked(f"creations/{cid}", UNPUBLISH, UNPUBLISH_MASK)) == "denied"


def test_a_draft_cannot_be_unpublished(alice, seed):
    cid = seed.finished(alice.uid, "draft")
    assert outcome(lambda: alice.client.update_masked(f"creations/{cid}", UNPUBLISH, UNPUBLISH_MASK)) == "denied"


# ---- takedown and poster fields: server-owned --------------------------------------------------


def test_a_taken_down_creation_cannot_be_published_again(alice, seed, admin_db):
    cid = seed.finished(alice.uid, "draft")
    admin_db.document(f"creations/{cid}").update(
        {"moderation": {"state": "taken_down", "reason": "copyright", "by": "ops"}}
    )
    publish = {"status": "published", "publishedAt": SERVER_TIME}
    assert outcome(lambda: alice.client.publish_with(cid, publish)) == "denied"
    # ...and the owner sees that it was taken down and why
    assert alice.client.get(f"creations/{cid}")["moderation"]["reason"] == "copyright"


@pytest.mark.parametrize(
    "field, value",
    [
        pytest.param("moderation", None, id="clear-moderation"),
        pytest.param("moderation", {"state": "restored"}, id="set-moderation"),
        pytest.param("posterUrl", "https://evil.test/p.jpg", id="posterUrl"),
        pytest.param("posterKey", "drafts/x/y/z.jpg", id="posterKey"),
    ],
)
def test_moderation_and_poster_fields_are_not_client_writable(alice, seed, admin_db, field, value):
    cid = seed.finished(alice.uid, "draft")
    admin_db.document(f"creations/{cid}").update({"moderation": {"state": "taken_down", "reason": "x", "by": "ops"}})
    data = {"status": "published", "publishedAt": SERVER_TIME, field: value}
    assert outcome(lambda: alice.client.publish_with(cid, data)) == "denied"
    assert outcome(lambda: alice.client.update(f"creations/{cid}", {field: value})) == "denied"


# ---- hidden feed entries ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def hidden_entry(alice, seed, admin_db) -> str:
    return feed_entry_for(admin_db, seed.finished(alice.uid, "published"), visible=False)


@pytest.fixture(scope="module")
def shown_entry(alice, seed, admin_db) -> str:
    return feed_entry_for(admin_db, seed.finished(alice.uid, "published"))


def test_a_hidden_entry_cannot_be_read_by_anyone_not_even_its_owner(alice, bob, hidden_entry):
    assert outcome(lambda: bob.client.get(f"feed/{hidden_entry}")) == "denied"
    assert outcome(lambda: alice.client.get(f"feed/{hidden_entry}")) == "denied"


def test_the_feed_query_must_filter_on_visible(bob, shown_entry, hidden_entry):
    assert outcome(lambda: bob.client.query("feed", order_by=NEWEST, limit=50)) == "denied"
    assert outcome(lambda: bob.client.query("feed", where=[("visible", "==", False)], limit=50)) == "denied"
    rows = bob.client.query("feed", where=VISIBLE, order_by=NEWEST, limit=50)
    assert all(entry["visible"] is True for _, entry in rows)
    assert hidden_entry not in {cid for cid, _ in rows}


def test_a_visible_entry_carries_a_name_and_no_uid(bob, alice, shown_entry):
    entry = bob.client.get(f"feed/{shown_entry}")
    assert entry["displayName"] and "userId" not in entry and alice.uid not in entry.values()


# ---- reports ---------------------------------------------------------------------------------


def report(reason: str = "spam") -> dict:
    return {"reason": reason, "createdAt": SERVER_TIME}


def test_a_user_with_a_verified_email_reports_an_entry_once(player, alice, seed, admin_db):
    cid = feed_entry_for(admin_db, seed.finished(alice.uid, "published"))
    me = player(0, verified=True)
    assert outcome(lambda: me.client.create(f"feed/{cid}/reports/{me.uid}", report())) == "allowed"
    # A second one is an update of the same document (a create of an existing one answers 409).
    assert outcome(lambda: me.client.set(f"feed/{cid}/reports/{me.uid}", report("hate"))) == "denied"
    assert outcome(lambda: me.client.delete(f"feed/{cid}/reports/{me.uid}")) == "denied"


def test_reports_and_their_count_are_unreadable_even_to_the_reporter(player, alice, seed, admin_db):
    cid = feed_entry_for(admin_db, seed.finished(alice.uid, "published"))
    me, other = player(0, verified=True), player(0, verified=True)
    me.client.create(f"feed/{cid}/reports/{me.uid}", report())
    assert outcome(lambda: me.client.get(f"feed/{cid}/reports/{me.uid}")) == "denied"
    assert outcome(lambda: other.client.get(f"feed/{cid}/reports/{me.uid}")) == "denied"
    assert outcome(lambda: me.client.query("reports", parent=f"feed/{cid}", limit=10)) == "denied"
    assert outcome(lambda: me.client.count("reports", parent=f"feed/{cid}", limit=10)) == "denied"
    assert outcome(lambda: me.client.collection_group_query("reports", limit=10)) == "denied"
    assert outcome(lambda: me.client.get(f"moderation/{cid}")) == "denied"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"reason": "i-dont-like-it", "createdAt": SERVER_TIME}, id="reason-not-in-list"),
        pytest.param({"reason": "spam"}, id="no-createdAt"),
        pytest.param({"reason": "spam", "createdAt": 5}, id="createdAt-not-request-time"),
        pytest.param({**report(), "weight": 100}, id="extra-field"),
        pytest.param({"createdAt": SERVER_TIME}, id="no-reason"),
    ],
)
def test_a_malformed_report_is_denied(player, shown_entry, data):
    me = player(0, verified=True)
    assert outcome(lambda: me.client.create(f"feed/{shown_entry}/reports/{me.uid}", data)) == "denied"


def test_reporting_in_someone_elses_name_or_signed_out_is_denied(player, anon, shown_entry):
    me, other = player(0, verified=True), player(0, verified=True)
    assert outcome(lambda: me.client.create(f"feed/{shown_entry}/reports/{other.uid}", report())) == "denied"
    assert outcome(lambda: anon.create(f"feed/{shown_entry}/reports/anyone", report())) == "denied"


def test_the_owner_cannot_report_their_own_entry(alice, shown_entry):
    assert outcome(lambda: alice.client.create(f"feed/{shown_entry}/reports/{alice.uid}", report())) == "denied"


def test_a_hidden_or_missing_entry_cannot_be_reported(player, hidden_entry, new_id):
    me = player(0, verified=True)
    assert outcome(lambda: me.client.create(f"feed/{hidden_entry}/reports/{me.uid}", report())) == "denied"
    assert outcome(lambda: me.client.create(f"feed/{new_id()}/reports/{me.uid}", report())) == "denied"


# ---- who may report: accounts that can be held to account ---------------------------------------


def test_an_anonymous_account_cannot_report(anonymous_player, shown_entry):
    me = anonymous_player
    assert outcome(lambda: me.client.create(f"feed/{shown_entry}/reports/{me.uid}", report())) == "denied"


def test_an_account_whose_email_is_not_verified_cannot_report(player, shown_entry):
    me = player(0)  # a free email address, signed up, never verified
    assert outcome(lambda: me.client.create(f"feed/{shown_entry}/reports/{me.uid}", report())) == "denied"


def test_the_server_only_standing_of_reporters_is_unreadable(player, alice):
    me = player(0, verified=True)
    assert outcome(lambda: me.client.get(f"reporters/{me.uid}")) == "denied"
    assert outcome(lambda: me.client.get(f"moderationAudit/{me.uid}")) == "denied"
    assert outcome(lambda: me.client.query("moderationAudit", limit=10)) == "denied"


# ---- names: invisible characters, the server's judgement --------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param("\u3164\u3164", id="hangul-filler-blank"),
        pytest.param("Mara Lind\u034f", id="combining-grapheme-joiner"),
        pytest.param("Mara\ufe0f Lind", id="variation-selector"),
        pytest.param("\u115f\u1160ab", id="hangul-choseong-jungseong-fillers"),
        pytest.param("\uffa0\uffa0", id="halfwidth-hangul-filler"),
        pytest.param("Ma\u00adra", id="soft-hyphen"),
        pytest.param("Mara\U000e0041", id="tag-character"),
    ],
)
def test_a_display_name_that_renders_blank_or_carries_invisible_characters_is_refused(player, bad):
    me = player(0)
    assert outcome(lambda: me.client.set(f"profiles/{me.uid}", name(bad))) == "denied"


def test_the_accepted_name_is_readable_by_its_owner_only_and_written_by_the_server_only(player, admin_db):
    from tests.support.waiting import wait_until

    me, other = player(0), player(0)
    assert outcome(lambda: me.client.set(f"displayNames/{me.uid}", {"name": "Mara Lind"})) == "denied"
    me.client.set(f"profiles/{me.uid}", name(f"Rules {me.uid[:8]}"))
    wait_until(lambda: admin_db.document(f"displayNames/{me.uid}").get().exists, what="the server's judgement")
    assert outcome(lambda: me.client.get(f"displayNames/{me.uid}")) == "allowed"
    assert outcome(lambda: other.client.get(f"displayNames/{me.uid}")) == "denied"
    assert outcome(lambda: me.client.query("names", limit=10)) == "denied"
