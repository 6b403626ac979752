"""onWrite of profiles/{uid}: the user's feed entries show their display name as it is now.

Feed entries carry the name, not the uid, so a rename (or a deleted profile, which
falls back to domain.profiles.FALLBACK_NAME) is copied to every feed entry of the user's
published creations, a page at a time. Each entry is set to the profile's CURRENT name in its
own transaction, so a re-delivered or out-of-order event ends on the latest name, and a
publish racing the rename reads the profile in its own transaction (adapters/feed_store.py):
whichever commits second sees the other's write.
"""

from __future__ import annotations

from adapters import log
from domain import contract
from ports import Services

PAGE_SIZE = 100


def handle(user_id: str, services: Services, page_size: int = PAGE_SIZE) -> int:
    """How many feed entries changed."""
    if not contract.is_safe_user_id(user_id):
        return 0
    changed, after = 0, None
    while True:
        page = services.feed.published_by(user_id, after, page_size)
        changed += sum(1 for creation_id in page if services.feed.rename_in_feed(creation_id, user_id))
        if len(page) < page_size:
            break
        after = page[-1]
    log.profile_renamed(user_id, changed)
    return changed
