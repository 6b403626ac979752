import pytest

from domain import pricing
from domain.pricing import DURATIONS_SECONDS, Options, price, token_cost


@pytest.mark.parametrize("duration", DURATIONS_SECONDS)
def test_the_flat_price_is_the_default_requests_rate_per_second(duration):
    assert token_cost(duration) == duration * pricing.TOKENS_PER_SECOND[pricing.DEFAULT_OPTIONS.key]


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


def test_a_request_naming_no_option_is_priced_as_fast_720p_with_sound():
    assert [price(d) for d in DURATIONS_SECONDS] == [price(d, Options("fast", "720p", True)) for d in DURATIONS_SECONDS]
    assert Options("fast", "720p", True) == pricing.DEFAULT_OPTIONS


def test_every_quality_resolution_and_audio_has_a_price_and_a_veo_cost():
    keys = {o.key for o in pricing.all_options()}
    assert set(pricing.TOKENS_PER_SECOND) == keys == set(pricing.VEO_USD_PER_SECOND)
    assert all(type(t) is int and t > 0 for t in pricing.TOKENS_PER_SECOND.values())


@pytest.mark.parametrize("options", pricing.all_options(), ids=str)
def test_no_option_is_sold_below_the_minimum_margin_after_the_store_fee(options):
    # Tokens bought in an app store bring in 30% less: the table must hold after that cut.
    assert pricing.STORE_FEE >= 0.30
    assert pricing.margin(options) >= pricing.MIN_MARGIN
    assert pricing.margin(options, store_fee=0) > pricing.margin(options)


def test_the_margin_is_what_is_left_of_the_stores_share():
    o = pricing.DEFAULT_OPTIONS
    revenue = pricing.TOKENS_PER_SECOND[o.key] * pricing.TOKEN_USD * 0.7
    assert pricing.margin(o, 0.3) == pytest.approx((revenue - pricing.VEO_USD_PER_SECOND[o.key]) / revenue)
    with pytest.raises(ValueError):
        pricing.margin(o, 1.0)


@pytest.mark.parametrize("audio", [True, False])
@pytest.mark.parametrize("quality", pricing.QUALITIES)
def test_1080p_costs_more_than_720p_for_the_bytes_it_stores(quality, audio):
    assert price(8, Options(quality, "1080p", audio)) > price(8, Options(quality, "720p", audio))


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
