"""Previews and files waiting for the Clerk are dropped once too old: a preview after a day (or
``PROTOCOL_BOT_DRAFT_HOURS``), a file sent ahead of /publish after half an hour (``PROTOCOL_BOT_UPLOAD_MINUTES``),
by whichever stage or look-up comes next. Time is the ``now`` each call is given."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.publish import drafts, uploads
from bot.publish.drafts import PreviewExpired, StagedDraft
from bot.publish.uploads import Upload

HOUR = 3600.0


def draft(version: str) -> StagedDraft:
    return StagedDraft("wendlebury", version, "- 1.1. text", "v.txt", None, None, by_member=1)


def on_disk(home: Path, folder: str) -> int:
    return len(list((home / "councils" / "wendlebury" / folder).glob("*.json")))


def test_a_preview_waits_a_day_then_goes_with_the_next_preview(home: Path) -> None:
    start = time.time()
    first = drafts.stage(home, draft("2"), now=start)
    assert drafts.load(home, "wendlebury", first, now=start + 23 * HOUR) == draft("2")
    second = drafts.stage(home, draft("3"), now=start + 25 * HOUR)
    assert on_disk(home, "drafts") == 1  # the first was swept when the second was staged
    with pytest.raises(PreviewExpired):  # its file is gone, but its token still says when it was issued
        drafts.load(home, "wendlebury", first, now=start + 25 * HOUR)
    assert drafts.load(home, "wendlebury", second, now=start + 25 * HOUR) == draft("3")
    assert drafts.drop(home, "wendlebury", second) and drafts.load(home, "wendlebury", second) is None


def test_the_age_is_configurable(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(drafts.AGE_ENV, "2")
    start = time.time()
    token = drafts.stage(home, draft("2"), now=start)
    with pytest.raises(PreviewExpired):
        drafts.load(home, "wendlebury", token, now=start + 3 * HOUR)
    assert on_disk(home, "drafts") == 0
    monkeypatch.setenv(uploads.WINDOW_ENV, "90")
    assert uploads.minutes() == "90 minutes"


def test_unknown_or_malformed_tokens_are_simply_not_found(home: Path) -> None:
    assert drafts.load(home, "wendlebury", "../../etc/passwd") is None
    assert drafts.load(home, "wendlebury", "AbCdEf123456") is None  # a token from before tokens carried the time
    assert not drafts.drop(home, "wendlebury", "../x")


def test_a_file_sent_ahead_waits_half_an_hour(home: Path) -> None:
    start = time.time()
    uploads.remember(home, "wendlebury", 7, Upload("a.txt", "old"), now=start)
    uploads.remember(home, "wendlebury", 7, Upload("b.txt", "new"), now=start)  # the newest replaces it
    uploads.remember(home, "wendlebury", 8, Upload("c.txt", "other member"), now=start)
    assert uploads.latest(home, "wendlebury", 7, now=start + 29 * 60) == Upload("b.txt", "new")
    assert uploads.latest(home, "wendlebury", 7, now=start + 31 * 60) is None
    assert on_disk(home, "uploads") == 0  # both members' files were swept by that look-up
