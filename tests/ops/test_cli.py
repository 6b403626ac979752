"""The operator CLI against the emulator: its `main` called in-process (tests/support/ops_cli.py),
and the real entry point, `python -m ops` in a new interpreter, where only it can be proven."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from tests.flows.helpers import OWNER, balance, cost, ledger_of, submit, wait_status
from tests.support.ops_cli import run_ops as ops

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def python_m_ops(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ops", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env or os.environ.copy(),
        timeout=60,
    )


def test_python_m_ops_help_lists_every_command():
    out = python_m_ops("--help").stdout
    for command in ("ledger-check", "grant", "fail-and-refund", "report"):
        assert command in out


def test_grant_adds_a_ledger_entry_and_a_repeated_grant_id_is_a_no_op(new_user):
    user, client = new_user(tokens=10)
    first = ops("--emulator", "grant", user.uid, "25", "--grant-id", "grant_promo")
    again = ops("--emulator", "grant", user.uid, "25", "--grant-id", "grant_promo")
    assert first.returncode == 0 and "balance 35" in first.stdout
    assert again.returncode == 0 and "balance 35" in again.stdout
    assert balance(client, user.uid) == 35
    assert ledger_of(client, user.uid)["grant_promo"]["amount"] == 25


def test_grant_refuses_unknown_users_and_bad_amounts(new_user):
    user, _ = new_user(tokens=10)
    unknown = ops("--emulator", "grant", f"nobody-{uuid.uuid4().hex}", "5")
    assert unknown.returncode == 2 and "unknown user" in unknown.stderr
    for amount in ("0", "-5"):
        bad = ops("--emulator", "grant", user.uid, amount)
        assert bad.returncode == 2 and "positive" in bad.stderr
    assert ops("--emulator", "grant", user.uid, "ten").returncode == 2


def test_python_m_ops_without_a_project_exits_non_zero_with_a_clear_error():
    """The module's sys.exit(main()) turns the refusal into what a shell sees."""
    env = {k: v for k, v in os.environ.items() if k not in ("GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT")}
    result = python_m_ops("ledger-check", env=env)
    assert result.returncode != 0 and "no project" in result.stderr


def test_ledger_check_passes_then_names_a_tampered_balance(new_user):
    user, client = new_user(tokens=50)
    ok = ops("--emulator", "ledger-check", "--user", user.uid)
    assert ok.returncode == 0 and "ledger-check: OK" in ok.stdout
    OWNER.update(f"users/{user.uid}", {"tokens": 55})  # tokens appearing from nowhere
    bad = ops("--emulator", "ledger-check", "--user", user.uid)
    assert bad.returncode == 1
    assert f"PROBLEM user {user.uid}: balance 55 but ledger says 50" in bad.stdout


def test_fail_and_refund_unsticks_a_creation_once(new_user, veo):
    user, client = new_user(tokens=100)
    tag = uuid.uuid4().hex[:8]
    veo.faults([{"on": "start", "kind": "hang", "match": tag}])
    cid = submit(client, user.uid, f"{tag} stuck")
    wait_status(client, cid, statuses=("processing",))

    first = ops("--emulator", "fail-and-refund", cid)
    second = ops("--emulator", "fail-and-refund", cid)
    assert first.returncode == 0 and f"refunded {cost(4)} tokens" in first.stdout
    assert second.returncode == 0 and "nothing to do: creation is failed" in second.stdout
    assert balance(client, user.uid) == 100
    assert ops("--emulator", "fail-and-refund", "no-such-creation").returncode == 2
    assert ops("--emulator", "ledger-check", "--user", user.uid).returncode == 0


def test_fail_and_refund_on_a_malformed_balance_says_why_and_moves_nothing(new_user, veo):
    user, client = new_user(tokens=100)
    tag = uuid.uuid4().hex[:8]
    veo.faults([{"on": "start", "kind": "hang", "match": tag}])
    cid = submit(client, user.uid, f"{tag} stuck")
    wait_status(client, cid, statuses=("processing",))
    OWNER.update(f"users/{user.uid}", {"tokens": "forty-four"})

    result = ops("--emulator", "fail-and-refund", cid)
    assert result.returncode == 1
    assert f"cannot settle {cid}" in result.stderr and "Traceback" not in result.stderr
    assert "refund_" + cid not in ledger_of(client, user.uid)

    OWNER.update(f"users/{user.uid}", {"tokens": 100 - cost(4)})  # the operator repairs the balance
    assert f"refunded {cost(4)} tokens" in ops("--emulator", "fail-and-refund", cid).stdout
    assert balance(client, user.uid) == 100


def test_report_prints_a_readable_table(new_user, veo):
    user, client = new_user(tokens=100)
    wait_status(client, submit(client, user.uid, f"{uuid.uuid4().hex[:8]} a red kite"))
    result = ops("--emulator", "report", "--hours", "1")
    assert result.returncode == 0
    for label in (
        "success rate",
        "refund rate",
        "generation time p95",
        "in flight",
        "est. cost per video",
        "notifications sent",
        "devices pruned",
    ):
        assert label in result.stdout
    assert ops("--emulator", "report", "--hours", "0").returncode == 2


def test_grant_by_email_credits_the_accounts_uid_and_never_a_balance_keyed_by_the_email(new_user, admin_db):
    user, client = new_user(tokens=0)  # signed up, no balance yet: a newcomer
    result = ops("--emulator", "grant", user.email, "30", "--grant-id", "grant_welcome")
    assert result.returncode == 0, result.stderr
    assert f"granted 30 tokens to {user.email} (uid {user.uid}): balance 30" in result.stdout
    assert balance(client, user.uid) == 30
    assert not admin_db.collection("users").document(user.email).get().exists


def test_grant_to_a_new_accounts_uid_works_without_any_flag(new_user):
    user, client = new_user(tokens=0)
    result = ops("--emulator", "grant", user.uid, "200", "--grant-id", "grant_welcome")
    assert result.returncode == 0, result.stderr
    assert balance(client, user.uid) == 200


def test_grant_to_an_email_nobody_signed_up_with_is_refused_and_writes_nothing(admin_db):
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.test"
    result = ops("--emulator", "grant", email, "5")
    assert result.returncode == 2
    assert "no account with email" in result.stderr and "Traceback" not in result.stderr
    assert not admin_db.collection("users").document(email).get().exists


def test_ledger_prints_each_movement_in_words(new_user, veo):
    user, client = new_user(tokens=100)
    cid = submit(client, user.uid, "a paper boat on a rainy street")
    # Charged once it is processing: the debit is in the ledger from then on.
    wait_status(client, cid, statuses=("processing", "draft", "failed"), timeout=120)
    result = ops("--emulator", "ledger", user.email)
    assert result.returncode == 0, result.stderr
    assert "Grant — test grant" in result.stdout
    assert "Video “a paper boat on a rainy street”" in result.stdout
    assert cid not in result.stdout  # words, not ids
