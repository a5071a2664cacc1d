"""How an answer leads: a verbatim sentence that answers, never a bare lead-in."""

from __future__ import annotations

from bot.answers import short_answer
from knowledge.segments import split_segments

ROLES = ("The role of Members is:\n(a) to determine the policy of the Council;\n(b) to monitor and review the "
         "performance of the Council;\n(c) to represent the Council externally.")


def pick(text: str, starting: str) -> str:
    best = next(s for s in split_segments(text) if s.text.startswith(starting))
    return short_answer(text, best)


def test_a_list_item_keeps_the_lead_in_it_completes() -> None:
    assert pick(ROLES, "(b)") == "The role of Members is: ... (b) to monitor and review the performance of the Council;"
    assert pick(ROLES, "(a)") == "The role of Members is: (a) to determine the policy of the Council;"


def test_a_sentence_leads_on_its_own() -> None:
    text = "Councillors should not instruct staff. The Clerk manages them."
    assert pick(text, "The Clerk") == "The Clerk manages them."


def test_items_without_a_lead_in_lead_on_their_own() -> None:
    text = "Officers will always:\nact lawfully.\nbe courteous."
    plain = "Officers serve the council.\nThey act lawfully.\nThey are courteous."
    assert pick(text, "be courteous") == "Officers will always: ... be courteous."
    assert pick(plain, "They are") == "They are courteous."


def test_a_sentence_that_points_back_leads_with_the_one_it_points_at() -> None:
    text = ("Members and Officers should at all times avoid any situation which can give rise to suspicion. "
            "This includes excessive socialising between employees and individual Councillors.")
    assert pick(text, "This includes") == text
    assert pick(text, "Members and") == "Members and Officers should at all times avoid any situation which can give " \
        "rise to suspicion."
    other_paragraph = "Officers serve the council.\nThese duties are set by law."
    assert pick(other_paragraph, "These duties") == "These duties are set by law."


def test_a_table_row_leads_under_its_header_row() -> None:
    table = ("| If you are... | and your concern is about... | raise it with... |\n"
             "| a councillor | the Deputy Clerk | the Town Clerk |\n"
             "| a councillor | the Town Clerk | the Chair of the Staffing Committee |")
    header = "| If you are... | and your concern is about... | raise it with... |"
    assert pick(table, "| a councillor | the Town Clerk") == \
        f"{header} ... | a councillor | the Town Clerk | the Chair of the Staffing Committee |"
    assert pick(table, "| a councillor | the Deputy") == \
        f"{header} | a councillor | the Deputy Clerk | the Town Clerk |"


def test_a_table_row_after_a_lead_in_sentence_still_leads_under_the_header_row() -> None:
    table = ("The table below shows who to contact first.\n| Issue | First contact |\n"
             "| Press enquiry | Corporate Communications Unit |\n| Data breach | Data Protection Officer |")
    assert pick(table, "| Data breach") == "| Issue | First contact | ... | Data breach | Data Protection Officer |"
    assert pick(table, "| Issue") == "| Issue | First contact |"
