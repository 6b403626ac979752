"""What the naive peer does for one request, start to finish, inside one invocation."""

from __future__ import annotations

import time

import config
from adapters import store, usage
from adapters.gcs import temp_prefix_uri
from adapters.retry import with_retries
from bootstrap import bootstrap
from domain.contract import parse_request
from domain.errors import ErrorCode, ExternalServiceError, Failure, failure
from domain.generation import OutcomeKind, outcome_failure
from domain.pricing import price

# Its own collection, so the same load can be offered to both systems in one run.
store.CREATIONS = "naivecreations"
# How often it polls: as often as our fine interval (1 s), its best case; the public
# samples sleep 10-20 s between polls.
POLL_SECONDS = 1.0


def handle(creation_id: str, data: dict | None) -> str:
    with usage.invocation("naivegeneration", creation_id):
        return _run(creation_id, data)


def _run(creation_id: str, data: dict | None) -> str:
    if data is None:
        return "gone"
    settings = config.settings()
    services = bootstrap(settings)
    request = parse_request(creation_id, data)
    if isinstance(request, Failure):
        store.reject(creation_id, request)
        return "rejected"
    cost = price(request.duration_seconds, request.options)
    debit = store.debit(creation_id, request.user_id, cost, settings.max_in_flight)
    if debit.result != store.DebitResult.DEBITED:
        return "not_debited"
    output = temp_prefix_uri(settings.gcs_temp_bucket, creation_id) if settings.gcs_temp_bucket else None
    try:
        operation = with_retries(
            lambda: services.veo.start(request.prompt, request.aspect_ratio, request.duration_seconds, output),
            settings.retry,
        )
    except ExternalServiceError:
        store.fail_and_refund(creation_id, failure(ErrorCode.GENERATION_FAILED))
        return "veo_refused"
    store.mark_processing(creation_id, operation, cost, debit.media_key)
    while True:
        try:
            outcome = with_retries(lambda: services.veo.poll(operation), settings.retry)
        except ExternalServiceError:
            store.fail_and_refund(creation_id, failure(ErrorCode.GENERATION_FAILED))
            return "failed"
        if outcome.kind != OutcomeKind.RUNNING:
            break
        time.sleep(POLL_SECONDS)
    problem = outcome_failure(outcome)
    if problem:
        store.fail_and_refund(creation_id, problem)
        return "failed"
    if not outcome.video_uri:
        store.fail_and_refund(creation_id, failure(ErrorCode.GENERATION_FAILED))
        return "failed"
    reader = services.temp_storage.open_read(outcome.video_uri)
    try:
        services.media.upload_stream(reader, debit.media_key)
    finally:
        reader.close()
    store.complete_draft(creation_id, services.media.public_url(debit.media_key))
    return "draft"
