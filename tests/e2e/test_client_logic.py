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


def _node_eval(script: str) -> object:
    import json

    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required (Node.js 20)", pytrace=False)
    result = subprocess.run(
        [node, "--input-type=module", "-e", script], cwd=WEB, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_ledger_words_of_the_web_client_are_the_servers():
    from domain import ledger_words

    cases = [
        ["grant", "demo seed", None],
        ["debit", "generation", "a paper boat on a rainy street"],
        ["debit", "generation", None],
        ["debit", "generation", "word " * 40],
        *[["refund", code, "a gore scene"] for code in ledger_words.REFUND_REASONS],
        ["refund", "something_new", "x"],
    ]
    import json

    got = _node_eval(
        "import { describe, REFUND_REASONS, EXCERPT_CHARS } from './src/ledger-words.js';"
        f"const cases = {json.dumps(cases)};"
        "console.log(JSON.stringify({reasons: REFUND_REASONS, excerpt: EXCERPT_CHARS,"
        " lines: cases.map(([t, r, p]) => describe(t, r, p))}));"
    )
    assert got == {
        "reasons": ledger_words.REFUND_REASONS,
        "excerpt": ledger_words.EXCERPT_CHARS,
        "lines": [ledger_words.describe(t, r, p) for t, r, p in cases],
    }


def test_the_web_clients_text_limits_are_the_contracts():
    from domain.contract import NEGATIVE_PROMPT_MAX_CHARS, PROMPT_MAX_CHARS

    got = _node_eval(
        "import { PROMPT_MAX_CHARS, NEGATIVE_PROMPT_MAX_CHARS } from './src/pricing.js';"
        "console.log(JSON.stringify([PROMPT_MAX_CHARS, NEGATIVE_PROMPT_MAX_CHARS]));"
    )
    assert got == [PROMPT_MAX_CHARS, NEGATIVE_PROMPT_MAX_CHARS]
    # No maxlength on the text fields: the browser would cut a long paste without a word.
    html = (WEB / "src" / "index.html").read_text()
    for field in ('id="prompt"', 'id="negativePrompt"'):
        tag = html[html.index(field) - 200 : html.index(field) + 300]
        tag = tag[tag.rindex("<", 0, 200) : tag.index(">", 200)]
        assert "maxlength" not in tag, tag
