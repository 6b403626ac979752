"""The operator's report over creations made in a time window."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from .pricing import veo_usd_per_second_of
from .states import IN_FLIGHT, Status


@dataclass(frozen=True)
class Report:
    total: int
    succeeded: int
    failed: int
    in_flight: int
    refunded: int
    success_rate: float | None
    refund_rate: float | None
    avg_generation_s: float | None
    p95_generation_s: float | None
    cost_per_video_usd: float | None
    total_cost_usd: float
    failures_by_code: dict[str, int] = field(default_factory=dict)

    def rows(self) -> list[tuple[str, str]]:
        def pct(v):
            return "-" if v is None else f"{v * 100:.1f}%"

        def secs(v):
            return "-" if v is None else f"{v:.1f} s"

        rows = [
            ("creations", str(self.total)),
            ("succeeded", str(self.succeeded)),
            ("failed", str(self.failed)),
            ("in flight", str(self.in_flight)),
            ("success rate", pct(self.success_rate)),
            ("refund rate", pct(self.refund_rate)),
            ("generation time avg", secs(self.avg_generation_s)),
            ("generation time p95", secs(self.p95_generation_s)),
            ("est. Veo cost", f"${self.total_cost_usd:.2f}"),
            ("est. cost per video", "-" if self.cost_per_video_usd is None else f"${self.cost_per_video_usd:.2f}"),
        ]
        rows += [(f"failed: {code}", str(n)) for code, n in sorted(self.failures_by_code.items())]
        return rows


# Push notifications, from the metric shards (domain.metrics.notifications): report label → counter.
NOTIFICATION_COUNTERS = {
    "notifications sent": "notificationsSent",
    "notifications failed": "notificationsFailed",
    "devices pruned": "devicesPruned",
}


def notification_rows(shards: list[dict]) -> list[tuple[str, str]]:
    """Messages FCM accepted, messages given up on, and device documents removed (stale tokens
    and devices beyond the limit), summed over the window's metric shards."""
    totals = {
        label: sum(v for s in shards if isinstance(v := s.get(key), (int, float)) and not isinstance(v, bool))
        for label, key in NOTIFICATION_COUNTERS.items()
    }
    return [(label, str(int(total))) for label, total in totals.items()]


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summarize(creations: list[dict], usd_per_video_second: float) -> Report:
    creations = [_normalized(c) for c in creations]
    statuses = Counter(c.get("status") for c in creations)
    succeeded = statuses[Status.DRAFT] + statuses[Status.PUBLISHED]
    failed = statuses[Status.FAILED]
    finished = succeeded + failed
    in_flight = sum(statuses[s] for s in IN_FLIGHT)
    refunded = sum(1 for c in creations if c.get("refunded"))
    durations = [
        (c["completedAt"] - c["startedAt"]).total_seconds()
        for c in creations
        if c.get("status") in (Status.DRAFT, Status.PUBLISHED) and c.get("startedAt") and c.get("completedAt")
    ]
    # Each video at what Veo charges for its options; ones older than the options at the flat rate.
    cost = sum(
        int(c.get("duration") or 0) * veo_usd_per_second_of(c, usd_per_video_second)
        for c in creations
        if c.get("status") in (Status.DRAFT, Status.PUBLISHED)
    )
    codes = Counter(_error_code(c) for c in creations if c.get("status") == Status.FAILED)
    return Report(
        total=len(creations),
        succeeded=succeeded,
        failed=failed,
        in_flight=in_flight,
        refunded=refunded,
        success_rate=succeeded / finished if finished else None,
        refund_rate=refunded / finished if finished else None,
        avg_generation_s=sum(durations) / len(durations) if durations else None,
        p95_generation_s=percentile(durations, 95),
        cost_per_video_usd=cost / succeeded if succeeded else None,
        total_cost_usd=cost,
        failures_by_code=dict(codes),
    )


def _error_code(creation: dict) -> str:
    """A report must survive a malformed document, not crash on it."""
    error = creation.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else "unknown"


def _normalized(creation: dict) -> dict:
    status = creation.get("status")
    duration = creation.get("duration")
    started, completed = creation.get("startedAt"), creation.get("completedAt")
    return {
        **creation,
        "status": status if isinstance(status, str) else "unknown",
        "duration": duration if type(duration) is int else 0,
        "startedAt": started if hasattr(started, "timestamp") else None,
        "completedAt": completed if hasattr(completed, "timestamp") else None,
    }
