"""The scale part of the in-memory CreationStore (mixed into FakeStore): the alerts'
aggregations over the creations, admission (queue estimate, queued mark, still-waiting
check, start claim) and upload intents. Same rules as the Firestore adapters, over the fake's dicts."""

from __future__ import annotations

from datetime import datetime

from domain.admission import QueueEstimate, StartClaim, claim_verdict
from domain.errors import ErrorCode
from domain.metrics import Totals
from domain.states import Status

DELIVERED = (Status.DRAFT.value, Status.PUBLISHED.value)


class ScaleStoreMixin:
    creations: dict[str, dict]
    uploads: dict[str, dict]

    # ---- the alerts' aggregations (adapters/metrics_store.py) ------------------------------

    def _ended_between(self, start: datetime, end: datetime | None) -> list[dict]:
        return [
            c
            for c in self.creations.values()
            if isinstance(c.get("completedAt"), datetime)
            and c["completedAt"] >= start
            and (end is None or c["completedAt"] <= end)
        ]

    def totals_since(self, start: datetime, usd_per_video_second: float, end: datetime | None = None) -> Totals:
        self._enter("totals_since")
        ended = self._ended_between(start, end)
        delivered = [c for c in ended if c.get("status") in DELIVERED]
        seconds = float(sum(c["duration"] for c in delivered if type(c.get("duration")) is int))
        totals = Totals()
        totals.add(
            {
                "succeeded": len(delivered),
                "videoSeconds": seconds,
                "veoCostUsd": round(seconds * usd_per_video_second, 4),
            }
        )
        for c in ended:
            code = (c.get("error") or {}).get("code") if isinstance(c.get("error"), dict) else None
            if c.get("status") == Status.FAILED and code in {e.value for e in ErrorCode}:
                totals.add({("failed_" if c.get("refunded") is True else "refused_") + code: 1})
        return totals

    def last_finalized_at(self, now: datetime, look: int = 20) -> datetime | None:
        self._enter("last_finalized_at")
        ended = sorted(
            (
                c
                for c in self.creations.values()
                if isinstance(c.get("completedAt"), datetime) and c["completedAt"] <= now
            ),
            key=lambda c: c["completedAt"],
            reverse=True,
        )[:look]
        for c in ended:
            code = (c.get("error") or {}).get("code") if isinstance(c.get("error"), dict) else None
            if code != ErrorCode.TIMEOUT.value:
                return c["completedAt"]
        return None

    # ---- admission (adapters/admission_store.py) --------------------------------------------

    def queued_ahead(self, now: datetime) -> int:
        self._enter("queued_ahead")
        return sum(
            1
            for c in self.creations.values()
            if c.get("status") == Status.PENDING and isinstance(c.get("queuedAt"), datetime) and c["queuedAt"] <= now
        )

    def mark_queued(
        self,
        creation_id: str,
        incarnation: str | None,
        estimate: QueueEstimate,
        queued_at: datetime,
        charged: dict | None = None,
    ) -> bool:
        self._enter("mark_queued")
        snap = self.creations.get(creation_id)
        if snap is None or snap.get("status") != Status.PENDING:
            return False
        if incarnation is not None and self.incarnation(creation_id) != incarnation:
            return False
        snap.update(charged or {})
        snap.update(queuedAt=queued_at, queuePosition=estimate.position, estimatedStartAt=estimate.estimated_start_at)
        return True

    def claim_start(self, creation_id: str, incarnation: str | None, claim: str) -> StartClaim:
        self._enter("claim_start")
        snap = self.creations.get(creation_id)
        if snap is None:
            return StartClaim.NOT_PENDING
        same = incarnation is None or self.incarnation(creation_id) == incarnation
        verdict = claim_verdict(snap.get("status"), snap.get("startClaim"), same)
        if verdict == StartClaim.CLAIMED:
            snap.update(startClaim=claim, startClaimedAt=self.clock.now())
        return verdict

    def release_start(self, creation_id: str, claim: str) -> bool:
        self._enter("release_start")
        snap = self.creations.get(creation_id)
        if snap is None or snap.get("status") != Status.PENDING or snap.get("startClaim") != claim:
            return False
        snap.pop("startClaim", None)
        snap.pop("startClaimedAt", None)
        return True

    # ---- upload intents (adapters/upload_intents.py) ----------------------------------------

    def record_upload(self, key: str, creation_id: str) -> None:
        self._enter("record_upload")
        self.uploads[key] = {"creationId": creation_id, "createdAt": self.clock.now()}

    def forget_upload(self, key: str) -> None:
        self._enter("forget_upload")
        self.uploads.pop(key, None)

    def upload_intents_older_than(self, cutoff: datetime, limit: int) -> list[tuple[str, str]]:
        self._enter("upload_intents_older_than")
        old = sorted(
            (i["createdAt"], key, i["creationId"]) for key, i in self.uploads.items() if i["createdAt"] < cutoff
        )
        return [(key, cid) for _, key, cid in old[:limit]]
