"""Moderation commands of the operator CLI (runbook in docs/operations.md).

- takedown: the creation is marked taken down (the owner reads why), moved back to draft if it
  was published, and its feed entry removed, in one transaction; publishcreation then removes
  the public copies (video and poster), as for an unpublish. It cannot be published again.
- restore: ends a takedown (an ordinary draft again) or a hide by reports (visible again).
- review-queue: the entries hidden by reports, waiting for a decision.
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


def cmd_review_queue(args) -> int:
    from adapters import feed_store

    hidden = feed_store.hidden_pending_review(args.limit)
    for creation_id, review in hidden:
        print(f"{creation_id}  reports={review.get('reports')}")
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
