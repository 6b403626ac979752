"""The figures the alerts aggregate from the creations, and alerts crossed by real generations."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import uuid
from datetime import UTC, datetime, timedelta

from domain.metrics import Thresholds, Totals
from tests.flows.helpers import cost, run_scheduled, submit, wait_status


def check(limits: Thresholds, now: datetime | None = None):
    """checkalerts as main.py runs it: Firestore's store and the spend rate in force."""
    import config
    from adapters import store
    from handlers import check_alerts

    rate = config.settings().veo_usd_per_video_second
    return check_alerts.handle(limits, now, store=store, usd_per_video_second=rate)


def window_totals(hours: float = 2) -> Totals:
    from adapters import metrics_store

    return metrics_store.totals_since(datetime.now(UTC) - timedelta(hours=hours), 0.15)


def logged_alerts(capsys) -> list[dict]:
    out = capsys.readouterr()
    lines = [json.loads(line) for line in (out.err + out.out).splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("message", "").startswith("PHOENIX_ALERT")]


def test_aggregated_metrics_count_each_real_outcome_once_and_tell_refusals_apart(new_user, veo):
    # Four requests' worth: the rules ask for the price at every create, even of the request the
    # server then refuses uncharged, and on a busy machine the first three debits can land first.
    user, client = new_user(tokens=4 * cost())
    before = window_totals()
    tag = uuid.uuid4().hex[:8]
    done = [submit(client, user.uid, f"{tag} a harbour at dawn")]
    done += [submit(client, user.uid, f"{tag} gore {i}") for i in range(2)]  # Veo's filter, after the debit
    done += [submit(client, user.uid, f"{tag} forbiddenword")]  # our blocked term: refused, nothing charged
    for cid in done:
        wait_status(client, cid)
    after = window_totals()

    delta = {
        k: round(after.get(k) - before.get(k), 4)
        for k in ("succeeded", "failed_content_policy", "refused_content_policy", "videoSeconds", "veoCostUsd")
    }
    assert delta == {
        "succeeded": 1,
        "failed_content_policy": 2,
        "refused_content_policy": 1,
        "videoSeconds": 4,
        "veoCostUsd": 0.6,
    }


def test_failure_rate_alert_fires_once_real_failures_cross_the_threshold(new_user, veo, capsys):

    user, client = new_user(tokens=200)
    now_totals = window_totals(hours=1)
    failed, finished = now_totals.failed, now_totals.finished
    assert finished and failed < finished  # earlier tests made both kinds
    after_rate = (failed + 3) / (finished + 3)
    limits = Thresholds(
        failure_rate=(failed / finished + after_rate) / 2,
        min_finished_for_rate=1,
        max_in_flight=10_000,
        daily_spend_usd=1e9,
        stalled_minutes=60,
    )
    assert "failure_rate_high" not in [a.code for a in check(limits)]
    capsys.readouterr()

    for i in range(3):
        wait_status(client, submit(client, user.uid, f"{uuid.uuid4().hex[:8]} gore {i}"))
    fired = check(limits)

    assert "failure_rate_high" in [a.code for a in fired]
    assert [a["alert"] for a in logged_alerts(capsys)] == ["failure_rate_high"]


def test_the_spend_counts_each_video_at_what_veo_charges_for_its_options(new_user, veo):
    from domain.pricing import VEO_USD_PER_SECOND
    from tests.support.firestore_rest import SERVER_TIME

    user, client = new_user(tokens=200)
    before = window_totals()
    cid = f"c-{uuid.uuid4().hex}"
    request = {"userId": user.uid, "prompt": f"{uuid.uuid4().hex[:8]} a glacier", "aspectRatio": "16:9"}
    request |= {"duration": 4, "status": "pending", "createdAt": SERVER_TIME, "quality": "standard"}
    client.create(f"creations/{cid}", request)
    assert wait_status(client, cid)["status"] == "draft"
    after = window_totals()
    # Standard with sound: 4 s at Veo's standard rate, not at the flat fallback (0.15/s)
    spent = round(after.get("veoCostUsd") - before.get("veoCostUsd"), 4)
    assert spent == round(4 * VEO_USD_PER_SECOND[("standard", "720p", True)], 4) == 1.6


