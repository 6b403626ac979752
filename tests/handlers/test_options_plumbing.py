"""Through startgeneration and startveo: the chosen options decide the debit and
reach Veo, the defaults keep today's request and price, and an old queued task without them
still starts as it was paid — against fakes, Given / When / Then."""

from __future__ import annotations

import pytest

from domain import ledger
from domain.errors import ErrorCode
from domain.pricing import Options, price
from handlers import start_generation, start_veo
from tests.handlers.conftest import USER, dispatch_start, request


def charged(world, cid="c1") -> int:
    return world.store.entries[(USER, ledger.debit_id(cid))]["amount"]


def handle(world, data, cid="c1"):
    inc = world.store.create(cid, data)
    return start_generation.handle(cid, dict(data), world.services, inc)


def test_a_standard_silent_1080p_request_is_charged_its_price_and_veo_gets_exactly_it(world):
    # Given a user with 500 tokens and a request for standard, 1080p, no sound, 8 s, a seed
    world.store.grant(USER, 500)
    data = request(duration=8, quality="standard", resolution="1080p", audio=False, negativePrompt="rain", seed=7)
    # When it is handled and its start task dispatched
    assert handle(world, data) == start_generation.StartOutcome.QUEUED
    assert dispatch_start(world) == start_veo.StartVeoOutcome.PROCESSING
    # Then the debit is that combination's price, and Veo is asked for that combination
    cost = price(8, Options("standard", "1080p", False))
    assert charged(world) == cost
    assert world.store.tokens(USER) == 500 - cost
    assert world.veo.options == [
        {
            "model": "veo-3.1-generate-001",
            "audio": False,
            "resolution": "1080p",
            "negative_prompt": "rain",
            "seed": 7,
        }
    ]


def test_a_request_naming_no_option_is_priced_and_made_as_fast_720p_with_sound(world):
    # Given a request as every client wrote it before the options existed
    world.store.grant(USER, 100)
    assert handle(world, request(duration=4)) == start_generation.StartOutcome.QUEUED
    dispatch_start(world)
    # Then it costs what fast 720p with sound costs, on the fast model, 720p, with sound
    assert charged(world) == price(4, Options("fast", "720p", True))
    assert world.veo.options == [{"model": "veo-3.1-fast-generate-001", "audio": True, "resolution": "720p"}]


@pytest.mark.parametrize(
    "explicit",
    [{}, {"quality": "fast"}, {"resolution": "720p"}, {"audio": True}, {"quality": "fast", "resolution": "720p"}],
)
def test_naming_a_default_explicitly_costs_the_same_as_leaving_it_out(world, explicit):
    world.store.grant(USER, 100)
    assert handle(world, request(duration=6, **explicit)) == start_generation.StartOutcome.QUEUED
    assert charged(world) == price(6)


@pytest.mark.parametrize(
    "options",
    [
        {"quality": "premium"},
        {"quality": 1},
        {"resolution": "4k"},
        {"resolution": None},
        {"audio": "false"},
        {"audio": 0},
        {"seed": -1},
        {"seed": 2**32},
        {"seed": 1.0},
        {"seed": True},
        {"negativePrompt": ""},
        {"negativePrompt": " \u3000"},
        {"negativePrompt": "x" * 501},
        {"resolution": "1080p"},  # at 4 s: the model makes 1080p only at 8 s
    ],
)
def test_a_malformed_or_unsupported_option_fails_as_invalid_request_and_nothing_is_charged(world, options):
    world.store.grant(USER, 1000)
    assert handle(world, request(duration=4, **options)) == start_generation.StartOutcome.REJECTED
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.INVALID_REQUEST
    assert world.store.tokens(USER) == 1000 and not world.veo.started


def test_a_balance_that_covers_fast_but_not_standard_is_refused_for_standard(world):
    # Given exactly what an 8 s fast video costs (a standard one costs more)
    balance = price(8, Options("fast"))
    assert price(8, Options("standard")) > balance
    world.store.grant(USER, balance)
    # When a standard 8 s request is handled
    outcome = handle(world, request(duration=8, quality="standard"))
    # Then it is refused, nothing is charged
    assert outcome == start_generation.StartOutcome.REFUSED
    assert world.store.creations["c1"]["error"]["code"] == ErrorCode.INSUFFICIENT_TOKENS
    assert world.store.tokens(USER) == balance


def test_a_start_task_queued_before_the_options_existed_starts_with_the_configured_defaults(world):
    # Given a paid request whose queued task carries no options (queued by the previous release)
    world.store.grant(USER, 100)
    assert handle(world, request(duration=4)) == start_generation.StartOutcome.QUEUED
    for _cid, job in world.tasks.starts:
        for key in ("model", "audio", "resolution", "negativePrompt", "seed"):
            job.pop(key, None)
    # When it is dispatched
    assert dispatch_start(world) == start_veo.StartVeoOutcome.PROCESSING
    # Then Veo gets no option: the adapter's defaults (VEO_MODEL, 720p, sound) are what was paid
    assert world.veo.options == [{}]


def test_once_charged_the_creation_records_every_option_as_priced_and_the_tokens_taken(world):
    # Given a request that names only the quality
    world.store.grant(USER, 500)
    assert handle(world, request(duration=8, quality="standard")) == start_generation.StartOutcome.QUEUED
    # Then, while it waits in the queue, the creation already says what it is and what it cost:
    # the options it left out are filled in with the defaults it was priced at
    creation = world.store.creations["c1"]
    assert (creation["quality"], creation["resolution"], creation["audio"]) == ("standard", "720p", True)
    assert creation["tokenCost"] == charged(world) == price(8, Options("standard", "720p", True))


def test_a_start_that_overtakes_the_queue_position_still_records_what_was_charged(world):
    # Given startveo runs the start before startgeneration could show the queue position
    world.store.grant(USER, 500)
    started: list[str] = []
    world.store.before("mark_queued", lambda: started.append(dispatch_start(world)))
    assert handle(world, request(duration=4, audio=False)) == start_generation.StartOutcome.QUEUED
    # Then the queue step found it processing and wrote nothing, and processing recorded the
    # options as priced and the tokens taken
    assert started == [start_veo.StartVeoOutcome.PROCESSING]
    creation = world.store.creations["c1"]
    assert "queuePosition" not in creation
    assert (creation["quality"], creation["resolution"], creation["audio"]) == ("fast", "720p", False)
    assert creation["tokenCost"] == charged(world) == price(4, Options("fast", "720p", False))
