"""Where a creation's videos live in R2, and what of a creation the public feed may show."""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import quote

from .pricing import DEFAULT_AUDIO, DEFAULT_QUALITY, DEFAULT_RESOLUTION
from .profiles import FALLBACK_NAME
from .states import Status

DRAFTS_PREFIX = "drafts/"
# Veo's output for a creation goes under this prefix of the temp bucket (its `storageUri`):
# temp/creations/{id}/<Veo's own folder>/sample_0.mp4. The finalize event reads the id back.
TEMP_PREFIX = "creations/"
PUBLISHED_PREFIX = "published/"
VIDEO_SUFFIX = ".mp4"
# A poster lives beside its video, same key with this suffix: drafts/…/{secret}.jpg
# privately, published/{id}/{secret}.jpg once published.
POSTER_SUFFIX = ".jpg"
POSTER_CONTENT_TYPE = "image/jpeg"  # what the poster step encodes

# Only these fields leave the owner's document for the public feed: never tokenCost,
# operation names, media keys or errors, and never the owner's uid (the feed shows
# the owner's display name; the server finds the owner through creations/{id}).
FEED_FIELDS = ("prompt", "aspectRatio", "duration", "publishedAt")


def _segment(value: str) -> str:
    """One path segment whatever the value: '/', '?', '#', '%' and '.'-tricks are escaped,
    so no id can add a segment or change where the key ends. Ids of the allowed alphabet
    ([A-Za-z0-9_-]) come out unchanged."""
    if value in ("", ".", ".."):
        raise ValueError(f"not a key segment: {value!r}")
    return quote(value, safe="")


def draft_key(user_id: str, creation_id: str, secret: str) -> str:
    """Unguessable: knowing a creation id is not enough to find its private video."""
    return f"{DRAFTS_PREFIX}{_segment(user_id)}/{_segment(creation_id)}/{_segment(secret)}{VIDEO_SUFFIX}"


def secret_of(media_key: str | None) -> str | None:
    """The random part of a draft key: it names one incarnation of a creation id."""
    if not isinstance(media_key, str) or not media_key.startswith(DRAFTS_PREFIX):
        return None
    parts = media_key[len(DRAFTS_PREFIX) :].split("/")
    if len(parts) != 3 or not parts[2].endswith(VIDEO_SUFFIX):
        return None
    return parts[2][: -len(VIDEO_SUFFIX)] or None


def published_key(creation_id: str, media_key: str | None = None) -> str:
    """The public copy of one incarnation: `published/{creationId}/{secret}.mp4`. The draft's
    secret in it means that a late clean-up of an earlier document with the same id can
    never delete a later owner's public copy. Without a draft key: the older per-id key."""
    if media_key is None:
        return legacy_published_key(creation_id)
    secret = secret_of(media_key)
    if secret is None:
        raise ValueError(f"no draft key to publish from: {media_key!r}")
    return f"{PUBLISHED_PREFIX}{_segment(creation_id)}/{secret}{VIDEO_SUFFIX}"


def legacy_published_key(creation_id: str) -> str:
    """Before incarnations: one public copy per id, shared by every document of that id."""
    return f"{PUBLISHED_PREFIX}{_segment(creation_id)}{VIDEO_SUFFIX}"


def creation_id_of(key: str) -> str | None:
    """The creation an R2 object belongs to, from its key; None for keys we do not manage.
    Knows every format: drafts/{uid}/{id}/{secret}.mp4, published/{id}/{secret}.mp4 and the
    older published/{id}.mp4."""
    if key.startswith(DRAFTS_PREFIX):
        parts = key[len(DRAFTS_PREFIX) :].split("/")
        return parts[1] if len(parts) == 3 and parts[1] else None
    if key.startswith(PUBLISHED_PREFIX) and key.endswith(POSTER_SUFFIX):
        parts = key[len(PUBLISHED_PREFIX) :].split("/")
        return parts[0] or None if len(parts) == 2 and parts[1] != POSTER_SUFFIX else None
    if key.startswith(PUBLISHED_PREFIX) and key.endswith(VIDEO_SUFFIX):
        parts = key[len(PUBLISHED_PREFIX) :].split("/")
        if len(parts) == 2 and parts[1] != VIDEO_SUFFIX:
            return parts[0] or None
        if len(parts) == 1:
            return parts[0][: -len(VIDEO_SUFFIX)] or None
    return None


def object_is_live(key: str, creation: dict | None) -> bool:
    """Whether an R2 object still belongs to an existing creation in a state that uses it.
    A failed creation uses none: its uploaded video, if any, goes."""
    if creation is None:
        return False
    status = creation.get("status")
    if key.startswith(PUBLISHED_PREFIX):
        if status != Status.PUBLISHED:
            return False
        if key.count("/") == 1:  # the older per-id format: the published document uses it
            return True
        secret = secret_of(creation.get("mediaKey"))
        return secret is not None and (
            key.endswith(f"/{secret}{VIDEO_SUFFIX}") or key.endswith(f"/{secret}{POSTER_SUFFIX}")
        )
    if status not in (Status.PROCESSING, Status.DRAFT, Status.PUBLISHED):
        return False
    media_key = creation.get("mediaKey")
    return key == media_key or (
        isinstance(media_key, str) and secret_of(media_key) is not None and key == poster_key(media_key)
    )


