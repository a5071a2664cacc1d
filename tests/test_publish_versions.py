"""Publishing versions: checked before anything is written, kept side by side, swapped in atomically, and
noticed by other workers. The embedder is the fake one; a deliberately slow one holds a build open."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.qa import QaService
from knowledge.documents import BUNDLED_DIR
from knowledge.embedding import HashEmbedder, Vectors
from knowledge.errors import KnowledgeError, ProtocolFileError
from knowledge.library import Library
from knowledge.publishing import prepare, publish
from knowledge.versions import VersionError, live_version, source_of, versions

QUESTION = "who do councillors raise concerns about staff with?"
NEW_54 = "must be raised with the Chair of the Standing Committee in the first instance"


def ledbury_v2() -> str:
    """Ledbury with 5.4 reworded, 5.3 removed and a 5.5 added: one of each kind of change."""
    text = (BUNDLED_DIR / "ledbury" / "protocol.txt").read_text(encoding="utf-8")
    text = text.replace("must be raised with the Clerk in the first instance", NEW_54)
    start, end = text.index("5.3"), text.index("5.4")
    return text[:start] + text[end:] + "\n5.5 Councillors will receive a copy of this protocol when elected.\n"


class SlowEmbedder(HashEmbedder):
    """Documents wait for ``release`` while ``slow`` is set (questions, one text at a time, never wait)."""

    def __init__(self) -> None:
        super().__init__()
        self.slow = False
        self.building = threading.Event()
        self.release = threading.Event()

    def embed(self, texts: list[str]) -> Vectors:
        if self.slow and len(texts) > 1:
            self.building.set()
            assert self.release.wait(20), "the test never released the build"
        return super().embed(texts)


def test_draft_lists_one_changed_one_added_one_removed(home: Path) -> None:
    library = Library(home, HashEmbedder())
    draft = prepare(library, "ledbury", ledbury_v2())
    assert draft.version == "2" and draft.live_version is None
    assert [c.label for c in draft.diff.of_kind("changed")] == ["5.4"]
    assert [c.label for c in draft.diff.of_kind("added")] == ["5.5"]
    assert [c.label for c in draft.diff.of_kind("removed")] == ["5.3"]
    assert not (home / "councils").exists()  # a preview writes nothing


@pytest.mark.parametrize("text", ["", "\x00\x01binary", "Just one line that is not a protocol"])
def test_malformed_version_is_refused_and_the_live_one_answers(home: Path, text: str) -> None:
    service = QaService(Library(home, HashEmbedder()))
    before = service.ask("ledbury", QUESTION)
    with pytest.raises(KnowledgeError):
        prepare(service.library, "ledbury", text)
    assert live_version(home, "ledbury") is None
    after = service.ask("ledbury", QUESTION)
    assert [q.clause_id for q in after.answer.quotes] == [q.clause_id for q in before.answer.quotes]


def test_unchanged_text_and_taken_names_are_refused(home: Path) -> None:
    library = Library(home, HashEmbedder())
    original = (BUNDLED_DIR / "ledbury" / "protocol.txt").read_text(encoding="utf-8")
    with pytest.raises(VersionError, match="no clause differs"):
        prepare(library, "ledbury", original)
    publish(library, prepare(library, "ledbury", ledbury_v2(), version="2026-11"))
    with pytest.raises(VersionError, match="already has a version"):
        prepare(library, "ledbury", ledbury_v2() + "\n5.6 More.\n", version="2026-11")
    with pytest.raises(VersionError, match="letters, digits"):
        prepare(library, "ledbury", ledbury_v2(), version="../evil")


def test_versions_are_kept_and_answers_say_which_they_quote(home: Path) -> None:
    service = QaService(Library(home, HashEmbedder()))
    assert service.ask("ledbury", QUESTION).version is None
    publish(service.library, prepare(service.library, "ledbury", ledbury_v2()), note="5.4 reworded")
    assert [(v.version, v.live) for v in versions(home, "ledbury")] == [("1", False), ("2", True)]
    assert versions(home, "ledbury")[1].note == "5.4 reworded"
    asked = service.ask("ledbury", QUESTION)
    assert asked.version == "2"
    assert service.library.council("ledbury").meta.version == "2"
    texts = [c.text for c in service.library.council("ledbury").clauses]
    assert any(NEW_54 in t for t in texts)
    assert "The law requires" in source_of(home, "ledbury", "1").read_text()


def test_questions_during_a_reindex_are_answered_from_the_old_version(home: Path) -> None:
    embedder = SlowEmbedder()
    service = QaService(Library(home, embedder, reload_every=0))
    other_worker = Library(home, HashEmbedder(), reload_every=0)
    other_worker.council("ledbury")
    before = service.ask("ledbury", QUESTION)
    draft = prepare(service.library, "ledbury", ledbury_v2())
    embedder.slow = True
    failures: list[BaseException] = []

    def run() -> None:
        try:
            publish(service.library, draft)
        except BaseException as exc:  # surfaced by the assertion below
            failures.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert embedder.building.wait(20)
        for _ in range(3):
            during = service.ask("ledbury", QUESTION)
            assert during.version is None
            assert [q.clause_id for q in during.answer.quotes] == [q.clause_id for q in before.answer.quotes]
        assert other_worker.council("ledbury").version is None
    finally:
        embedder.release.set()
        thread.join(20)
    assert not failures
    assert service.ask("ledbury", QUESTION).version == "2"
    assert other_worker.council("ledbury").version == "2"  # noticed the live pointer and loaded the new index


def test_another_worker_looks_at_the_pointer_at_most_every_few_seconds(home: Path) -> None:
    publisher = Library(home, HashEmbedder())
    worker = Library(home, HashEmbedder(), reload_every=3600)
    assert worker.council("ledbury").version is None
    publish(publisher, prepare(publisher, "ledbury", ledbury_v2()))
    assert worker.council("ledbury").version is None  # not looked yet
    worker.reload_every = 0
    assert worker.council("ledbury").version == "2"


def test_unknown_version_names_the_known_ones(home: Path) -> None:
    library = Library(home, HashEmbedder())
    publish(library, prepare(library, "ledbury", ledbury_v2()))
    with pytest.raises(VersionError, match=r"versions: 1, 2"):
        source_of(home, "ledbury", "7")
    assert isinstance(ProtocolFileError("x", "y"), KnowledgeError)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_a_protocol_saved_as_unicode_by_windows_notepad_is_read_not_called_binary(encoding: str) -> None:
    from adapters.slack.files import _text
    from adapters.telegram.documents import decode as telegram_decode
    from knowledge.publishing import decode

    text = "1. Conduct\n\n1.1 Councillors will treat officers with courtesy – always.\n"
    raw = (b"\xfe\xff" + text.encode("utf-16-be")) if encoding == "utf-16-be" else text.encode(encoding)
    assert decode(raw) == _text(raw, "protocol.txt") == telegram_decode(raw) == text
