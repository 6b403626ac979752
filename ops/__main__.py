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
from devstack import stack

EMULATOR_FIRESTORE = f"127.0.0.1:{stack.FIRESTORE_PORT}"
EMULATOR_AUTH = f"127.0.0.1:{stack.AUTH_PORT}"
# Commands that read and write files only: no project, no database, no connection check.
OFFLINE_COMMANDS = {"prices", "indexes"}


def _connect(args) -> None:
    from devstack import preflight

    if args.emulator:
        os.environ.setdefault("FIRESTORE_EMULATOR_HOST", EMULATOR_FIRESTORE)
        os.environ.setdefault("FIREBASE_AUTH_EMULATOR_HOST", EMULATOR_AUTH)
    project = args.project or os.environ.get("GOOGLE_CLOUD_PROJECT") or os.environ.get("GCLOUD_PROJECT")
    if not project:
        sys.exit("error: no project: pass --project ID (or --emulator for the local demo-phoenix)")
    os.environ["GOOGLE_CLOUD_PROJECT"] = os.environ["GCLOUD_PROJECT"] = project
    # Fail in a second with one line, not after minutes of retries with a traceback.
    if os.environ.get("FIRESTORE_EMULATOR_HOST"):
        preflight.require_stack(("firestore", "auth"))
    else:
        preflight.require_credentials(project)


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
        # Said in words: a periodic job passes it to its next run, a person can ignore it.
        print(
            f"next: --since {cursor:%Y-%m-%dT%H:%M:%SZ}  (for a scheduled run: pass it to the next run "
            "to check only the users whose ledger moved since this one)"
        )
    return 0 if report.ok else 1


def cmd_grant(args) -> int:
    from adapters import store
    from ops import accounts

    if args.amount <= 0:
        print("error: the amount must be a positive number of tokens", file=sys.stderr)
        return 2
    try:
        account = accounts.resolve(args.user)
    except accounts.UnknownAccount as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    balance = store.grant(account.uid, args.amount, args.reason, grant_id=args.grant_id)
    print(f"granted {args.amount} tokens to {account.label}: balance {balance}")
    return 0


def cmd_ledger(args) -> int:
    from google.cloud import firestore

    from adapters.firebase_app import firestore_client
    from adapters.store import CREATIONS, TRANSACTIONS, USERS
    from domain.ledger_words import describe
    from ops import accounts

    try:
        account = accounts.resolve(args.user)
    except accounts.UnknownAccount as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    db = firestore_client()
    user = db.collection(USERS).document(account.uid).get()
    entries = list(
        db.collection(USERS)
        .document(account.uid)
        .collection(TRANSACTIONS)
        .order_by("createdAt", direction=firestore.Query.DESCENDING)
        .limit(args.limit)
        .stream()
    )
    ids = sorted({e.get("creationId") for e in entries if e.get("creationId")})
    prompts = {}
    if ids:
        for snap in db.get_all([db.collection(CREATIONS).document(i) for i in ids]):
            if snap.exists:
                prompts[snap.id] = snap.to_dict().get("prompt")
    balance = user.to_dict().get("tokens", 0) if user.exists else 0
    print(f"{account.label}: {balance} tokens; the last {len(entries)} movements, newest first")
    for snap in entries:
        entry = snap.to_dict()
        kind, amount = entry.get("type"), entry.get("amount", 0)
        sign = "-" if kind == "debit" else "+"
        at = entry.get("createdAt")
        when = f"{at:%Y-%m-%d %H:%M}" if hasattr(at, "strftime") else "just now"
        words = describe(kind, entry.get("reason"), prompts.get(entry.get("creationId")))
        print(f"  {when}  {sign + str(amount):>6}  → {entry.get('balanceAfter', '?'):>6}  {words}")
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
    from adapters.metrics_store import metric_shards_since
    from adapters.store import CREATIONS
    from domain.report import notification_rows, summarize

    if args.hours <= 0:
        print("error: --hours must be positive", file=sys.stderr)
        return 2
    since = datetime.now(UTC) - timedelta(hours=args.hours)
    query = firestore_client().collection(CREATIONS).where(filter=firestore.FieldFilter("createdAt", ">=", since))
    report = summarize([snap.to_dict() for snap in query.stream()], args.usd_per_second)
    # Notifications are counted in the 10-minute metric shards, not on the creations.
    rows = report.rows() + notification_rows(metric_shards_since(since))
    width = max(len(name) for name, _ in rows)
    print(f"Phoenix report, last {args.hours:g} h (since {since:%Y-%m-%d %H:%M} UTC)")
    for name, value in rows:
        print(f"  {name:<{width}}  {value:>10}")
    return 0


def cmd_prices(args) -> int:
    from domain.pricing import STORE_FEE
    from ops import prices

    args.store_fee = STORE_FEE if args.store_fee is None else args.store_fee
    if not 0 <= args.store_fee < 1:
        print(f"error: --store-fee {args.store_fee} is not a share in [0, 1)", file=sys.stderr)
        return 2
    return prices.main(write_files=args.write, check=args.check, store_fee=args.store_fee)


