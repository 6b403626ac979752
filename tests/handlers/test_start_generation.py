"""startgeneration: every refusal, the re-used id, the wrong owner, the queueing of a paid
request (Veo itself is startveo's: test_start_veo.py), and repeated events —
against fakes, Given / When / Then."""

from __future__ import annotations

from datetime import timedelta

from domain import ledger
from domain.errors import ErrorCode
from domain.pricing import price
from handlers.start_generation import StartOutcome, handle
from tests.handlers.conftest import OTHER, USER, request, start_and_dispatch

COST = price(4)  # what a default 4 s request costs: the table's, never a literal


def start(world, cid="c1", data=None, incarnation=None, **req):
    data = data if data is not None else request(**req)
    inc = world.store.create(cid, data)
    return handle(cid, dict(data), world.services, inc if incarnation is None else incarnation)


def test_an_event_without_a_document_does_nothing(world):
    # Given a create event whose document is already gone
    # When it is handled
    outcome = handle("c1", None, world.services, None)
    # Then nothing is charged or started
    assert outcome == StartOutcome.GONE
    assert not world.veo.started and not world.store.entries


def test_a_request_that_breaks_the_contract_fails_without_a_charge(world):
    # Given a user with tokens and a request with a 5-second duration
    world.store.grant(USER, 100)
    # When it is handled
    outcome = start(world, duration=5)
    # Then it fails as invalid_request, nothing moves, Veo is never asked, and the alerts'
    # figures (aggregated from the creations) count it as a refusal, not a failure
    assert outcome == StartOutcome.REJECTED
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.INVALID_REQUEST
    assert world.store.tokens(USER) == 100 and not world.veo.started
    totals = world.store.totals_since(world.clock.now() - timedelta(hours=1), 0.0)
    assert totals.get("refused_invalid_request") == 1 and totals.failed == 0


def test_a_request_with_an_unusable_user_id_fails_without_reading_any_ledger(world):
    # Given a request whose userId cannot name a user document
    data = request(user="../x")
    # When it is handled
    outcome = start(world, data=data)
    # Then it fails (invalid_request) and no money record is touched
    assert outcome == StartOutcome.REJECTED
    assert world.store.creations["c1"]["status"] == "failed" and not world.store.entries


def test_a_blocked_prompt_fails_as_content_policy_before_any_charge(world):
    # Given a prompt with a blocked word
    world.store.grant(USER, 100)
    # When it is handled
    outcome = start(world, prompt="some GORE please")
    # Then it fails as content_policy with the word named, and nothing is charged
    assert outcome == StartOutcome.REJECTED
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.CONTENT_POLICY
    assert world.store.tokens(USER) == 100 and not world.veo.started


def test_a_refusal_repeated_after_a_charge_refunds_the_charge(world):
    # Given a request that was charged (an earlier configuration allowed the word) and is still pending
    world.store.grant(USER, 100)
    inc = world.store.create("c1", request(prompt="gore"))
    world.store.debit("c1", USER, COST, 3, inc)
    # When its create event comes again under a configuration that blocks the word
    outcome = handle("c1", request(prompt="gore"), world.services, inc)
    # Then it fails and the charge is given back exactly once
    assert outcome == StartOutcome.REJECTED
    assert world.store.tokens(USER) == 100 and world.store.in_flight(USER) == 0
    assert world.store.entry(USER, ledger.refund_id("c1"))["amount"] == COST


def test_a_refusal_for_a_document_no_longer_pending_changes_nothing(world):
    # Given a creation that already failed
    world.store.grant(USER, 100)
    inc = world.store.create("c1", request(duration=5))
    world.store.creations["c1"]["status"] = "failed"
    # When its (invalid) create event comes again
    outcome = handle("c1", request(duration=5), world.services, inc)
    # Then it is reported rejected but nothing is written
    assert outcome == StartOutcome.REJECTED
    assert "error" not in world.store.creations["c1"]


def test_a_refusal_event_of_an_earlier_document_of_the_id_leaves_the_new_one_alone(world):
    # Given an id deleted and created again (pending)
    start_inc = world.store.create("c1", request(duration=5))
    world.store.delete("c1")
    world.store.create("c1", request())
    # When the first document's late create event comes
    outcome = handle("c1", request(duration=5), world.services, start_inc)
    # Then the new document stays pending
    assert outcome == StartOutcome.REJECTED
    assert world.store.creations["c1"]["status"] == "pending"


