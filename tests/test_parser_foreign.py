"""Protocols the parser has never seen: other councils' formats, checked the way a reader would check them.

The fixtures in ``tests/data/foreign/`` are written in the formats councils publish, mess included:
- ``marchfield_district``: a district constitution's Part 5.3 as PDF text, numbers 8.48-8.68 on lines of their
  own, headings without blank lines, running header and footer, form feeds, words hyphenated at line ends,
  (a)(b) and (i)(ii) items, "employees" for officers;
- ``ashby_parva_parish``: a parish "Councillor & Employee Protocol" saved from Word, tab after every number,
  section titles without a full stop ("1<tab>Purpose"), i./ii. and a)/b) items, a footer mid-sentence, an
  adoption record and a signature block;
- ``kingsbridge_town``: a town council protocol with no numbers at all, hard-wrapped PDF text, capitals
  headings, a dotted contents page, Symbol-font bullets, a two-line running footer with page numbers;
- ``hollingbourne_borough``: lettered paragraphs (a)-(j) under numbered sections, cited as 2(d), roman items,
  a "5.3 - 2" page footer that changes on every page, a sentence running on to a page starting "Officer";
- ``stourdale_moderngov``: a committee-system HTML page saved as text: numbers padded with spaces, no-break
  space lines, "1 INTRODUCTION" titles, clause 1.3 run on to the end of 1.2's line, "Back to top";
- ``wenmouth_web``: a council web page: "(1)Members ..." paragraphs under "1 The Respective Roles ...", the
  page's own "In this article" links and "Was this page helpful?";
- ``fenbury_parish``: a parish protocol as layout-keeping PDF text: no blank line between paragraphs, each
  paragraph's first line indented, no numbers, a proportional font (full lines 74-86 characters), paragraphs
  whose last line runs to the margin, a sentence ending at the line end inside a paragraph ("... by the Clerk
  alone." / "The Chair ..."), a centred title block and footer, a sentence running on over a page turn;
- ``northshire_county``: a county constitution's Part 5B: clauses numbered B1.1 ... and one 5B.4, section titles
  "B3   Roles ...", a running header at each page top, footnotes under a "______" rule, a prohibition list
  whose items (a)-(c) are parted by blank lines;
- ``little_harwell_parish``: a parish protocol in capitals sections lettered "A.   PURPOSE AND SCOPE" to "G.", each
  with hanging-indented paragraphs "i.", "ii.", "iv." (cited B(ii), as lettered paragraphs are cited 2(d)), and
  a "VERSION CONTROL" table at the end;
- ``ashcombe_town_pandoc``: a town council protocol converted by pandoc to markdown: "## 5. Press" headings over
  lists numbered afresh "1.", "2." in each section (cited 5(1)), a list nested in an item, a link wrapped over
  two lines, grid and pipe tables, a signature block;
- ``kingsmere_town_email``: a town council protocol pasted into the clerk's email: "Subject:" / "From:" header,
  a covering note from "Dear all," to "Kind regards," and a name, a contents list, Word's "– " bullets, "1)"
  steps, and the council's email disclaimer at the end.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from knowledge.citation import cite
from knowledge.clauses import Clause, DocumentMeta
from knowledge.parsing import parse_clauses
from knowledge.parsing.joining import join_wrapped
from knowledge.parsing.lines import Line, WrapMeasure, measure_wrap, split_lines

FOREIGN = Path(__file__).parent / "data" / "foreign"


@dataclass(frozen=True)
class Foreign:
    """What a reader holding the printed document would check."""

    file: str
    name: str
    numbers: list[str]
    """Every clause number as printed, in order (unnumbered paragraphs left out)."""
    furniture: tuple[str, ...]
    """Words printed on the page that are not the protocol's: in no clause, in no heading."""
    whole: str
    """A sentence the page layout broke (page turn, footer, hyphen), which must read whole in one clause."""
    cited: tuple[str, str]
    """A clause (by its number, or the start of its text) and its citation."""
    title: str
    """The document's title as ``council add`` takes it (the last title line)."""


