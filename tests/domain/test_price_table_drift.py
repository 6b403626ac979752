"""The price table has one home, functions/domain/pricing.py; firestore.rules and the web client
carry generated copies (`python -m ops prices --write`). These fail when a copy drifts, and
prove the copies sell exactly what the server accepts. Pure: reads files, starts nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from domain import pricing
from domain.contract import NEGATIVE_PROMPT_MAX_CHARS, OPTION_FIELDS, SEED_MAX, parse_request
from domain.errors import Failure
from ops import prices

ROOT = Path(__file__).resolve().parents[2]
RULES = (ROOT / "firestore.rules").read_text()


def test_the_rules_price_block_is_the_one_generated_from_the_table():
    assert prices.rules_with_block(RULES) == RULES, "run: python -m ops prices --write"


def test_the_web_clients_price_table_is_the_one_generated_from_the_table():
    assert (ROOT / "clients/web/src/price-table.js").read_text() == prices.js_module(), (
        "run: python -m ops prices --write"
    )


def test_the_drift_check_notices_a_price_edited_by_hand_in_the_rules(tmp_path, monkeypatch):
    edited = tmp_path / "firestore.rules"
    default_4s = f"'fast/720p/audio/4': {pricing.price(4)}"
    assert default_4s in RULES
    edited.write_text(RULES.replace(default_4s, "'fast/720p/audio/4': 4"))
    monkeypatch.setattr(prices, "RULES_PATH", edited)
    assert prices.problems() and "price block differs" in prices.problems()[0]


def test_the_rules_price_block_holds_every_offered_price():
    table = dict(re.findall(r"'([a-z0-9/]+)': (\d+)", RULES[RULES.index(prices.BEGIN) : RULES.index(prices.END)]))
    assert {k: int(v) for k, v in table.items()} == prices.offered_prices()
    assert table["fast/720p/audio/4"] == str(pricing.price(4))  # a request naming no option


def valid_request(key: str) -> dict:
    quality, resolution, audio, seconds = key.split("/")
    return {
        "userId": "u1",
        "prompt": "a fox",
        "aspectRatio": "16:9",
        "duration": int(seconds),
        "status": "pending",
        "createdAt": None,
        "quality": quality,
        "resolution": resolution,
        "audio": audio == "audio",
    }


def every_combination() -> list[str]:
    return [
        prices.price_key(o.quality, o.resolution, o.audio, s)
        for o in pricing.all_options()
        for s in pricing.DURATIONS_SECONDS
    ]


@pytest.mark.parametrize("key", every_combination())
def test_the_rules_offer_a_combination_exactly_when_the_server_accepts_it_and_at_its_price(key):
    # The rules and the web client sell what is in the generated table; the server decides
    # from the catalog and the table directly: both must agree on every combination.
    parsed = parse_request("c1", valid_request(key))
    offered = prices.offered_prices()
    assert (key in offered) == (not isinstance(parsed, Failure))
    if key in offered:
        assert offered[key] == pricing.price(parsed.duration_seconds, parsed.options)


def rules_function(name: str) -> str:
    match = re.search(rf"function {name}\(\w*\) \{{(.*?)\n    \}}", RULES, re.DOTALL)
    assert match, f"no function {name} in firestore.rules"
    return match.group(1)


def test_the_rules_option_checks_name_the_domains_values_and_limits():
    body = rules_function("validOptions")
    assert re.findall(r"data\.quality in \[(.*?)\]", body) == [", ".join(f"'{q}'" for q in pricing.QUALITIES)]
    assert re.findall(r"data\.resolution in \[(.*?)\]", body) == [", ".join(f"'{r}'" for r in pricing.RESOLUTIONS)]
    assert f"data.seed <= {SEED_MAX}" in body and "data.seed >= 0" in body
    assert f"text.size() <= {NEGATIVE_PROMPT_MAX_CHARS}" in rules_function("validNegativePrompt")
    assert {f for f in OPTION_FIELDS if f"'{f}' in data" in body} == OPTION_FIELDS
    has_only = re.search(r"keys\(\)\.hasOnly\(\[(.*?)\]\)", rules_function("validRequest"), re.DOTALL).group(1)
    assert set(re.findall(r"'([^']*)'", has_only)) >= OPTION_FIELDS


def test_the_negative_prompt_uses_the_prompts_whitespace_rule():
    pattern = re.compile(r"\.matches\('([^']*)'\)")
    assert pattern.findall(rules_function("validNegativePrompt")) == pattern.findall(rules_function("validPrompt"))
