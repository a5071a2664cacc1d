"""Clause-level diff of two protocol versions, as the Clerk previews it before publishing."""

from __future__ import annotations

from knowledge.clauses import Clause
from knowledge.diff import diff_clauses
from knowledge.documents import BUNDLED_DIR
from knowledge.parsing import parse_clauses


def clauses(slug: str, text: str | None = None) -> list[Clause]:
    text = text if text is not None else (BUNDLED_DIR / slug / "protocol.txt").read_text(encoding="utf-8")
    return parse_clauses(text, council=slug)[0]


def test_identical_versions_have_no_changes() -> None:
    diff = diff_clauses(clauses("ledbury"), clauses("ledbury"))
    assert not diff and diff.unchanged == len(clauses("ledbury"))


def test_numbered_clause_reworded_added_and_removed() -> None:
    original = (BUNDLED_DIR / "ledbury" / "protocol.txt").read_text(encoding="utf-8")
    old = clauses("ledbury", original)
    by_number = {c.number: c for c in old}
    text = original.replace("must be raised with the Clerk in the first instance",
                            "must be raised with the Chair of the Standing Committee in the first instance")
    assert by_number["5.3"].text.startswith("The law requires")
    start, end = text.index("5.3"), text.index("5.4")
    text = text[:start] + text[end:]  # 5.3 cut out, wrapped lines and all
    text += "\n5.5 Councillors will receive a copy of this protocol when they are elected.\n"
    diff = diff_clauses(old, clauses("ledbury", text))
    changed = diff.of_kind("changed")
    assert [c.label for c in changed] == ["5.4"]
    assert "Clerk in the first instance" in changed[0].old.text  # type: ignore[union-attr]
    assert "Standing Committee in the first instance" in changed[0].new.text  # type: ignore[union-attr]
    assert [c.label for c in diff.of_kind("added")] == ["5.5"]
    assert "5.3" in [c.label for c in diff.of_kind("removed")]
    assert "ledbury:5.4" in diff.changed_ids


def test_unnumbered_paragraph_inserted_is_one_addition_not_a_cascade() -> None:
    original = (BUNDLED_DIR / "cheshire" / "protocol.txt").read_text(encoding="utf-8")
    anchor = "Potential breaches of this Protocol are considered below."
    assert anchor in original
    text = original.replace(anchor, "Councillors should copy the chair into complaints about staff.\n\n" + anchor)
    diff = diff_clauses(clauses("cheshire", original), clauses("cheshire", text))
    assert [c.kind for c in diff.changes] == ["added"]
    assert diff.changes[0].new.text == "Councillors should copy the chair into complaints about staff."  # type: ignore[union-attr]
    assert diff.changes[0].label.startswith('"Roles of councillors and officers > The Relationship: General", para')


def test_unnumbered_paragraph_edited_is_one_change() -> None:
    original = (BUNDLED_DIR / "cheshire" / "protocol.txt").read_text(encoding="utf-8")
    text = original.replace("take up the concern with the chair", "take up the concern with the vice-chair")
    diff = diff_clauses(clauses("cheshire", original), clauses("cheshire", text))
    assert [c.kind for c in diff.changes] == ["changed"]
    assert "vice-chair" in diff.changes[0].new.text  # type: ignore[union-attr]