def public_keys_of(creation_id: str, creation: dict) -> list[str]:
    """The public copies of THIS document: what an unpublish or a takedown removes."""
    key = creation.get("mediaKey")
    if not isinstance(key, str) or secret_of(key) is None:
        return []
    return [published_key(creation_id, key), published_poster_key(creation_id, key)]


def feed_entry(
    creation: dict,
    media_url: str,
    display_name: str = FALLBACK_NAME,
    poster_url: str | None = None,
    visible: bool = True,
) -> dict:
    """`visible` is what the feed query filters on: an entry hidden by reports (pending review)
    stays in place, but no client can read or list it (firestore.rules)."""
    entry = {field: creation.get(field) for field in FEED_FIELDS}
    entry["mediaUrl"] = media_url
    entry.update(feed_options(creation))
    entry["displayName"] = display_name
    entry["visible"] = visible
    if poster_url:
        entry["posterUrl"] = poster_url
    return entry


def feed_options(creation: dict) -> dict:
    """What the video is (quality, resolution, with sound or not), the defaults
    filled in for a request that named none. Never the seed or the negative prompt."""
    return {
        "quality": creation.get("quality", DEFAULT_QUALITY),
        "resolution": creation.get("resolution", DEFAULT_RESOLUTION),
        "audio": creation.get("audio", DEFAULT_AUDIO),
    }


def keys_of(creation_id: str, creation: dict) -> list[str]:
    """Every R2 object of THIS document (this incarnation of the id): its draft and its
    public copy. The older shared public key is not in it (see legacy_published_key)."""
    key = creation.get("mediaKey")
    if not isinstance(key, str) or secret_of(key) is None:
        return []
    return [key, published_key(creation_id, key), poster_key(key), published_poster_key(creation_id, key)]


def poster_key(media_key: str) -> str:
    """The private poster of a draft: its video's key with the poster suffix."""
    if secret_of(media_key) is None:
        raise ValueError(f"no draft key: {media_key!r}")
    return media_key[: -len(VIDEO_SUFFIX)] + POSTER_SUFFIX


def published_poster_key(creation_id: str, media_key: str) -> str:
    return published_key(creation_id, media_key)[: -len(VIDEO_SUFFIX)] + POSTER_SUFFIX


def temp_object_prefix(creation_id: str) -> str:
    """The folder of the temp bucket Veo writes one creation's output under."""
    return f"{TEMP_PREFIX}{creation_id}/"


def creation_of_temp_object(name: str) -> str | None:
    """The creation whose Veo output an object of the temp bucket is, or None for anything else
    (an object outside the prefix, or the folder itself)."""
    if not isinstance(name, str) or not name.startswith(TEMP_PREFIX):
        return None
    creation_id, sep, rest = name[len(TEMP_PREFIX) :].partition("/")
    if not creation_id or not sep or not rest or rest.endswith("/"):
        return None
    return creation_id


class FeedWrite(StrEnum):
    """What publishing a feed entry came to."""

    PUBLISHED = "published"
    HIDDEN = "hidden"  # written, but hidden by reports: its public copies must not be served
    REFUSED = "refused"  # no longer published, or taken down: nothing written


def first_published_at(creation: dict):
    """The time a creation first reached the feed: what its entry is ordered by, however often
    it is unpublished and published again (a republish does not move it up)."""
    return creation.get("firstPublishedAt") or creation.get("publishedAt")


# Where a taken-down creation's draft video and poster are kept for an appeal: the public
# cannot reach them (the key's secret is only in the server-only moderation/{id}).
HELD_PREFIX = "held/"


def held_key(creation_id: str, held_secret: str, draft_key: str) -> str:
    """The held copy of one of a draft's objects (its video or its poster). It names the draft's
    own secret too: the held secret outlives a restore (moderation/{id} keeps it), so a later
    document with the same id must never find, or get back, an earlier one's held bytes."""
    suffix = POSTER_SUFFIX if draft_key.endswith(POSTER_SUFFIX) else VIDEO_SUFFIX
    incarnation = secret_of(draft_key[: -len(suffix)] + VIDEO_SUFFIX)
    if incarnation is None:
        raise ValueError(f"no draft key: {draft_key!r}")
    return f"{HELD_PREFIX}{_segment(creation_id)}/{_segment(held_secret)}/{_segment(incarnation)}{suffix}"


def draft_keys_of(creation: dict) -> list[str]:
    """The private objects of THIS document: its draft poster, then its video. In that order,
    whichever way they move (held or back): the video is the last to go and the last to come
    back, so whoever sees the video's URL answer (or not) sees its poster's do the same."""
    key = creation.get("mediaKey")
    if not isinstance(key, str) or secret_of(key) is None:
        return []
    return [poster_key(key), key]
