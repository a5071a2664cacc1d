"""Box-drawn diagrams: every box's words reach the clause, however the boxes are laid out."""

from __future__ import annotations

from tests.clause_lookup import holding, parsed

STAGES = """1. Concerns

1.1 A concern about a member of staff goes through four stages, shown below.

┌─────────┐ ┌─────────┐ ┌─────────┐ ┌──────────┐
│ Clerk   │►│ Chair   │►│ Panel   │►│ Council  │
└─────────┘ └─────────┘ └─────────┘ └──────────┘

1.2 The Clerk keeps a record of every concern.
"""

NOTICE = """1. Contact

1.1 Councillors should contact officers during office hours.

┌──────────────────────────────────────────────┐
│ Officers are not expected to reply to        │
│ messages sent after 6pm.                     │
└──────────────────────────────────────────────┘

1.2 The Clerk keeps a record of every concern.
"""


def test_a_row_of_boxes_side_by_side_keeps_every_box_in_reading_order() -> None:
    # four boxes on three lines: read as one frame they were blanked and their words lost
    stages = holding(parsed(STAGES), "goes through four stages")
    assert stages.text.split("\n")[1:] == ["Clerk", "Chair", "Panel", "Council"]
    assert "►" not in stages.text


def test_a_single_box_is_still_read_as_a_notice_of_running_words() -> None:
    notice = holding(parsed(NOTICE), "not expected to reply")
    assert "Officers are not expected to reply to messages sent after 6pm." in notice.text
    assert "│" not in notice.text and "─" not in notice.text


def test_the_row_of_boxes_saved_with_a_blank_line_after_every_line_reads_the_same() -> None:
    def read(text: str) -> list[tuple[str | None, str]]:
        return [(c.number, c.text) for c in parsed(text)]

    assert read(STAGES.replace("\n", "\n\n")) == read(STAGES)
