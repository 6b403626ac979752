"""Chaos: many generations at once across several users with faults, duplicate events,
crashed workers, deletions (the owner's of finished creations, an operator's at any state)
and re-created ids. Whatever happens, every creation ends terminal (or deleted and settled)
and the ledger balances, with no refund of a delivered video.

Every scenario below runs at least once in every run, the rest of the plan and the order are
drawn from the seed: the claim is that each kind of fault, side by side with all the others,
ends settled; how many generations prove that is a cost, not part of the claim. 24 (eight
request streams of three, at most two of a user's in flight at once) cover the eighteen
kinds with room for random repeats; the run once drew 50 at random, which cost twice the
time and guaranteed only the deletion and network kinds."""

from __future__ import annotations

import datetime as dt
import os
import random
import threading

import pytest

from tests.flows.helpers import (
    OWNER,
    assert_ledger_ok,
    ledger_of,
    new_id,
    request_doc,
    run_scheduled,
    submit,
    wait_status,
)
from tests.support.waiting import wait_until

USERS = 4
PER_USER = 6  # 24 generations
SEED = int(os.environ.get("CHAOS_SEED", "20261128"))

# (name, Veo faults for this request's prompt, prompt suffix, expected outcome);
# names starting with r2_ also get R2 faults (see R2_FAULTS)
SCENARIOS = [
    ("clean", [], "", ("draft", None)),
    ("clean", [], "", ("draft", None)),
    ("clean", [], "", ("draft", None)),
    ("quota_then_ok", [{"on": "start", "kind": "quota", "times": 2}], "", ("draft", None)),
    ("flaky_poll", [{"on": "poll", "kind": "unavailable", "times": 2}], "", ("draft", None)),
    # Veo refuses for quota for a while: the request waits in the startveo queue (retried,
    # backing off) and ends a draft once quota frees; never failed nor refunded for it.
    ("quota_for_a_while", [{"on": "start", "kind": "quota", "times": 3}], "", ("draft", None)),
    # Polls failing past one run's retries: Veo still works (and bills), so a later poll asks
    # again and the video is delivered.
    ("server_error_for_a_while", [{"on": "poll", "kind": "internal", "times": 12}], "", ("draft", None)),
    ("filtered", [], " with gore", ("failed", "content_policy")),
    ("operation_error", [{"on": "start", "kind": "operation_error"}], "", ("failed", "generation_failed")),
    ("invalid_argument", [{"on": "start", "kind": "invalid_argument"}], "", ("failed", "generation_failed")),
    ("duplicate_event", [], "", ("draft", None)),
    ("crashed_worker", [{"on": "start", "kind": "hang"}], "", ("failed", "timeout")),
    ("r2_flaky", [], "", ("draft", None)),
    ("r2_refuses", [], "", ("failed", "generation_failed")),
    # The network, not the service: a start whose answer is lost is not retried (it may have
    # started a billed generation) and is refunded; lost or slow poll answers are retried.
    ("veo_reset_on_start", [{"on": "start", "kind": "reset"}], "", ("failed", "generation_failed")),
    ("veo_stall_on_start", [{"on": "start", "kind": "stall", "seconds": 30}], "", ("failed", "generation_failed")),
    (
        "veo_flaky_network_poll",
        [{"on": "poll", "kind": "reset"}, {"on": "poll", "kind": "slow_body", "seconds": 20}],
        "",
        ("draft", None),
    ),
    ("r2_connection_resets", [], "", ("draft", None)),
    # An operator deletes it while Veo works: refunded ("deleted"), slot freed.
    ("operator_deletes_in_flight", [{"on": "start", "kind": "hang"}], "", ("deleted", None)),
    # The owner deletes the draft, then the same id is written again: refused, nothing moves.
    ("reused_after_delete", [], "", ("failed", "invalid_request")),
]
R2_FAULTS = {
    "r2_flaky": [{"method": "PUT", "kind": "slowdown", "times": 2}],
    "r2_refuses": [{"method": None, "kind": "access_denied", "times": 100}],
    "r2_connection_resets": [{"method": "PUT", "kind": "reset", "times": 2}],
}


