import pytest

from domain.states import FINISHED, IN_FLIGHT, Status, can_transition, server_may_move


@pytest.mark.parametrize(
    "current, target",
    [
        ("pending", Status.PROCESSING),
        ("pending", Status.FAILED),
        ("processing", Status.DRAFT),
        ("processing", Status.FAILED),
    ],
)
def test_server_moves_in_flight_creations_forward(current, target):
    assert server_may_move(current, target)


@pytest.mark.parametrize("current", ["draft", "failed", "published"])
@pytest.mark.parametrize("target", list(Status))
def test_server_never_moves_a_finished_creation(current, target):
    assert not server_may_move(current, target)


def test_only_the_client_publishes_and_only_a_draft():
    assert can_transition("draft", Status.PUBLISHED)
    assert not server_may_move("draft", Status.PUBLISHED)
    assert not can_transition("processing", Status.PUBLISHED)
    assert not can_transition("failed", Status.PUBLISHED)


def test_pending_cannot_jump_to_draft():
    assert not can_transition("pending", Status.DRAFT)


@pytest.mark.parametrize("junk", [None, "", "PENDING", 3, "deleted"])
def test_an_unknown_status_moves_nowhere(junk):
    assert not server_may_move(junk, Status.FAILED)
    assert not can_transition(junk, Status.FAILED)


def test_every_status_is_either_in_flight_or_finished():
    assert set(Status) == IN_FLIGHT | FINISHED and not IN_FLIGHT & FINISHED


def test_the_owner_may_unpublish_back_to_draft_but_the_server_never_moves_a_published_creation():
    assert can_transition("published", Status.DRAFT)
    assert not server_may_move("published", Status.DRAFT)
    assert not can_transition("published", Status.FAILED)
