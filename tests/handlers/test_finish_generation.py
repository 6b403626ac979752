"""finishgeneration: Veo's output object finalized in the temp bucket finishes the creation,
and the event and the polls together move money once — against fakes, Given / When / Then."""

from __future__ import annotations

from adapters.gcs import temp_prefix_uri
from domain import ledger
from domain.generation import OutcomeKind, VeoOutcome
from domain.pricing import price
from handlers import finalize_generation
from handlers.finalize_generation import FinalizeOutcome
from handlers.finish_generation import FinishOutcome, handle
from handlers.start_veo import StartVeoOutcome
from tests.handlers.conftest import TEMP_BUCKET, USER, start_and_dispatch
from tests.handlers.fakes import RUNNING, video_at

COST = price(4)  # what a default 4 s request costs: the table's, never a literal

OBJECT = "creations/c1/1764000000/sample_0.mp4"
VIDEO_URI = f"{temp_prefix_uri(TEMP_BUCKET, 'c1')}1764000000/sample_0.mp4"


def processing(world, cid="c1", tokens=100):
    """Given: a creation charged 40 tokens, Veo started, its first poll queued (returned)."""
    world.store.grant(USER, tokens)
    assert start_and_dispatch(world, cid) == StartVeoOutcome.PROCESSING
    world.temp.objects[VIDEO_URI] = b"the video"
    world.veo.answers = [video_at(VIDEO_URI)]
    return world.tasks.enqueued[-1][1]


def event(world, name=OBJECT, bucket=TEMP_BUCKET, generation="1"):
    return handle(bucket, name, generation, world.services)


def poll(world, job):
    return finalize_generation.handle("c1", world.services, job=job)


def assert_delivered_once(world):
    creation = world.store.creations["c1"]
    assert creation["status"] == "draft"
    assert world.media.objects[creation["mediaKey"]][0] == b"the video"
    assert world.store.tokens(USER) == 100 - COST and world.store.in_flight(USER) == 0
    assert world.store.entry(USER, ledger.debit_id("c1"))["deliveredAt"]
    assert world.store.entry(USER, ledger.refund_id("c1")) is None


def test_the_finalized_output_makes_the_draft_without_waiting_for_a_poll(world):
    # Given a processing creation whose video Veo just wrote to the temp bucket
    processing(world)
    # When the object's finalize event arrives
    outcome = event(world)
    # Then the draft is made at once from Veo's own answer, the temp output removed
    assert outcome == FinalizeOutcome.DRAFT and world.veo.calls["poll"] == 1
    assert_delivered_once(world)
    assert not world.temp.objects


def test_the_poll_already_queued_finds_the_draft_and_copies_nothing(world):
    # Given the event made the draft while the first poll was queued
    job = processing(world)
    event(world)
    uploads = world.media.calls["upload_stream"]
    # When that poll runs and Veo says done
    outcome = poll(world, job)
    # Then it sees the creation is no longer processing: no second copy, no new poll
    assert outcome == FinalizeOutcome.ENDED_MEANWHILE
    assert world.media.calls["upload_stream"] == uploads
    assert_delivered_once(world)


def test_events_and_polls_twice_each_finish_once_and_refund_nothing(world):
    # Given a done operation, the event delivered twice and the poll delivered twice, the
    # second event arriving while the first poll is between its copy and its draft
    job = processing(world)
    raced: list = []
    world.store.before("complete_draft", lambda: raced.append(event(world)))
    # When all four run
    outcomes = [poll(world, job), *raced, poll(world, job), event(world, generation="1")]
    # Then exactly one of them made the draft (the event that overtook the first poll); the
    # debit is delivered once, nothing refunded, the object stays (it is the draft's)
    assert outcomes == [
        FinalizeOutcome.ENDED_MEANWHILE,
        FinalizeOutcome.DRAFT,
        FinalizeOutcome.ENDED_MEANWHILE,
        FinishOutcome.NOT_PROCESSING,
    ]
    assert_delivered_once(world)
    assert world.store.calls["complete_draft"] == 2  # both reached the draft transaction


def test_a_filtered_generation_is_refunded_once_whatever_runs_twice(world):
    # Given Veo filtered the video (it writes no object), and a stray event for the prefix
    job = processing(world)
    world.temp.objects.clear()
    world.veo.answers = [VeoOutcome(OutcomeKind.FILTERED, reason="raiMediaFilteredReasons")]
    # When the poll runs twice and an event arrives too
    outcomes = [poll(world, job), poll(world, job), event(world)]
    # Then one failure refunded the 40 tokens, once
    assert outcomes[0] == FinalizeOutcome.FAILED
    assert outcomes[1:] == [FinalizeOutcome.ENDED_MEANWHILE, FinishOutcome.NOT_PROCESSING]
    assert world.store.tokens(USER) == 100 and world.store.in_flight(USER) == 0
    assert world.store.entry(USER, ledger.refund_id("c1")) is not None
    assert world.store.creations["c1"]["status"] == "failed"


