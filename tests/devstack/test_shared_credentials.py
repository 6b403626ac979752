"""Several stacks of one checkout (the test workers', each in its own network namespace) run on
the one R2 CA and FCM key that functions/.env.local names: a starting stack makes fresh ones
only when no other stack runs on the old ones, and never replaces files a running stack uses."""

from __future__ import annotations

import pytest

from devstack import stack


@pytest.fixture
def run_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(stack, "RUN_DIR", tmp_path)
    monkeypatch.setattr(stack, "FCM_KEY_FILE", tmp_path / "fcm-service-account.json")
    monkeypatch.setattr(stack, "CREDENTIALS_IN_USE", tmp_path / "credentials.in-use")
    return tmp_path


def _credentials(run_dir) -> dict[str, bytes]:
    names = ("r2-ca.pem", "r2-cert.pem", "r2-key.pem", "fcm-service-account.json")
    return {name: (run_dir / name).read_bytes() for name in names}


def test_a_stack_starting_beside_a_running_one_keeps_its_credentials(run_dir):
    running = stack.Stack()
    running._write_credentials()
    first = _credentials(run_dir)

    beside = stack.Stack()
    beside._write_credentials()
    try:
        assert _credentials(run_dir) == first
        assert beside._tls == running._tls
    finally:
        beside.stop()
        running.stop()


def test_a_stack_starting_alone_makes_fresh_credentials(run_dir):
    earlier = stack.Stack()
    earlier._write_credentials()
    old = _credentials(run_dir)
    earlier.stop()

    later = stack.Stack()
    later._write_credentials()
    try:
        new = _credentials(run_dir)
        assert all(new[name] != old[name] for name in old)
    finally:
        later.stop()


def test_the_last_of_two_stacks_to_stop_frees_the_credentials_for_a_fresh_start(run_dir):
    first, second = stack.Stack(), stack.Stack()
    first._write_credentials()
    second._write_credentials()
    shared = _credentials(run_dir)
    first.stop()

    third = stack.Stack()
    third._write_credentials()  # `second` still runs on them
    assert _credentials(run_dir) == shared
    third.stop()
    second.stop()

    fourth = stack.Stack()
    fourth._write_credentials()
    try:
        assert _credentials(run_dir)["r2-ca.pem"] != shared["r2-ca.pem"]
    finally:
        fourth.stop()