CASES = [
    Foreign(
        "marchfield_district", "Marchfield District Council",
        [f"8.{n}" for n in range(48, 69) if n != 60],
        ("Page 112 of 240", "Last updated", "Marchfield District Council Constitution", "Part 5.3 –", "PART 5.3"),
        "This can range from a request for general information about a service to a specific request for a "
        "report on a matter of local concern, which may be refused where the work involved would be "
        "disproportionate.",
        ("8.63", "Marchfield District Council, Protocol on Member/Officer Relations, 8.63"),
        "PROTOCOL ON MEMBER/OFFICER RELATIONS",
    ),
    Foreign(
        "ashby_parva_parish", "Ashby Parva Parish Council",
        ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3", "3.4", "3.5", "4.1", "4.2", "4.3",
         "5.1", "5.2", "5.3", "5.4", "6.1", "6.2", "6.3", "7.1"],
        ("Page 2 of 3", "Signed", "Date:", "....", "Adopted by", "Next review", "\t"),
        "Employees who have a concern about their employment, or about the way a councillor has treated them, "
        "should first raise it informally with the Clerk. If that does not resolve the matter",
        ("3.4", "Ashby Parva Parish Council, Protocol on Member/Officer Relations, 3.4"),
        "Councillor & Employee Protocol",
    ),
    Foreign(
        "kingsbridge_town", "Kingsbridge Town Council",
        [],
        ("Page 1 of 4", "Councillor/Officer Protocol v2.1", "Kingsbridge Town Council", "KINGSBRIDGE", "....",
         "CONTENTS", "Version 2.1", "\uf0b7"),
        "bearing in mind their other duties and the priorities the Council has already set, and whether the "
        "information is already published elsewhere.",
        ("A councillor who is concerned about the conduct",
         'Kingsbridge Town Council, Protocol on Member/Officer Relations, "When things go wrong > Procedure for '
         'councillors", para 1'),
        "Protocol on Councillor/Officer Relationships",
    ),
    Foreign(
        "hollingbourne_borough", "Hollingbourne Borough Council",
        ["1(a)", "1(b)", "1(c)", "1(d)", "2(a)", "2(b)", "2(c)", "2(d)", "2(e)", "2(f)", "2(g)", "2(h)", "2(i)",
         "2(j)", "3(a)", "3(b)", "3(c)", "4(a)", "4(b)", "5(a)", "5(b)"],
        ("HOLLINGBOURNE", "5.3 - 1", "5.3 - 2", "Contents", "....."),
        "the Member should seek the advice of the Monitoring Officer before disclosing it to anyone.",
        ("2(d)", "Hollingbourne Borough Council, Protocol on Member/Officer Relations, 2(d)"),
        "PART 5.3 – PROTOCOL FOR MEMBER/OFFICER RELATIONS",
    ),
    Foreign(
        "stourdale_moderngov", "Stourdale Borough Council",
        ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "4.1", "4.2", "5.1", "5.2", "6.1", "6.2"],
        ("Back to top", "\xa0", "  ", "1.3 The Protocol"),
        "The Protocol must be read and operated in the context of any relevant legislation, national and local "
        "codes of conduct and any relevant Council policies and procedures.",
        ("1.3", "Stourdale Borough Council, Protocol on Member/Officer Relations, 1.3"),
        "",
    ),
    Foreign(
        "wenmouth_web", "Wenmouth City Council",
        ["1(1)", "1(2)", "1(3)", "2(1)", "2(2)", "2(3)", "2(4)", "3(1)", "3(2)", "4(1)", "4(2)", "4(3)", "4(4)"],
        ("IN THIS ARTICLE", "In this article", "Outlining the Member", "Was this page helpful", "Yes No",
         "Last updated"),
        "Members are elected and represent their constituents.",
        ("4(3)", "Wenmouth City Council, Protocol on Member/Officer Relations, 4(3)"),
        "",
    ),
    Foreign(
        "fenbury_parish", "Fenbury Parish Council",
        [],
        ("Page 1 of 2", "Page 2 of 2", "Adopted by", "Member/Officer Protocol –", "\uf0b7", "  "),
        "Any offer should be reported to the Clerk, who will record it in the register of gifts and hospitality "
        "kept for that purpose.",
        ("A councillor who is dissatisfied",
         'Fenbury Parish Council, Protocol on Member/Officer Relations, "Complaints", para 2'),
        "Protocol on Member/Officer Relations",
    ),
]
for _file, _label in (("llanfair_community", "Paragraph 1"), ("llanfair_community_numbered", "1)")):
    CASES.append(Foreign(
        _file, "Llanfair-yn-Neubwll Community Council",
        [str(n) for n in range(1, 17)],
        ("Mabwysiadwyd", "Adopted by", "Llofnod", "Signed", "Dyddiad", "....", "Paragraph ", f"\n{_label}"),
        "Neither Councillors nor staff should accept gifts or hospitality offered because of their position",
        ("4", "Llanfair-yn-Neubwll Community Council, Protocol on Member/Officer Relations, 4"),
        "Protocol on Member / Officer Relations",
    ))
CASES.append(Foreign(
    "harrowden_web", "Harrowden District Council",
    [],
    ("Back to top", "](", "https://", "#top", "Share this page", "Was this page", "Yes No", "Accessibility",
     "Skip to main", "Home >", "===", "---", "Last updated", "On this page"),
    "This protocol sets out how councillors and officers of Harrowden District Council work together.",
    ("If you want an officer",
     'Harrowden District Council, Protocol on Member/Officer Relations, "Asking officers to do things", para 2'),
    "Member and officer protocol",
))
CASES.append(Foreign(
    "snoring_parish_ocr", "Great Snoring Parish Council",
    ["1.1", "1.2", "2.1", "2.2", "2.3", "3.1", "3.2", "4.1", "4.2", "4.3", "4.4", "5.1", "6.1", "6.2", "7.1",
     "7.2", "7.3", "8.1"],
    ("- 2 -", "2 -", "5 -", "Great Snoring Parish Council -", "CONTENTS", "....", "Adopted at", "Signed", "\no ",
     "3.l"),
    "No individual Councillor, and this includes the Chairman, may give an instruction to the Clerk.",
    ("3.1", "Great Snoring Parish Council, Protocol on Member/Officer Relations, 3.1"),
    "PROTOCOL FOR MEMBER / OFFICER RELATIONS",
))
CASES.append(Foreign(
    "northshire_county", "Northshire County Council",
    [f"B{s}.{n}" for s, last in ((1, 3), (2, 1), (3, 3)) for n in range(1, last + 1)]
    + ["5B.4", "B4.1", "B4.2", "B4.3", "B5.1", "B5.2", "B6.1", "B6.2", "B7.1", "B7.2", "B7.3", "B7.4", "B8.1"],
    ("Page 1", "Part 5B –", "Northshire County Council Constitution", "___", "See Part 5A of this",
     "Section 5 of the Local Government and Housing Act 1989.\n", "regard to the Protocol on Member Comm",
     "paragraph 14"),
    "Officers will not provide the press with information about Members except through the Communications "
    "Team, and with the approval of the relevant Chief Officer.",
    ("B7.2", "Northshire County Council, Protocol on Member/Officer Relations, B7.2"),
    "Section 5B – Protocol on Member/Officer Relations",
))
CASES.append(Foreign(
    "little_harwell_parish", "Little Harwell Parish Council",
    [f"{section}({n})" for section, last in zip("ABCDEFG", (3, 3, 3, 2, 2, 2, 4), strict=True)
     for n in ("i", "ii", "iii", "iv")[:last]],
    ("LITTLE HARWELL PARISH COUNCIL", "PROTOCOL FOR COUNCILLOR", "B. THE ROLE", "PURPOSE AND SCOPE", "\ni. ",
     "VERSION CONTROL", "Minute ref", "First adopted", "14/05/2019"),
    "The Clerk is the Proper Officer of the Council and is employed by the Council as a whole.",
    ("B(ii)", "Little Harwell Parish Council, Protocol on Member/Officer Relations, B(ii)"),
    "PROTOCOL FOR COUNCILLOR AND CLERK RELATIONS",
))
CASES.append(Foreign(
    "ashcombe_town_pandoc", "Ashcombe Town Council",
    ["1(1)", "1(2)", "2.1", "2.2", "5(1)", "5(2)", "7(1)", "7(2)"],
    ("Adopted:", "Review date", "Signed", "....", "](", "https://", "**", "## "),
    "It forms part of the Council's Standing Orders and should be read with the Code of Conduct.",
    ("5(1)", "Ashcombe Town Council, Protocol on Member/Officer Relations, 5(1)"),
    "Member/Officer Protocol",
))
CASES.append(Foreign(
    "kingsmere_town_email", "Kingsmere Town Council",
    ["1.1", "1.2", "2.1", "2.2", "2.3", "3.1", "3.2", "3.3", "4.1", "4.2", "5.1", "5.2", "6.1", "6.2", "7.1", "7.2",
     "7.3", "7.4"],
    ("Subject:", "From:", "clerk@", "Dear all", "Please find below", "Kind regards", "Sarah", "This email and any",
     "Approved by", "\n– "),
    "Officers must not accept gifts or hospitality from councillors – other than modest refreshments at a Council "
    "event – and must record any offer in the gifts and hospitality register.",
    ("3.2", "Kingsmere Town Council, Protocol on Member/Officer Relations, 3.2"),
    "Member and Officer Relations Protocol",
))
IDS = [case.file for case in CASES]


