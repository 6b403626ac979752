import pytest

from domain.errors import MESSAGES, ErrorCode
from domain.generation import (
    OutcomeKind,
    RetryPolicy,
    VeoOutcome,
    estimate_progress,
    is_transient_status,
    outcome_failure,
)


@pytest.mark.parametrize("status", [None, 408, 429, 500, 502, 503, 504])
def test_quota_server_and_network_errors_are_worth_retrying(status):
    assert is_transient_status(status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409])
def test_client_errors_fail_at_once(status):
    assert not is_transient_status(status)


def test_retry_delays_double_up_to_the_cap():
    assert RetryPolicy(attempts=6, base_delay_s=1, max_delay_s=5).delays() == [1, 2, 4, 5, 5]
    assert RetryPolicy(attempts=1).delays() == []


def test_a_filtered_video_is_a_content_policy_failure_with_our_message_not_veos():
    problem = outcome_failure(VeoOutcome(OutcomeKind.FILTERED, reason="Support codes: 42237218"))
    assert problem.code == ErrorCode.CONTENT_POLICY
    assert problem.message == MESSAGES[ErrorCode.CONTENT_POLICY]


def test_a_failed_operation_is_a_generation_failure_without_veos_text():
    reason = "service-123@gcp-sa-aiplatform.iam.gserviceaccount.com lacks access to projects/acme-prod"
    problem = outcome_failure(VeoOutcome(OutcomeKind.FAILED, reason=reason))
    assert problem.code == ErrorCode.GENERATION_FAILED
    assert problem.message == MESSAGES[ErrorCode.GENERATION_FAILED]


def test_running_and_ready_are_not_failures():
    assert outcome_failure(VeoOutcome(OutcomeKind.RUNNING)) is None
    assert outcome_failure(VeoOutcome(OutcomeKind.READY, video_uri="gs://b/o")) is None


def test_progress_grows_with_time_and_never_claims_done():
    values = [estimate_progress(t, 60) for t in range(0, 3600, 5)]
    assert values == sorted(values)
    assert values[0] == 0 and estimate_progress(30, 60) == 45 and estimate_progress(60, 60) == 90
    assert 98 <= values[-1] < 100 and estimate_progress(10**9, 60) < 100
