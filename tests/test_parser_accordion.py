"""A council web page whose sections are accordions, saved with a text browser (``lynx -dump``).

Each section's heading is printed at the margin with the accordion's mark before it: "- 1. Introduction" open,
"+ 2. Roles" closed. Every section's clauses are cited under their own heading, never the first one's; the page's
adoption line, its "this page" note, a flow chart drawn in box characters, its caption, a related-pages list, a
cookie notice and the footer's address and copyright are not quoted as protocol.
"""

from __future__ import annotations

from tests.clause_lookup import holding, parsed

PAGE = """\
   [1]Skip to main content

   [2]Ashwell Parish Council

   [3]Home [4]Your Council [5]Meetings [6]Contact us

   You are here: [7]Home > [8]Policies > Staff Protocol

Staff Protocol

   Adopted by the council on 3 March 2025 (minute 25/031). Next review
   due: March 2027.

   This page sets out how councillors and staff work together. Select a
   heading to open or close a section.
   [9]Expand all | [10]Collapse all

- 1. Introduction

   1.1 This protocol applies to every councillor and every member of staff.

   1.2 It supplements the council's [11]Code of Conduct.

+ 2. Roles of councillors and staff

   2.1 Councillors take decisions together at meetings; a single councillor
   cannot decide anything on the council's behalf.

   2.2 The Clerk is responsible for:

     * advising the council;
     * managing the other staff, including:
          + the caretaker;
          + the groundsman.

+ 3. Concerns about staff

   3.1 A councillor with a concern about a member of staff should raise it
   with the Clerk, or with the Chair if it is about the Clerk.

   3.2 The flow chart below shows how a concern is handled.

        ┌──────────────────────────────┐
        │ Councillor has a concern     │
        └──────────────┬───────────────┘
                       ▼
        ┌──────────────────────────────┐
        │ Is it about the Clerk?       │
        └──────┬────────────────┬──────┘
               │ No             │ Yes
               ▼                ▼
   ┌───────────────────┐  ┌───────────────────┐
   │ Raise it with the │  │ Raise it with the │
   │ Clerk             │  │ Chair             │
   └───────────────────┘  └───────────────────┘

   Figure 1: How a councillor's concern is handled

+ 4. Review

   4.1 The council reviews this protocol every two years.

   Related pages

     * [12]Code of Conduct
     * [13]Complaints Procedure

   Was this page helpful? [14]Yes [15]No

   Cookies on this website

   We use essential cookies to make this website work. We will not set
   analytics cookies unless you accept them.

   [16]Accept analytics cookies [17]Reject analytics cookies

   Ashwell Parish Council
   Parish Office, Church Lane, Ashwell AS1 2BC
   Telephone: 01632 960000
   Email: [18]clerk@ashwell-pc.gov.uk

   Last updated: 4 March 2025
   © 2025 Ashwell Parish Council. Website by [19]Village Sites

References

   1. https://www.ashwell-pc.gov.uk/#main
   2. https://www.ashwell-pc.gov.uk/
   3. https://www.ashwell-pc.gov.uk/
"""

BOXES = "┌─┬┐│├┼┤└┴┘▼"


def test_each_accordion_section_heads_its_own_clauses_without_its_mark() -> None:
    clauses = parsed(PAGE)
    assert holding(clauses, "applies to every councillor").heading_path[-1] == "Introduction"
    roles = holding(clauses, "Councillors take decisions together")
    assert (roles.number, roles.heading_path[-1]) == ("2.1", "Roles of councillors and staff")
    concern = holding(clauses, "A councillor with a concern")
    assert (concern.number, concern.heading_path[-1]) == ("3.1", "Concerns about staff")
    assert holding(clauses, "reviews this protocol").heading_path[-1] == "Review"
    assert not any(c.text.startswith(("+", "-")) for c in clauses)
    assert not any(h.startswith(("+", "-")) for c in clauses for h in c.heading_path)


def test_a_nested_list_keeps_its_items_without_the_browsers_plus_marks() -> None:
    clerk = holding(parsed(PAGE), "The Clerk is responsible for")
    assert clerk.number == "2.2"
    assert "the caretaker;" in clerk.text and "+ the caretaker" not in clerk.text


def test_the_pages_adoption_line_and_its_note_about_the_page_are_not_clauses() -> None:
    clauses = parsed(PAGE)
    assert not any("due: March 2027" in c.text or "Staff Protocol" in c.text for c in clauses)
    assert not any("Select a" in c.text or "Expand all" in c.text for c in clauses)
    assert all(c.heading_path for c in clauses)


def test_a_box_drawn_flow_chart_reads_each_box_as_a_line_in_order() -> None:
    clauses = parsed(PAGE)
    assert not any(ch in c.text for c in clauses for ch in BOXES)
    chart = holding(clauses, "Is it about the Clerk?")
    assert chart.heading_path[-1] == "Concerns about staff"
    lines = chart.text.split("\n")
    order = ["Councillor has a concern", "Is it about the Clerk?", "Raise it with the Clerk", "Raise it with the Chair"]
    assert [line for line in lines if line in order] == order


def test_a_figure_caption_related_pages_cookie_notice_and_footer_are_not_quoted() -> None:
    clauses = parsed(PAGE)
    for words in ("Figure 1", "Related pages", "Complaints Procedure", "cookies", "Cookies", "Parish Office",
                  "Telephone", "clerk@ashwell-pc.gov.uk", "©", "Website by"):
        assert not any(words in c.text for c in clauses), words
        assert not any(words in h for c in clauses for h in c.heading_path), words


def test_the_page_saved_with_a_blank_line_after_every_line_reads_the_same() -> None:
    def read(text: str) -> list[tuple[tuple[str, ...], str | None, str]]:
        return [(c.heading_path, c.number, c.text) for c in parsed(text)]

    assert read(PAGE.replace("\n", "\n\n")) == read(PAGE)


def test_contact_lines_inside_the_protocol_are_quoted_and_the_footers_are_not() -> None:
    """'Telephone: ...' under a section is the protocol's answer to "what's the clerk's number?"; only the footer's
    contact lines (nothing but page chrome after them) are the site's."""
    page = PAGE.replace("+ 4. Review", "   3.3 The Clerk can be contacted at the Parish Office:\n\n"
                                       "   Telephone: 01632 960555 (mornings)\n   Email: office@ashwell-pc.gov.uk\n\n"
                                       "+ 4. Review")
    clauses = parsed(page)
    assert any("01632 960555" in c.text for c in clauses)
    assert any("office@ashwell-pc.gov.uk" in c.text for c in clauses)
    assert not any("01632 960000" in c.text for c in clauses)
    assert holding(clauses, "reviews this protocol").heading_path[-1] == "Review"
