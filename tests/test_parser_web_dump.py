"""A protocol saved from a council's web page with a text browser (``lynx -dump``), checked as a reader would.

``thornbury_lynx.txt`` carries a complete protocol (sections 1-9, clauses 1.1-9.2, a bulleted list, links in
its sentences shown as "[23]Code of Conduct") inside the page's chrome: a skip link, a cookie banner with
[Accept] [Reject] buttons, a search box, the site menu, a breadcrumb, print and PDF links, "Back to top",
"Was this page helpful? [Yes] [No]", footer links, a copyright line, social links, and lynx's "References"
list of 41 numbered addresses (visible and hidden links). The adopting signature is printed on one line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.citation import cite
from knowledge.clauses import Clause, DocumentMeta
from knowledge.parsing import parse_clauses

DUMP = Path(__file__).parent / "data" / "foreign" / "thornbury_lynx.txt"
NUMBERS = ["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3", "3.4", "3.5",
           "4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "5.4", "6.1", "6.2", "6.3", "7.1", "7.2", "7.3",
           "8.1", "8.2", "8.3", "8.4", "8.5", "9.1", "9.2"]
SECTIONS = {"1": "Introduction", "2": "Roles of councillors and officers", "3": "Working relationships",
            "4": "Requests for information and advice", "5": "Instructions to officers",
            "6": "Correspondence and the media", "7": "Gifts, hospitality and complaints",
            "8": "Meetings, premises and equipment", "9": "Review"}
CHROME = ("Skip to main content", "cookies", "[Accept]", "Search this site", "Home |", "Your Council",
          "Meetings & Minutes", "You are here", "Policies >", "Print this page", "Download this page", "164KB",
          "Back to top", "Was this page helpful", "Accessibility statement", "Privacy notice |", "Sitemap", "©",
          "Facebook", "References", "Visible links", "Hidden links", "https://", "thornburyvale-tc.gov.uk")


def source() -> str:
    return DUMP.read_text(encoding="utf-8")


def clauses_of(text: str) -> list[Clause]:
    return parse_clauses(text, council="thornbury", source_name=DUMP.name)[0]


def clause(number: str) -> Clause:
    return next(c for c in clauses_of(source()) if c.number == number)


def test_no_clause_quotes_the_pages_chrome_or_its_link_list() -> None:
    for c in clauses_of(source()):
        for words in CHROME:
            assert words not in c.text, (c.clause_id, words)
            assert all(words not in heading for heading in c.heading_path), (c.clause_id, words)


@pytest.mark.parametrize("saved", ["as dumped", "windows line ends", "blank line after every line"])
def test_the_protocols_clauses_keep_their_numbers_and_headings(saved: str) -> None:
    text = {"as dumped": source(), "windows line ends": source().replace("\n", "\r\n"),
            "blank line after every line": source().replace("\n", "\n\n")}[saved]
    clauses = clauses_of(text)
    assert [c.number for c in clauses] == NUMBERS  # nothing unnumbered: no menu, banner or link list
    for c in clauses:
        assert c.number is not None
        assert c.heading_path == (SECTIONS[c.number.split(".")[0]],), c.clause_id


def test_the_title_is_the_protocols_not_the_sites() -> None:
    _, titles, _ = parse_clauses(source(), council="thornbury")
    assert titles == ("Member/Officer Protocol",)


def test_a_sentence_with_a_link_is_quoted_without_the_browsers_link_number() -> None:
    breach = clause("4.4")
    assert breach.text == ("Councillors must not ask officers to act in a way that would breach the Code of "
                           "Conduct, the law or the Council's policies.")
    assert "read with the Council's Code of Conduct, its Standing Orders and its Financial Regulations, and" \
        in clause("1.1").text
    meta = DocumentMeta(council="thornbury", council_name="Thornbury Vale Town Council",
                        title="Member/Officer Protocol")
    assert cite(breach, meta) == "Thornbury Vale Town Council, Member/Officer Protocol, 4.4"
    text = source()
    for c in clauses_of(text):  # a reader sent to the source finds the clause there
        assert c.text.split()[0] in text[c.offset : c.offset + 200], c.clause_id


def test_a_linked_list_item_stays_in_its_clause_without_the_link_number() -> None:
    duties = clause("2.3").text.split("\n")
    assert duties[0].endswith("The Clerk is responsible for:")
    assert "keeping the Council's records and answering requests made under the Freedom of Information Act " \
           "2000; and" in duties
    assert duties[-1] == "carrying out the decisions of the Council."


def test_a_one_line_signature_at_the_end_is_no_clause() -> None:
    assert not any("Signed" in c.text or "Proper Officer Date" in c.text for c in clauses_of(source()))
    plain = ("1. Review\n\n1.1 The Council will review this Protocol every two years.\n\n"
             "1.2 Councillors may suggest changes to the Clerk.\n\n1.3 Officers may suggest changes too.\n\n"
             "Signed: Chair of the Council Clerk and Proper Officer Date: 14 May 2025\n")
    assert [c.text for c in clauses_of(plain)][-1] == "Officers may suggest changes too."


def test_link_numbers_go_only_in_a_browser_dump_and_footnote_markers_stay() -> None:
    """'[1]' after a word, or before a footnote's text, is the council's own marker: only lynx's go."""
    footnoted = ("1. Conduct\n\n1.1 Councillors must follow the Code of Conduct[1] at all times.\n\n"
                 "1.2 Officers must follow the Officers' Code[2] and the [3]Standing Orders.\n\n"
                 "1.3 Complaints go to the Monitoring Officer.\n")
    assert [c.text for c in clauses_of(footnoted)][:2] == [
        "Councillors must follow the Code of Conduct[1] at all times.",
        "Officers must follow the Officers' Code[2] and the [3]Standing Orders."]
    assert "[" not in "".join(c.text for c in clauses_of(source()))


def test_a_clause_wrapped_after_an_open_ended_word_is_no_heading() -> None:
    """'8.4 Council equipment ... provided for the' / 'Council's business only.': one sentence, not a title."""
    equipment = clause("8.4")
    assert equipment.title is None
    assert equipment.text.startswith("Council equipment, stationery and software are provided for the Council's "
                                     "business only.")