@pytest.mark.slow
def test_every_fault_scenario_at_once_across_users_ends_terminal_with_a_balanced_ledger(new_user, veo, r2):
    rng = random.Random(SEED)
    veo.config(delaySeconds=1)
    users = [new_user(tokens=10_000) for _ in range(USERS)]
    plan = _plan(users, rng)
    _inject_faults(plan, veo, r2)

    errors: list[BaseException] = []

    def activity():
        """What moves while any of them is being worked on: a wait fails only after this
        has been still for its whole timeout, however slow the machine is."""
        stats = veo.stats()
        return stats["starts"], stats["polls"], stats["uploads"], stats["quotaRefused"], r2.stats()

    def drive(user, client, cids):
        try:
            for cid in cids:
                _drive_one(plan, user, client, cid, rng, activity)
        except BaseException as exc:  # surfaced below, with the seed
            errors.append(exc)

    threads = []
    for user, client in users:
        mine = [cid for cid, (u, _, _) in plan.items() if u.uid == user.uid]
        # two request streams per user: within the in-flight limit, so every request is served
        for half in (mine[0::2], mine[1::2]):
            threads.append(threading.Thread(target=drive, args=(user, client, half)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, f"seed {SEED}: {errors[0]!r}"

    outcomes = _check_outcomes(plan)
    # The owners delete some of what is left (finished only, as the rules allow).
    for cid, (_, client, _) in list(plan.items())[::7]:
        if outcomes[cid][1] in ("draft", "failed"):
            client.delete(f"creations/{cid}")
    for user, client in users:
        debits = [e for e in ledger_of(client, user.uid).values() if e["type"] == "debit"]
        assert len(debits) == PER_USER
    assert_ledger_ok(*[u.uid for u, _ in users])
    assert {name for name, _, _ in outcomes.values()} == {sc[0] for sc in SCENARIOS}  # every kind ran


def _plan(users, rng) -> dict:
    """cid -> (user, client, scenario): every scenario once, the remaining places drawn from the
    weighted list, all shuffled by the seed and dealt to the users' request streams."""
    every_kind = list({scenario[0]: scenario for scenario in SCENARIOS}.values())  # one of each name
    places = USERS * PER_USER
    assert places >= len(every_kind), "the plan must have room for every scenario"
    scenarios = every_kind + [rng.choice(SCENARIOS) for _ in range(places - len(every_kind))]
    rng.shuffle(scenarios)
    plan = {}
    for index, (user, client) in enumerate(users):
        for scenario in scenarios[index * PER_USER : (index + 1) * PER_USER]:
            plan[new_id()] = (user, client, scenario)
    return plan


def _inject_faults(plan: dict, veo, r2) -> None:
    faults = []
    for cid, (_, _, (_, scenario_faults, _, _)) in plan.items():
        faults += [{**f, "match": cid} for f in scenario_faults]
    veo.faults(faults)
    r2_faults = [
        {**f, "pathContains": cid} for cid, (_, _, (name, _, _, _)) in plan.items() for f in R2_FAULTS.get(name, [])
    ]
    if r2_faults:
        r2.faults(r2_faults)


def _drive_one(plan: dict, user, client, cid: str, rng, activity) -> None:
    """One request through its scenario, as its client, an operator or a crash would."""
    import config
    from bootstrap import bootstrap
    from handlers import start_generation

    name, _, suffix, _ = plan[cid][2]
    submit(client, user.uid, f"{cid} chaos {name}{suffix}", cid=cid, duration=rng.choice([4, 6, 8]))
    if name == "duplicate_event":
        data = OWNER.get(f"creations/{cid}")
        data = {k: data[k] for k in ("userId", "prompt", "aspectRatio", "duration", "createdAt")} | {
            "status": "pending"
        }
        start_generation.handle(cid, data, bootstrap(config.settings()))
    if name == "operator_deletes_in_flight":
        wait_status(client, cid, statuses=("processing",), timeout=120, progress=activity)
        OWNER.delete(f"creations/{cid}")
        wait_until(
            lambda: ledger_of(client, user.uid).get(f"refund_{cid}"),
            timeout=120,
            what=f"{cid}: the deletion refund",
            progress=activity,
        )
        return
    if name == "reused_after_delete":
        wait_status(client, cid, timeout=180, progress=activity)
        client.delete(f"creations/{cid}")
        OWNER.create(f"creations/{cid}", request_doc(user.uid, f"{cid} again"))
    if name == "crashed_worker":
        # Its worker never reports back: age it past the limit and let the sweep act, while
        # the other streams' finalizers are busy.
        wait_status(client, cid, statuses=("processing",), timeout=120, progress=activity)
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)
        OWNER.update(f"creations/{cid}", {"createdAt": long_ago, "startedAt": long_ago})
        run_scheduled("sweeporphans")
    wait_status(client, cid, timeout=180, progress=activity)


def _check_outcomes(plan: dict) -> dict:
    """Every creation ended as its scenario says, refunded exactly when it failed after a charge."""
    outcomes = {}
    for cid, (user, client, (name, _, _, (status, code))) in plan.items():
        if status == "deleted":
            assert ledger_of(client, user.uid)[f"refund_{cid}"]["reason"] == "deleted"
            outcomes[cid] = (name, "deleted", None)
            continue
        doc = wait_status(client, cid)
        outcomes[cid] = (name, doc["status"], (doc.get("error") or {}).get("code"))
        assert (doc["status"], (doc.get("error") or {}).get("code")) == (status, code), (
            f"seed {SEED}: {cid} {name}: {doc}"
        )
        refunded = status == "failed" and code != "invalid_request"  # a re-used id took nothing
        assert doc["refunded"] is refunded, f"seed {SEED}: {cid} {name}: {doc}"
    return outcomes
