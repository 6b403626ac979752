"""onWrite of profiles/{uid}: the requested name is judged, and the user's feed entries show
the name accepted for them as it is now.

The request (profiles/{uid}.displayName) is judged first (adapters/feed_store.accept_name: no
invisible characters, no look-alike of a name another user holds, at most
domain.profiles.RENAMES_PER_DAY changes a day). Only when the accepted name changes (or a
deleted profile falls back to domain.profiles.FALLBACK_NAME) is it copied to every feed entry
of the user's published creations, a page at a time: a profile written in a loop costs one
short transaction a write, never a walk of the feed. Each entry is set to the profile's CURRENT name in its
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
    if not services.feed.accept_name(user_id):
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
