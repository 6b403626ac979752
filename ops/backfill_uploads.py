"""One-off backfill: upload intents for the R2 objects written before intents existed.

The media sweep judges only objects with an upload intent (`uploads/*`): it never
lists the bucket. Objects uploaded by releases before it have none, so an orphan among them
(a crash between upload and draft, a failed creation's copy) would stay for ever. This lists
the bucket ONCE, page by page, and notes an intent for every object whose key names a
creation; the sweep then judges them as it judges any intent: after ORPHAN_MEDIA_MINUTES,
300 a page, 20 pages a run (6 000 objects every 5 minutes), deleting each object its creation
does not use and dropping the intent of each it does. Safe to run twice and while the
pipeline runs: an intent is keyed by the object's key, so a note that a live finalize also
wrote is the same document, and a young note is never judged before the safe age.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from domain import media as media_keys

PREFIXES = (media_keys.DRAFTS_PREFIX, media_keys.PUBLISHED_PREFIX)


@dataclass
class Backfill:
    noted: int = 0
    skipped: list[str] = field(default_factory=list)  # keys that name no creation: left alone


def run(
    list_keys: Callable[[str], Iterable[tuple[str, object]]],
    record: Callable[[str, str], None],
    prefixes: Iterable[str] = PREFIXES,
    dry_run: bool = False,
) -> Backfill:
    """`list_keys(prefix)`: the media bucket's (key, last modified) pairs; `record(key,
    creation_id)`: write an upload intent (adapters.upload_intents.record)."""
    done = Backfill()
    for prefix in prefixes:
        for key, _modified in list_keys(prefix):
            creation_id = media_keys.creation_id_of(key)
            if creation_id is None:
                done.skipped.append(key)
                continue
            if not dry_run:
                record(key, creation_id)
            done.noted += 1
    return done
