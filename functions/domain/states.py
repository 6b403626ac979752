"""The life of a creation document, as one state machine shared by every handler."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PENDING = "pending"  # written by the client, tokens not yet taken
    PROCESSING = "processing"  # tokens taken, Veo is generating
    DRAFT = "draft"  # video stored, private to its owner
    FAILED = "failed"  # ended with an error; tokens refunded if they were taken
    PUBLISHED = "published"  # a draft the owner made public


IN_FLIGHT = frozenset({Status.PENDING, Status.PROCESSING})
FINISHED = frozenset({Status.DRAFT, Status.FAILED, Status.PUBLISHED})

# Only these moves exist. Publishing and unpublishing are the client's moves
# (allowed by the rules); every other move is the server's.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.PROCESSING, Status.FAILED}),
    Status.PROCESSING: frozenset({Status.DRAFT, Status.FAILED}),
    Status.DRAFT: frozenset({Status.PUBLISHED}),
    Status.FAILED: frozenset(),
    Status.PUBLISHED: frozenset({Status.DRAFT}),
}

SERVER_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.PROCESSING, Status.FAILED}),
    Status.PROCESSING: frozenset({Status.DRAFT, Status.FAILED}),
}


def parse_status(value: object) -> Status | None:
    if not isinstance(value, str):
        return None
    try:
        return Status(value)
    except ValueError:
        return None


def can_transition(current: object, target: Status) -> bool:
    status = parse_status(current)
    return status is not None and target in TRANSITIONS[status]


def server_may_move(current: object, target: Status) -> bool:
    """A late or repeated event must never move a finished creation: only in-flight ones move."""
    status = parse_status(current)
    return status in SERVER_TRANSITIONS and target in SERVER_TRANSITIONS[status]