def test_a_malformed_balance_sets_the_request_aside_without_a_charge(world):
    # Given a user document whose balance is text
    world.store.users[USER] = {"tokens": "100", "inFlight": 0}
    # When a request is handled
    outcome = start(world)
    # Then it is set aside and counted; nothing is charged or started
    assert outcome == StartOutcome.SET_ASIDE
    assert world.store.counters["malformed_user"] == 1
    assert world.store.creations["c1"]["status"] == "pending" and not world.veo.started


def test_too_few_tokens_is_refused(world):
    # Given a user with a token short of a 4-second video
    world.store.grant(USER, COST - 1)
    # When a 4-second video is requested
    outcome = start(world)
    # Then it is refused as insufficient_tokens and nothing moves
    assert outcome == StartOutcome.REFUSED
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.INSUFFICIENT_TOKENS
    assert world.store.tokens(USER) == COST - 1 and not world.veo.started


def test_too_many_in_flight_is_refused(world):
    # Given a user at the in-flight limit
    world.store.grant(USER, 500, in_flight=3)
    # When one more is requested
    outcome = start(world)
    # Then it is refused as too_many_in_flight
    assert outcome == StartOutcome.REFUSED
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.TOO_MANY_IN_FLIGHT


def test_a_re_used_id_is_refused_and_the_old_debit_is_not_touched(world):
    # Given an id whose first document was charged, then deleted and created again
    world.store.grant(USER, 100)
    first = start(world)
    assert first == StartOutcome.QUEUED
    world.store.delete("c1")
    # When the new document's create event is handled
    outcome = start(world)
    # Then it is refused (invalid_request: re-used id) and no second debit is made
    assert outcome == StartOutcome.REFUSED
    assert ledger.REUSED_ID_DETAIL in world.store.creations["c1"]["error"]["message"]
    assert world.store.tokens(USER) == 100 - COST


def test_a_document_owned_by_someone_else_is_refused(world):
    # Given a document whose stored owner differs from the event's userId
    world.store.grant(USER, 100)
    inc = world.store.create("c1", request(user=OTHER))
    # When the event says USER
    outcome = handle("c1", request(user=USER), world.services, inc)
    # Then nothing is charged to USER
    assert outcome == StartOutcome.REFUSED
    assert world.store.tokens(USER) == 100


def test_a_request_is_charged_and_queued_for_a_veo_start_without_asking_veo(world):
    # Given a user with 100 tokens and two requests already waiting for Veo quota
    world.store.grant(USER, 100)
    world.store.grant(OTHER, 500)
    for cid in ("w1", "w2"):
        inc = world.store.create(cid, request(user=OTHER))
        handle(cid, request(user=OTHER), world.services, inc)
    # When a 4-second video is requested
    outcome = start(world)
    # Then its price is taken, it stays pending with where it stands, and a startveo task
    # carries what the start needs; Veo is not asked here (the queue's rate is the quota's)
    assert outcome == StartOutcome.QUEUED and not world.veo.started
    assert world.store.tokens(USER) == 100 - COST and world.store.in_flight(USER) == 1
    creation = world.store.creations["c1"]
    assert creation["status"] == "pending" and creation["queuedAt"] == world.clock.now()
    assert creation["queuePosition"] == 3  # two ahead at 50 starts a minute: about 3 s
    assert (creation["estimatedStartAt"] - creation["queuedAt"]).total_seconds() == 3
    cid, job = world.tasks.starts[-1]
    assert cid == "c1" and job["cost"] == COST and job["mediaKey"].startswith("drafts/alice/c1/")
    assert job["incarnation"] == world.store.incarnation("c1")


def test_a_request_cloud_tasks_refuses_to_queue_is_refunded_at_once(world):
    # Given Cloud Tasks refuses the start task
    world.store.grant(USER, 100)
    world.tasks.fail("enqueue_start", RuntimeError("queue paused"))
    # When the request is handled
    outcome = start(world)
    # Then it fails (generation_failed) and its tokens come back now, not after the sweep
    assert outcome == StartOutcome.NOT_QUEUED
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.GENERATION_FAILED
    assert world.store.tokens(USER) == 100 and world.store.in_flight(USER) == 0