def cmd_indexes(args) -> int:
    from ops import indexes

    return indexes.main(check=args.check)


def cmd_iam(args) -> int:
    from ops import iam
    from ops.connection import google_session
    from ops.deploy_check import deployed_value

    if args.write_docs:
        doc = iam.DOC.read_text()
        new = iam.doc_with_table(doc)
        if new != doc:
            iam.DOC.write_text(new)
        print(f"{'wrote' if new != doc else 'already current:'} {iam.DOC.relative_to(iam.ROOT)} (the IAM table)")
        return 0
    session = google_session()
    bucket, _ = deployed_value("GCS_TEMP_BUCKET", args.project)
    lines, code = iam.run(session, args.project, bucket, apply=args.apply)
    print("\n".join(lines))
    return code


def cmd_monitoring(args) -> int:
    from ops import monitoring
    from ops.connection import google_session

    defs = monitoring.with_channels(monitoring.load(), args.notify_channel or [])
    session = google_session()
    apply = args.action == "apply" and not args.dry_run
    changes = monitoring.plan_and_apply(session, args.project, defs, apply=apply)
    print("\n".join(monitoring.report(changes, applied=apply)))
    return 0


def cmd_smoke(args) -> int:
    from devstack import preflight
    from ops import smoke

    if args.emulator:  # the whole pipeline runs: every part that makes a video must answer
        preflight.require_stack(("firestore", "auth", "functions", "tasks", "veo", "s3", "r2proxy"))
    return smoke.main(args.project, args.api_key, emulator=args.emulator)


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

    grant = sub.add_parser(
        "grant", help="give tokens to an account, by uid or by the email it signed up with (a ledger grant entry)"
    )
    grant.add_argument("user", help="the uid, or the email of an existing account (resolved to its uid)")
    grant.add_argument("amount", type=int)
    grant.add_argument("--reason", default="operator grant")
    grant.add_argument("--grant-id", help="idempotency key: a repeated grant with the same id is a no-op")
    grant.set_defaults(func=cmd_grant)

    ledger = sub.add_parser("ledger", help="an account's token movements in words (by uid or email), newest first")
    ledger.add_argument("user", help="the uid, or the email of an existing account")
    ledger.add_argument("--limit", type=int, default=20, help="how many entries (default 20)")
    ledger.set_defaults(func=cmd_ledger)

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
    prices.add_argument(
        "--store-fee",
        type=float,
        default=None,
        help="the app store's share of a token pack, 0-1 (default: pricing.STORE_FEE) for the margin column",
    )
    prices.set_defaults(func=cmd_prices)

    indexes = sub.add_parser(
        "indexes",
        help="every query of functions/, ops/, the web client and the contract doc, with the index it needs",
    )
    indexes.add_argument(
        "--check", action="store_true", help="exit 1 if an index is missing or declared without a query"
    )
    indexes.set_defaults(func=cmd_indexes)

    iam_cmd = sub.add_parser(
        "iam", help="the roles the functions' service accounts need: granted or missing (--apply grants them)"
    )
    iam_cmd.add_argument("--apply", action="store_true", help="grant the missing roles")
    iam_cmd.add_argument(
        "--write-docs", action="store_true", help="rewrite the role table in docs/operations.md (no project needed)"
    )
    iam_cmd.set_defaults(func=cmd_iam)

    mon = sub.add_parser(
        "monitoring",
        help="log-based metrics, alert policies and the dashboard of monitoring/: what would change, or `apply`",
    )
    mon.add_argument("action", nargs="?", choices=["plan", "apply"], default="plan")
    mon.add_argument("--dry-run", action="store_true", help="with apply: print the difference, change nothing")
    mon.add_argument(
        "--notify-channel",
        action="append",
        help="projects/P/notificationChannels/ID every alert policy notifies (repeatable)",
    )
    mon.set_defaults(func=cmd_monitoring)

    smoke_cmd = sub.add_parser(
        "smoke",
        help="after a deploy: one short video made as the app makes it, checked end to end (~$0.60 of Veo)",
    )
    smoke_cmd.add_argument("--api-key", help="the web app's API key (default: FIREBASE_WEB_API_KEY)")
    smoke_cmd.set_defaults(func=cmd_smoke)

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
    if args.command in OFFLINE_COMMANDS or getattr(args, "write_docs", False):  # files only
        return args.func(args)
    if args.emulator and not args.project:
        args.project = "demo-phoenix"
    _connect(args)
    from google.api_core import exceptions as google_errors
    from google.auth import exceptions as auth_errors

    from ops.connection import ConnectionProblem

    try:
        return args.func(args)
    except (google_errors.GoogleAPICallError, google_errors.RetryError, auth_errors.GoogleAuthError) as exc:
        # Expected when the service refuses or cannot be reached: one line, not a traceback.
        print(f"error: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}", file=sys.stderr)
        return 1
    except ConnectionProblem as exc:  # a REST call of iam / monitoring / smoke: one line too
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
