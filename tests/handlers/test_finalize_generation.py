"""finalizegeneration: running, progress steps, the hand-over, ended meanwhile, filtered,
failed, copy failures, a user gone, and the races (two finalizers, a late result after the
sweep or a delete) — against fakes, Given / When / Then."""

from __future__ import annotations

from datetime import timedelta

from adapters.gcs import temp_prefix_uri
from domain import ledger
from domain.errors import MESSAGES, ErrorCode, failure
from domain.generation import OutcomeKind, VeoOutcome
from domain.pricing import price
from handlers.finalize_generation import FinalizeOutcome, handle
from handlers.start_veo import StartVeoOutcome
from tests.handlers.conftest import TEMP_BUCKET, USER, request, start_and_dispatch
from tests.handlers.fakes import RUNNING, permanent, transient, video_at

COST = price(4)  # what a default 4 s request costs: the table's, never a literal

VIDEO_URI = f"{temp_prefix_uri(TEMP_BUCKET, 'c1')}sample_0.mp4"


def processing(world, cid="c1", tokens=100):
    """Given: a creation charged its price, Veo started, its finalize task queued (its job)."""
    world.store.grant(USER, tokens)
    assert start_and_dispatch(world, cid) == StartVeoOutcome.PROCESSING
    world.temp.objects[VIDEO_URI] = b"the video"
    world.veo.answers = [video_at(VIDEO_URI)]
    return world.tasks.enqueued[-1][1]


def finalize(world, job, cid="c1"):
    return handle(cid, world.services, job=job)


def test_a_ready_video_becomes_a_draft_and_the_slot_is_freed(world):
    # Given a processing creation whose video is ready in the temp bucket
    job = processing(world)
    # When finalize runs
    outcome = finalize(world, job)
    # Then the video is in R2 under the creation's key, the draft points at it, the debit is delivered
    assert outcome == FinalizeOutcome.DRAFT
    creation = world.store.creations["c1"]
    assert creation["status"] == "draft" and creation["progress"] == 100
    assert world.media.objects[creation["mediaKey"]][0] == b"the video"
    assert creation["mediaUrl"] == world.media.public_url(creation["mediaKey"])
    assert world.store.tokens(USER) == 100 - COST and world.store.in_flight(USER) == 0
    assert world.store.entry(USER, ledger.debit_id("c1"))["deliveredAt"]
    assert not world.temp.objects  # Veo's temp copy removed


def test_an_inline_video_is_uploaded_as_bytes(world):
    # Given Veo returns the video inline
    job = processing(world)
    world.veo.answers = [VeoOutcome(OutcomeKind.READY, video_bytes=b"inline")]
    # When finalize runs
    outcome = finalize(world, job)
    # Then the bytes are the draft
    assert outcome == FinalizeOutcome.DRAFT
    assert world.media.objects[world.store.creations["c1"]["mediaKey"]][0] == b"inline"


def test_without_a_job_the_creation_is_read_first(world):
    # Given a task without a job (a rescheduled finalize)
    processing(world)
    # When finalize runs
    outcome = finalize(world, None)
    # Then it reads the creation and finishes it
    assert outcome == FinalizeOutcome.DRAFT and world.store.calls["load_creation"] >= 1


def test_without_a_job_a_creation_gone_or_not_processing_is_left_alone(world):
    # Given one id never created and one creation already a draft
    job = processing(world)
    finalize(world, job)
    # When finalize runs for both without a job
    # Then neither is touched
    assert finalize(world, None, cid="nope") == FinalizeOutcome.NOT_PROCESSING
    assert finalize(world, None) == FinalizeOutcome.NOT_PROCESSING
    assert world.veo.calls["poll"] == 1


def test_a_processing_creation_without_an_operation_is_left_to_the_sweep(world):
    # Given a processing document that has no operation name (written by hand)
    world.store.create("c1", {**request(), "status": "processing"})
    # When finalize runs without a job
    outcome = finalize(world, None)
    # Then Veo is not polled
    assert outcome == FinalizeOutcome.NO_OPERATION and not world.veo.calls["poll"]