def source(case: Foreign) -> str:
    return (FOREIGN / f"{case.file}.txt").read_text(encoding="utf-8")


def parse(text: str) -> tuple[list[Clause], tuple[str, ...], tuple[str, ...]]:
    return parse_clauses(text, council="foreign")


def find(clauses: list[Clause], which: str) -> Clause:
    return next(c for c in clauses if c.number == which or (c.number is None and c.text.startswith(which)))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_numbers_are_as_printed(case: Foreign) -> None:
    clauses, _, _ = parse(source(case))
    assert [c.number for c in clauses if c.number] == case.numbers
    assert len({c.clause_id for c in clauses}) == len(clauses)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_page_furniture_is_in_no_clause(case: Foreign) -> None:
    clauses, _, _ = parse(source(case))
    for clause in clauses:
        for words in case.furniture:
            assert words not in clause.text, (clause.clause_id, words)
            assert all(words not in heading for heading in clause.heading_path), (clause.clause_id, words)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_sentence_broken_by_the_layout_reads_whole(case: Foreign) -> None:
    clauses, _, _ = parse(source(case))
    assert sum(1 for c in clauses if case.whole in c.text) == 1


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_citation_people_can_check(case: Foreign) -> None:
    clauses, _, _ = parse(source(case))
    which, citation = case.cited
    meta = DocumentMeta(council="foreign", council_name=case.name, title="Protocol on Member/Officer Relations")
    assert cite(find(clauses, which), meta) == citation


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_title_is_the_documents_own(case: Foreign) -> None:
    _, titles, _ = parse(source(case))
    assert (titles[-1] if titles else "") == case.title


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_offsets_point_at_the_clause_in_the_source(case: Foreign) -> None:
    text = source(case)
    for clause in parse(text)[0]:
        first = clause.text.split()[0].lstrip("“\"'(")
        assert first in text[clause.offset : clause.offset + 200], clause.clause_id


def _clause_keys(text: str) -> list[tuple[str | None, tuple[str, ...], str]]:
    return [(c.number, c.heading_path, c.text) for c in parse(text)[0]]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_same_words_saved_another_way_parse_alike(case: Foreign) -> None:
    """Windows line ends, a blank line after every line (some PDF viewers), no form feeds."""
    text = source(case)
    expected = _clause_keys(text)
    assert _clause_keys(text.replace("\n", "\r\n")) == expected
    assert _clause_keys(text.replace("\n", "\n\n")) == expected
    assert _clause_keys(text.replace("\f", "")) == expected


def test_one_paragraph_per_line_without_blank_lines_is_read_as_paragraphs() -> None:
    """Word's 'Save as Plain Text' writes each paragraph as one long line and no blank lines between them."""
    case = CASES[IDS.index("stourdale_moderngov")]
    text = source(case)
    assert _clause_keys(re.sub(r"\n[ \t\xa0]*\n+", "\n", text)) == _clause_keys(text)


def test_pdf_numbers_on_their_own_lines_and_headings_without_blank_lines() -> None:
    clauses, _, set_aside = parse(source(CASES[0]))
    by_number = {c.number: c for c in clauses}
    assert by_number["8.48"].heading_path == ("Introduction",)
    assert by_number["8.51"].heading_path == ("Roles of Members and employees",)
    assert by_number["8.61"].heading_path == ("Members’ access to information",)  # 8.60 is a title, not a clause
    assert by_number["8.55"].text.startswith("Close personal familiarity between individual Members and employees "
                                             "can damage")  # a full line after the number is the clause's own
    assert "indispensable to one another" in by_number["8.51"].text
    assert "in implementing its policies" in by_number["8.52"].text
    assert by_number["8.63"].text.splitlines()[1:] == [
        "(a) disclose confidential information;", "(b) act in breach of their contract of employment; or",
        "(c) act contrary to the Employees’ Code of Conduct."]
    assert set_aside.count("Last updated: May 2023") == 3  # the footer on every page, the first one too


