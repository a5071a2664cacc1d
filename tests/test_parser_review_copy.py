"""A Word document under review, pasted as plain text, read as a reader of the adopted protocol reads it.

Its outline numbering is lost: section headings stand at the margin, paragraphs one to a line indented by a tab,
sub-items and sub-headed paragraphs by two. Reviewers' comments ("[Comment [MT2]: ...]") and tracked deletions
("[Deleted: £50]") are printed in the text, the comments listed again at the end; footnote markers ("Council[1]")
answer a "Footnotes" list (each note stays citable, a paragraph of its own); a document-control block is drawn
with box characters at the top. No clause quotes a comment, a deleted word, a box character or the control
block, and a tab-indented sub-heading heads its paragraphs.
"""

from __future__ import annotations

from tests.clause_lookup import holding, parsed

REVIEW_COPY = """\
┌─────────────┬────────────────────────────────┐
│ Version     │ 3.2 – draft with comments      │
├─────────────┼────────────────────────────────┤
│ Adopted     │ 9 May 2022 (version 3.1)       │
├─────────────┼────────────────────────────────┤
│ Minute ref  │ TC/21-22/204                   │
├─────────────┼────────────────────────────────┤
│ Review date │ May 2024                       │
└─────────────┴────────────────────────────────┘

MIDDLEFORD TOWN COUNCIL
Councillor and Staff Protocol

Purpose
\tThis Protocol explains how councillors and staff of Middleford Town Council work together.
\tIt should be read with the Code of Conduct adopted by the Council[1] and the Standing Orders.
\tCouncillors register gifts as the Code requires[2].

Gifts
\tAny gift offered to an officer worth more than £30[Deleted: £75], whether accepted or not, must be recorded.
\tStatements for the Council are issued by the Clerk after consulting [Deleted: the Mayor]the Chair.
\tUrgent repairs are reported to the Clerk and the Caretaker [Comment [AB1]: Or the Deputy Clerk?]. Others wait.

Page 2

Raising concerns
\tConcerns about staff
\t\tA councillor worried about an officer's work should tell the Clerk privately, not the officer.
\t\tA concern about the Clerk goes to the Chair of the Personnel Committee.
\tConcerns raised by staff about councillors or the Clerk
\t\tAn officer worried about a councillor's behaviour should tell the Clerk, who will try to settle it.

Review
\tThe Personnel Committee reviews this Protocol every two years.

Footnotes
[1] The Council adopted the model Code of Conduct on 4 May 2021 (minute TC/21-22/003).
[2] Councillors register gifts worth £50 or more with the Monitoring Officer.

Comments
[AB1] Cllr A. Bell, 02/03/2023: Or the Deputy Clerk?
"""


def test_a_tracked_deletion_is_not_quoted_as_protocol_text() -> None:
    clauses = parsed(REVIEW_COPY)
    gift = holding(clauses, "worth more than £30")
    assert "£75" not in gift.text and "Deleted" not in gift.text
    assert "worth more than £30, whether accepted or not" in gift.text
    statements = holding(clauses, "Statements for the Council")
    assert "the Mayor" not in statements.text and "after consulting the Chair." in statements.text


def test_a_reviewers_comment_is_not_quoted_inline_nor_its_list_at_the_end() -> None:
    clauses = parsed(REVIEW_COPY)
    assert not any("[Comment" in c.text or "Deputy Clerk?" in c.text or "[AB1]" in c.text for c in clauses)
    assert "reported to the Clerk and the Caretaker. Others wait." in holding(clauses, "Urgent repairs").text
    assert not any("Comments" in c.heading_path or "Cllr A. Bell" in c.text for c in clauses)


def test_each_listed_footnote_is_a_paragraph_of_its_own_and_the_marker_stays() -> None:
    clauses = parsed(REVIEW_COPY)
    assert "adopted by the Council[1] and" in holding(clauses, "read with the Code of Conduct").text
    first, second = holding(clauses, "model Code of Conduct on 4 May 2021"), holding(clauses, "[2] Councillors")
    assert first.heading_path[-1] == second.heading_path[-1] == "Footnotes"
    assert first.text.startswith("[1] The Council adopted") and first is not second


def test_a_box_drawn_control_block_is_set_aside_like_a_version_table() -> None:
    clauses = parsed(REVIEW_COPY)
    boxes = "┌─┬┐│├┼┤└┴┘"
    assert not any(ch in c.text for c in clauses for ch in boxes)
    assert not any("TC/21-22/204" in c.text or "draft with comments" in c.text for c in clauses)
    assert all(c.heading_path for c in clauses)