def poll_chain(world, job, cid="c1", limit=500):
    """Cloud Tasks running each scheduled poll in turn (the fake clock waits for each eta)."""
    outcome = finalize(world, job, cid)
    for _ in range(limit):
        if outcome != FinalizeOutcome.POLLING:
            return outcome
        _, job, _ = world.tasks.enqueued[-1]
        outcome = finalize(world, job, cid)
    return outcome


def test_a_poll_that_finds_veo_running_schedules_the_next_poll_and_returns(world):
    # Given Veo still runs
    job = processing(world)
    world.veo.answers = [RUNNING]
    queued = len(world.tasks.enqueued)
    # When one finalize task runs
    outcome = finalize(world, job)
    # Then it polled once and scheduled the next poll (coarse: Veo cannot be done before 30 s)
    assert outcome == FinalizeOutcome.POLLING and world.veo.calls["poll"] == 1
    assert len(world.tasks.enqueued) == queued + 1
    cid, next_job, delay = world.tasks.enqueued[-1]
    assert cid == "c1" and delay == 10.0 and next_job["poll"] == 1
    assert next_job["operationName"] == job["operationName"] and next_job["eta"]
    assert world.store.creations["c1"]["status"] == "processing"


def test_while_veo_runs_each_task_polls_once_and_progress_is_written_in_steps(world):
    # Given Veo still runs for 12 polls (expected 90 s), then is ready
    job = processing(world)
    world.veo.answers = [RUNNING] * 12 + [video_at(VIDEO_URI)]
    # When Cloud Tasks runs each scheduled poll
    outcome = poll_chain(world, job)
    # Then 13 tasks polled once each, progress rose in steps, and the draft was made
    assert outcome == FinalizeOutcome.DRAFT and world.veo.calls["poll"] == 13
    assert world.store.calls["record_progress"] >= 2


def test_a_poll_task_delivered_twice_schedules_the_next_poll_once(world):
    # Given Veo still runs
    job = processing(world)
    world.veo.answers = [RUNNING]
    queued = len(world.tasks.enqueued)
    # When the same poll task is delivered twice
    finalize(world, job)
    finalize(world, job)
    # Then one next poll exists (its id names the poll): no doubling chains of polls
    assert len(world.tasks.enqueued) == queued + 1


def test_a_poll_waits_for_its_due_time_when_dispatched_early(world):
    # Given a poll task due in 5 s, dispatched at once (as the emulator does)
    job = processing(world)
    world.veo.answers = [RUNNING]
    early = {**job, "eta": (world.clock.now() + timedelta(seconds=5)).isoformat()}
    # When it runs
    finalize(world, early)
    # Then it waited until its due time before polling
    assert world.clock.slept == [5.0]


def test_a_stuck_operation_still_looks_at_the_creation_every_minute(world):
    # Given Veo runs with a huge expected time (no progress step)
    job = processing(world)
    world.with_settings(veo_expected_seconds=100_000)
    world.veo.answers = [RUNNING] * 120
    started = world.clock.now()
    # When Cloud Tasks runs its polls (1 s apart once Veo may be done, the test settings)
    outcome = poll_chain(world, job, limit=100)
    # Then the creation was looked at about once a minute, not at every poll
    minutes = (world.clock.now() - started).total_seconds() / 60
    assert outcome == FinalizeOutcome.POLLING
    # (a look is due 60 s after the last: with polls up to 40 s apart, every 60-100 s)
    assert minutes * 60 / 100 - 1 <= world.store.calls["record_progress"] <= minutes + 2
    assert world.store.calls["record_progress"] < world.veo.calls["poll"] / 2
    # And once the sweep fails it, the next look stops the chain
    world.store.fail_and_refund("c1", failure(ErrorCode.TIMEOUT))
    world.veo.answers = [RUNNING] * 200
    assert poll_chain(world, world.tasks.enqueued[-1][1], limit=100) == FinalizeOutcome.ENDED_MEANWHILE