def test_section_titles_without_a_full_stop_and_items_after_a_lead_in() -> None:
    clauses, _, set_aside = parse(source(CASES[1]))
    by_number = {c.number: c for c in clauses}
    assert by_number["1.1"].heading_path == ("Purpose",)
    assert by_number["4.1"].heading_path == ("The role of the Clerk and other employees",)
    assert by_number["3.4"].text.splitlines() == [
        "Individual councillors are not authorised to instruct employees other than:",
        "i. through the formal decision-making process of the Council;",
        "ii. through a committee or working group with delegated powers; or",
        "iii. in an emergency, through the Chairman acting under the Scheme of Delegation."]
    assert "Adopted by Ashby Parva Parish Council on 14 March 2023 (Minute 23/041)." in set_aside
    assert clauses[-1].number == "7.1"


def test_unnumbered_document_cites_headings_and_paragraphs() -> None:
    clauses, _, _ = parse(source(CASES[2]))
    assert all(c.number is None for c in clauses)
    assert [c.para for c in clauses if c.heading_path == ("The role of councillors",)] == [1, 2, 3]
    clerk = find(clauses, "The Town Clerk will:")
    assert clerk.text.splitlines()[1:] == [
        "give impartial advice to the Council and its committees;",
        "prepare agendas and minutes and issue summonses to meetings;",
        "manage the Council’s officers and its contractors; and",
        "act as the Responsible Financial Officer unless another officer is appointed."]
    assert "prove embarrassing to others" in find(clauses, "Councillors and officers should treat").text


def test_lettered_paragraphs_are_clauses_and_roman_items_stay_in_theirs() -> None:
    clauses, _, _ = parse(source(CASES[3]))
    by_number = {c.number: c for c in clauses}
    assert by_number["2(i)"].text.startswith("Members should respect")  # (i) after (h) is a letter, not a numeral
    assert by_number["3(b)"].text.splitlines()[1:] == [
        "(i) the information is exempt within the meaning of Schedule 12A to the Local Government Act 1972;",
        "(ii) the document discloses advice given by a political group; or",
        "(iii) the Member has a disclosable pecuniary interest in the matter to which the document relates."]
    assert by_number["2(a)"].heading_path == ("General Points",)


def test_clauses_run_together_on_one_line_are_parted() -> None:
    clauses, _, _ = parse(source(CASES[4]))
    by_number = {c.number: c for c in clauses}
    assert by_number["1.2"].text.endswith("very high standards of personal conduct.")
    assert by_number["2.1"].heading_path == ("Roles of members and officers",)
    text = "1.1 First rule.\n\n1.2 Second rule, see 4.2 Below. 1.3 Third rule.\n\n1.4 Fourth.\n"
    assert [c.number for c in parse(text)[0]] == ["1.1", "1.2", "1.3", "1.4"]
    assert "see 4.2 Below" in parse(text)[0][1].text  # only the next number parts a line


def test_bracketed_numbers_under_numbered_titles() -> None:
    clauses, _, set_aside = parse(source(CASES[5]))
    by_number = {c.number: c for c in clauses}
    assert by_number["1(1)"].heading_path == ("The Respective Roles of Members and Officers",)
    assert by_number["2(4)"].text.count("\n") == 3  # lead-in and its three bullets
    assert "Outlining the Member / Officer Protocol" in set_aside


def test_numbers_that_lost_their_space_and_capitals_headings_between_them() -> None:
    """Copied from a web page: '1.Members should ...' under one-word capitals headings."""
    text = ("PROTOCOL ON MEMBER-OFFICER RELATIONS\n\nThis protocol guides Members and Officers.\n\nSELFLESSNESS\n\n"
            "1.Members should serve only the public interest.\n\nOBJECTIVITY\n\n2.Members should make decisions "
            "on merit.\n\nLEADERSHIP\n\n3.Members should promote these principles by example.\n")
    clauses = parse(text)[0]
    assert [(c.number, c.heading_path) for c in clauses if c.number] == [
        ("1", ("Selflessness",)), ("2", ("Objectivity",)), ("3", ("Leadership",))]
    assert clauses[1].text == "Members should serve only the public interest."


FENBURY_PARAGRAPHS = [
    ("Introduction", "This protocol sets out"), ("Introduction", "The protocol should be read"),
    ("Introduction", "In this protocol “employee”"),
    ("Roles of councillors", "Councillors are elected"), ("Roles of councillors", "Decisions are made"),
    ("Roles of councillors", "Councillors should not involve"),
    ("The role of the Clerk", "The Clerk is the Proper Officer"), ("The role of the Clerk", "The Clerk will:"),
    ("The role of the Clerk", "The Clerk may delegate"),
    ("Working relationships", "Councillors and employees should"), ("Working relationships", "A councillor should"),
    ("Working relationships", "Close personal familiarity"),
    ("Gifts and hospitality", "Employees must not accept"),
    ("Contact outside working hours", "Councillors should contact"),
    ("Complaints", "An employee who is concerned"), ("Complaints", "A councillor who is dissatisfied"),
    ("Complaints", "If the matter cannot be resolved"), ("Complaints", "Nothing in this protocol"),
]


def test_hard_wrapped_paragraphs_without_blank_lines_part_where_a_reader_parts_them() -> None:
    """Every paragraph is found by its first-line indent, however far its last line ran; a sentence ending at
    the line end inside a paragraph does not part it."""
    clauses, _, _ = parse(source(CASES[IDS.index("fenbury_parish")]))
    assert len(clauses) == len(FENBURY_PARAGRAPHS)
    for clause, (heading, start) in zip(clauses, FENBURY_PARAGRAPHS, strict=True):
        assert clause.heading_path == (heading,) and clause.text.startswith(start), clause.clause_id
    clerk = find(clauses, "The Clerk is the Proper Officer")
    assert "line managed by the Clerk alone. The Chair of the Staffing Committee acts" in clerk.text
    assert find(clauses, "The Clerk will:").text.count("\n") == 3
    assert find(clauses, "Close personal familiarity").text.endswith("alike at all times.")  # a heading follows


