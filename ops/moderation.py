"""Moderation commands of the operator CLI (runbook in docs/operations.md).

- takedown: the creation is marked taken down (the owner reads why), moved back to draft if it
  was published, and its feed entry removed, in one transaction; publishcreation then removes
  the public copies (video and poster), as for an unpublish. It cannot be published again.
- restore: ends a takedown (an ordinary draft again) or a hide by reports (visible again).
- review-queue: the entries hidden by reports, waiting for a decision: prompt, author, links,
  reasons and reporters, and the two commands that decide.
- feed-backfill: rewrites feed entries written before names were in the feed (with the author's uid, no
  display name, no `visible`), which the new rules no longer let anyone read. Run it once
  after deploying the functions and before deploying the rules (docs/operations.md).
"""

from __future__ import annotations

import getpass
import sys


def operator_name(given: str | None) -> str:
    return (given or getpass.getuser() or "operator").strip()[:100]


def cmd_takedown(args) -> int:
    from adapters import feed_store
    from domain import contract, moderation

    if not contract.is_valid_creation_id(args.creation_id):
        print(f"error: not a creation id: {args.creation_id!r}", file=sys.stderr)
        return 2
    try:
        reason = moderation.clean_reason(args.reason)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    by = operator_name(args.by)
    before = feed_store.take_down(args.creation_id, reason, by)
    if before is None:
        print(f"error: no creation {args.creation_id!r}", file=sys.stderr)
        return 2
    print(f"taken down {args.creation_id} (was {before}) by {by}: {reason}")
    if before == "published":
        print("the public copies are removed by publishcreation within seconds; CDN caches keep them up to 5 min")
    return 0


def cmd_restore(args) -> int:
    import config
    from adapters import feed_store
    from domain import contract

    if not contract.is_valid_creation_id(args.creation_id):
        print(f"error: not a creation id: {args.creation_id!r}", file=sys.stderr)
        return 2
    threshold = args.reports_to_hide or config.reports_to_hide()
    ended = feed_store.restore(args.creation_id, operator_name(args.by), threshold)
    if ended is None:
        print(f"nothing to restore: {args.creation_id} is neither taken down nor hidden")
        return 0
    print(f"restored {args.creation_id} ({ended} ended)")
    return 0


def _review_details(creation_id: str) -> dict:
    """What an operator needs to decide without the console: the creation, its author's
    name, its public links and every report (reason, reporter, when)."""
    from adapters.feed_store import CREATIONS, FEED, PROFILES
    from adapters.firebase_app import firestore_client

    db = firestore_client()
    creation_snap, entry_snap = db.get_all(
        [db.collection(CREATIONS).document(creation_id), db.collection(FEED).document(creation_id)]
    )
    creation = creation_snap.to_dict() if creation_snap.exists else {}
    entry = entry_snap.to_dict() if entry_snap.exists else {}
    reports = [
        {"reporter": snap.id, **snap.to_dict()}
        for snap in db.collection(FEED).document(creation_id).collection("reports").stream()
    ]
    uids = sorted({r["reporter"] for r in reports} | ({creation["userId"]} if creation.get("userId") else set()))
    names = {}
    if uids:
        for snap in db.get_all([db.collection(PROFILES).document(u) for u in uids]):
            if snap.exists:
                names[snap.id] = snap.to_dict().get("displayName")
    return {"creation": creation, "entry": entry, "reports": reports, "names": names}


