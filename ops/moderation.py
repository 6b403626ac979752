"""Moderation commands of the operator CLI (runbook in docs/operations.md).

- takedown: the creation is marked taken down (the owner reads what and why, never who: the
  operator is kept in the server-only moderation/{id} and moderationAudit), moved back to draft
  if it was published, its publication and feed entry removed, in one transaction; moderatemedia
  then moves the draft video and poster where no one can reach them and deletes the public
  copies. It cannot be published again. The round's reporters are judged right.
- restore: ends a takedown (an ordinary draft again, its media back) or a hide by reports
  (visible again, a new round that takes more reporters; the round's reporters judged wrong).
- review-queue: the entries hidden by reports or held for review after a brigade: prompt, author,
  links, reasons and reporters, how those reporters' past reports were judged, and the two
  commands that decide.
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
    print(
        "moderatemedia moves the draft video and poster out of reach and deletes the public copies within"
        " seconds; CDN caches keep a public copy up to 5 min"
    )
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
        why = "brigade suspected" if review.get("needsReview") else "hidden"
        print(
            f"{creation_id}  {why}  reports={review.get('reports')} weight={float(review.get('weight') or 0):.2f}"
            f"/{float(review.get('hideAt') or 0):.2f} restores={review.get('restores') or 0}"
        )
        for line in format_review(creation_id, review, _review_details(creation_id), ops_command):
            print(line)
        reporters = review.get("reporters") or {}
        standings = feed_store.reporter_standings(sorted(reporters))
        if reporters:
            print("  reporters' standing:")
        for uid, report in sorted(reporters.items()):
            standing = standings.get(uid) or {}
            flags = " FLAGGED" if standing.get("flagged") or uid in (review.get("brigade") or []) else ""
            print(
                f"    {uid}  {report.get('reason')}  weight={float(report.get('weight') or 0):.2f}"
                f"{' (' + report['zero'] + ')' if report.get('zero') else ''}"
                f"  past: upheld={standing.get('upheld') or 0} rejected={standing.get('rejected') or 0}{flags}"
            )
        print()
    print(f"{len(hidden)} entr{'y' if len(hidden) == 1 else 'ies'} waiting for review")
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


def cmd_publications_backfill(args) -> int:
    """Creations published before publications/{id} existed have none: their owner's unpublish
    (a batch that deletes a missing publication) would wake no function. This writes one for
    each published creation that lacks it (publishcreation then rewrites its entry: harmless)."""
    from google.cloud import firestore

    from adapters import feed_store
    from adapters.firestore_tx import db

    after, written, seen = None, 0, 0
    while True:
        query = (
            db()
            .collection("creations")
            .where(filter=firestore.FieldFilter("status", "==", "published"))
            .order_by("__name__")
            .limit(args.page_size)
        )
        if after is not None:
            query = query.start_after(after)
        page = list(query.stream())
        for snap in page:
            seen += 1
            ref = db().collection(feed_store.PUBLICATIONS).document(snap.id)
            data = snap.to_dict()
            if not ref.get().exists:
                created = data.get("publishedAt") or firestore.SERVER_TIMESTAMP
                ref.set({"userId": data.get("userId"), "createdAt": created})
                written += 1
        if len(page) < args.page_size:
            break
        after = page[-1]
    print(f"publications-backfill: {seen} published creations seen, {written} publications written")
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

    queue = sub.add_parser(
        "review-queue", help="feed entries hidden by reports or held after a brigade, with their reporters"
    )
    queue.add_argument("--limit", type=int, default=100)
    queue.set_defaults(func=cmd_review_queue)

    backfill = sub.add_parser(
        "feed-backfill", help="rewrite feed entries written before names were in the feed (names, visible)"
    )
    backfill.add_argument("--page-size", type=int, default=200)
    backfill.set_defaults(func=cmd_feed_backfill)

    pubs = sub.add_parser(
        "publications-backfill", help="write publications/{id} for creations published before it existed (once)"
    )
    pubs.add_argument("--page-size", type=int, default=200)
    pubs.set_defaults(func=cmd_publications_backfill)