def test_an_object_outside_the_creations_prefix_or_bucket_is_ignored(world):
    processing(world)
    # When objects of another shape or bucket are finalized
    outcomes = [
        event(world, name="other/c1/sample_0.mp4"),
        event(world, name="creations/c1/"),
        event(world, bucket="someone-elses-bucket"),
    ]
    # Then none of them asks Veo or moves anything
    assert outcomes == [FinishOutcome.NOT_OURS] * 3
    assert world.veo.calls["poll"] == 0 and world.store.creations["c1"]["status"] == "processing"


def test_an_event_for_a_creation_not_processing_asks_nothing(world):
    # Given a creation already made a draft, and an id never created
    processing(world)
    event(world)
    polls = world.veo.calls["poll"]
    # When late or stray events arrive
    # Then neither asks Veo
    assert event(world, generation="2") == FinishOutcome.NOT_PROCESSING
    assert event(world, name="creations/nope/1/sample_0.mp4") == FinishOutcome.NOT_PROCESSING
    assert world.veo.calls["poll"] == polls


def test_an_object_before_veo_says_done_queues_one_follow_up_look(world):
    # Given Veo has written the object but still answers running (the event came first)
    processing(world)
    world.veo.answers = [RUNNING, RUNNING, video_at(VIDEO_URI)]
    queued = len(world.tasks.enqueued)
    # When the event is delivered twice
    assert event(world) == FinishOutcome.NOT_DONE_YET
    assert event(world) == FinishOutcome.NOT_DONE_YET
    # Then one follow-up look is queued, marked as a single look
    follow_ups = world.tasks.enqueued[queued:]
    assert len(follow_ups) == 1 and follow_ups[0][1]["once"] is True
    # And when it runs and Veo is done, it makes the draft
    assert poll(world, follow_ups[0][1]) == FinalizeOutcome.DRAFT
    assert_delivered_once(world)


def test_a_follow_up_look_that_still_finds_veo_running_does_not_start_a_second_chain(world):
    processing(world)
    world.veo.answers = [RUNNING]
    event(world)
    queued = len(world.tasks.enqueued)
    # When the follow-up runs and Veo still runs
    outcome = poll(world, world.tasks.enqueued[-1][1])
    # Then it queues nothing: the chain startveo began goes on by itself
    assert outcome == FinalizeOutcome.POLLING and len(world.tasks.enqueued) == queued


def test_an_object_left_by_an_earlier_document_of_the_id_does_not_finish_the_new_one(world):
    # Given the new document's operation is still running when an old output lands
    processing(world)
    world.veo.answers = [RUNNING]
    # When the old object's event arrives
    outcome = event(world, name="creations/c1/1700000000/sample_0.mp4")
    # Then Veo's answer for this creation's operation decides: nothing is finished or copied
    assert outcome == FinishOutcome.NOT_DONE_YET
    assert world.store.creations["c1"]["status"] == "processing" and not world.media.objects


def test_a_poll_whose_creation_now_runs_another_operation_copies_nothing(world):
    # Given a poll task of an operation the creation no longer runs (its document was
    # deleted and written again, and the new one started Veo anew)
    job = processing(world)
    world.store.creations["c1"]["operationName"] = "projects/p/locations/l/operations/newer"
    # When the old poll runs and its operation is done
    outcome = poll(world, job)
    # Then nothing is copied or finished on the strength of the old operation
    assert outcome == FinalizeOutcome.ENDED_MEANWHILE
    assert not world.media.objects and world.store.creations["c1"]["status"] == "processing"


def test_a_stale_poll_that_loses_its_video_does_not_fail_the_document_now_under_the_id(world):
    # Given an old poll that passed its check and is copying, when the id's document is
    # deleted and written again, started anew (another operation), and the old temp object goes
    job = processing(world)

    def replaced_meanwhile():
        world.store.creations["c1"]["operationName"] = "projects/p/locations/l/operations/newer"
        world.temp.objects.clear()

    world.temp.before("open_read", replaced_meanwhile)
    # When the old poll's copy fails
    outcome = poll(world, job)
    # Then the document there now is neither failed nor refunded
    assert outcome == FinalizeOutcome.ENDED_MEANWHILE
    assert world.store.creations["c1"]["status"] == "processing"
    assert world.store.entry(USER, ledger.refund_id("c1")) is None and world.store.tokens(USER) == 100 - COST


def test_a_stale_finalizer_does_not_make_a_draft_of_the_document_now_under_the_id(world):
    # Given an old finalizer between its copy and its draft when the id is started anew
    job = processing(world)
    world.store.before(
        "complete_draft",
        lambda: world.store.creations["c1"].update(operationName="projects/p/locations/l/operations/newer"),
    )
    # When it tries to make the draft
    outcome = poll(world, job)
    # Then the new document stays processing, and the old copy is removed (its key is not the new one's)
    assert outcome == FinalizeOutcome.ENDED_MEANWHILE
    assert world.store.creations["c1"]["status"] == "processing"
