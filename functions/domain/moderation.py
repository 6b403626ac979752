"""Moderation of the public feed: reports by users, hiding at a threshold, takedown by an
operator, and the review that ends either. Pure rules; the writes are in
adapters/moderation_store.py and adapters/feed_store.py.

Two server-owned records:
- `moderation/{creationId}` (no client may read it): how many distinct users reported the
  entry (`reports`), the count at which it is hidden (`hideAt`) and whether it is `hidden`.
  A review that clears the entry raises `hideAt` by the threshold, so it takes as many NEW
  reporters again to hide it; the reports already counted stay counted (a user reports once).
- `creations/{id}.moderation` (the owner reads it, the rules keep it server-only): the state
  the owner is shown, `under_review` (hidden by reports) or `taken_down` with the reason, who
  and when. A taken-down creation cannot be published again until an operator restores it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Keep equal to REPORT_REASONS in firestore.rules and to docs/client-contract.md.
REPORT_REASONS = ("spam", "sexual", "violence", "hate", "harassment", "copyright", "other")
UNDER_REVIEW = "under_review"
TAKEN_DOWN = "taken_down"
MAX_REASON_LENGTH = 500


def state_of(creation: dict | None) -> str | None:
    mark = (creation or {}).get("moderation")
    return mark.get("state") if isinstance(mark, dict) else None


def is_taken_down(creation: dict | None) -> bool:
    return state_of(creation) == TAKEN_DOWN


def is_hidden(review: dict | None) -> bool:
    return bool((review or {}).get("hidden"))


@dataclass(frozen=True)
class ReportCount:
    review: dict  # the new moderation/{id} document
    newly_hidden: bool


def count_report(review: dict | None, threshold: int) -> ReportCount:
    """One more distinct reporter (the caller makes sure each reporter counts once)."""
    review = dict(review or {})
    reports = int(review.get("reports") or 0) + 1
    hide_at = int(review.get("hideAt") or max(1, threshold))
    hidden = bool(review.get("hidden"))
    newly = not hidden and reports >= hide_at
    review.update(reports=reports, hideAt=hide_at, hidden=hidden or newly)
    return ReportCount(review, newly)


def cleared(review: dict | None, threshold: int) -> dict:
    """The review found nothing wrong: visible again, hidden again only after `threshold`
    more distinct reporters."""
    review = dict(review or {})
    reports = int(review.get("reports") or 0)
    review.update(hidden=False, hideAt=reports + max(1, threshold))
    return review


def clean_reason(reason: object) -> str:
    """An operator's reason, shown to the owner: one line, bounded."""
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("a takedown needs a reason (it is shown to the owner)")
    return " ".join(reason.split())[:MAX_REASON_LENGTH]
