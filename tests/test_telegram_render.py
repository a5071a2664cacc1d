"""Rendering replies as Telegram HTML, callback data, and reading whether a group message is for the bot."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from telegram import Bot, Message

from adapters.telegram.keyboards import MAX_CALLBACK_BYTES, CallbackTooLong, decode, encode, keyboard
from adapters.telegram.render import LIMIT, length, render
from adapters.telegram.translate import from_message
from bot.messages import Action, Button, QuoteBlock, Reply, Text
from tests.telegram_fake import BOT, GROUP, TOKEN, Updates, person

CLAUSE = "Councillors must not instruct employees <directly> & must go through the Clerk. " * 12
CITATION = "Wendlebury Parish Council, Member/Officer Protocol, 5.2"


def quote(n: int, text: str = CLAUSE) -> QuoteBlock:
    return QuoteBlock(text, f"{CITATION} ({n})", f"wendlebury:{n}")


def balanced(html: str) -> bool:
    return html.count("<blockquote>") == html.count("</blockquote>") and html.count("<i>") == html.count("</i>")


def test_quotes_are_blockquotes_with_the_citation_beneath_and_text_escaped() -> None:
    [html] = render(Reply((Text("You asked: <script>alert(1)</script>"), quote(1, "a < b & c"))))
    assert html == ("You asked: &lt;script&gt;alert(1)&lt;/script&gt;\n\n"
                    f"<blockquote>a &lt; b &amp; c</blockquote>\n<i>{CITATION} (1)</i>")


def test_a_long_reply_is_split_between_clauses() -> None:
    reply = Reply((Text("Here is what the protocol says:"), *(quote(n) for n in range(8))))
    parts = render(reply)
    assert len(parts) > 1 and all(length(part) <= LIMIT for part in parts)
    assert all(balanced(part) for part in parts)
    assert sum(part.count("<blockquote>") for part in parts) == 8  # no clause was cut in two
    assert [int(n) for n in re.findall(r"\((\d)\)</i>", "".join(parts))] == list(range(8))


def test_one_clause_longer_than_a_message_is_cut_at_word_boundaries_each_part_quoted() -> None:
    huge = quote(1, " ".join(["clause"] * 2000) + " <end>")
    parts = render(Reply((huge,)))
    assert len(parts) > 1 and all(length(part) <= LIMIT and balanced(part) for part in parts)
    assert all(part.startswith("<blockquote>clause") for part in parts[:-1])
    assert parts[-1].endswith(f"&lt;end&gt;</blockquote>\n<i>{CITATION} (1)</i>")
    assert "clauseclause" not in "".join(parts) and "&lt;end&gt;" in parts[-1]


def test_length_counts_as_telegram_does() -> None:
    assert length("ab") == 2 and length("\U0001f600") == 2  # an emoji is two UTF-16 code units


def test_callback_data_round_trips_and_refuses_more_than_64_bytes() -> None:
    action = Action("feedback", "8HlYfKPkleoJaHlx:y")
    assert decode(encode(action)) == action
    assert decode("no-separator") is None and decode(None) is None
    with pytest.raises(CallbackTooLong):
        encode(Action("flow.start", "x" * MAX_CALLBACK_BYTES))
    markup = keyboard((Button("Helpful", action), Button("Too long", Action("flow.start", "x" * 80))))
    assert markup is not None and [[b.text for b in row] for row in markup.inline_keyboard] == [["Helpful"]]


def message(payload: dict[str, Any]) -> Message:
    found = Message.de_json(payload["message"], Bot(TOKEN))
    assert found is not None
    return found


def incoming_text(payload: dict[str, Any]) -> str | None:
    found = from_message(message(payload), bot_username=BOT["username"], bot_id=BOT["id"])
    return None if found is None else found.text


def test_what_the_bot_hears_in_a_group() -> None:
    updates, user, me = Updates(), person(1), f"@{BOT['username']}"
    assert incoming_text(updates.text(f"/ask@{BOT['username']} who?", user=user, chat=GROUP)) == "/ask who?"
    assert incoming_text(updates.text("/ask who?", user=user, chat=GROUP)) == "/ask who?"
    assert incoming_text(updates.text("/ask@OtherBot who?", user=user, chat=GROUP)) is None
    assert incoming_text(updates.text(f"{me}, who do I ask?", user=user, chat=GROUP, mention=me)) == "who do I ask?"
    assert incoming_text(updates.text(f"hey {me}", user=user, chat=GROUP, mention=me)) == "hey"
    assert incoming_text(updates.text(me, user=user, chat=GROUP, mention=me)) == "/help"
    assert incoming_text(updates.text("who do I ask?", user=user, chat=GROUP)) is None
    mine = {"message_id": 3, "date": int(time.time()), "chat": GROUP, "from": BOT, "text": "..."}
    assert incoming_text(updates.text("thanks, and?", user=user, chat=GROUP, reply_to=mine)) == "thanks, and?"
    theirs = {**mine, "from": person(2)}
    assert incoming_text(updates.text("thanks, and?", user=user, chat=GROUP, reply_to=theirs)) is None


def test_private_messages_deep_links_and_stable_ids() -> None:
    updates, user = Updates(), person(7)
    payload = updates.text("/start grievance", user=user)
    found = from_message(message(payload), bot_username=BOT["username"], bot_id=BOT["id"])
    assert found is not None and found.text == "/grievance" and found.chat_kind == "dm"
    assert found.message_id == f"7:{payload['message']['message_id']}" and found.user_id == "7"
    assert incoming_text(updates.text("/start", user=user)) == "/start"
    assert incoming_text(updates.text("/start elsewhere", user=user)) == "/start elsewhere"
    assert incoming_text(updates.text("plain question?", user=user)) == "plain question?"