def test_a_creation_deleted_while_veo_runs_stops_the_polling(world):
    # Given a creation deleted while Veo runs
    job = processing(world)
    world.veo.answers = [RUNNING] * 30 + [video_at(VIDEO_URI)]
    world.store.before("record_progress", lambda: world.store.delete("c1"))
    # When finalize runs
    outcome = finalize(world, job)
    # Then it ends at the next progress write, without uploading anything
    assert outcome == FinalizeOutcome.ENDED_MEANWHILE and not world.media.objects


def test_a_creation_swept_while_veo_runs_stops_the_polling_instead_of_scheduling_the_next_poll(world):
    # Given a processing creation the sweep failed and refunded while Veo still runs
    job = processing(world)
    world.store.fail_and_refund("c1", failure(ErrorCode.TIMEOUT))
    world.veo.answers = [RUNNING]
    queued = len(world.tasks.enqueued)
    # When its finalize task polls
    outcome = finalize(world, job)
    # Then it ends there: no next poll, nothing uploaded, the refund stands
    assert outcome == FinalizeOutcome.ENDED_MEANWHILE
    assert len(world.tasks.enqueued) == queued and not world.media.objects
    assert world.store.tokens(USER) == 100


def test_a_filtered_video_fails_as_content_policy_and_is_refunded(world):
    # Given Veo filtered the video
    job = processing(world)
    world.veo.answers = [VeoOutcome(OutcomeKind.FILTERED, reason="raiMediaFilteredReasons")]
    # When finalize runs
    outcome = finalize(world, job)
    # Then the creation fails (content_policy), its tokens come back, the temp output goes
    assert outcome == FinalizeOutcome.FAILED
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.CONTENT_POLICY
    assert world.store.tokens(USER) == 100 and world.store.in_flight(USER) == 0
    assert not world.temp.objects
    # The user reads our message; Veo's reason (support codes, project names) is for the logs
    assert world.store.creations["c1"]["error"]["message"] == MESSAGES[ErrorCode.CONTENT_POLICY]


def test_a_failed_operation_fails_as_generation_failed_and_is_refunded(world):
    job = processing(world)
    world.veo.answers = [VeoOutcome(OutcomeKind.FAILED, reason="internal")]
    assert finalize(world, job) == FinalizeOutcome.FAILED
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.GENERATION_FAILED
    assert world.store.tokens(USER) == 100


def test_a_poll_that_keeps_failing_transiently_asks_again_later_and_the_video_still_comes(world):
    # Given every try of this poll fails transiently past the retries (Vertex unreachable)
    job = processing(world)
    world.veo.fail("poll", *[transient("veo")] * world.services.settings.retry.attempts)
    # When finalize runs
    outcome = finalize(world, job)
    # Then nothing is settled: the creation stays processing and the next poll is queued
    assert outcome == FinalizeOutcome.POLLING and world.store.tokens(USER) == 100 - COST
    assert world.store.creations["c1"]["status"] == "processing"
    # And when that poll runs, Veo answers and the video is delivered, charged once
    assert finalize(world, world.tasks.enqueued[-1][1]) == FinalizeOutcome.DRAFT
    assert world.store.tokens(USER) == 100 - COST


def test_a_poll_refused_for_good_fails_and_refunds(world):
    # Given Vertex answers the poll with a permanent error (the operation is unknown)
    job = processing(world)
    world.veo.fail("poll", permanent("veo", 404, "operation not found"))
    # When finalize runs
    outcome = finalize(world, job)
    # Then the creation fails and is refunded
    assert outcome == FinalizeOutcome.FAILED and world.store.tokens(USER) == 100


def test_a_ready_operation_without_a_video_fails_and_refunds(world):
    job = processing(world)
    world.veo.answers = [VeoOutcome(OutcomeKind.READY)]
    assert finalize(world, job) == FinalizeOutcome.FAILED
    assert world.store.tokens(USER) == 100


def test_a_creation_without_a_media_key_is_failed_and_refunded(world):
    # Given a processing creation whose mediaKey was lost (written by hand)
    processing(world)
    del world.store.creations["c1"]["mediaKey"]
    # When finalize reads it (no job) and the video is ready
    outcome = finalize(world, None)
    # Then it fails (generation_failed), refunded, and nothing is uploaded
    assert outcome == FinalizeOutcome.FAILED
    assert world.store.tokens(USER) == 100 and not world.media.objects


