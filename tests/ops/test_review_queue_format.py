"""`ops review-queue` per entry, as the operator reads it (pure formatting: no database)."""

from __future__ import annotations

from datetime import UTC, datetime

from ops.moderation import format_review


def _details():
    return {
        "creation": {"userId": "author-1", "prompt": "a boat\non a lake", "mediaUrl": "https://r2/private.mp4"},
        "entry": {"mediaUrl": "https://media/feed/c1.mp4", "posterUrl": "https://media/feed/c1.jpg"},
        "reports": [
            {"reporter": "r1", "reason": "spam", "createdAt": datetime(2026, 12, 4, 9, 0, tzinfo=UTC)},
            {"reporter": "r2", "reason": "spam", "createdAt": datetime(2026, 12, 4, 9, 5, tzinfo=UTC)},
            {"reporter": "r3", "reason": "violence", "createdAt": datetime(2026, 12, 4, 9, 7, tzinfo=UTC)},
        ],
        "names": {"author-1": "Captain Kid", "r1": "Ann"},
    }


def test_an_entry_shows_prompt_author_links_reasons_reporters_and_the_commands_that_decide():
    text = "\n".join(format_review("c1", {"reports": 3}, _details(), "python -m ops --project p"))
    assert "c1  hidden after 3 report(s)" in text
    assert "prompt:   a boat on a lake" in text
    assert "author:   Captain Kid (uid author-1)" in text
    assert "video:    https://media/feed/c1.mp4" in text and "poster:   https://media/feed/c1.jpg" in text
    assert "reasons:  spam ×2, violence ×1" in text
    assert "reporter: Ann (uid r1) — spam, 2026-12-04 09:00 UTC" in text
    assert "reporter: (no display name) (uid r3) — violence" in text
    assert "python -m ops --project p takedown c1 --reason" in text
    assert "python -m ops --project p restore c1" in text


def test_an_entry_whose_creation_is_gone_still_reads():
    details = {"creation": {}, "entry": {}, "reports": [], "names": {}}
    text = "\n".join(format_review("c2", {"reports": 3}, details))
    assert "(creation deleted)" in text and "reasons:  (none)" in text
