"""Operational figures and the alert rules over them.

The alerts' totals are aggregated from the creations (adapters/metrics_store.py), never
counted inside a money transaction (a shared counter is a hot document at 50
generations/s). Rare events (documents set aside, repairs) still add to 10-minute buckets
(`metrics/{bucket}/shards/{n}`) outside any money transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from .pricing import VEO_USD_PER_SECOND

BUCKET_MINUTES = 10
SHARDS = 4


def bucket_id(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y%m%d-%H") + f"{moment.minute // BUCKET_MINUTES}"


def bucket_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % BUCKET_MINUTES, second=0, microsecond=0)


def day_id(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def malformed(where: str) -> dict[str, float]:
    """A document a handler could not act on and set aside (see the structured log)."""
    return {f"malformed_{where}": 1}


def notifications(sent: int, failed: int, pruned: int) -> dict[str, float]:
    """Push notifications of one outbox document: messages FCM accepted, messages given up on,
    device documents removed (stale tokens and devices beyond the limit)."""
    counts = {"notificationsSent": sent, "notificationsFailed": failed, "devicesPruned": pruned}
    return {key: value for key, value in counts.items() if value}


def republished() -> dict[str, float]:
    return {"reconciled_published": 1}


def unpublished_orphan() -> dict[str, float]:
    return {"reconciled_feed_orphan": 1}


def veo_spend_usd(
    seconds_by_option: dict[tuple[str, str, bool], float], total_seconds: float, fallback_usd_per_second: float
) -> float:
    """Veo's estimated charge for delivered video: each combination's seconds at its price
    (standard with sound costs Veo 4x fast without), and the seconds recorded
    without options (creations older than them) at the fallback rate."""
    priced = sum(seconds_by_option.values())
    spend = sum(seconds * VEO_USD_PER_SECOND[key] for key, seconds in seconds_by_option.items())
    return round(spend + max(0.0, total_seconds - priced) * fallback_usd_per_second, 4)


@dataclass
class Totals:
    counts: dict[str, float] = field(default_factory=dict)

    def add(self, increments: dict) -> None:
        for key, value in increments.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.counts[key] = self.counts.get(key, 0) + value

    def get(self, key: str) -> float:
        return self.counts.get(key, 0)

    @property
    def failed(self) -> float:
        return sum(v for k, v in self.counts.items() if k.startswith("failed_"))

    @property
    def refused(self) -> float:
        return sum(v for k, v in self.counts.items() if k.startswith("refused_"))

    @property
    def finished(self) -> float:
        return self.get("succeeded") + self.failed

    def failure_rate(self) -> float:
        return self.failed / self.finished if self.finished else 0.0


@dataclass(frozen=True)
class Thresholds:
    failure_rate: float = 0.20
    min_finished_for_rate: int = 5  # one failure out of two is noise, not an outage
    stalled_minutes: int = 5
    max_in_flight: int = 100
    daily_spend_usd: float = 100.0


@dataclass(frozen=True)
class Alert:
    code: str
    message: str  # stable text: a log-based alert matches on it
    details: dict


def evaluate_alerts(
    last_hour: Totals,
    today: Totals,
    in_flight: int,
    oldest_in_flight_at: datetime | None,
    last_finalized_at: datetime | None,
    now: datetime,
    limits: Thresholds,
) -> list[Alert]:
    alerts = []
    rate = last_hour.failure_rate()
    if last_hour.finished >= limits.min_finished_for_rate and rate > limits.failure_rate:
        alerts.append(
            Alert(
                "failure_rate_high",
                "PHOENIX_ALERT failure_rate_high",
                {"failureRate": round(rate, 3), "finished": last_hour.finished, "threshold": limits.failure_rate},
            )
        )
    window = timedelta(minutes=limits.stalled_minutes)
    stalled_for = None if last_finalized_at is None else now - last_finalized_at
    waiting_long = oldest_in_flight_at is not None and now - oldest_in_flight_at > window
    # Work has waited longer than the window and nothing finished within it: workers are down.
    if in_flight > 0 and waiting_long and (stalled_for is None or stalled_for > window):
        alerts.append(
            Alert(
                "workers_stalled",
                "PHOENIX_ALERT workers_stalled",
                {
                    "inFlight": in_flight,
                    "minutesSinceLastFinalized": None
                    if stalled_for is None
                    else round(stalled_for.total_seconds() / 60, 1),
                },
            )
        )
    if in_flight > limits.max_in_flight:
        alerts.append(
            Alert(
                "backlog_high", "PHOENIX_ALERT backlog_high", {"inFlight": in_flight, "threshold": limits.max_in_flight}
            )
        )
    spend = today.get("veoCostUsd")
    if spend > limits.daily_spend_usd:
        alerts.append(
            Alert(
                "daily_spend_high",
                "PHOENIX_ALERT daily_spend_high",
                {"spendUsd": round(spend, 2), "threshold": limits.daily_spend_usd},
            )
        )
    return alerts
