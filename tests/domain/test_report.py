from datetime import UTC, datetime, timedelta

from domain.report import percentile, summarize

T0 = datetime(2026, 11, 28, tzinfo=UTC)


def made(seconds, status="draft", duration=8):
    return {
        "status": status,
        "duration": duration,
        "startedAt": T0,
        "completedAt": T0 + timedelta(seconds=seconds),
        "refunded": False,
    }


def test_report_over_a_mixed_window():
    creations = [made(s) for s in (10, 20, 30, 40)] + [
        {"status": "failed", "refunded": True, "error": {"code": "content_policy"}},
        {"status": "failed", "refunded": False, "error": {"code": "insufficient_tokens"}},
        {"status": "processing"},
        {**made(50, "published", 4)},
    ]
    report = summarize(creations, usd_per_video_second=0.5)
    assert (report.total, report.succeeded, report.failed, report.in_flight) == (8, 5, 2, 1)
    assert report.success_rate == 5 / 7 and report.refund_rate == 1 / 7
    assert report.avg_generation_s == 30 and report.p95_generation_s == 50
    assert report.total_cost_usd == (4 * 8 + 4) * 0.5 and report.cost_per_video_usd == 18 / 5
    assert report.failures_by_code == {"content_policy": 1, "insufficient_tokens": 1}
    assert ("success rate", "71.4%") in report.rows()


def test_empty_window_has_no_rates():
    report = summarize([], 0.15)
    assert report.success_rate is None and report.p95_generation_s is None
    assert ("success rate", "-") in report.rows()


def test_nearest_rank_percentile():
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([7], 95) == 7 and percentile([], 50) is None


def test_malformed_failed_documents_count_as_unknown():
    report = summarize(
        [
            {"status": "failed", "error": {"code": {"x": 1}}},
            {"status": "failed", "error": "boom"},
            {"status": {"map": 1}},
            {"status": "draft", "duration": "4", "startedAt": "x"},
        ],
        0.1,
    )
    assert report.failures_by_code == {"unknown": 2}
    assert (report.total, report.succeeded, report.failed) == (4, 1, 2)


def test_each_video_costs_what_veo_charges_for_its_options_and_older_ones_the_flat_rate():
    standard = {**made(10, duration=4), "quality": "standard", "resolution": "720p", "audio": True}
    silent_fast = {**made(10, duration=8), "quality": "fast", "resolution": "1080p", "audio": False}
    older = made(10, duration=6)  # recorded before the options existed
    report = summarize([standard, silent_fast, older], usd_per_video_second=0.5)
    assert report.total_cost_usd == 4 * 0.40 + 8 * 0.10 + 6 * 0.5


def test_notification_counters_are_summed_over_the_windows_shards_and_junk_is_ignored():
    from domain.metrics import notifications
    from domain.report import notification_rows

    shards = [
        notifications(sent=3, failed=1, pruned=2),
        notifications(sent=2, failed=0, pruned=0),
        {"notificationsSent": "x"},
    ]
    assert dict(notification_rows(shards)) == {
        "notifications sent": "5",
        "notifications failed": "1",
        "devices pruned": "2",
    }
    assert dict(notification_rows([]))["notifications sent"] == "0"
