import datetime as dt

import pytest

from domain.contract import GenerationRequest, find_blocked_term, parse_request
from domain.errors import ErrorCode, Failure

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def valid(**overrides):
    data = {
        "userId": "u1",
        "prompt": "a fox",
        "aspectRatio": "16:9",
        "duration": 4,
        "status": "pending",
        "createdAt": NOW,
    }
    data.update(overrides)
    return data


def test_a_valid_request_parses_into_its_fields():
    assert parse_request("c1", valid(duration=8, aspectRatio="9:16")) == GenerationRequest(
        creation_id="c1", user_id="u1", prompt="a fox", aspect_ratio="9:16", duration_seconds=8
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"duration": "4"},
        {"duration": 4.0},
        {"duration": True},
        {"duration": 5},
        {"duration": None},
        {"aspectRatio": "1:1"},
        {"aspectRatio": None},
        {"prompt": ""},
        {"prompt": "   \n\t"},
        {"prompt": "x" * 2001},
        {"prompt": ["a"]},
        {"prompt": 7},
        {"status": "draft"},
        {"status": {"a": 1}},
        {"userId": ""},
        {"userId": 5},
        {"tokenCost": 1},
        {"mediaUrl": "http://x"},
    ],
)
def test_a_request_breaking_the_contract_is_invalid(overrides):
    result = parse_request("c1", valid(**overrides))
    assert isinstance(result, Failure)
    assert result.code == ErrorCode.INVALID_REQUEST
    assert result.message.startswith("The request is not valid.")


def test_a_missing_field_is_named_in_the_message():
    data = valid()
    del data["duration"]
    result = parse_request("c1", data)
    assert isinstance(result, Failure) and "missing duration" in result.message


def test_a_2000_character_prompt_is_allowed():
    assert isinstance(parse_request("c1", valid(prompt="x" * 2000)), GenerationRequest)


def test_an_overlong_creation_id_is_invalid():
    assert isinstance(parse_request("c" * 129, valid()), Failure)
    assert isinstance(parse_request("c" * 128, valid()), GenerationRequest)


@pytest.mark.parametrize(
    "prompt, found",
    [
        ("a GORE scene", "gore"),
        ("gore", "gore"),
        ("gore.", "gore"),
        ("gorelike", None),
        ("a calm lake", None),
        ("ungored", None),
    ],
)
def test_blocked_terms_match_whole_words_ignoring_case(prompt, found):
    assert find_blocked_term(prompt, ["gore", "  "]) == found


# ---- the options ---------------------------------------------------------------------


def test_the_options_parse_with_their_defaults_when_absent():
    parsed = parse_request("c1", valid())
    assert (parsed.quality, parsed.resolution, parsed.audio, parsed.negative_prompt, parsed.seed) == (
        "fast",
        "720p",
        True,
        None,
        None,
    )
    assert parsed.model == "veo-3.1-fast-generate-001"


def test_every_option_parses_into_the_request_and_picks_the_quality_s_model():
    parsed = parse_request(
        "c1",
        valid(duration=8, quality="standard", resolution="1080p", audio=False, negativePrompt="rain", seed=2**32 - 1),
    )
    assert (parsed.quality, parsed.resolution, parsed.audio, parsed.negative_prompt, parsed.seed) == (
        "standard",
        "1080p",
        False,
        "rain",
        2**32 - 1,
    )
    assert parsed.model == "veo-3.1-generate-001"


@pytest.mark.parametrize(
    "overrides, named",
    [
        ({"quality": "premium"}, "quality"),
        ({"quality": None}, "quality"),
        ({"resolution": "4k"}, "resolution"),
        ({"resolution": 1080}, "resolution"),
        ({"audio": "yes"}, "audio"),
        ({"audio": 1}, "audio"),
        ({"negativePrompt": ""}, "negativePrompt"),
        ({"negativePrompt": "\u2028 \t"}, "negativePrompt"),
        ({"negativePrompt": "x" * 501}, "negativePrompt"),
        ({"negativePrompt": ["rain"]}, "negativePrompt"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**32}, "seed"),
        ({"seed": 3.0}, "seed"),
        ({"seed": False}, "seed"),
        ({"seed": "3"}, "seed"),
        ({"resolution": "1080p", "duration": 4}, "only available for 8 s"),
        ({"resolution": "1080p", "duration": 6, "quality": "standard"}, "only available for 8 s"),
    ],
)
def test_a_bad_option_is_invalid_and_the_message_says_which(overrides, named):
    result = parse_request("c1", valid(**overrides))
    assert isinstance(result, Failure) and result.code == ErrorCode.INVALID_REQUEST
    assert named in result.message


def test_the_longest_negative_prompt_and_the_edges_of_the_seed_are_valid():
    for extra in ({"negativePrompt": "x" * 500}, {"seed": 0}, {"seed": 2**32 - 1}):
        assert isinstance(parse_request("c1", valid(**extra)), GenerationRequest), extra


# ---- start from a photo -------------------------------------------------------------


def _photo_request(**fields):
    from domain.contract import parse_request

    data = {
        "userId": "u1",
        "prompt": "a boat",
        "aspectRatio": "16:9",
        "duration": 4,
        "status": "pending",
        "createdAt": None,
        **fields,
    }
    return parse_request("c1", data)


def test_a_request_may_name_an_own_upload_as_first_and_last_frame():
    request = _photo_request(image="uploads/u1/a", lastFrame="uploads/u1/b")
    assert not isinstance(request, Failure)
    assert request.images == [("image", "uploads/u1/a"), ("lastFrame", "uploads/u1/b")]


@pytest.mark.parametrize(
    "fields",
    [
        {"lastFrame": "uploads/u1/b"},
        {"image": "uploads/u2/a"},
        {"image": "uploads/u1/a", "lastFrame": "uploads/u2/b"},
        {"image": "uploads/u1/../u2/a"},
        {"image": "uploads/u1/a.jpg"},
        {"image": 42},
        {"image": ""},
    ],
    ids=repr,
)
def test_an_image_that_is_not_an_own_upload_or_a_last_frame_alone_is_invalid(fields):
    result = _photo_request(**fields)
    assert isinstance(result, Failure) and result.code == ErrorCode.INVALID_REQUEST


def test_a_model_without_image_input_refuses_a_photo(monkeypatch):
    import dataclasses

    from domain import veo_models

    model = veo_models.MODEL_FOR_TIER["fast"]
    monkeypatch.setitem(
        veo_models.CURRENT_MODELS, model, dataclasses.replace(veo_models.CURRENT_MODELS[model], image_input=False)
    )
    result = _photo_request(image="uploads/u1/a")
    assert isinstance(result, Failure) and "image input is not supported" in result.message