def test_without_indents_a_line_with_room_for_the_next_word_ends_its_paragraph() -> None:
    """The same page with its indents lost (plain PDF text): a paragraph ends where its last line had room for
    the next word, measured on the document's own wraps, even a line of 75-78 characters against 74-86 full
    ones. Where the last line is as full as a wrapped one nothing on the page tells the two apart, and the
    paragraphs stay together: sentences are never cut, and the sentence inside a paragraph stays whole."""
    indented = parse(source(CASES[IDS.index("fenbury_parish")]))[0]
    clauses = parse(re.sub(r"(?m)^[ \t]+", "", source(CASES[IDS.index("fenbury_parish")])))[0]
    for start in ("In this protocol “employee”", "A councillor who is dissatisfied",  # after lines of 77, 78
                  "If the matter cannot",  # and 75 characters, which had room for 'In', 'A', 'If'
                  "Councillors are elected", "The Clerk may delegate"):
        assert any(c.text.startswith(start) for c in clauses), start
    assert "line managed by the Clerk alone. The Chair of the Staffing Committee acts" in find(
        clauses, "The Clerk is the Proper Officer").text
    for paragraph in indented:
        assert sum(1 for c in clauses if paragraph.text in c.text) == 1, paragraph.text[:40]


def _line(text: str, indent: int = 0) -> Line:
    return Line(text=text, offset=0, index=0, indent=indent)


WRAP = WrapMeasure(width=72, room=75)
FULL = "Members are responsible to the electorate and serve their term of office."  # 73 characters
LONG = "Members are responsible to the electorate and serve the whole Council."  # 70 characters


@pytest.mark.parametrize(("line", "nxt", "ends"), [
    (_line("It should be avoided."), _line("Officers serve the Council."), True),
    (_line(LONG), _line("If a Member ..."), True),  # 70 + 1 + 2 < 75: 'If' had room
    (_line(FULL), _line("The Chair of the Committee ..."), False),  # a full line: the sentence wrapped
    (_line(LONG), _line("Notwithstanding ..."), False),  # that word would not have fitted
    (_line(FULL), _line("The Chair of the Committee ...", indent=4), True),  # first-line indent
    (_line("It should be avoided."), _line("and it should ..."), False),
    (_line("Members must not instruct:"), _line("Officers ..."), False),  # a lead-in keeps its list
    (_line("the work of an Officer,"), _line("Officers ..."), False),
])
def test_a_paragraph_ends_where_the_line_was_ended_not_wrapped(line: Line, nxt: Line, ends: bool) -> None:
    assert WRAP.ends_paragraph(line, nxt) is ends


def test_numbers_hanging_in_the_margin_are_no_first_line_indents() -> None:
    """Layout-keeping PDF text of a numbered constitution: the text indented under the number throughout."""
    rows = [("8.48", "This Protocol guides Members and employees of the Council in all dealings."),
            ("", "Employees means all staff employed by the Council, including the Chief"),
            ("", "Executive, the Monitoring Officer and the Chief Finance Officer."),
            ("8.49", "Given the variety and complexity of such relations, this Protocol does"),
            ("", "not seek to be either prescriptive or comprehensive. It offers guidance"),
            ("", "on some of the issues which most commonly arise in the work of Members."),
            ("8.50", "The Protocol should be read together with the Members' Code of Conduct,"),
            ("", "the Employees' Code of Conduct and the Council's Whistleblowing Policy."),
            ("8.51", "Members and employees are servants of the public and they depend on"),
            ("", "one another, but their responsibilities are distinct.")]
    text = "Introduction\n" + "".join(f"{number:<7}{words}\n" for number, words in rows)
    clauses = parse(text)[0]
    assert [c.number for c in clauses] == ["8.48", "8.49", "8.50", "8.51"]
    assert "\n" not in clauses[0].text and "in all dealings. Employees means" in clauses[0].text


def test_the_room_is_measured_on_the_documents_own_mid_sentence_wraps() -> None:
    """Marchfield's full lines hold 65-74 characters; a footer breaking a sentence does not count as a wrap."""
    marchfield = measure_wrap(split_lines(source(CASES[0])))
    assert 70 <= (marchfield.room or 0) <= 75
    assert measure_wrap(split_lines("Title\n\nOne short line.\n")).room is None  # nothing to measure


def test_numbered_clause_paragraphs_stay_with_their_number() -> None:
    """An unnumbered paragraph between 1.1 and 1.2 is 1.1's second paragraph, blank line or not; one after a
    section's last clause (a closing note) keeps its own citation."""
    wrapped = ("Protocol on Member/Officer Relations\nIntroduction\n"
               "1.1 This protocol guides Members and Officers of the Council in their dealings\n"
               "with one another and applies to every committee and working group.\n"  # 66 characters, then 'It'

               "It also applies to co-opted members of the Council's committees.\n"
               "1.2 Members and Officers should treat one another with courtesy and respect\n"
               "at all times, in meetings, in writing and when they speak to the press.\n"
               "1.3 A Member must not instruct an Officer or ask an Officer to act improperly\n"
               "or outside the Officer's normal duties and hours of work.\n"
               "Complaints\n"
               "2.1 A Member who has a concern about an Officer should raise it with the\n"
               "Chief Executive, and not with the Officer directly or in public.\n"
               "Thanks are due to Wenmouth City Council for the use of its protocol.\n")
    for text in (wrapped, wrapped.replace("\n", "\n\n")):
        clauses = parse(text)[0]
        assert [c.number for c in clauses] == ["1.1", "1.2", "1.3", "2.1", None]
        assert clauses[0].text.splitlines()[1] == "It also applies to co-opted members of the Council's committees."
        assert (clauses[-1].heading_path, clauses[-1].para) == (("Complaints",), 1)


@pytest.mark.parametrize("left,right,joined", [
    ("they are indispen-", "sable to one another", "they are indispensable to one another"),
    ("through the formal decision-", "making process", "through the formal decision-making process"),
    ("to co-", "operate fully", "to co-operate fully"),
    ("the Town", "Clerk will", "the Town Clerk will"),
])
def test_words_hyphenated_at_a_line_end(left: str, right: str, joined: str) -> None:
    assert join_wrapped(left, right, frozenset({"decision-making"})) == joined


