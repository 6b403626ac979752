"""Moderation of the public feed: reports by users, hiding at a threshold, takedown by an
operator, and the review that ends either. Pure rules; the writes are in adapters/feed_store.py.

Server-owned records (no client may read them):
- `moderation/{creationId}`: the reports of the current round (`reporters`: uid -> weight and
  reason), their summed `weight`, the weight at which the entry is hidden (`hideAt`), whether it
  is `hidden`, `takenDown` (reason, operator, time: the audit record of who did it),
  `restores`, and `needsReview` with `brigade` (the reporters flagged) when a brigade was seen.
- `reporters/{uid}`: a reporter's standing: reports counted today, how operators judged their
  past reports (`upheld`, `rejected`), the entries they recently helped hide, `flagged`.
- `creations/{id}.moderation` (the owner reads it, the rules keep it server-only): the state
  the owner is shown, `under_review` (hidden by reports) or `taken_down` with the reason and
  when; never who (operators stay private). A taken-down creation cannot be published again
  until an operator restores it.

Reports that cannot be farmed (docs/operations.md, "Runbook: feed moderation"):
- only an account that can be held to account files one: signed in with a verified email (not
  anonymous), which the rules check, and which has paid for a video (a debit in its ledger),
  which the server checks; any other report is kept but weighs 0;
- a reporter counts at most REPORTS_PER_DAY reports a day (UTC); further ones weigh 0;
- a reporter weighs 1 / (1 + rejected - upheld) (never more than 1): reports operators rejected
  make the next ones count less;
- when the reporters about to hide an entry include BRIGADE_MIN_OVERLAP or more who helped hide
  ANOTHER entry within BRIGADE_WINDOW, those reporters are flagged (they weigh 0 from then on)
  and the entry goes to the review queue instead of being hidden;
- a restore starts a new round: the reports filed before it never count again (one report per
  user and entry), and hiding takes `threshold * (1 + restores)` of weight: more distinct,
  qualified reporters each time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

# Keep equal to REPORT_REASONS in firestore.rules and to docs/client-contract.md.
REPORT_REASONS = ("spam", "sexual", "violence", "hate", "harassment", "copyright", "other")
UNDER_REVIEW = "under_review"
TAKEN_DOWN = "taken_down"
MAX_REASON_LENGTH = 500
REPORTS_PER_DAY = 10
BRIGADE_WINDOW = timedelta(days=7)
BRIGADE_MIN_OVERLAP = 2
RECENT_HIDES_KEPT = 20
# A round's reporters recorded on moderation/{id} (the review queue shows them); more still count.
REPORTERS_KEPT = 200


def state_of(creation: dict | None) -> str | None:
    mark = (creation or {}).get("moderation")
    return mark.get("state") if isinstance(mark, dict) else None


def is_taken_down(creation: dict | None) -> bool:
    return state_of(creation) == TAKEN_DOWN


def is_hidden(review: dict | None) -> bool:
    return bool((review or {}).get("hidden"))


def reporter_weight(standing: dict | None, qualified: bool, now: datetime) -> tuple[float, str | None]:
    """What one more report of this reporter weighs, and why it weighs 0 when it does."""
    standing = standing or {}
    if not qualified:
        return 0.0, "not_qualified"
    if standing.get("flagged"):
        return 0.0, "flagged"
    if standing.get("day") == now.date().isoformat() and int(standing.get("today") or 0) >= REPORTS_PER_DAY:
        return 0.0, "daily_cap"
    rejected, upheld = int(standing.get("rejected") or 0), int(standing.get("upheld") or 0)
    return 1.0 / (1 + max(0, rejected - upheld)), None


def _recent_other_hides(standing: dict | None, creation_id: str, now: datetime) -> bool:
    for hide in (standing or {}).get("recentHides") or []:
        if not isinstance(hide, dict) or hide.get("creationId") == creation_id:
            continue
        at = hide.get("at")
        if isinstance(at, datetime) and now - at < BRIGADE_WINDOW:
            return True
    return False


@dataclass(frozen=True)
class ReportPlan:
    review: dict  # the new moderation/{id} document
    standing: dict  # the new reporters/{reporter} document
    weight: float  # what this report weighed (why it weighs 0 is on the review, `zero`)
    newly_hidden: bool
    flagged: tuple[str, ...] = ()  # reporters flagged as a brigade (their standing: flagged)
    # Contributors of a hide: each gets this entry in its recentHides.
    hid_with: tuple[str, ...] = field(default=())


def plan_report(
    creation_id: str,
    reporter_id: str,
    reason: str,
    review: dict | None,
    standing: dict | None,
    qualified: bool,
    contributors: dict[str, dict],
    threshold: int,
    now: datetime,
) -> ReportPlan:
    """One report, counted once (the caller stamps it). `contributors`: the standing of the
    round's other reporters (reporters/{uid}), read only when this report may hide the entry
    (`may_hide` says when)."""
    review = dict(review or {})
    standing = dict(standing or {})
    weight, why = reporter_weight(standing, qualified, now)
    today = now.date().isoformat()
    if standing.get("day") != today:
        standing.update(day=today, today=0)
    if why != "daily_cap":
        standing["today"] = int(standing.get("today") or 0) + 1
    reporters = dict(review.get("reporters") or {})
    if len(reporters) < REPORTERS_KEPT:
        reporters[reporter_id] = {"weight": weight, "reason": reason, "at": now, **({"zero": why} if why else {})}
    total = float(review.get("weight") or 0.0) + weight
    hide_at = float(review.get("hideAt") or max(1, threshold))
    hidden = bool(review.get("hidden"))
    review.update(reporters=reporters, weight=total, hideAt=hide_at, reports=int(review.get("reports") or 0) + 1)
    if hidden or weight == 0 or total < hide_at:
        review["hidden"] = hidden
        return ReportPlan(review, standing, weight, False)
    # This report hides the entry, unless the ones hiding it are the ones who hid others.
    standings = {**contributors, reporter_id: standing}
    active = [uid for uid, r in reporters.items() if float((r or {}).get("weight") or 0) > 0]
    repeat = tuple(sorted(uid for uid in active if _recent_other_hides(standings.get(uid), creation_id, now)))
    if len(repeat) >= BRIGADE_MIN_OVERLAP:
        for uid in repeat:
            total -= float(reporters[uid].get("weight") or 0)
            reporters[uid] = {**reporters[uid], "weight": 0.0, "zero": "flagged"}
        if reporter_id in repeat:
            standing["flagged"] = True
        review.update(reporters=reporters, weight=max(0.0, total), hidden=False, needsReview=True, brigade=list(repeat))
        return ReportPlan(review, standing, 0.0 if reporter_id in repeat else weight, False, flagged=repeat)
    review["hidden"] = True
    return ReportPlan(review, standing, weight, True, hid_with=tuple(sorted(active)))


def may_hide(review: dict | None, threshold: int) -> bool:
    """Whether one more report (weighing at most 1) can reach the hiding weight: only then are
    the round's other reporters read (the brigade check)."""
    review = review or {}
    if review.get("hidden"):
        return False
    hide_at = float(review.get("hideAt") or max(1, threshold))
    return float(review.get("weight") or 0.0) + 1.0 >= hide_at


