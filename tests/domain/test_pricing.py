import pytest

from domain.pricing import DURATIONS_SECONDS, token_cost


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