# The command line, end to end, with the fake embedder: wiring and parsing, not answer quality.

QUESTIONS = [
    ("marchfield_district", "can I instruct an employee?", "8.58"),
    ("marchfield_district", "should employees attend political group meetings before an election?", "8.65"),
    ("ashby_parva_parish", "am I authorised to instruct employees?", "3.4"),
    ("ashby_parva_parish", "I have a concern about my employment, who do I raise it with?", "5.4"),
    ("kingsbridge_town", "who may speak to the press?", "Communication and the media"),
    ("kingsbridge_town", "I am concerned about the work of an officer, what should I do?",
     "When things go wrong > Procedure for councillors"),
    ("hollingbourne_borough", "can I inspect council documents?", "3(b)"),
    ("hollingbourne_borough", "can a member instruct an officer?", "2(d)"),
    ("stourdale_moderngov", "can members give instructions to officers without being authorised?", "2.4"),
    ("wenmouth_web", "can I criticise an officer on social media?", "2(4)"),
    ("fenbury_parish", "can councillors give gifts or hospitality to employees?", "Gifts and hospitality"),
]


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, object]]]:
    """Every fixture added with ``council add`` to a fresh home, then all questions asked in one batch."""
    from adapters.cli.main import main

    home = tmp_path_factory.mktemp("foreign-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PROTOCOL_BOT_HOME", str(home))
        patch.setenv("PROTOCOL_BOT_EMBEDDER", "hash")
        for case in CASES:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                code = main(["council", "add", _slug(case), str(FOREIGN / f"{case.file}.txt"), "--name", case.name])
            assert code == 0, case.file
        rows = [{"id": str(n), "council": _slug(next(c for c in CASES if c.file == file)), "question": question}
                for n, (file, question, _) in enumerate(QUESTIONS)]
        lines = "\n".join(json.dumps(r) for r in rows).encode("utf-8")
        patch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(lines), encoding="utf-8"))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["ask", "--json", "-"]) == 0
    yield {row["id"]: row for row in map(json.loads, out.getvalue().splitlines())}


def _slug(case: Foreign) -> str:
    first = case.file.split("_")[0]
    same = [c for c in CASES if c.file.split("_")[0] == first]
    return first if same[0] is case else f"{first}{same.index(case) + 1}"


@pytest.mark.parametrize("n", range(len(QUESTIONS)), ids=[q[1] for q in QUESTIONS])
def test_a_question_finds_its_clause(answers: dict[str, dict[str, object]], n: int) -> None:
    _, _, expected = QUESTIONS[n]
    answer = answers[str(n)]
    assert answer["abstained"] is False
    passages = answer["passages"]
    assert isinstance(passages, list)
    top = [p["number"] or p["heading"] for p in passages[:3]]
    assert expected in top
    for passage in passages:
        assert "Page " not in passage["text"] and "...." not in passage["text"]


@pytest.mark.parametrize(("printed", "cited"), [
    ("PROTOCOL ON MEMBER/OFFICER RELATIONS", "Protocol on Member/Officer Relations"),
    ("COUNCILLOR'S AND EMPLOYEE PROTOCOL", "Councillor's and Employee Protocol"),
    ("Protocol for Member-Officer Relations", "Protocol for Member-Officer Relations"),  # as printed
])
def test_a_title_printed_in_capitals_is_cited_in_title_case(printed: str, cited: str) -> None:
    from knowledge.documents import readable_title

    assert readable_title(printed) == cited


def test_bracketed_lettered_and_roman_items_are_cited_by_their_printed_marker() -> None:
    from knowledge.segments import split_segments

    clauses, _, _ = parse_clauses((FOREIGN / "marchfield_district.txt").read_text(encoding="utf-8"),
                                  council="marchfield", source_name="marchfield_district.txt")
    roles = next(c for c in clauses if c.number == "8.52")
    items = {s.item: s.text for s in split_segments(roles.text) if s.item}
    assert items["b"].startswith("(b) to monitor and review the performance of the Council")
    meta = DocumentMeta(council="marchfield", council_name="Marchfield District Council", title="Protocol")
    assert cite(roles, meta, item="b").endswith(", 8.52(b)")
    romans = [s.item for s in split_segments("Councillors may instruct employees only:\ni. through the Council;\n"
                                             "ii. through a committee; or\niii. in an emergency.")]
    assert romans == [None, "i", "ii", "iii"]


def _foreign(file: str) -> list[Clause]:
    return parse_clauses((FOREIGN / file).read_text(encoding="utf-8"), council="foreign", source_name=file)[0]


def test_a_numbered_lead_in_is_the_clauses_own_words_not_a_heading() -> None:
    """'2.2 Councillors should:' then bullets: the quote says who should; 2.3 keeps its section's heading."""
    clauses = _foreign("snoring_parish_ocr.txt")
    should = find(clauses, "2.2")
    assert should.title is None
    assert should.heading_path == ("Role of councillors",)
    assert should.text.startswith("Councillors should:\nattend meetings of the Council")
    assert find(clauses, "2.3").heading_path == ("Role of councillors",)


def test_a_one_word_numbered_title_before_lettered_sentences_stays_a_heading() -> None:
    text = ("1. Groups\n\n1.1 Groups may meet officers when the Chief Executive agrees to it.\n\n"
            "1.2 Reports:\na Groups may ask for reports.\nb Reports state facts only.\n\n"
            "1.3 Officers will not attend party meetings or advise on party business.\n")
    reports = find(parse(text)[0], "1.2")
    assert reports.title == "Reports"
    assert reports.heading_path == ("Groups", "Reports")