def format_review(creation_id: str, review: dict, details: dict, ops_command: str = "python -m ops") -> list[str]:
    """One queue entry as lines a person reads (pure: tested without a database)."""
    from collections import Counter

    creation, entry, reports, names = details["creation"], details["entry"], details["reports"], details["names"]
    author = creation.get("userId")
    author_name = names.get(author) or entry.get("displayName") or "(no display name)"
    prompt = creation.get("prompt") or entry.get("prompt") or "(creation deleted)"
    lines = [
        f"{creation_id}  hidden after {review.get('reports', len(reports))} report(s)",
        f"  prompt:   {_excerpt(prompt, 200)}",
        f"  author:   {author_name} (uid {author or '?'})",
        f"  video:    {entry.get('mediaUrl') or creation.get('mediaUrl') or '(none)'}",
        f"  poster:   {entry.get('posterUrl') or creation.get('posterUrl') or '(none)'}",
    ]
    reasons = Counter(str(r.get("reason") or "?") for r in reports)
    lines.append("  reasons:  " + (", ".join(f"{reason} ×{n}" for reason, n in reasons.most_common()) or "(none)"))
    for r in sorted(reports, key=lambda r: str(r.get("createdAt") or "")):
        at = r.get("createdAt")
        when = f"{at:%Y-%m-%d %H:%M} UTC" if hasattr(at, "strftime") else "?"
        who = names.get(r["reporter"]) or "(no display name)"
        lines.append(f"  reporter: {who} (uid {r['reporter']}) — {r.get('reason') or '?'}, {when}")
    lines.append(f'  take down: {ops_command} takedown {creation_id} --reason "shown to the owner"')
    lines.append(f"  restore:   {ops_command} restore {creation_id}")
    return lines


def _excerpt(text: str, limit: int) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def cmd_review_queue(args) -> int:
    from adapters import feed_store

    hidden = feed_store.hidden_pending_review(args.limit)
    ops_command = "python -m ops " + ("--emulator" if args.emulator else f"--project {args.project}")
    for creation_id, review in hidden:
        for line in format_review(creation_id, review, _review_details(creation_id), ops_command):
            print(line)
        print()
    print(f"{len(hidden)} entr{'y' if len(hidden) == 1 else 'ies'} hidden pending review")
    return 0


def cmd_feed_backfill(args) -> int:
    from adapters import feed_store

    after, rewritten, removed, seen = None, 0, 0, 0
    while True:
        page = feed_store.feed_page(after, args.page_size)
        for creation_id, entry in page:
            seen += 1
            if "visible" in entry and "userId" not in entry:
                continue
            # Rebuilt from the creation (as a publish writes it); gone if no longer published.
            media_url = entry.get("mediaUrl")
            if isinstance(media_url, str) and feed_store.publish_to_feed(
                creation_id, media_url, entry.get("posterUrl")
            ):
                rewritten += 1
            elif feed_store.remove_from_feed(creation_id):
                removed += 1
        if len(page) < args.page_size:
            break
        after = page[-1][0]
    print(f"feed-backfill: {seen} entries seen, {rewritten} rewritten, {removed} removed (not published)")
    return 0


def add_commands(sub) -> None:
    takedown = sub.add_parser("takedown", help="take a creation off the feed for good (until restore)")
    takedown.add_argument("creation_id")
    takedown.add_argument("--reason", required=True, help="shown to the owner")
    takedown.add_argument("--by", help="the operator's name (default: the login name)")
    takedown.set_defaults(func=cmd_takedown)

    restore = sub.add_parser("restore", help="end a takedown, or unhide an entry hidden by reports")
    restore.add_argument("creation_id")
    restore.add_argument("--by", help="the operator's name (default: the login name)")
    restore.add_argument(
        "--reports-to-hide", type=int, help="new reporters that hide it again (default: the REPORTS_TO_HIDE param)"
    )
    restore.set_defaults(func=cmd_restore)

    queue = sub.add_parser("review-queue", help="feed entries hidden by reports, waiting for a decision")
    queue.add_argument("--limit", type=int, default=100)
    queue.set_defaults(func=cmd_review_queue)

    backfill = sub.add_parser(
        "feed-backfill", help="rewrite feed entries written before names were in the feed (names, visible)"
    )
    backfill.add_argument("--page-size", type=int, default=200)
    backfill.set_defaults(func=cmd_feed_backfill)
