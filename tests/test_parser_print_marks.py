"""What a leaflet, a handbook or a constitution prints around its words, read as a reader reads the page.

A notice boxed in ``*`` characters, lines in ``_italics_``, a footer that starts with its page number, and a
numbered paragraph whose first line wraps onto a line beginning "Officer, ...": the quoted clause holds the
words, never the box's sides, the underscores, the footer or half a sentence taken for a heading.
"""

from __future__ import annotations

from tests.clause_lookup import holding, parsed

LEAFLET = """\
SMALLTOWN PARISH COUNCIL
Working Together

Councillors will:

• Send every request for work to the Clerk by email.
– Allow the Clerk a reasonable time to answer.

Spending between meetings

The Clerk may spend up to £250 before the next meeting.

*****************************************************************************
*  IF THINGS GO WRONG                                                       *
*                                                                           *
*  A councillor who is unhappy with the Clerk's work should speak first to  *
*  the Chairman, who will try to settle it informally. The caretaker should *
*  take any problem to the Clerk.                                           *
*****************************************************************************

_The Clerk works for the whole council, not for any one councillor._
_If in doubt, email the Clerk at clerk_office@smalltown.gov.uk first._
"""

CONSTITUTION = """\
Quarryton Borough Council Constitution - Part 5.4 Member/Officer Protocol

4. MUTUAL RESPECT

4.8   An officer who feels bullied or harassed by a Member should raise
      it with his or her line manager as soon as possible.

4.9   Where the Chief Executive, after consulting the Monitoring
      Officer, considers that an officer needs protection from
      unacceptable behaviour, the Chief Executive may direct that the
      Member contacts that officer only in writing.

Page 3 of 14 | Issue 7 | Adopted by Council 22 May 2025

Quarryton Borough Council Constitution - Part 5.4 Member/Officer Protocol

5. INSTRUCTIONS TO OFFICERS

5.1   Officers take instructions from the Council and its committees,
      and from individual Cabinet members within their portfolios.

5.2   The Chief Executive receives instructions only from the full
      Council, or from the Cabinet on executive matters, and not from
      the Leader acting alone.

Page 4 of 14 | Issue 7 | Adopted by Council 22 May 2025

Quarryton Borough Council Constitution - Part 5.4 Member/Officer Protocol

5.3   Members must not instruct officers on operational matters.

5.4   Officers will acknowledge a Member's enquiry within two working
      days.
"""


def test_a_boxed_notice_reads_as_a_paragraph_under_its_own_heading() -> None:
    clauses = parsed(LEAFLET)
    boxed = holding(clauses, "A councillor who is unhappy")
    assert "*" not in boxed.text
    assert "should speak first to the Chairman, who will try to settle it informally." in boxed.text
    assert boxed.heading_path[-1].casefold() == "if things go wrong"
    assert not any(c.text.strip(" *") == "" or c.text.startswith("IF THINGS") for c in clauses)


def test_italic_underscores_are_not_quoted_but_an_address_keeps_its_own() -> None:
    clauses = parsed(LEAFLET)
    italic = holding(clauses, "The Clerk works for the whole council")
    assert "_The Clerk" not in italic.text and "councillor._" not in italic.text
    assert "clerk_office@smalltown.gov.uk" in holding(clauses, "If in doubt").text


def test_a_footer_that_starts_with_its_page_number_is_never_quoted() -> None:
    clauses = parsed(CONSTITUTION)
    assert not any("Page 3 of 14" in c.text or "Page 4 of 14" in c.text for c in clauses)
    assert holding(clauses, "only in writing").text.endswith("only in writing.")


def test_a_numbered_paragraph_wrapped_before_a_comma_is_one_clause_not_a_heading() -> None:
    clauses = parsed(CONSTITUTION)
    protected = holding(clauses, "considers that an officer needs protection")
    assert protected.number == "4.9"
    assert protected.text.startswith("Where the Chief Executive, after consulting the Monitoring Officer, considers")
    assert protected.heading_path[-1].casefold() == "mutual respect"
    chief = holding(clauses, "receives instructions only from the full Council, or from the Cabinet")
    assert chief.number == "5.2"
    assert chief.text.startswith("The Chief Executive receives instructions")
    assert all(len(c.heading_path) == 1 for c in clauses)


