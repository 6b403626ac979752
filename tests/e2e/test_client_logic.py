"""The web client's pure logic (price, form blockers, prompt checks, messages), tested with
Node's own test runner: clients/web/test/*.test.mjs. Needs Node.js only: no stack, no browser."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.e2e.conftest import E2E

WEB = E2E.parent.parent / "clients" / "web"


def test_client_logic_with_node_test_runner():
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required (Node.js 20)", pytrace=False)
    tests = sorted(str(p) for p in (WEB / "test").glob("*.test.mjs"))
    assert tests, "no clients/web/test/*.test.mjs"
    result = subprocess.run(
        [node, "--test", *tests], cwd=WEB, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        pytest.fail(
            f"node --test failed (exit {result.returncode}):\n{result.stdout[-6000:]}{result.stderr[-2000:]}",
            pytrace=False,
        )