def test_a_page_number_between_paragraphs_is_never_quoted() -> None:
    assert not any("Page 2" in c.text for c in parsed(REVIEW_COPY))


def test_a_tab_indented_sub_heading_heads_its_paragraphs_under_the_margin_heading() -> None:
    clauses = parsed(REVIEW_COPY)
    staff = holding(clauses, "worried about an officer's work")
    assert staff.heading_path[-2:] == ("Raising concerns", "Concerns about staff")
    assert staff.text.startswith("A councillor worried")
    members = holding(clauses, "worried about a councillor's behaviour")
    assert members.heading_path[-2:] == ("Raising concerns", "Concerns raised by staff about councillors or the Clerk")
    assert not any("Concerns about" in c.text for c in clauses)


BOX_TABLE = """\
WHO DEALS WITH WHAT

The table below sets out who deals with which enquiries:

┌─────────────────────────┬─────────────────────┐
│ Type of enquiry         │ Contact             │
├─────────────────────────┼─────────────────────┤
│ Allotments and          │ Assistant Clerk     │
│ cemetery bookings       │                     │
└─────────────────────────┴─────────────────────┘

Councillors should copy the Town Clerk into any email they send to
another member of staff.
"""


def test_a_box_drawn_table_reads_a_row_at_a_time_as_a_grid_table_does() -> None:
    table = holding(parsed(BOX_TABLE), "Assistant Clerk")
    rows = table.text.split("\n")
    assert "| Allotments and cemetery bookings | Assistant Clerk |" in rows
    assert "| Type of enquiry | Contact |" in rows
    assert not any(ch in table.text for ch in "┌─┬┐│├┼┤└┴┘+")


BOXED_NOTICE = """\
Spending between meetings

The Clerk may spend up to £250 before the next meeting.

┌──────────────────────────────────────────┐
│ IF THINGS GO WRONG                       │
│                                          │
│ A councillor who is unhappy with the     │
│ Clerk's work should speak to the Chair.  │
└──────────────────────────────────────────┘
"""


def test_a_notice_boxed_in_box_characters_reads_as_a_paragraph_as_a_star_box_does() -> None:
    notice = holding(parsed(BOXED_NOTICE), "A councillor who is unhappy")
    assert not any(ch in notice.text for ch in "┌─┐│└┘")
    assert "unhappy with the Clerk's work should speak to the Chair." in notice.text
    assert notice.heading_path[-1].casefold() == "if things go wrong"


def test_the_copy_saved_with_a_blank_line_after_every_line_reads_the_same() -> None:
    def read(text: str) -> list[tuple[tuple[str, ...], str | None, str]]:
        return [(c.heading_path, c.number, c.text) for c in parsed(text)]

    assert read(BOX_TABLE.replace("\n", "\n\n")) == read(BOX_TABLE)
    assert read(REVIEW_COPY.replace("\n", "\n\n")) == read(REVIEW_COPY)


PARAGRAPH_PER_LINE = "\n".join([
    "Working together",
    "\tCouncillors are elected to represent the people of Middleford, to set the Council's policies and budget, "
    "and to take decisions together at meetings of the Council.",
    "\tThe Protocol applies to co-opted councillors too.",
    "\tThe Clerk:",
    "\t\tis the Council's Proper Officer and the senior officer, responsible for the day-to-day management of all "
    "the staff and of the Town Office;",
    "\t\tgives impartial advice to the Council and its committees.",
    "\tThe Caretaker looks after the Town Hall, opens it for hirers and reports any damage or any danger to the "
    "public to the Clerk on the same working day.",
    "",
    "Gifts",
    "\tAny gift offered to an officer worth more than £30, whether accepted or not, must be recorded in the "
    "register kept by the Clerk within 28 days of the offer.",
    "",
])
"""Word's 'Save as Plain Text': a paragraph to a line, far wider than a page, blank lines only around headings."""


def test_each_line_of_an_unwrapped_paragraph_per_line_text_is_a_paragraph_of_its_own() -> None:
    clauses = parsed(PARAGRAPH_PER_LINE)
    elected = holding(clauses, "Councillors are elected")
    assert elected.text.endswith("at meetings of the Council.")
    assert holding(clauses, "co-opted councillors too").text == "The Protocol applies to co-opted councillors too."
    clerk = holding(clauses, "The Clerk:")
    assert clerk.text.split("\n")[1:] == [
        "is the Council's Proper Officer and the senior officer, responsible for the day-to-day management of all "
        "the staff and of the Town Office;", "gives impartial advice to the Council and its committees."]
    caretaker = holding(clauses, "The Caretaker looks after")
    assert caretaker is not clerk and caretaker.heading_path[-1] == "Working together"