def test_a_copy_that_fails_fails_the_creation_refunds_and_removes_a_partial_upload(world):
    # Given R2 refuses the upload after it landed (the object exists, the call errs)
    job = processing(world)
    world.media.before("upload_stream", lambda: world.media.put(job["mediaKey"]))
    world.media.fail("upload_stream", permanent("r2", 403, "AccessDenied"))
    # When finalize runs
    outcome = finalize(world, job)
    # Then the creation fails, is refunded, and keeps no video
    assert outcome == FinalizeOutcome.FAILED
    assert world.store.tokens(USER) == 100 and job["mediaKey"] not in world.media.objects


def test_a_copy_that_keeps_failing_transiently_is_tried_again_by_the_next_poll(world):
    # Given R2 is down for every try of this finalize (a partial object may be left)
    job = processing(world)
    world.media.before("upload_stream", lambda: world.media.put(job["mediaKey"]))
    world.media.fail("upload_stream", *[transient("r2")] * world.services.settings.retry.attempts)
    # When finalize runs
    outcome = finalize(world, job)
    # Then the creation stays processing, charged, with the next poll queued and Veo's video kept
    assert outcome == FinalizeOutcome.POLLING and world.store.tokens(USER) == 100 - COST
    assert world.store.creations["c1"]["status"] == "processing" and VIDEO_URI in world.temp.objects
    # And the next poll copies it again and makes the draft
    assert finalize(world, world.tasks.enqueued[-1][1]) == FinalizeOutcome.DRAFT
    assert world.store.creations["c1"]["status"] == "draft" and world.media.objects[job["mediaKey"]]


def test_a_media_removal_that_fails_does_not_undo_the_failure(world):
    # Given the upload fails and R2 also refuses the clean-up (the orphan sweep will retry it)
    job = processing(world)
    world.media.fail("upload_stream", permanent("r2"))
    world.media.fail("delete", permanent("r2"), permanent("r2"))
    world.temp.fail("delete_prefix", permanent("gcs"))
    # When finalize runs
    outcome = finalize(world, job)
    # Then the failure and its refund stand
    assert outcome == FinalizeOutcome.FAILED and world.store.tokens(USER) == 100


def test_a_temp_removal_that_fails_does_not_undo_the_draft(world):
    job = processing(world)
    world.temp.fail("delete_prefix", transient("gcs"))
    assert finalize(world, job) == FinalizeOutcome.DRAFT
    assert world.store.creations["c1"]["status"] == "draft"


def test_without_a_temp_bucket_nothing_is_removed_from_gcs(world):
    job = processing(world)
    world.with_settings(gcs_temp_bucket="")
    assert finalize(world, job) == FinalizeOutcome.DRAFT
    assert not world.temp.calls["delete_prefix"]


def test_two_finalizers_only_the_first_draft_counts_and_its_video_stays(world):
    # Given another finalizer makes the draft while this one uploads (same key)
    job = processing(world)
    world.store.before("complete_draft", lambda: handle("c1", world.services, job=job))
    # When this one tries to complete
    outcome = finalize(world, job)
    # Then it ends quietly: one draft, the shared video kept, one slot freed, no refund
    assert outcome == FinalizeOutcome.ENDED_MEANWHILE
    assert job["mediaKey"] in world.media.objects
    assert world.store.in_flight(USER) == 0 and world.store.tokens(USER) == 100 - COST
    assert world.store.entry(USER, ledger.refund_id("c1")) is None


def test_a_late_result_after_the_sweep_failed_it_is_removed_and_stays_refunded(world):
    # Given the sweep fails and refunds the creation while this finalizer uploads
    job = processing(world)
    world.store.before("complete_draft", lambda: world.store.fail_and_refund("c1", failure(ErrorCode.TIMEOUT)))
    # When the finalizer then tries to complete
    outcome = finalize(world, job)
    # Then the failure stands, the refund is not undone, the orphan upload is deleted
    assert outcome == FinalizeOutcome.ENDED_MEANWHILE
    assert world.store.creations["c1"]["status"] == "failed" and world.store.tokens(USER) == 100
    assert job["mediaKey"] not in world.media.objects


