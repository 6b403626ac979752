"""ledger-check per user and paged, and incremental: the work follows what
changed, and no transaction spans the whole ledger."""

from __future__ import annotations

import datetime as dt
import time
import uuid

from tests.flows.helpers import OWNER, submit, wait_status


def test_ledger_check_pages_users_and_still_names_a_tampered_balance(new_user, veo):
    from ops import ledger_check

    users = [new_user(tokens=100) for _ in range(3)]
    user, client = users[0]
    assert wait_status(client, submit(client, user.uid, f"{uuid.uuid4().hex[:8]} a kite"))["status"] == "draft"
    uids = [u.uid for u, _ in users]

    report = ledger_check.run(uids, page_size=1)  # one user per read-only transaction
    assert report.ok, report.problems
    assert (report.users_checked, report.entries_checked, report.creations_checked) == (3, 4, 1)

    OWNER.update(f"users/{uids[2]}", {"tokens": 150})
    bad = ledger_check.run(uids, page_size=2)
    assert bad.problems == [f"user {uids[2]}: balance 150 but ledger says 100"]
    OWNER.update(f"users/{uids[2]}", {"tokens": 100})


def test_ledger_check_since_a_cursor_checks_only_users_whose_ledger_moved(new_user, veo):
    from ops import ledger_check

    quiet, _ = new_user(tokens=100)
    busy, busy_client = new_user(tokens=100)
    time.sleep(1)
    cursor = dt.datetime.now(dt.UTC)
    cid = submit(busy_client, busy.uid, f"{uuid.uuid4().hex[:8]} a kite")  # a debit, then a delivery
    assert wait_status(busy_client, cid)["status"] == "draft"

    changed = ledger_check.changed_users(cursor)
    assert busy.uid in changed and quiet.uid not in changed
    report = ledger_check.run(since=cursor)
    assert report.ok, report.problems
    assert report.users_checked == len(changed)


def test_ledger_check_of_every_user_walks_every_page_of_users(new_user):
    from adapters.firebase_app import firestore_client
    from ops import ledger_check

    for _ in range(3):
        new_user(tokens=100)
    every = len(list(firestore_client().collection("users").select([]).stream()))

    report = ledger_check.run(page_size=2)  # every page after the first resumes after a user id

    assert report.users_checked == every