def with_hide(standing: dict | None, creation_id: str, now: datetime) -> dict:
    """A reporter's standing after helping hide `creation_id` (kept: the last RECENT_HIDES_KEPT)."""
    standing = dict(standing or {})
    hides = [h for h in standing.get("recentHides") or [] if isinstance(h, dict)]
    standing["recentHides"] = (hides + [{"creationId": creation_id, "at": now}])[-RECENT_HIDES_KEPT:]
    return standing


def flagged(standing: dict | None) -> dict:
    return {**(standing or {}), "flagged": True}


def judged(standing: dict | None, upheld: bool) -> dict:
    """A reporter's standing after an operator judged a report of theirs."""
    standing = dict(standing or {})
    key = "upheld" if upheld else "rejected"
    standing[key] = int(standing.get(key) or 0) + 1
    return standing


def round_reporters(review: dict | None) -> list[str]:
    """The reporters of the current round whose reports counted (weighed more than 0)."""
    reporters = (review or {}).get("reporters") or {}
    return sorted(uid for uid, r in reporters.items() if float((r or {}).get("weight") or 0) > 0)


def cleared(review: dict | None, threshold: int) -> dict:
    """The review found nothing wrong: visible again, and a new round: the reports filed before
    never count again, and it takes `threshold * (1 + restores)` of weight to hide it again."""
    review = dict(review or {})
    restores = int(review.get("restores") or 0) + 1
    review.update(
        hidden=False,
        needsReview=False,
        weight=0.0,
        reporters={},
        brigade=[],
        restores=restores,
        hideAt=float(max(1, threshold) * (1 + restores)),
    )
    return review


def clean_reason(reason: object) -> str:
    """An operator's reason, shown to the owner: one line, bounded."""
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("a takedown needs a reason (it is shown to the owner)")
    return " ".join(reason.split())[:MAX_REASON_LENGTH]


class MediaChange:
    """What a write of moderation/{id} asks of the creation's media (handlers/moderate_media.py)."""

    NONE = "none"
    HOLD = "hold"  # taken down: draft video and poster moved where no one reaches them, public copies gone
    RELEASE = "release"  # takedown ended: the held draft comes back
    HIDE = "hide"  # hidden by reports: the public copies stop being served
    SHOW = "show"  # visible again: the public copies come back (if still published)


def media_change(before: dict | None, after: dict | None) -> str:
    """Only a change of the takenDown or hidden state acts; every other write (a report counted,
    a reporter recorded) is NONE, so the trigger costs one cheap run."""
    taken_before, taken_after = bool((before or {}).get("takenDown")), bool((after or {}).get("takenDown"))
    hidden_before, hidden_after = is_hidden(before), is_hidden(after)
    if taken_after and not taken_before:
        return MediaChange.HOLD
    if taken_before and not taken_after:
        return MediaChange.RELEASE
    if taken_after:
        return MediaChange.NONE
    if hidden_after and not hidden_before:
        return MediaChange.HIDE
    if hidden_before and not hidden_after:
        return MediaChange.SHOW
    return MediaChange.NONE


def held_secret(review: dict | None) -> str | None:
    """The secret of the held keys (domain/media.held_key). Kept at the top of moderation/{id}
    across restores, so every takedown of a creation holds its media at the same keys and an
    event delivered late (a takedown's after its restore, a restore's after a new takedown)
    still knows where they are. Records written before kept it only in `takenDown`."""
    review = review or {}
    for secret in (review.get("heldSecret"), (review.get("takenDown") or {}).get("heldSecret")):
        if isinstance(secret, str) and secret:
            return secret
    return None


def media_target(creation: dict) -> str:
    """What the media of a creation must be now, read from the creation's own moderation mark
    (written in the same transaction as moderation/{id}): HOLD while taken down, HIDE while
    hidden by reports, SHOW otherwise. An event only wakes the handler; what it does comes from
    here, so a late or repeated event never undoes a later decision."""
    state = state_of(creation)
    if state == TAKEN_DOWN:
        return MediaChange.HOLD
    if state == UNDER_REVIEW:
        return MediaChange.HIDE
    return MediaChange.SHOW
