"""Every unhappy path returns exactly what was taken, and nothing is taken twice.

Driven through the client path (or, where the rules would already refuse, the admin path
that a race would produce), with faults injected in the Veo stand-in.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
import requests

from tests.flows.helpers import (
    OWNER,
    Altered,
    assert_ledger_ok,
    balance,
    cost,
    ledger_of,
    new_id,
    operations_for,
    request_doc,
    run_scheduled,
    services,
    submit,
    wait_status,
)
from tests.support.firestore_rest import Denied
from tests.support.waiting import wait_until


def marker() -> str:
    return f"m{uuid.uuid4().hex[:10]}"


def test_insufficient_balance_fails_without_any_ledger_movement(new_user, veo):
    # The rules refuse this write for the client; the server must still hold if the balance
    # dropped between the rules check and the trigger, so the request arrives as that race would.
    user, client = new_user(tokens=cost(4) - 1)
    tag = marker()
    cid = new_id()
    OWNER.create(f"creations/{cid}", request_doc(user.uid, f"{tag} a lighthouse", duration=4))

    doc = wait_status(client, cid)
    assert doc["status"] == "failed"
    assert doc["error"]["code"] == "insufficient_tokens"
    assert str(cost(4)) in doc["error"]["message"] and str(cost(4) - 1) in doc["error"]["message"]
    assert doc["refunded"] is False and "tokenCost" not in doc
    assert balance(client, user.uid) == cost(4) - 1
    assert [e["type"] for e in ledger_of(client, user.uid).values()] == ["grant"]
    assert operations_for(veo, tag) == []
    assert_ledger_ok(user.uid)


def test_a_user_whose_requests_keep_being_refused_is_refused_up_front_and_nothing_is_charged(new_user, veo):
    import config

    # The dev stack runs production's limit, so an attacker's script meets it too.
    from domain.admission import REFUSALS_PER_WINDOW

    limit = config.settings().refusals_per_hour
    assert limit == REFUSALS_PER_WINDOW, "functions/.env.local must keep production's refusal limit"
    user, client = new_user(tokens=100)
    tag = marker()
    refused = [submit(client, user.uid, f"{tag} forbiddenword {n}") for n in range(limit)]
    assert {wait_status(client, cid)["error"]["code"] for cid in refused} == {"content_policy"}

    # Cooling down: the rules refuse the next create up front (the contract doc's rate_limited).
    with pytest.raises(Denied):
        submit(client, user.uid, f"{tag} a calm lake at dawn")
    assert client.get(f"users/{user.uid}")["refusalCooldownUntil"]
    assert balance(client, user.uid) == 100
    assert operations_for(veo, tag) == []
    assert_ledger_ok(user.uid)


def test_transient_veo_errors_are_retried_until_the_video_is_made(new_user, veo):
    user, client = new_user(tokens=100)
    tag = marker()
    veo.faults(
        [
            {"on": "start", "kind": "quota", "times": 2, "match": tag},
            {"on": "poll", "kind": "unavailable", "times": 2, "match": tag},
        ]
    )
    cid = submit(client, user.uid, f"{tag} a sailing boat")

    doc = wait_status(client, cid)
    assert doc["status"] == "draft", doc
    assert veo.stats()["faultsPending"] == 0
    assert len(operations_for(veo, tag)) == 1
    assert balance(client, user.uid) == 100 - cost(4)
    assert_ledger_ok(user.uid)


def test_quota_refusals_keep_the_request_queued_and_charged_never_failed_nor_refunded(new_user, veo):
    from adapters import store
    from domain.errors import ErrorCode, failure
    from handlers import start_veo

    user, client = new_user(tokens=100)
    tag = marker()
    veo.faults([{"on": "start", "kind": "quota", "times": 50, "match": tag}])
    cid = submit(client, user.uid, f"{tag} a mountain")

    # The queue tries again, backing off (5 s, 10 s, ...): no in-process retries, no failure.
    wait_until(lambda: veo.stats()["faultsPending"] <= 48, what="a retry by the queue")
    doc = client.get(f"creations/{cid}")
    assert doc["status"] == "pending" and doc["queuedAt"] and doc["queuePosition"] >= 1, doc
    assert f"refund_{cid}" not in ledger_of(client, user.uid)
    assert balance(client, user.uid) == 100 - cost(4)
    # An operator gives up on it (as the sweep would after QUEUE_MAX_WAIT_MINUTES): refunded
    # once, and the queue's next try finds it no longer pending and starts nothing.
    assert store.fail_and_refund(cid, failure(ErrorCode.TIMEOUT)).refunded_tokens == cost(4)
    job = {
        "prompt": f"{tag} a mountain",
        "aspectRatio": "16:9",
        "duration": 4,
        "mediaKey": "drafts/x/y/z.mp4",
        "userId": user.uid,
        "cost": cost(4),
        "incarnation": None,
    }
    assert start_veo.handle(cid, job, services()) == "not_pending"
    assert operations_for(veo, tag) == []
    assert balance(client, user.uid) == 100
    assert_ledger_ok(user.uid)


def test_operation_that_ends_in_error_is_refunded(new_user, veo):
    user, client = new_user(tokens=100)
    tag = marker()
    veo.faults([{"on": "start", "kind": "operation_error", "match": tag}])
    cid = submit(client, user.uid, f"{tag} a city")

    doc = wait_status(client, cid)
    assert doc["error"]["code"] == "generation_failed" and doc["refunded"] is True
    assert balance(client, user.uid) == 100
    assert_ledger_ok(user.uid)


def test_create_event_delivered_twice_debits_and_starts_veo_once(new_user, veo):
    from handlers import start_generation

    user, client = new_user(tokens=100)
    tag = marker()
    cid = new_id()
    data = {
        "userId": user.uid,
        "prompt": f"{tag} twin event",
        "aspectRatio": "16:9",
        "duration": 4,
        "status": "pending",
        "createdAt": dt.datetime.now(dt.UTC),
    }
    client.create(f"creations/{cid}", request_doc(user.uid, data["prompt"]))
    # The emulator delivers the event once; deliver it again, at the same time, as the
    # at-least-once delivery of production may.
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(start_generation.handle(cid, data, services())))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    doc = wait_status(client, cid)
    assert doc["status"] == "draft"
    entries = ledger_of(client, user.uid)
    assert [k for k, e in entries.items() if e["type"] == "debit"] == [f"debit_{cid}"]
    assert len(operations_for(veo, tag)) == 1
    assert balance(client, user.uid) == 100 - cost(4)
    assert_ledger_ok(user.uid)


def test_finalize_running_three_times_at_once_makes_one_draft_and_no_refund(new_user, veo):
    from handlers import finalize_generation

    user, client = new_user(tokens=100)
    veo.config(delaySeconds=2)
    cid = submit(client, user.uid, f"{marker()} three finalizers")
    wait_status(client, cid, statuses=("processing",))

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(finalize_generation.handle(cid, services()))) for _ in range(2)
    ]  # plus the task the pipeline enqueued itself
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    doc = wait_status(client, cid)
    assert doc["status"] == "draft" and doc["refunded"] is False
    # One poll per task: a finalizer that finds Veo still working schedules the next poll.
    assert set(results) <= {"draft", "ended_meanwhile", "not_processing", "polling"}
    assert requests.get(doc["mediaUrl"], timeout=10).status_code == 200
    assert not any(e["type"] == "refund" for e in ledger_of(client, user.uid).values())
    assert_ledger_ok(user.uid)


def test_late_veo_result_does_not_revive_a_failed_and_refunded_creation(new_user, veo):
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    from adapters import store
    from devstack.stack import MEDIA_BUCKET, STORAGE_ENDPOINT, TEMP_BUCKET, s3_client
    from domain.errors import ErrorCode, failure
    from domain.generation import OutcomeKind, VeoOutcome
    from handlers import finalize_generation
    from standins.media import render_mp4

    user, client = new_user(tokens=100)
    tag = marker()
    # Veo never answers the pipeline's own finalize task, so the one below is alone with it.
    veo.faults([{"on": "start", "kind": "hang", "match": tag}])
    cid = submit(client, user.uid, f"{tag} late result")
    wait_status(client, cid, statuses=("processing",))

    # The video Veo finally produced, where Veo writes it.
    gcs = storage.Client(
        project="local", credentials=AnonymousCredentials(), client_options={"api_endpoint": STORAGE_ENDPOINT}
    )
    gcs.bucket(TEMP_BUCKET).blob(f"creations/{cid}/late/sample_0.mp4").upload_from_string(
        render_mp4(4, "16:9"), content_type="video/mp4"
    )
    real = services()

    def upload_then_lose_the_race(reader, key, *args, **kwargs):
        # The video lands in R2, then the sweep fails the creation before finalize commits.
        real.media.upload_stream(reader, key, *args, **kwargs)
        store.fail_and_refund(cid, failure(ErrorCode.TIMEOUT))

    svc = services(
        veo=Altered(
            real.veo,
            poll=lambda name: VeoOutcome(
                OutcomeKind.READY, video_uri=f"gs://{TEMP_BUCKET}/creations/{cid}/late/sample_0.mp4"
            ),
        ),
        media=Altered(real.media, upload_stream=upload_then_lose_the_race),
    )
    assert finalize_generation.handle(cid, svc) == "ended_meanwhile"
    assert finalize_generation.handle(cid, svc) == "not_processing"  # and once more, later

    doc = client.get(f"creations/{cid}")
    assert doc["status"] == "failed" and doc["error"]["code"] == "timeout" and doc["refunded"] is True
    listed = s3_client().list_objects_v2(Bucket=MEDIA_BUCKET, Prefix=f"drafts/{user.uid}/{cid}/")
    assert listed.get("KeyCount", 0) == 0  # the copy did not outlive the failure
    assert list(gcs.list_blobs(TEMP_BUCKET, prefix=f"creations/{cid}/")) == []
    assert balance(client, user.uid) == 100
    assert_ledger_ok(user.uid)


def _backdate(cid: str, minutes: int) -> None:
    """A started generation is aged from its start (it may have waited in the queue first)."""
    when = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
    OWNER.update(f"creations/{cid}", {"createdAt": when, "startedAt": when})


def test_orphan_sweep_fails_and_refunds_a_stuck_generation_exactly_once(new_user, veo):
    start = 2 * cost(4)  # the stuck request and a young one
    user, client = new_user(tokens=start)
    tag = marker()
    veo.faults([{"on": "start", "kind": "hang", "match": tag}])
    cid = submit(client, user.uid, f"{tag} never finishes")
    wait_status(client, cid, statuses=("processing",))
    young = submit(client, user.uid, f"{marker()} young and healthy")
    _backdate(cid, 20)

    run_scheduled("sweeporphans")
    run_scheduled("sweeporphans")  # twice, and while the finalize task is still polling

    doc = wait_status(client, cid)
    assert doc["error"]["code"] == "timeout" and doc["refunded"] is True
    assert wait_status(client, young)["status"] == "draft"  # not old enough to be touched
    entries = ledger_of(client, user.uid)
    assert sum(1 for e in entries.values() if e["type"] == "refund") == 1
    assert balance(client, user.uid) == start - cost(4)
    assert_ledger_ok(user.uid)


def test_burst_of_requests_debits_only_what_the_balance_covers(new_user, veo):
    user, client = new_user(tokens=2 * cost(4))  # covers exactly K=2 four-second videos
    tag = marker()
    outcomes: dict[str, str] = {}

    def fire(i):
        cid = new_id()
        try:
            submit(client, user.uid, f"{tag} burst {i}", cid=cid)
            outcomes[cid] = "written"
        except Exception as exc:  # the rules may already see the lower balance
            outcomes[cid] = f"denied: {type(exc).__name__}"

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    written = [cid for cid, o in outcomes.items() if o == "written"]
    denied = [o for o in outcomes.values() if o != "written"]
    assert all(o == "denied: Denied" for o in denied), denied
    finals = {cid: wait_status(client, cid) for cid in written}
    drafts = [cid for cid, d in finals.items() if d["status"] == "draft"]
    refused = [d for d in finals.values() if d["status"] == "failed"]
    assert len(drafts) == 2
    assert all(
        d["error"]["code"] in ("insufficient_tokens", "too_many_in_flight") and not d["refunded"] for d in refused
    )
    entries = ledger_of(client, user.uid)
    assert sorted(k for k, e in entries.items() if e["type"] == "debit") == sorted(f"debit_{c}" for c in drafts)
    assert balance(client, user.uid) == 0
    assert_ledger_ok(user.uid)


def test_r2_hiccups_are_retried_and_the_draft_is_stored(new_user, veo, r2):
    user, client = new_user(tokens=100)
    cid = new_id()
    r2.faults([{"method": "PUT", "pathContains": cid, "kind": "slowdown", "times": 2}])
    submit(client, user.uid, f"{marker()} r2 hiccups", cid=cid)

    doc = wait_status(client, cid)
    assert doc["status"] == "draft", doc
    assert r2.stats()["faultsInjected"] == 2
    assert requests.get(doc["mediaUrl"], timeout=10).status_code == 200
    assert_ledger_ok(user.uid)


def test_r2_refusing_for_good_fails_refunds_and_leaves_no_object(new_user, veo, r2):
    from devstack.stack import MEDIA_BUCKET, s3_client

    user, client = new_user(tokens=100)
    cid = new_id()
    r2.faults([{"method": None, "pathContains": cid, "kind": "access_denied", "times": 100}])
    submit(client, user.uid, f"{marker()} r2 refuses", cid=cid)

    doc = wait_status(client, cid)
    assert doc["error"]["code"] == "generation_failed" and doc["refunded"] is True
    assert balance(client, user.uid) == 100
    r2.reset()
    listed = s3_client().list_objects_v2(Bucket=MEDIA_BUCKET, Prefix=f"drafts/{user.uid}/{cid}/")
    assert listed.get("KeyCount", 0) == 0
    assert_ledger_ok(user.uid)


def test_r2_down_past_one_runs_retries_keeps_the_video_and_a_later_poll_delivers_it(new_user, veo, r2):
    from config import RETRY_ATTEMPTS

    user, client = new_user(tokens=100)
    cid = new_id()
    # Two whole finishing runs' worth of 5xx: the old design failed the video at the first.
    failing = 2 * RETRY_ATTEMPTS.value
    r2.faults([{"method": "PUT", "pathContains": cid, "kind": "internal", "times": failing}])
    submit(client, user.uid, f"{marker()} r2 down a while", cid=cid)

    doc = wait_status(client, cid, timeout=120)
    assert doc["status"] == "draft", doc
    assert r2.stats()["faultsInjected"] >= failing
    assert requests.get(doc["mediaUrl"], timeout=10).status_code == 200
    assert balance(client, user.uid) == 100 - cost(4)
    assert_ledger_ok(user.uid)
