"""creations/{id} create with Veo's choices: quality, audio, resolution,
negativePrompt, seed — each valid value, each invalid kind (wrong type, out of range, unknown
value, a combination the model does not make), and the price of each combination against the
balance: no field combination buys a video for less than the table says."""

from __future__ import annotations

import pytest

from domain import pricing
from domain.contract import NEGATIVE_PROMPT_MAX_CHARS, SEED_MAX
from domain.pricing import Options, price
from ops.prices import offered_prices
from tests.support.firestore_rest import outcome

BLOCKED = "forbiddenword"  # keeps allowed creates away from Veo (see conftest)


def create(player, request_doc, new_id, **fields):
    return outcome(lambda: player.client.create(f"creations/{new_id()}", request_doc(player.uid, **fields)))


def fields_of(key: str) -> dict:
    quality, resolution, audio, seconds = key.split("/")
    return {"quality": quality, "resolution": resolution, "audio": audio == "audio", "duration": int(seconds)}


# ---- valid ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(offered_prices()))
def test_every_combination_on_sale_is_allowed(alice, request_doc, new_id, key):
    assert create(alice, request_doc, new_id, **fields_of(key)) == "allowed"


@pytest.mark.parametrize(
    "fields",
    [
        {"quality": "standard"},
        {"audio": False},
        {"resolution": "1080p", "duration": 8},
        {"negativePrompt": "people, text"},
        {"negativePrompt": BLOCKED + " " + "x" * (NEGATIVE_PROMPT_MAX_CHARS - len(BLOCKED) - 1)},
        {"seed": 0},
        {"seed": SEED_MAX},
        {
            "quality": "standard",
            "audio": False,
            "resolution": "1080p",
            "duration": 8,
            "negativePrompt": "rain",
            "seed": 42,
        },
    ],
    ids=repr,
)
def test_each_option_alone_and_all_together_are_allowed(alice, request_doc, new_id, fields):
    assert create(alice, request_doc, new_id, **fields) == "allowed"


# ---- invalid: wrong type, out of range, unknown value, unsupported combination ---------------


@pytest.mark.parametrize(
    "fields",
    [
        {"quality": 1},
        {"quality": None},
        {"quality": ["fast"]},
        {"resolution": 1080},
        {"resolution": None},
        {"audio": "true"},
        {"audio": 1},
        {"audio": None},
        {"negativePrompt": 5},
        {"negativePrompt": None},
        {"seed": "42"},
        {"seed": 42.0},
        {"seed": True},
        {"seed": None},
    ],
    ids=repr,
)
def test_an_option_of_the_wrong_type_is_denied(alice, request_doc, new_id, fields):
    assert create(alice, request_doc, new_id, **fields) == "denied"


@pytest.mark.parametrize(
    "fields",
    [
        {"seed": -1},
        {"seed": SEED_MAX + 1},
        {"negativePrompt": "x" * (NEGATIVE_PROMPT_MAX_CHARS + 1)},
        {"negativePrompt": ""},
        {"negativePrompt": " \t\n\u3000\u2028"},
    ],
    ids=lambda f: repr(f)[:60],
)
def test_an_option_out_of_range_is_denied(alice, request_doc, new_id, fields):
    assert create(alice, request_doc, new_id, **fields) == "denied"


@pytest.mark.parametrize(
    "fields",
    [{"quality": "premium"}, {"quality": "Fast"}, {"quality": ""}, {"resolution": "4k"}, {"resolution": "720"}],
    ids=repr,
)
def test_an_unknown_option_value_is_denied(alice, request_doc, new_id, fields):
    assert create(alice, request_doc, new_id, **fields) == "denied"


@pytest.mark.parametrize("quality", pricing.QUALITIES)
@pytest.mark.parametrize("duration", [4, 6])
def test_1080p_shorter_than_the_model_makes_it_is_denied(alice, request_doc, new_id, quality, duration):
    assert create(alice, request_doc, new_id, quality=quality, resolution="1080p", duration=duration) == "denied"


# ---- the price of each combination against the balance ---------------------------------------


@pytest.mark.parametrize("options", pricing.all_options(), ids=str)
def test_each_combination_needs_its_own_price_in_the_balance(player, request_doc, new_id, options):
    seconds = 8  # every combination is on sale at 8 s
    cost = price(seconds, options)
    fields = {"quality": options.quality, "resolution": options.resolution, "audio": options.audio}
    just_enough, one_short = player(cost), player(cost - 1)
    assert create(one_short, request_doc, new_id, duration=seconds, **fields) == "denied"
    assert create(just_enough, request_doc, new_id, duration=seconds, **fields) == "allowed"


def test_a_balance_enough_for_fast_but_not_standard_is_denied_for_standard(player, request_doc, new_id):
    fast = price(4, Options("fast", "720p", True))
    assert price(4, Options("standard", "720p", True)) > fast
    user = player(fast)
    assert create(user, request_doc, new_id, duration=4, quality="standard") == "denied"
    assert create(user, request_doc, new_id, duration=4, quality="fast") == "allowed"


@pytest.mark.parametrize(
    "fields",
    [{}, {"quality": "fast"}, {"resolution": "720p"}, {"audio": True}, {"quality": "fast", "audio": True}],
    ids=repr,
)
def test_missing_or_explicit_defaults_cost_the_same(player, request_doc, new_id, fields):
    cost = price(4)
    assert create(player(cost - 1), request_doc, new_id, duration=4, **fields) == "denied"
    assert create(player(cost), request_doc, new_id, duration=4, **fields) == "allowed"
