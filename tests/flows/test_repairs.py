"""Handlers that die midway, malformed documents, deleted users: the system repairs itself
and no bad document holds up anyone else's refund."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import uuid

import requests

from devstack.stack import MEDIA_BUCKET, s3_client
from tests.flows.helpers import (
    OWNER,
    Altered,
    assert_ledger_ok,
    balance,
    cost,
    ledger_of,
    request_doc,
    run_scheduled,
    submit,
    wait_status,
)
from tests.flows.test_deletion_and_reuse import pending_and_charged
from tests.support.waiting import wait_until

LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def services(**settings):
    import config
    from bootstrap import bootstrap

    return bootstrap(dataclasses.replace(config.settings(), **settings))


def r2_keys(prefix: str) -> list[str]:
    listed = s3_client().list_objects_v2(Bucket=MEDIA_BUCKET, Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


def feed_entry(cid: str) -> dict | None:
    try:
        return OWNER.get(f"feed/{cid}")
    except requests.HTTPError as exc:
        if exc.response.status_code == 404:
            return None
        raise


def reconcile_now():
    from handlers import reconcile

    # A page bigger than the test database: one run sees every entry whatever the cursor.
    return reconcile.handle(services(reconcile_page_size=5000), dt.datetime.now(dt.UTC))


def a_draft(new_user):
    user, client = new_user(tokens=100)
    cid = submit(client, user.uid, f"{uuid.uuid4().hex[:8]} for the feed")
    assert wait_status(client, cid)["status"] == "draft"
    wait_until(lambda: client.get(f"creations/{cid}").get("posterUrl"), what="the draft's poster")
    return user, client, cid


def test_a_publish_killed_between_the_copy_and_the_feed_write_is_redone(new_user, veo):
    from handlers import publish_creation

    user, client, cid = a_draft(new_user)
    # The owner's publish, made through a status publishcreation ignores so that the real
    # trigger stays out of it: its handler is run below, in-process, and killed after the copy.
    OWNER.update(f"creations/{cid}", {"status": "drafting-paused"})
    OWNER.update(f"creations/{cid}", {"status": "published", "publishedAt": dt.datetime.now(dt.UTC)})
    wait_until(lambda: feed_entry(cid) is None, what="no feed entry")
    real = services()

    def copy_then_die(source, target, *args, **kwargs):
        real.media.copy(source, target, *args, **kwargs)
        raise SystemExit("killed after the copy")

    svc = dataclasses.replace(real, media=Altered(real.media, copy=copy_then_die))
    after = client.get(f"creations/{cid}")
    with contextlib.suppress(SystemExit):
        publish_creation.publish(cid, after, svc)
    assert feed_entry(cid) is None and len(r2_keys(f"published/{cid}/")) == 1

    reconcile_now()
    assert feed_entry(cid)["mediaUrl"].endswith(".mp4") and "userId" not in feed_entry(cid)


def test_a_feed_entry_whose_creation_is_gone_is_removed_with_its_public_copies(new_user, veo):
    from domain import media

    user, _ = new_user(tokens=0)
    # What a cleanupcreation that died before its first write leaves: the creation is gone,
    # its feed entry (prompt, uid) and public copy are not.
    cid = f"c-{uuid.uuid4().hex}"
    key = media.published_key(cid, media.draft_key(user.uid, cid, "secret"))
    s3_client().put_object(Bucket=MEDIA_BUCKET, Key=key, Body=b"x")
    OWNER.set(
        f"feed/{cid}",
        {
            "userId": user.uid,
            "prompt": "left behind",
            "aspectRatio": "16:9",
            "duration": 4,
            "publishedAt": dt.datetime.now(dt.UTC),
            "mediaUrl": f"http://127.0.0.1:9000/{MEDIA_BUCKET}/{key}",
        },
    )

    assert reconcile_now()["feedOrphans"] >= 1

    assert feed_entry(cid) is None
    assert r2_keys(f"published/{cid}") == []


def _planted_in_flight(client, uid, cid: str, fields: dict) -> None:
    """A malformed in-flight document (written around the create trigger, which would fail it)."""
    OWNER.create(f"creations/{cid}", request_doc(uid, "forbiddenword planted"))
    wait_status(client, cid, statuses=("failed",))
    OWNER.set(f"creations/{cid}", fields)


def test_malformed_in_flight_documents_are_set_aside_and_the_sweep_refunds_everyone_else(new_user, veo):
    user, client = new_user(tokens=100)
    odd, odd_client = new_user(tokens=100)
    tag = uuid.uuid4().hex[:8]
    numeric_uid, no_uid, bad_balance = (f"c-{tag}-{n}" for n in ("num", "none", "balance"))
    _planted_in_flight(
        client, user.uid, numeric_uid, {"status": "pending", "userId": 42, "createdAt": LONG_AGO, "prompt": "x"}
    )
    _planted_in_flight(client, user.uid, no_uid, {"status": "processing", "createdAt": LONG_AGO})
    charged_odd, _ = pending_and_charged(odd, odd_client, "charged, then the balance breaks")
    OWNER.update(f"creations/{charged_odd}", {"createdAt": LONG_AGO})
    OWNER.update(f"users/{odd.uid}", {"tokens": "lots"})
    stuck, _ = pending_and_charged(user, client, "a stuck request")
    OWNER.update(f"creations/{stuck}", {"createdAt": LONG_AGO + dt.timedelta(days=1)})

    run_scheduled("sweeporphans")  # answers 200: nothing raised

    assert client.get(f"creations/{stuck}")["status"] == "failed"
    assert ledger_of(client, user.uid)[f"refund_{stuck}"]["amount"] == cost(4)
    assert balance(client, user.uid) == 100
    for cid in (numeric_uid, no_uid):  # no ledger to find: failed without money
        doc = OWNER.get(f"creations/{cid}")
        assert doc["status"] == "failed" and doc["refunded"] is False
    # Money is owed but the balance is unreadable: set aside, never guessed.
    assert OWNER.get(f"creations/{charged_odd}")["status"] == "pending"
    assert_ledger_ok(user.uid)
    OWNER.update(f"users/{odd.uid}", {"tokens": 100 - cost(4)})  # an operator mends it; the next sweep refunds
    run_scheduled("sweeporphans")
    assert OWNER.get(f"creations/{charged_odd}")["refunded"] is True
    assert_ledger_ok(odd.uid)


def test_an_in_flight_creation_with_a_string_created_at_is_still_aged_and_swept(new_user, veo):
    from adapters import store
    from domain.errors import ErrorCode, failure

    user, client = new_user(tokens=100)
    cid, _ = pending_and_charged(user, client, "created at some point")
    OWNER.update(f"creations/{cid}", {"createdAt": "yesterday"})
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)  # as the sweep will see it

    assert cid in [c for c, _ in store.in_flight_without_a_time(later, limit=1000)]
    assert cid not in [c for c, _ in store.in_flight_without_a_time(LONG_AGO, limit=1000)]
    assert store.fail_and_refund(cid, failure(ErrorCode.TIMEOUT)).refunded_tokens == cost(4)  # what the sweep does
    assert balance(client, user.uid) == 100
    assert_ledger_ok(user.uid)


def test_check_alerts_survives_a_malformed_in_flight_document(new_user, veo):
    import config
    from adapters import store as firestore_store
    from domain.metrics import Thresholds
    from handlers import check_alerts

    user, client = new_user(tokens=100)
    cid = f"c-{uuid.uuid4().hex}"
    _planted_in_flight(client, user.uid, cid, {"status": "pending", "userId": user.uid, "createdAt": "yesterday"})
    rate = config.settings().veo_usd_per_video_second
    check_alerts.handle(Thresholds(), store=firestore_store, usd_per_video_second=rate)  # does not raise
    OWNER.delete(f"creations/{cid}")


def _erase_user(client, uid: str) -> None:
    """A GDPR erasure: the user document and its ledger go."""
    for entry_id in ledger_of(client, uid):
        OWNER.delete(f"users/{uid}/transactions/{entry_id}")
    OWNER.delete(f"users/{uid}")


def test_a_creation_finishing_after_its_user_was_erased_becomes_a_draft_without_a_ghost_user(new_user, veo):
    veo.config(delaySeconds=4)
    user, client = new_user(tokens=100)
    cid = submit(client, user.uid, f"{uuid.uuid4().hex[:8]} outlives its user")
    wait_status(client, cid, statuses=("processing",))
    _erase_user(client, user.uid)

    assert wait_status(client, cid, timeout=30)["status"] == "draft"  # not five finalize retries
    assert not OWNER.session.get(OWNER_DOC(f"users/{user.uid}"), timeout=10).ok
    assert_ledger_ok(user.uid)


def test_a_sweep_of_an_erased_users_creation_fails_it_without_recreating_the_user(new_user, veo):
    user, client = new_user(tokens=100)
    cid, _ = pending_and_charged(user, client, "an erased user's request")
    _erase_user(client, user.uid)
    OWNER.update(f"creations/{cid}", {"createdAt": LONG_AGO})

    run_scheduled("sweeporphans")

    doc = OWNER.get(f"creations/{cid}")
    assert doc["status"] == "failed" and doc["refunded"] is False
    assert not OWNER.session.get(OWNER_DOC(f"users/{user.uid}"), timeout=10).ok
    assert_ledger_ok(user.uid)


def OWNER_DOC(path: str) -> str:
    from tests.support.firestore_rest import DOCS

    return f"{DOCS}/{path}"


def test_a_failed_creations_uploaded_video_is_deleted(new_user, veo):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    from devstack.stack import STORAGE_ENDPOINT, TEMP_BUCKET
    from domain.errors import ExternalServiceError
    from domain.generation import OutcomeKind, VeoOutcome
    from handlers import finalize_generation
    from standins.media import render_mp4

    user, client = new_user(tokens=100)
    tag = uuid.uuid4().hex[:8]
    veo.faults([{"on": "start", "kind": "hang", "match": tag}])  # the pipeline's finalize never ends
    cid = submit(client, user.uid, f"{tag} uploaded then failed")
    wait_status(client, cid, statuses=("processing",))
    gcs = storage.Client(
        project="local", credentials=AnonymousCredentials(), client_options={"api_endpoint": STORAGE_ENDPOINT}
    )
    gcs.bucket(TEMP_BUCKET).blob(f"creations/{cid}/v/sample_0.mp4").upload_from_string(
        render_mp4(4, "16:9"), content_type="video/mp4"
    )
    real = services()

    def upload_then_error(reader, key, *args, **kwargs):
        real.media.upload_stream(reader, key, *args, **kwargs)  # the object lands, then an error
        raise ExternalServiceError("r2", "connection reset after the body", transient=False)

    svc = dataclasses.replace(
        real,
        veo=Altered(
            real.veo,
            poll=lambda name: VeoOutcome(
                OutcomeKind.READY, video_uri=f"gs://{TEMP_BUCKET}/creations/{cid}/v/sample_0.mp4"
            ),
        ),
        media=Altered(real.media, upload_stream=upload_then_error),
    )
    assert finalize_generation.handle(cid, svc) == "failed"

    doc = client.get(f"creations/{cid}")
    assert doc["status"] == "failed" and doc["refunded"] is True
    assert r2_keys(f"drafts/{user.uid}/{cid}/") == []
    assert_ledger_ok(user.uid)


def test_publish_and_cleanup_set_malformed_documents_aside_without_raising(new_user, veo):
    from handlers import cleanup_creation, publish_creation

    user, client = new_user(tokens=100)
    cid = f"c-{uuid.uuid4().hex}"
    broken = {"status": "published", "userId": user.uid, "mediaKey": 17}
    assert publish_creation.publish(cid, broken, services()) == "set_aside"
    assert feed_entry(cid) is None
    for deleted in (
        {"userId": 42, "status": "processing"},
        {"status": ["odd"]},
        {"userId": user.uid, "status": "processing", "mediaKey": None},
    ):
        assert cleanup_creation.handle(cid, deleted, services()) == "cleaned"
    assert balance(client, user.uid) == 100
    assert_ledger_ok(user.uid)
