"""The pure rules of push notifications: texts, preferences, devices, FCM answers, waits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import ErrorCode
from domain.notifications import (
    MAX_DEVICES,
    TEXTS,
    Device,
    SendKind,
    SendResult,
    SendRetryPolicy,
    classify,
    collapse_id,
    device_from,
    keep_newest,
    language_of,
    message_for,
    next_wait,
    outbox_document,
    outbox_id,
    parse_retry_after,
    title_and_body,
    wants,
)
from domain.states import Status

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("language", sorted(TEXTS))
def test_every_error_code_has_a_failure_text_in_every_shipped_language(language):
    assert set(TEXTS[language].failed) == set(ErrorCode)
    assert all(text.strip() for text in TEXTS[language].failed.values())


def test_a_refunded_failure_says_so_and_an_unrefunded_one_does_not():
    _, refunded = title_and_body("failed", "en", "timeout", refunded=True)
    _, kept = title_and_body("failed", "en", "insufficient_tokens", refunded=False)
    assert TEXTS["en"].refunded in refunded and TEXTS["en"].refunded not in kept


def test_a_locale_picks_its_language_and_anything_else_falls_back_to_english():
    assert language_of("fr-CA") == "fr" and language_of("es_MX") == "es"
    assert language_of("pt-BR") == language_of(None) == language_of("") == "en"
    assert title_and_body("draft", "fr-FR")[0] == TEXTS["fr"].ready_title
    assert title_and_body("failed", "en", "no-such-code")[1] == TEXTS["en"].failed[ErrorCode.GENERATION_FAILED]


def test_preferences_missing_mean_on_and_each_switch_covers_its_status():
    assert wants(None, "draft") and wants({}, "failed") and wants("junk", "draft")
    assert not wants({"ready": False}, "draft") and wants({"ready": False}, "failed")
    assert not wants({"failed": False}, "failed") and wants({"failed": False}, "draft")


def test_the_message_carries_string_data_and_one_collapse_key_per_creation():
    msg = message_for(Device("d", "tok", "android"), {"creationId": "c1", "status": "draft"})
    assert msg["data"] == {"creationId": "c1", "status": "draft"}
    assert msg["android"]["collapse_key"] == msg["apns"]["headers"]["apns-collapse-id"] == "c1"
    assert msg["android"]["notification"]["tag"] == msg["webpush"]["notification"]["tag"] == "c1"
    assert len(collapse_id("x" * 128).encode()) <= 64 and collapse_id("x" * 128) != collapse_id("y" * 128)


def test_the_outbox_id_is_one_per_document_and_end_state():
    assert outbox_id("c1", "draft", "t1") == outbox_id("c1", "draft", "t1")
    assert len({outbox_id("c1", "draft", "t1"), outbox_id("c1", "failed", "t1"), outbox_id("c1", "draft", "t2")}) == 3
    assert outbox_document("c1", "u", Status.FAILED, error_code=ErrorCode.TIMEOUT, refunded=True) == {
        "creationId": "c1",
        "userId": "u",
        "status": "failed",
        "errorCode": "timeout",
        "refunded": True,
    }


def test_a_malformed_device_document_is_not_a_device():
    good = {"token": "t", "platform": "ios", "updatedAt": T0}
    assert device_from("d1", good) == Device("d1", "t", "ios", None, T0)
    assert device_from("d/1", good) is None
    assert device_from("d1", {**good, "platform": "symbian"}) is None
    assert device_from("d1", {**good, "token": ""}) is None
    assert device_from("d1", {**good, "token": 5}) is None


def test_only_the_newest_devices_are_kept_and_undated_ones_go_first():
    devices = [Device(f"d{i:02d}", "t", "ios", None, T0 + timedelta(minutes=i)) for i in range(MAX_DEVICES + 2)]
    undated = Device("old", "t", "web")
    keep, beyond = keep_newest([undated, *devices])
    assert len(keep) == MAX_DEVICES
    assert {d.device_id for d in beyond} == {"old", "d00", "d01"}


@pytest.mark.parametrize(
    "http, status, code, message, kind",
    [
        (404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.", SendKind.STALE_TOKEN),
        (
            400,
            "INVALID_ARGUMENT",
            "INVALID_ARGUMENT",
            "The registration token is not a valid FCM registration token",
            SendKind.STALE_TOKEN,
        ),
        (400, "INVALID_ARGUMENT", None, "Invalid value at 'message.data[0].value'", SendKind.REFUSED),
        (429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "", SendKind.RETRY),
        (503, "UNAVAILABLE", "UNAVAILABLE", "", SendKind.RETRY),
        (500, "INTERNAL", "INTERNAL", "", SendKind.RETRY),
        (403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "", SendKind.REFUSED),
        (401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR", "", SendKind.REFUSED),
    ],
)
def test_fcm_answers_are_classified_as_fcm_documents_them(http, status, code, message, kind):
    assert classify(http, status, code, message, None).kind == kind


def test_retry_after_is_honoured_and_without_it_the_wait_doubles_until_the_budget():
    policy = SendRetryPolicy(attempts=5, base_delay_s=1, max_delay_s=60, budget_s=20)
    quota = SendResult(SendKind.RETRY, "QUOTA_EXCEEDED", retry_after_s=7)
    busy = SendResult(SendKind.RETRY, "UNAVAILABLE")
    assert next_wait(quota, 1, 0, policy) == 7
    assert [next_wait(busy, n, 0, policy) for n in (1, 2, 3)] == [1, 2, 4]
    assert next_wait(busy, 5, 0, policy) is None  # attempts spent
    assert next_wait(quota, 1, 15, policy) is None  # would pass the budget
    assert next_wait(SendResult(SendKind.REFUSED), 1, 0, policy) is None


def test_retry_after_parses_seconds_only():
    assert parse_retry_after("30") == 30 and parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(None) is parse_retry_after("soon") is parse_retry_after("-1") is None