def test_page_numbers_printed_between_dashes_are_no_bullets() -> None:
    clauses, titles, set_aside = parse_clauses(
        (FOREIGN / "snoring_parish_ocr.txt").read_text(encoding="utf-8"), council="foreign")
    assert "- 2 -" in set_aside
    assert all(not re.search(r"(^|\n)\d+ -$|\d -$", c.text) for c in clauses)
    assert titles[-1] == "PROTOCOL FOR MEMBER / OFFICER RELATIONS"  # the next page's running header is no title


def test_numbered_steps_after_a_lead_in_are_items_of_its_paragraph() -> None:
    """'you should:' then '1. contact ...', '2. say ...': the page has no clause 1; the steps are the lead-in's."""
    from knowledge.segments import split_segments

    clauses = _foreign("harrowden_web.txt")
    assert not any(c.number for c in clauses)
    steps = find(clauses, "If you want an officer to do something")
    assert steps.text.startswith("If you want an officer to do something, you should:\n1. contact the relevant")
    assert "\n2. say what you need and by when\n3. copy in" in steps.text
    assert [s.item for s in split_segments(steps.text) if s.item] == ["1", "2", "3"]


def test_numbered_steps_inside_a_numbered_clause_stay_in_it() -> None:
    text = ("1. Requests\n\n1.1 A councillor who wants work done should:\n1. ask the service manager;\n"
            "2. say when it is needed; and\n3. copy in the ward members.\n\n"
            "1.2 Managers reply within ten working days of the request.\n\n"
            "1.3 Urgent requests go to the director, who decides what is done.\n")
    clauses = parse(text)[0]
    assert [c.number for c in clauses] == ["1.1", "1.2", "1.3"]
    assert find(clauses, "1.1").text.endswith("\n1. ask the service manager;\n2. say when it is needed; and\n"
                                              "3. copy in the ward members.")


def test_printed_item_markers_are_quoted_as_printed() -> None:
    text = ("1. Roles\n\n1.1 Members will:\n(a) Members set policy;\n(b) Members represent residents.\n\n"
            "1.2 Officers will:\n(i) give advice;\n(ii) carry out decisions.\n\n"
            "1.3 Both work to the Code of Conduct.\n")
    clauses = parse(text)[0]
    assert find(clauses, "1.1").text == "Members will:\n(a) Members set policy;\n(b) Members represent residents."
    assert find(clauses, "1.2").text == "Officers will:\n(i) give advice;\n(ii) carry out decisions."


def test_paragraph_numbers_printed_as_words_or_with_a_bracket_are_clause_numbers() -> None:
    """'Paragraph 3' on its own line (a bilingual Welsh council), '4) The role ...': clauses 3 and 4, as printed."""
    for file in ("llanfair_community.txt", "llanfair_community_numbered.txt"):
        clauses = _foreign(file)
        role = find(clauses, "4")
        assert role.heading_path == ("Rolau / Roles",), file
        assert role.text.startswith("The role of the Clerk is:\n(i) to give impartial advice"), file
        assert find(clauses, "1").heading_path == ("Cyflwyniad / Introduction",), file
        assert all("Paragraph" not in heading for c in clauses for heading in c.heading_path), file


def test_a_bilingual_adoption_record_and_signature_block_are_set_aside() -> None:
    clauses, _, set_aside = parse_clauses((FOREIGN / "llanfair_community.txt").read_text(encoding="utf-8"),
                                          council="foreign")
    assert any(line.startswith("Llofnod / Signed:") for line in set_aside)
    assert find(clauses, "16").text == "This Protocol will be reviewed every two years, or sooner if the law changes."


def test_underlined_headings_head_their_sections_and_nest() -> None:
    """'Introduction' over '------------': a heading, not the first words of the paragraph under it."""
    clauses = _foreign("harrowden_web.txt")
    intro = find(clauses, "This protocol sets out how councillors")
    assert intro.heading_path == ("Introduction",)
    assert find(clauses, "Officers give professional advice").heading_path == ("Officers' advice",)
    assert find(clauses, "If you are unhappy").heading_path == ("When things go wrong", "If you're a councillor")
    assert not any(c.text.startswith(("Introduction ", "Principles ", "Media ")) for c in clauses)


def test_a_rule_between_blank_lines_is_still_a_page_break() -> None:
    text = ("Officers\n\nOfficers serve the whole council and give advice to all members,\n\n---\n\n"
            "whatever their party, without fear or favour.\n")
    clauses = parse(text)[0]
    assert [c.text for c in clauses] == ["Officers serve the whole council and give advice to all members, "
                                         "whatever their party, without fear or favour."]


def test_a_saved_web_page_keeps_its_links_words_and_loses_its_chrome() -> None:
    clauses = _foreign("harrowden_web.txt")
    intro = find(clauses, "This protocol sets out")
    assert "It forms part of our constitution (Part 5, section C) and should be read with the Members' Code" \
        in intro.text
    assert not any(c.text in ("Back to top", "Yes No") or c.text.startswith(("Share this", "(c) Harrowden"))
                   for c in clauses)
    assert [c.text for c in clauses if "(c)" in c.text] == []


def test_a_lower_case_o_printed_as_a_bullet_is_no_word_of_the_item() -> None:
    duties = find(_foreign("snoring_parish_ocr.txt"), "3.2")
    assert duties.text.split("\n")[1:] == [
        "giving advice on the law and procedure to the Council;",
        "preparing, issuing and publishing agendas and minutes;",
        "keeping the accounts and the Council's records;",
        "acting on decisions of the Council.",
    ]


def test_an_ocr_l_in_a_clause_number_reads_as_1_and_nowhere_else() -> None:
    clauses = _foreign("snoring_parish_ocr.txt")
    clerk = find(clauses, "3.1")
    assert clerk.heading_path == ("Role of the clerk",)
    assert clerk.text.startswith("The Clerk is the Proper Officer of the Council")
    assert "(see paragraph 7.l above" in find(clauses, "7.3").text  # quoted as printed


_PROHIBITIONS = """Protocol

Conduct

Members and Officers must treat each other with respect.

Members should not:

({a})   give instructions to any Officer, other than through the
      Chief Executive;

({b})   ask an Officer to undertake work of a party political nature;
      or

({c})   raise matters relating to an Officer in public.

Complaints

Complaints go to the Chief Executive.
"""