def test_spend_alert_fires_when_a_real_video_passes_todays_budget(new_user, veo, capsys):

    user, client = new_user(tokens=200)
    today = window_totals(hours=24).get("veoCostUsd")
    limits = Thresholds(failure_rate=1.0, max_in_flight=10_000, daily_spend_usd=today + 0.3, stalled_minutes=60)
    assert "daily_spend_high" not in [a.code for a in check(limits)]
    assert wait_status(client, submit(client, user.uid, f"{uuid.uuid4().hex[:8]} a quiet lake"))["status"] == "draft"
    assert "daily_spend_high" in [a.code for a in check(limits)]


def test_backlog_and_stalled_worker_alerts_fire_for_stuck_work(new_user, veo, capsys):
    from adapters import store
    from domain.errors import ErrorCode, failure

    user, client = new_user(tokens=200)
    already, _ = store.in_flight_summary()  # work other tests (or a killed run) left in flight
    limits = Thresholds(failure_rate=1.0, max_in_flight=already, daily_spend_usd=1e9, stalled_minutes=5)
    later = datetime.now(UTC) + timedelta(minutes=30)  # as the check would see it then
    before = [a.code for a in check(limits, now=later)]
    assert "backlog_high" not in before
    if not already:
        assert before == []  # nothing in flight: nothing stuck
    tag = uuid.uuid4().hex[:8]
    veo.faults([{"on": "start", "kind": "hang", "match": tag}])
    cid = submit(client, user.uid, f"{tag} stuck")
    wait_status(client, cid, statuses=("processing",))
    try:
        fired = sorted(a.code for a in check(limits, now=later))
        assert fired == ["backlog_high", "workers_stalled"]
        alerts = logged_alerts(capsys)
        assert {"backlog_high", "workers_stalled"} <= {a["alert"] for a in alerts}
        # Seen now, this work is young (not stalled) and under a backlog limit above it.
        now_codes = [a.code for a in check(dataclasses.replace(limits, max_in_flight=already + 5))]
        assert "backlog_high" not in now_codes
        if not already:
            assert now_codes == []
    finally:
        store.fail_and_refund(cid, failure(ErrorCode.TIMEOUT))


def test_alert_check_runs_as_the_scheduled_function(new_user):
    run_scheduled("checkalerts")


def test_a_spammer_with_one_videos_tokens_cannot_fire_the_failure_rate_alert(new_user, veo, capsys):
    import threading

    from tests.support.firestore_rest import Denied

    user, client = new_user(tokens=cost(4))  # one default video's worth
    now_totals = window_totals(hours=1)
    rate = now_totals.failure_rate()
    assert rate < 0.8
    limits = Thresholds(
        failure_rate=rate + 0.1, min_finished_for_rate=1, max_in_flight=10_000, daily_spend_usd=1e9, stalled_minutes=60
    )
    assert "failure_rate_high" not in [a.code for a in check(limits)]

    # A burst of creates: the rules see one video's tokens for all that arrive before the first debit;
    # the server charges one and refuses the others (insufficient_tokens, too_many_in_flight).
    tag = uuid.uuid4().hex[:8]
    accepted: list[str] = []

    def spam(i):
        with contextlib.suppress(Denied):
            accepted.append(submit(client, user.uid, f"{tag} spam {i}"))

    threads = [threading.Thread(target=spam, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # How many the rules let in depends on when the first debit lands; the ones that arrive
    # while the rules still see the full balance are what the admin path writes here (the same race).
    from tests.flows.helpers import OWNER, new_id, request_doc

    for i in range(max(0, 5 - len(accepted))):
        cid = new_id()
        OWNER.create(f"creations/{cid}", request_doc(user.uid, f"{tag} raced {i}"))
        accepted.append(cid)
    finals = [wait_status(client, cid)["status"] for cid in accepted]
    assert finals.count("failed") >= 2, finals  # refusals did happen

    fired = check(limits)
    assert "failure_rate_high" not in [a.code for a in fired]
    assert window_totals(hours=1).refused >= now_totals.refused + finals.count("failed")