def test_a_queue_estimate_that_cannot_be_read_does_not_fail_a_paid_request(world):
    world.store.grant(USER, 100)
    world.store.fail("queued_ahead", RuntimeError("deadline exceeded"))
    assert start(world) == StartOutcome.QUEUED and world.store.creations["c1"]["queuePosition"] == 1


def test_a_repeated_event_before_the_start_queues_no_second_start(world):
    # Given a request queued, its create event delivered again
    world.store.grant(USER, 100)
    inc = world.store.create("c1", request())
    handle("c1", request(), world.services, inc)
    # When the event comes again
    outcome = handle("c1", request(), world.services, inc)
    # Then nothing more is charged or queued
    assert outcome == StartOutcome.DUPLICATE
    assert len(world.tasks.starts) == 1 and world.store.tokens(USER) == 100 - COST


def test_a_repeated_event_after_veo_started_reschedules_finalize_once(world):
    # Given a request already processing
    world.store.grant(USER, 100)
    start_and_dispatch(world)
    polls = len(world.tasks.enqueued)
    inc = world.store.incarnation("c1")
    # When its create event comes again, twice
    outcome = handle("c1", request(), world.services, inc)
    handle("c1", request(), world.services, inc)
    # Then one finalize task is added (its id names the operation), nothing is charged twice
    assert outcome == StartOutcome.FINALIZE_RESCHEDULED
    assert (
        len(world.tasks.enqueued) == polls + 1
        and world.store.tokens(USER) == 100 - COST
        and len(world.veo.started) == 1
    )


def test_a_repeated_event_while_the_first_run_is_still_before_veo_is_a_duplicate(world):
    # Given a request charged but not yet processing (the first run is asking Veo)
    world.store.grant(USER, 100)
    inc = world.store.create("c1", request())
    world.store.debit("c1", USER, COST, 3, inc)
    # When the event comes again
    outcome = handle("c1", request(), world.services, inc)
    # Then it leaves the work to the first run
    assert outcome == StartOutcome.DUPLICATE
    assert not world.veo.started and world.store.tokens(USER) == 100 - COST


def test_an_event_of_an_earlier_document_of_the_id_charges_nothing(world):
    # Given an id deleted and created again
    world.store.grant(USER, 100)
    old = world.store.create("c1", request())
    world.store.delete("c1")
    world.store.create("c1", request())
    # When the first document's create event comes late
    outcome = handle("c1", request(), world.services, old)
    # Then nothing is charged (the new document has its own event)
    assert outcome == StartOutcome.DUPLICATE and world.store.tokens(USER) == 100


def test_a_repeated_event_after_the_creation_finished_schedules_nothing(world):
    # Given a request that went through Veo and has since finished (a draft keeps its operation name)
    world.store.grant(USER, 100)
    start_and_dispatch(world)
    inc = world.store.incarnation("c1")
    world.store.complete_draft("c1", "https://media.test/x")
    # When its create event comes again, late
    outcome = handle("c1", request(), world.services, inc)
    # Then no finalize task is added for a finished creation
    assert outcome == StartOutcome.DUPLICATE and len(world.tasks.enqueued) == 1


def test_a_blocked_term_in_the_negative_prompt_fails_as_content_policy_before_any_charge(world):
    # Every text sent to Veo is checked, not only the prompt
    world.store.grant(USER, 100)
    outcome = start(world, data={**request(), "negativePrompt": "no GORE at all"})
    assert outcome == StartOutcome.REJECTED
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.CONTENT_POLICY
    assert world.store.tokens(USER) == 100 and not world.veo.started


def test_a_refused_never_charged_id_is_spent_and_many_refusals_cool_the_user_down(world):
    from domain.admission import REFUSALS_PER_WINDOW

    world.store.grant(USER, 100)
    for i in range(REFUSALS_PER_WINDOW):
        assert start(world, cid=f"bad{i}", prompt="gore") == StartOutcome.REJECTED
    # Then each refused id is spent (the rules refuse to create it again)
    assert (USER, "bad0") in world.store.spent
    # And the next request, even a good one, is refused up front without a charge
    assert start(world, cid="good") == StartOutcome.REFUSED
    assert world.store.creations["good"]["error"]["code"] == ErrorCode.RATE_LIMITED
    assert world.store.tokens(USER) == 100
    # Until the cooldown has passed
    world.clock.advance(2 * 3600)
    assert start(world, cid="later") == StartOutcome.QUEUED
