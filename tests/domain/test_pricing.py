import pytest

from domain import pricing
from domain.pricing import DURATIONS_SECONDS, Options, price, token_cost


@pytest.mark.parametrize("duration, expected", [(4, 40), (6, 60), (8, 80)])
def test_default_price_is_ten_tokens_per_second(duration, expected):
    assert token_cost(duration) == expected


def test_price_follows_the_configured_rate():
    assert [token_cost(d, 3) for d in DURATIONS_SECONDS] == [12, 18, 24]


@pytest.mark.parametrize("duration", [0, 5, 10, -4])
def test_unsupported_duration_has_no_price(duration):
    with pytest.raises(ValueError):
        token_cost(duration)


def test_a_free_or_negative_rate_is_refused():
    with pytest.raises(ValueError):
        token_cost(4, 0)


# ---- the price table ----------------------------------------------------------------


def test_a_request_naming_no_option_keeps_the_price_it_had_before_the_options():
    assert [price(d) for d in DURATIONS_SECONDS] == [40, 60, 80]
    assert Options("fast", "720p", True) == pricing.DEFAULT_OPTIONS


def test_every_quality_resolution_and_audio_has_a_price_and_a_veo_cost():
    keys = {o.key for o in pricing.all_options()}
    assert set(pricing.TOKENS_PER_SECOND) == keys == set(pricing.VEO_USD_PER_SECOND)
    assert all(type(t) is int and t > 0 for t in pricing.TOKENS_PER_SECOND.values())


@pytest.mark.parametrize("options", pricing.all_options(), ids=str)
def test_no_option_is_sold_below_the_minimum_margin(options):
    assert pricing.margin(options) >= pricing.MIN_MARGIN


@pytest.mark.parametrize("resolution", pricing.RESOLUTIONS)
@pytest.mark.parametrize("audio", [True, False])
def test_standard_costs_more_than_fast_and_sound_more_than_silence(resolution, audio):
    fast, standard = Options("fast", resolution, audio), Options("standard", resolution, audio)
    assert price(8, standard) > price(8, fast)
    assert price(8, Options("fast", resolution, True)) > price(8, Options("fast", resolution, False))


@pytest.mark.parametrize("duration", [4.0, True, "4", 5])
def test_the_table_prices_only_an_integer_duration_on_sale(duration):
    with pytest.raises(ValueError):
        price(duration)


def test_an_option_outside_the_table_has_no_price():
    with pytest.raises(ValueError):
        price(4, Options("premium", "720p", True))