HANDBOOK = (
    "7.2.4 Councillors may not instruct staff.\n\n"
    "7.2.5 The key contacts for this chapter are:\n\n"
    "Role\tWho\tContact\n"
    "Town Clerk and RFO\tHelen Ashworth\tclerk@holmebridge.gov.uk\n"
    "Deputy Town Clerk\tMark Whitaker\tdeputy@holmebridge.gov.uk\n\n"
    "7.3 HOW COUNCILLORS ASK FOR WORK\n\n"
    "7.3.1 Councillors who need help should ask the Town Clerk.\n"
)

ROUTING = """\
## 7. When things go wrong

| If you are...   | and your concern is about... | raise it with...            |
|-----------------|------------------------------|-----------------------------|
| a councillor    | the Deputy Clerk             | the Town Clerk              |
| a councillor    | the Town Clerk               | the Chair of the Staffing Committee |

## 8. Review

This protocol is reviewed every year.
"""


def test_a_tab_separated_table_keeps_a_row_to_a_line_under_its_lead_in() -> None:
    clauses = parsed(HANDBOOK)
    contacts = holding(clauses, "The key contacts")
    assert contacts.number == "7.2.5"
    rows = contacts.text.split("\n")
    assert rows[1].split() == ["Role", "Who", "Contact"]
    assert rows[2].split()[:4] == ["Town", "Clerk", "and", "RFO"] and rows[2].endswith("clerk@holmebridge.gov.uk")
    assert rows[3].startswith("Deputy Town Clerk")
    assert not any("Role" in part for c in clauses for part in c.heading_path)


def test_a_markdown_table_keeps_a_row_to_a_line_without_its_rule() -> None:
    table = holding(parsed(ROUTING), "raise it with")
    rows = table.text.split("\n")
    assert len(rows) == 3 and "---" not in table.text
    assert rows[2].startswith("| a councillor") and rows[2].rstrip(" |").endswith("Staffing Committee")


GRID_TABLE = """\
WHO DEALS WITH WHAT

The table below sets out who deals with which enquiries:

+-------------------------+---------------------+----------------------+
| Type of enquiry         | Contact             | Response time        |
+=========================+=====================+======================+
| General correspondence  | Town Clerk          | 5 working days       |
+-------------------------+---------------------+----------------------+
| Allotments and          | Assistant Clerk     | 10 working days      |
| cemetery bookings       |                     |                      |
+-------------------------+---------------------+----------------------+

Councillors should copy the Town Clerk into any email they send to
another member of staff.
"""


def test_a_grid_table_reads_a_row_at_a_time_with_each_cell_whole() -> None:
    table = holding(parsed(GRID_TABLE), "Assistant Clerk")
    rows = table.text.split("\n")
    assert "| Allotments and cemetery bookings | Assistant Clerk | 10 working days |" in rows
    assert "| Type of enquiry | Contact | Response time |" in rows
    assert "+--" not in table.text and "+==" not in table.text
    assert "Councillors should copy" not in table.text


PDF_PAGE = """\
8. CONFIDENTIALITY

8.3   A Member who is unsure whether information is confidential should ask the
      Monitoring Officer before disclosing it to anyone.

This website uses cookies. [Accept] [Reject] [Settings]

8.4   Where a Member has disclosed confidential information, the Monitoring
      Officer may withhold further confidential information from that Member
      until the matter has been considered by the Standards Committee.
"""


def test_a_numbered_paragraph_wrapped_after_a_clause_comma_is_one_clause_not_a_heading() -> None:
    clause = holding(parsed(PDF_PAGE), "may withhold further")
    assert clause.number == "8.4"
    assert clause.text.startswith("Where a Member has disclosed confidential information, the Monitoring Officer")
    assert clause.heading_path[-1].casefold() == "confidentiality"


def test_a_cookie_banner_saved_with_the_page_is_never_quoted() -> None:
    assert not any("cookies" in c.text for c in parsed(PDF_PAGE))
