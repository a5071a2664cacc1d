"""Tables laid out in columns of spaces (``pdftotext -layout``, a typed page, a pandoc simple table) are read a
row at a time, each cell whole; a numbered paragraph's hanging indent and two spaces after a full stop are not
columns."""

from __future__ import annotations

from tests.clause_lookup import holding, parsed

ANNEX = """\
1. RAISING CONCERNS

1.1   A Member who is unhappy with an officer should raise it with the
      officer's head of service, who will reply within 15 working days.

1.2   Where the concern is about the Chief Executive, the Member should raise
      it with the Leader of the Council.  The Leader will tell the Monitoring
      Officer.

Annex A: Where to raise a concern

If your concern is about    Raise it first with           If not resolved, or if
                                                          that person is involved

An officer below head of    The officer's head of         The director, then the
service level               service (reply within 15      Chief Executive
                            working days)

A head of service or a      The Chief Executive           The Monitoring Officer
director

A refused request for       The relevant head of service  The Monitoring Officer,
information                                               whose decision is final
"""

WEB_PAGE = """\
Who to contact

Your concern is about             First contact                       If that person is involved
Assistant Clerk or Caretaker      Clerk                               Chair of Personnel Committee
The Clerk                         Chair of Personnel Committee        Vice-Chair of Personnel Cttee
The Chair of the Council          Vice-Chair of the Council           Chair of Personnel Committee

Clerk: clerk@example.gov.uk      Office: 01766 500217

When can I contact staff?

Office hours are:
  Monday      10.00am - 3.00pm   Clerk
  Tuesday      9.00am - 3.00pm   Assistant Clerk
  Wednesday   10.00am - 3.00pm   Clerk
You may email at any time, but do not expect a reply outside office hours.
"""

SIMPLE_TABLE = """\
Who to contact

If you need to...                       Contact
--------------------------------------  ------------------------------
Ask for work to be done by staff        Town Clerk
Query a payment or the budget           RFO (Tuesday to Thursday)
Raise a concern about the Town Clerk    Chair of the Personnel Committee
"""


def test_a_layout_table_with_wrapped_cells_reads_a_row_at_a_time() -> None:
    rows = holding(parsed(ANNEX), "Raise it first with").text.split("\n")
    assert rows == [
        "| If your concern is about | Raise it first with | If not resolved, or if that person is involved |",
        "| An officer below head of service level | The officer's head of service (reply within 15 working days)"
        " | The director, then the Chief Executive |",
        "| A head of service or a director | The Chief Executive | The Monitoring Officer |",
        "| A refused request for information | The relevant head of service"
        " | The Monitoring Officer, whose decision is final |",
    ]


def test_numbered_paragraphs_and_two_spaces_after_a_full_stop_are_no_table() -> None:
    clauses = parsed(ANNEX)
    first = holding(clauses, "officer's head of service, who will reply")
    assert first.number == "1.1" and "|" not in first.text
    second = holding(clauses, "Leader of the Council")
    assert second.number == "1.2" and "|" not in second.text
    assert "The Leader will tell the Monitoring Officer." in " ".join(second.text.split())


def test_a_table_printed_without_blank_lines_keeps_each_line_a_row() -> None:
    clauses = parsed(WEB_PAGE)
    table = holding(clauses, "First contact").text.split("\n")
    assert table[2] == "| The Clerk | Chair of Personnel Committee | Vice-Chair of Personnel Cttee |"
    assert len(table) == 4
    assert not any("| Clerk:" in c.text or ("Office: 01766" in c.text and "|" in c.text) for c in clauses)
    hours = holding(clauses, "Office hours are:").text.split("\n")
    assert "| Tuesday | 9.00am - 3.00pm | Assistant Clerk |" in hours
    assert hours[-1] == "| Wednesday | 10.00am - 3.00pm | Clerk |"
    assert holding(clauses, "You may email at any time").text.startswith("You may email")


def test_a_simple_table_loses_its_underline_and_keeps_its_header() -> None:
    rows = holding(parsed(SIMPLE_TABLE), "Town Clerk").text.split("\n")
    assert rows[0] == "| If you need to... | Contact |"
    assert "| Query a payment or the budget | RFO (Tuesday to Thursday) |" in rows
    assert not any("---" in row for row in rows)
