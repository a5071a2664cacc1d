"""Issue 14, finding 10: routes when the protocol is silent, circular or names nobody who can receive a report.

Played through the in-memory adapter as a person would (real Dialogue, store, routing rules and case key; only the
embedder is fake). Each test asserts what the person sees: that nobody can receive it is said before any details
are asked for, routes that do not come from the protocol are labelled so, the Clerk is never suggested when the
Clerk is the subject, a route is never justified by another side's procedure and no next step repeats the first.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.memory import MemoryAdapter
from bot.messages import QuoteBlock, Reply
from bot.routing import load_book
from config.councils import load_profile
from config.routing import RoutingConfigError
from knowledge.embedding import HashEmbedder
from knowledge.library import Library

pytestmark = pytest.mark.usefixtures("case_key")

OUTSIDE = "Other routes (not from your council's protocol):"
PROTECT = "- Protect: the whistleblowing advice charity"
PROTECT_CONTACT = "protect-advice.org.uk, advice line 020 3117 2520"
ACAS = "- ACAS: free, impartial advice for employees and employers on workplace disputes and grievances. " \
       "Contact: acas.org.uk, helpline 0300 123 1100."
NO_DETAILS = "So I won't ask you for the details."
DETAILS_PROMPTS = ("Tell me what happened", "What happened?", "Would you like me to send a confidential report")


def said(replies: list[Reply]) -> str:
    return "\n".join(r.plain() for r in replies)


def quoted(replies: list[Reply]) -> set[str]:
    return {b.clause_id for r in replies for b in r.blocks if isinstance(b, QuoteBlock)}


async def press(chat: MemoryAdapter, replies: list[Reply], label: str, user: str) -> list[Reply]:
    return await chat.press([r for r in replies if r.buttons][-1], label, user=user, chat=f"dm-{user}")


async def concern(chat: MemoryAdapter, user: str, reporter: str, about: str, kind: str,
                  council: str | None = None) -> list[Reply]:
    if council is not None:
        await chat.push(f"/council {council}", user=user)
    replies = await chat.push("/report", user=user)
    shown = list(replies)
    for label in (reporter, about, kind):
        replies = await press(chat, replies, label, user)
        shown += replies
    return shown


async def grievance(chat: MemoryAdapter, user: str, about: str, council: str | None = None) -> list[Reply]:
    if council is not None:
        await chat.push(f"/council {council}", user=user)
    shown = await chat.push("/grievance", user=user)
    replies = await press(chat, shown, about, user)
    return shown + replies + await press(chat, replies, "No", user)


def asks_for_details(replies: list[Reply]) -> bool:
    return any(prompt in said(replies) for prompt in DETAILS_PROMPTS)


async def test_honiton_grievance_about_the_clerk_never_points_back_at_the_clerk(terminal: MemoryAdapter) -> None:
    replies = await grievance(terminal, "hon-officer", "The Clerk", council="honiton")
    text = said(replies)
    assert "Your council's protocol does not set out a grievance procedure." in text
    assert ("Your council's protocol does not name anyone to receive a grievance, so there is no one I can send it "
            f"to. {NO_DETAILS}") in text
    assert f"{OUTSIDE}\n{ACAS}" in text
    assert "You could ask the Mayor (not from the protocol: your council's own suggestion)." in text
    assert "Town Clerk" not in text and not asks_for_details(replies)
    assert replies[-1].kind == "route_no_recipient"


async def test_honiton_concern_about_the_clerk_says_so_plainly_and_labels_every_other_route(
        terminal: MemoryAdapter) -> None:
    replies = await concern(terminal, "hon-cllr", "A councillor", "The Clerk", "Conduct or behaviour",
                            council="honiton")
    text = said(replies)
    assert ("Your council's protocol does not say who this should go to. There is no one I can send a report to. "
            f"{NO_DETAILS}") in text
    assert f"{OUTSIDE}\n{ACAS}" in text and "Town Clerk" not in text and not asks_for_details(replies)
    assert not quoted(replies)  # nothing quoted as if the protocol said it


async def test_a_code_of_conduct_complaint_the_protocol_is_silent_on_gets_the_principal_authoritys_monitoring_officer(
        terminal: MemoryAdapter) -> None:
    replies = await concern(terminal, "hon-cllr", "A councillor", "A councillor", "A Code of Conduct breach",
                            council="honiton")
    assert (f"{OUTSIDE}\n- The Monitoring Officer of East Devon District Council: receives complaints that a "
            "councillor has broken the Code of Conduct. Contact: eastdevon.gov.uk.") in said(replies)


@pytest.mark.parametrize(("council", "about", "kind", "reason"), [
    ("blaby", "An officer or employee", "Conduct or behaviour",
     "Your council's protocol names the relevant Service Manager, but your council has not told me who that is, so I "
     "cannot send a report to them."),
    ("honiton", "The Chair", "Bullying or undue pressure",
     "Your council's protocol does not say who this should go to. There is no one I can send a report to."),
])
async def test_blaby_and_honiton_say_there_is_no_recipient_before_asking_for_details(
        terminal: MemoryAdapter, council: str, about: str, kind: str, reason: str) -> None:
    replies = await concern(terminal, f"visitor-{council}", "A councillor", about, kind, council=council)
    assert f"{reason} {NO_DETAILS}" in said(replies)
    assert not asks_for_details(replies) and "Nothing was sent" not in said(replies)
    after = await terminal.push("It happened on 3 March.", user=f"visitor-{council}")
    assert all(r.kind != "case_receipt" for r in after)  # the flow is over: the words are only a question now


@pytest.mark.parametrize("council", ["blaby", "honiton"])
async def test_blaby_and_honiton_grievances_stop_before_the_details(terminal: MemoryAdapter, council: str) -> None:
    replies = await grievance(terminal, f"officer-{council}", "A councillor", council=council)
    assert NO_DETAILS in said(replies) and OUTSIDE in said(replies)
    assert not asks_for_details(replies) and "Nothing was sent" not in said(replies)


async def test_a_wendlebury_officers_concern_about_a_councillor_is_never_justified_by_the_councillors_procedure(
        terminal: MemoryAdapter) -> None:
    replies = await concern(terminal, "deputy", "An officer or employee", "A councillor", "Conduct or behaviour")
    text = said(replies)
    assert "wendlebury:5.1" in quoted(replies) and "wendlebury:5.2" not in quoted(replies)
    assert "Staffing Committee" not in text
    assert ("Your council's protocol names the Grievance Procedure but not who receives it, so there is no one I can "
            f"send a report to. {NO_DETAILS}") in text
    assert f"{OUTSIDE}\n{ACAS}" in text
    assert "Monitoring Officer of Cherwell" not in text  # 5.1, quoted, already names the Monitoring Officer
    assert not asks_for_details(replies)


async def test_a_wendlebury_grievance_is_not_sent_to_the_staffing_chair_on_the_strength_of_5_2(
        terminal: MemoryAdapter) -> None:
    replies = await grievance(terminal, "deputy", "A councillor")
    assert "wendlebury:5.2" not in quoted(replies) and "Staffing Committee" not in said(replies)
    assert NO_DETAILS in said(replies) and not asks_for_details(replies)
    assert not [r for r in replies if r.kind == "case_notice"]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    library = Library(tmp_path_factory.mktemp("silent-home"), HashEmbedder())
    library.load_all()
    return library


def write_routing(home: Path, council: str, routing: str) -> None:
    folder = home / "councils" / council
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profile.yaml").write_text(f"council: {council}\nrouting:\n{routing}", encoding="utf-8")


def test_a_clause_printed_as_the_councillors_procedure_cannot_route_an_officers_report(
        library: Library, tmp_path: Path) -> None:
    write_routing(tmp_path, "wendlebury", "  personnel:\n    recipient: the Chairman of the Staffing Committee\n"
                                          "    holder: {role: committee chair, committee: Staffing}\n"
                                          "    clauses: [\"5.2\"]\n")
    with pytest.raises(RoutingConfigError) as caught:
        load_book("wendlebury", library.council("wendlebury"), load_profile("wendlebury", tmp_path), tmp_path)
    assert ("routing rule 'personnel': 'the Chairman of the Staffing Committee' is named only in 5.2, printed as "
            "another side's procedure, so it cannot route a officer's concern") in str(caught.value)


def test_a_next_step_that_is_the_first_step_again_is_refused(library: Library, tmp_path: Path) -> None:
    sentence = ("Complaints about Officers or Council services should be made initially to the relevant Service "
                "Manager, Chief Executive, Monitoring Officer or Chief Finance Officer as appropriate.")
    write_routing(tmp_path, "blaby", "  rules:\n    - id: again\n      recipient: the relevant Service Manager\n"
                                     "      clauses: [\"blaby:constructive-criticisms-and-complaints/complaints:p1\"]\n"
                                     f"      next_steps: [\"{sentence}\"]\n")
    with pytest.raises(RoutingConfigError, match="names the recipient itself: it is the first step"):
        load_book("blaby", library.council("blaby"), load_profile("blaby", tmp_path), tmp_path)


async def test_blabys_route_never_shows_the_same_sentence_twice(terminal: MemoryAdapter) -> None:
    replies = await concern(terminal, "visitor-blaby", "A councillor", "An officer or employee",
                            "Conduct or behaviour", council="blaby")
    route = next(r for r in replies if r.kind == "route")
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n", route.plain().replace('"', "")) if len(s) > 30]
    assert sentences and len(sentences) == len(set(sentences))
    assert "If that does not resolve it" not in route.plain()


STAFF = {"wendlebury": "deputy", "ledbury": "led-officer", "cheshire": None, "honiton": None}


@pytest.mark.parametrize("council", sorted(STAFF))
async def test_staff_whose_protocol_has_no_whistleblowing_route_are_offered_protect(
        terminal: MemoryAdapter, council: str) -> None:
    user = STAFF[council] or f"officer-{council}"
    replies = await concern(terminal, user, "An officer or employee", "A councillor", "Fraud or corruption",
                            council=None if STAFF[council] else council)
    text = said(replies)
    assert OUTSIDE in text and PROTECT in text and PROTECT_CONTACT in text
    assert text.index(OUTSIDE) < text.index(PROTECT)  # listed under the label, never quoted as the protocol
    assert not asks_for_details(replies)


async def test_blaby_staff_get_protect_from_their_own_protocol_not_as_an_outside_route(
        terminal: MemoryAdapter) -> None:
    replies = await concern(terminal, "officer-blaby", "An officer or employee", "A councillor", "Fraud or corruption",
                            council="blaby")
    text = said(replies)
    assert "Further advice or guidance can be obtained from: Protect - Telephone 020 3117 2520" in text
    assert PROTECT not in text  # the protocol names it: not relabelled as ours
    assert "your council has not told me who that is" in text and not asks_for_details(replies)
