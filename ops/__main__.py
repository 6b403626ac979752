"""Phoenix operator CLI.

Works against the emulator (FIRESTORE_EMULATOR_HOST set, or --emulator) or a real project
(Application Default Credentials, --project).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC

import ops  # noqa: F401  (puts functions/ on the path)

EMULATOR_FIRESTORE = "127.0.0.1:8080"


def _connect(args) -> None:
    if args.emulator:
        os.environ.setdefault("FIRESTORE_EMULATOR_HOST", EMULATOR_FIRESTORE)
    project = args.project or os.environ.get("GOOGLE_CLOUD_PROJECT") or os.environ.get("GCLOUD_PROJECT")
    if not project:
        sys.exit("error: no project: pass --project ID (or --emulator for the local demo-phoenix)")
    os.environ["GOOGLE_CLOUD_PROJECT"] = os.environ["GCLOUD_PROJECT"] = project


def cmd_ledger_check(args) -> int:
    from datetime import datetime, timedelta

    from ops import ledger_check

    if args.page_size <= 0:
        print("error: --page-size must be positive", file=sys.stderr)
        return 2
    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since.replace("Z", "+00:00"))
        except ValueError:
            print(f"error: --since {args.since!r} is not an ISO time", file=sys.stderr)
            return 2
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
    # The next run's --since: a little before now, so a transaction committing as this run
    # starts is seen again rather than missed (checking a user twice is harmless).
    cursor = datetime.now(UTC) - timedelta(minutes=5)
    report = ledger_check.run(args.user or None, page_size=args.page_size, since=since)
    for problem in report.problems:
        print(f"PROBLEM {problem}")
    verdict = "OK" if report.ok else f"{len(report.problems)} problem(s)"
    print(
        f"ledger-check: {verdict} — {report.users_checked} users, "
        f"{report.entries_checked} ledger entries, {report.creations_checked} creations"
    )
    if not args.user:
        print(f"next: --since {cursor:%Y-%m-%dT%H:%M:%SZ}")
    return 0 if report.ok else 1


def cmd_grant(args) -> int:
    from adapters import store

    if args.amount <= 0:
        print("error: the amount must be a positive number of tokens", file=sys.stderr)
        return 2
    if not args.allow_new_user and store.user_ref(args.user).get().exists is False:
        print(f"error: unknown user {args.user!r} (pass --allow-new-user to create it)", file=sys.stderr)
        return 2
    balance = store.grant(args.user, args.amount, args.reason, grant_id=args.grant_id)
    print(f"granted {args.amount} tokens to {args.user}: balance {balance}")
    return 0


def cmd_fail_and_refund(args) -> int:
    from adapters import store
    from domain.errors import ErrorCode, failure

    creation = store.load_creation(args.creation_id)
    if creation is None:
        print(f"error: no creation {args.creation_id!r}", file=sys.stderr)
        return 2
    from ports import MalformedDocument

    try:
        settlement = store.fail_and_refund(args.creation_id, failure(ErrorCode(args.code)))
    except MalformedDocument as exc:
        # Nothing was written: the transaction refuses to guess a balance it cannot read.
        print(
            f"error: cannot settle {args.creation_id}: {exc}; repair the document, then run this again", file=sys.stderr
        )
        return 1
    if not settlement.changed:
        print(f"nothing to do: creation is {settlement.status_before}")
        return 0
    print(f"failed {args.creation_id} ({args.code}); refunded {settlement.refunded_tokens} tokens")
    return 0


def cmd_report(args) -> int:
    from datetime import datetime, timedelta

    from google.cloud import firestore

    from adapters.firebase_app import firestore_client
    from adapters.store import CREATIONS
    from domain.report import summarize

    if args.hours <= 0:
        print("error: --hours must be positive", file=sys.stderr)
        return 2
    since = datetime.now(UTC) - timedelta(hours=args.hours)
    query = firestore_client().collection(CREATIONS).where(filter=firestore.FieldFilter("createdAt", ">=", since))
    report = summarize([snap.to_dict() for snap in query.stream()], args.usd_per_second)
    width = max(len(name) for name, _ in report.rows())
    print(f"Phoenix report, last {args.hours:g} h (since {since:%Y-%m-%d %H:%M} UTC)")
    for name, value in report.rows():
        print(f"  {name:<{width}}  {value:>10}")
    return 0


def cmd_prices(args) -> int:
    from ops import prices

    return prices.main(write_files=args.write, check=args.check)


def cmd_backfill_upload_intents(args) -> int:
    import config
    from adapters import upload_intents
    from bootstrap import bootstrap
    from ops import backfill_uploads

    # The media bucket as the functions reach it: R2_* params from the environment (source
    # functions/.env.<project> and export the two R2 secrets first).
    bucket = bootstrap(config.settings()).media
    done = backfill_uploads.run(
        bucket.list_keys, upload_intents.record, prefixes=args.prefix or backfill_uploads.PREFIXES, dry_run=args.dry_run
    )
    for key in done.skipped:
        print(f"skipped (names no creation): {key}")
    verb = "would note" if args.dry_run else "noted"
    print(f"backfill-upload-intents: {verb} {done.noted} upload intents; the media sweep judges them")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ops", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--project", help="Firebase project id")
    parser.add_argument("--emulator", action="store_true", help="use the local emulator (demo-phoenix)")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("ledger-check", help="verify balances, debits and refunds; exit 1 on any problem")
    check.add_argument("--user", action="append", help="check only this user (repeatable)")
    check.add_argument(
        "--since",
        help="check only users whose ledger moved since this ISO time "
        "(the previous run prints it as `next: --since ...`)",
    )
    check.add_argument("--page-size", type=int, default=50, help="users per read-only transaction (default 50)")
    check.set_defaults(func=cmd_ledger_check)

    grant = sub.add_parser("grant", help="give tokens to a user (a ledger grant entry)")
    grant.add_argument("user")
    grant.add_argument("amount", type=int)
    grant.add_argument("--reason", default="operator grant")
    grant.add_argument("--grant-id", help="idempotency key: a repeated grant with the same id is a no-op")
    grant.add_argument("--allow-new-user", action="store_true")
    grant.set_defaults(func=cmd_grant)

    refund = sub.add_parser("fail-and-refund", help="fail a stuck creation and refund it (idempotent)")
    refund.add_argument("creation_id")
    refund.add_argument("--code", default="timeout", choices=["timeout", "generation_failed"])
    refund.set_defaults(func=cmd_fail_and_refund)

    report = sub.add_parser("report", help="success rate, generation times, refunds, cost, for a window")
    report.add_argument("--hours", type=float, default=24, help="window length (default 24)")
    report.add_argument(
        "--usd-per-second",
        type=float,
        default=0.15,
        help="Veo price per video second for videos recorded without options (default 0.15); others per option",
    )
    report.set_defaults(func=cmd_report)

    prices = sub.add_parser("prices", help="the price table with Veo's cost and the margin per option")
    prices.add_argument(
        "--write",
        "--write-rules",
        dest="write",
        action="store_true",
        help="write the generated price blocks (firestore.rules, web client)",
    )
    prices.add_argument("--check", action="store_true", help="exit 1 if a generated price block differs")
    prices.set_defaults(func=cmd_prices)

    from ops import moderation

    moderation.add_commands(sub)  # takedown, restore, review-queue

    backfill = sub.add_parser(
        "backfill-upload-intents",
        help="once, after upgrading to upload intents: note an intent for every R2 object so the media sweep sees it",
    )
    backfill.add_argument("--prefix", action="append", help="only keys under this prefix (repeatable)")
    backfill.add_argument("--dry-run", action="store_true", help="list and count, write nothing")
    backfill.set_defaults(func=cmd_backfill_upload_intents)

    args = parser.parse_args(argv)
    if args.command == "prices":  # reads and writes files only: no project, no database
        return args.func(args)
    if args.emulator and not args.project:
        args.project = "demo-phoenix"
    _connect(args)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
