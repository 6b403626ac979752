"""The blocked-term check sees through invisible characters and look-alike letters."""

import pytest

from domain.contract import find_blocked_term

TERMS = ["gore", "forbiddenword"]


@pytest.mark.parametrize(
    "prompt",
    [
        "a gore scene",
        "a GORE scene",
        "a g\u200dore scene",  # zero-width joiner
        "a go\u200bre scene",  # zero-width space
        "a g\u00adore scene",  # soft hyphen
        "a ｇｏｒｅ scene",  # fullwidth
        "a g\u043ere scene",  # Cyrillic о
        "a gor\u0435 scene",  # Cyrillic е
        "a g\u03bfre scene",  # Greek ο
        "a go\u0301re scene",  # combining acute splitting the word
        "f\u043erbidd\u0435nw\u043erd with \u0430 fox",
    ],
)
def test_disguised_blocked_terms_are_found(prompt):
    assert find_blocked_term(prompt, TERMS) is not None


@pytest.mark.parametrize("prompt", ["a gorilla", "Georgette", "a fox at dawn", "ｆｏｘ"])
def test_innocent_prompts_pass(prompt):
    assert find_blocked_term(prompt, TERMS) is None
