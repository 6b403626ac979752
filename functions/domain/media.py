"""Where a creation's videos live in R2, and what of a creation the public feed may show."""
from __future__ import annotations

from .states import Status

DRAFTS_PREFIX = "drafts/"
PUBLISHED_PREFIX = "published/"

# Only these fields leave the owner's document for the public feed: never tokenCost,
# operation names, media keys or errors.
FEED_FIELDS = ("userId", "prompt", "aspectRatio", "duration", "publishedAt")


def draft_key(user_id: str, creation_id: str, secret: str) -> str:
    """Unguessable: knowing a creation id is not enough to find its private video."""
    return f"{DRAFTS_PREFIX}{user_id}/{creation_id}/{secret}.mp4"


def published_key(creation_id: str) -> str:
    return f"{PUBLISHED_PREFIX}{creation_id}.mp4"


def creation_id_of(key: str) -> str | None:
    """The creation an R2 object belongs to, from its key; None for keys we do not manage."""
    if key.startswith(DRAFTS_PREFIX):
        parts = key[len(DRAFTS_PREFIX):].split("/")
        return parts[1] if len(parts) == 3 and parts[1] else None
    if key.startswith(PUBLISHED_PREFIX) and key.endswith(".mp4"):
        return key[len(PUBLISHED_PREFIX):-len(".mp4")] or None
    return None


def object_is_live(key: str, creation: dict | None) -> bool:
    """Whether an R2 object still belongs to an existing creation in a state that uses it."""
    if creation is None:
        return False
    if key.startswith(PUBLISHED_PREFIX):
        return creation.get("status") == Status.PUBLISHED
    return key == creation.get("mediaKey")


def is_publish(before: dict | None, after: dict | None) -> bool:
    return bool(before and after and before.get("status") == Status.DRAFT
                and after.get("status") == Status.PUBLISHED)


def feed_entry(creation: dict, media_url: str) -> dict:
    entry = {field: creation.get(field) for field in FEED_FIELDS}
    entry["mediaUrl"] = media_url
    return entry


def keys_of(creation_id: str, creation: dict) -> list[str]:
    """Every R2 object a creation may own."""
    keys = [published_key(creation_id)]
    if creation.get("mediaKey"):
        keys.insert(0, creation["mediaKey"])
    return keys