def test_a_late_result_after_a_delete_is_removed(world):
    job = processing(world)
    world.store.before("complete_draft", lambda: world.store.delete("c1"))
    assert finalize(world, job) == FinalizeOutcome.ENDED_MEANWHILE
    assert job["mediaKey"] not in world.media.objects


def test_a_late_result_under_an_id_re_created_since_is_removed(world):
    # Given the id was deleted and re-created (a new draft with its own key) during the upload
    job = processing(world)

    def recreate():
        world.store.delete("c1")
        world.store.create("c1", {**request(), "status": "draft", "mediaKey": "drafts/alice/c1/other.mp4"})

    world.store.before("complete_draft", recreate)
    # When the late finalizer finds it
    outcome = finalize(world, job)
    # Then its copy (the old key) does not stay under the new document
    assert outcome == FinalizeOutcome.ENDED_MEANWHILE
    assert job["mediaKey"] not in world.media.objects


def test_a_failure_after_another_finalizer_made_the_draft_leaves_the_draft(world):
    # Given another finalizer made the draft just before this one's copy failed
    job = processing(world)
    world.media.fail("upload_stream", permanent("r2"))
    world.store.before("fail_and_refund", lambda: world.store.complete_draft("c1", "url"))
    # When this one tries to fail it
    outcome = finalize(world, job)
    # Then the draft stands and nothing is refunded
    assert outcome == FinalizeOutcome.ENDED_MEANWHILE
    assert world.store.creations["c1"]["status"] == "draft" and world.store.tokens(USER) == 100 - COST


def test_a_failure_that_cannot_be_refunded_safely_is_set_aside(world):
    # Given the user's balance became unreadable while Veo ran
    job = processing(world)
    world.veo.answers = [VeoOutcome(OutcomeKind.FAILED)]
    world.store.users[USER]["tokens"] = "60"
    # When finalize must fail and refund it
    outcome = finalize(world, job)
    # Then it is set aside (counted), still processing, nothing guessed
    assert outcome == FinalizeOutcome.SET_ASIDE
    assert world.store.creations["c1"]["status"] == "processing"
    assert world.store.counters["malformed_user"] == 1


def test_a_user_deleted_while_veo_ran_still_gets_a_draft(world):
    # Given the user document was deleted while Veo ran
    job = processing(world)
    del world.store.users[USER]
    # When the video is ready
    outcome = finalize(world, job)
    # Then the draft is made (no ghost user document is written)
    assert outcome == FinalizeOutcome.DRAFT and USER not in world.store.users


def test_a_user_deleted_while_veo_ran_fails_without_a_refund_entry(world):
    job = processing(world)
    del world.store.users[USER]
    world.veo.answers = [VeoOutcome(OutcomeKind.FAILED)]
    assert finalize(world, job) == FinalizeOutcome.FAILED
    assert USER not in world.store.users and world.store.entry(USER, ledger.refund_id("c1")) is None


def test_a_job_with_a_start_time_in_the_past_reports_its_duration(world):
    # Given a job started 30 s ago; the clock moved on
    job = processing(world)
    world.clock.advance(30)
    # When finalize runs
    # Then it finishes (the duration is computed from the job, not from a read)
    assert finalize(world, job) == FinalizeOutcome.DRAFT


def test_a_hand_written_processing_creation_without_a_start_time_still_finishes(world):
    # Given a processing document with an operation and a key but no startedAt (written by hand)
    world.store.grant(USER, 100)
    world.store.create(
        "c1", {**request(), "status": "processing", "operationName": "op", "mediaKey": "drafts/alice/c1/secret.mp4"}
    )
    # When finalize reads it and the video is ready inline
    outcome = finalize(world, None)
    # Then it becomes a draft (elapsed time counts as zero)
    assert outcome == FinalizeOutcome.DRAFT