@pytest.mark.parametrize("markers", [("a", "b", "c"), ("i", "ii", "iii")])
def test_blank_lines_between_items_do_not_part_them_from_their_lead_in(markers: tuple[str, ...]) -> None:
    a, b, c = markers
    clauses = parse(_PROHIBITIONS.format(a=a, b=b, c=c))[0]
    rule = find(clauses, "Members should not:")
    assert rule.heading_path == ("Conduct",)
    assert rule.text.split("\n") == [
        "Members should not:",
        f"({a}) give instructions to any Officer, other than through the Chief Executive;",
        f"({b}) ask an Officer to undertake work of a party political nature; or",
        f"({c}) raise matters relating to an Officer in public.",
    ]
    assert [cl.text[:10] for cl in clauses] == ["Members an", "Members sh", "Complaints"]


def test_numbered_steps_after_a_lead_in_stay_its_items_across_blank_lines() -> None:
    text = "Officers\n\nOfficers should:\n\n1.   give advice;\n\n2.   keep records; and\n\n3.   report to the Clerk.\n"
    clauses = parse(text)[0]
    assert [cl.text for cl in clauses] == [
        "Officers should:\n1. give advice;\n2. keep records; and\n3. report to the Clerk."]


def test_a_step_after_a_nested_list_stays_in_its_clause() -> None:
    text = ("## 2. Roles\n\n### 2.2 The role of the Clerk\n\nThe Clerk is responsible\nfor:\n\n"
            "1.  advising the Council;\n\n2.  managing the staff, including:\n\n"
            "    a.  allocating work;\n\n    b.  dealing with staff welfare in the first\n        instance;\n\n"
            "3.  carrying out the decisions of the Council.\n\n## 3. Staff\n\nStaff are employed by the Council.\n")
    clauses = parse(text)[0]
    duties = find(clauses, "The Clerk is responsible for:")
    assert duties.text.split("\n")[1:] == [
        "1. advising the Council;", "2. managing the staff, including:", "a. allocating work;",
        "b. dealing with staff welfare in the first instance;", "3. carrying out the decisions of the Council."]
    assert len(clauses) == 2


def test_letter_prefixed_numbers_sections_and_a_prohibition_kept_whole() -> None:
    clauses, _, set_aside = parse(source(CASES[IDS.index("northshire_county")]))
    rule = find(clauses, "5B.4")
    assert rule.heading_path == ("Roles of Members and Officers",)
    assert rule.text.startswith("Members should not:\n(a) give instructions")
    assert "(b) ask an Officer to undertake work of a party political nature; or" in rule.text
    assert find(clauses, "B3.1").heading_path == ("Roles of Members and Officers",)
    assert find(clauses, "B6.1").heading_path == ("The Press and Publicity",)
    assert "1 See Part 5A of this Constitution." in set_aside
    assert not any(c.text.startswith(("1 See", "2 Members", "3 See", "Northshire")) for c in clauses)


def test_lettered_sections_and_roman_paragraphs() -> None:
    clauses, titles, _ = parse(source(CASES[IDS.index("little_harwell_parish")]))
    assert titles == ("LITTLE HARWELL PARISH COUNCIL", "PROTOCOL FOR COUNCILLOR AND CLERK RELATIONS")
    duties = find(clauses, "B(ii)")
    assert duties.heading_path == ("The role of the clerk",)
    assert duties.text.split("\n")[0] == "The Clerk will:"
    assert duties.text.split("\n")[-1] == "(d) keep the Council's records and accounts."
    assert find(clauses, "G(iv)").heading_path == ("Concerns and complaints",)
    assert find(clauses, "A(i)").text.startswith("This protocol describes how councillors")
    assert clauses[-1].number == "G(iv)"  # the version table after it is a record, set aside


def test_lists_numbered_afresh_under_numbered_headings_are_cited_by_section() -> None:
    clauses, _, _ = parse(source(CASES[IDS.index("ashcombe_town_pandoc")]))
    press = find(clauses, "5(1)")
    assert press.heading_path == ("5 Press and social media",)
    assert press.text.startswith("Only the Town Clerk and the Chair may speak to the press")
    assert find(clauses, "7(2)").heading_path == ("7 When things go wrong",)
    assert find(clauses, "Staff must not accept gifts").heading_path == ("6 Gifts and hospitality",)
    clerk = find(clauses, "2.2")
    assert clerk.heading_path == ("2 Roles", "2.2 The role of the Town Clerk")
    assert clerk.text.split("\n")[-1] == "3. carrying out the decisions of the Council."
    assert not any(c.number in ("1", "2", "3") for c in clauses)


def test_an_email_wrapper_is_set_aside_and_the_protocol_kept() -> None:
    clauses, titles, set_aside = parse(source(CASES[IDS.index("kingsmere_town_email")]))
    assert titles == ("KINGSMERE TOWN COUNCIL", "Member and Officer Relations Protocol")
    assert {"Dear all,", "Kind regards,", "Sarah"} <= set(set_aside)
    assert any(line.startswith("This email and any attachments are confidential") for line in set_aside)
    assert find(clauses, "2.2").text.split("\n")[1:] == [
        "advising the Council on lawful decision-making;", "managing and directing all other staff;",
        "implementing the Council’s decisions."]
    assert find(clauses, "1.1").heading_path == ("Introduction",)


def test_a_protocol_that_mentions_emails_keeps_its_words() -> None:
    text = ("Protocol\n\n1. Email\n\n1.1 Councillors should copy the Clerk into emails to staff.\n\n"
            "1.2 This email address is confidential and intended only for the Clerk's use, so do not share it.\n\n"
            "1.3 Kind regards are not needed.\n")
    clauses = parse(text)[0]
    assert [c.number for c in clauses] == ["1.1", "1.2", "1.3"]
