"""Scenarios through the in-memory adapter: the real Dialogue, store and retrieval (fake embedder only)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from adapters.memory import MemoryAdapter
from bot.commands import Command
from bot.context import Turn
from bot.dialogue import TRY_AGAIN, Dialogue
from bot.flowhooks import FlowRegistry
from bot.messages import Reply, Text, Visibility, say
from bot.middleware import RateLimit
from bot.people import Member, can, role_in_text
from bot.qa import QaService
from bot.roster import parse_role_command
from bot.store import Store
from config.councils import Binding, load_profile
from tests.databases import pg_schema

QUESTION = "must councillors respect the impartiality of officers?"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def dialogue(qa: QaService, store: Store, clock: Clock) -> Dialogue:
    made = Dialogue(qa, store, rate_limit=RateLimit(clock=clock))
    await made.start()
    return made


@pytest.fixture
def chat(dialogue: Dialogue) -> MemoryAdapter:
    return MemoryAdapter(dialogue)


@pytest.fixture
def terminal(dialogue: Dialogue) -> MemoryAdapter:
    """The sample roster's handles are terminal user names (config/councils/wendlebury.yaml)."""
    return MemoryAdapter(dialogue, platform="terminal")


def kinds(replies: list[Reply]) -> list[str]:
    return [r.kind for r in replies]


def said(replies: list[Reply]) -> str:
    return "\n".join(r.plain() for r in replies)


async def test_stranger_in_dm_is_asked_for_council_once_then_answered(chat: MemoryAdapter, store: Store) -> None:
    roster_before = await store.members.of_council("ledbury")
    first = await chat.push(QUESTION)
    assert kinds(first) == ["ask_council"] and "Ledbury Town Council" in [b.label for b in first[0].buttons]
    chosen = await chat.press(first[0], "Ledbury Town Council")
    assert kinds(chosen) == ["council", "answer"]
    assert "Council: Ledbury Town Council" in said(chosen)
    assert "Ledbury Town Council, Protocol on Member/Officer" in said(chosen)
    again = await chat.push("who do councillors talk to about staff?")
    assert kinds(again) == ["answer"]  # remembered: not asked twice
    assert await store.members.of_council("ledbury") == roster_before  # answering a stranger changes no roster


async def test_council_choice_survives_a_restart(qa: QaService, store: Store, chat: MemoryAdapter) -> None:
    await chat.push("/council honiton")
    restarted = MemoryAdapter(Dialogue(qa, store))
    assert kinds(await restarted.push(QUESTION)) == ["answer"]
    assert restarted.pop().meta["council"] == "honiton"


async def test_not_a_council_is_asked_again_not_answered(chat: MemoryAdapter) -> None:
    await chat.push("/start")
    assert kinds(await chat.push("narnia")) == ["ask_council"]
    assert kinds(await chat.push("blaby")) == ["council"]


async def test_roster_member_answered_for_own_council_with_role_header(terminal: MemoryAdapter) -> None:
    replies = await terminal.push(QUESTION, user="okafor")
    assert kinds(replies) == ["answer"] and replies[0].meta["council"] == "wendlebury"
    header = replies[0].blocks[0]
    assert isinstance(header, Text) and header.text.startswith("As a councillor, this applies to you:")


async def test_no_role_header_for_strangers_or_other_councils(chat: MemoryAdapter, terminal: MemoryAdapter) -> None:
    await chat.push("/council wendlebury")
    stranger = await chat.push(QUESTION)
    assert kinds(stranger) == ["answer"] and not said(stranger).startswith("As ")
    await terminal.push("/council ledbury", user="okafor")
    elsewhere = await terminal.push(QUESTION, user="okafor")
    assert elsewhere[0].meta["council"] == "ledbury" and not said(elsewhere).startswith("As ")


async def test_whoami_names_member_and_roles(terminal: MemoryAdapter) -> None:
    replies = await terminal.push("/whoami", user="hollins")
    assert "Cllr Gareth Hollins (councillor, committee chair (Planning)) of wendlebury" in said(replies)
    assert "not on a council roster" in said(await terminal.push("/whoami", user="nobody"))


async def test_every_answer_can_be_rated_and_the_clerk_sees_it(terminal: MemoryAdapter, store: Store) -> None:
    answer = (await terminal.push(QUESTION, user="okafor"))[0]
    assert [b.label for b in answer.buttons] == ["Helpful", "Not helpful"]
    thanks = await terminal.press(answer, "Not helpful", user="okafor")
    assert thanks[0].visibility is Visibility.EPHEMERAL and "Thank you" in said(thanks)
    rated = await store.feedback.rated("wendlebury")
    assert [(f.question, f.helpful) for f in rated] == [(QUESTION, False)]
    assert " ".join(rated[0].clause_ids) == answer.meta["clauses"] and rated[0].clause_ids


async def test_duplicate_delivery_is_answered_once(chat: MemoryAdapter) -> None:
    message = chat.message("/council ledbury", message_id="slack-123")
    assert kinds(await chat.push(message)) == ["council"]
    assert await chat.push(message) == []


async def test_own_messages_are_ignored(chat: MemoryAdapter) -> None:
    assert await chat.push(chat.message(QUESTION, from_bot=True)) == []


async def test_flood_from_one_user_is_rate_limited_others_unaffected(chat: MemoryAdapter, clock: Clock) -> None:
    flood = [await chat.push("/whoami", user="spammer") for _ in range(10_000)]
    answered = [r for r in flood if kinds(r) == ["whoami"]]
    warned = [r for r in flood if kinds(r) == ["rate_limited"]]
    assert len(answered) == 10 and len(warned) == 1 and sum(1 for r in flood if r == []) == 9_989
    assert "please wait" in said(warned[0])
    assert kinds(await chat.push("/whoami", user="neighbour")) == ["whoami"]
    clock.now += 3.0
    assert kinds(await chat.push("/whoami", user="spammer")) == ["whoami"]


async def test_oversized_message_is_refused_politely(chat: MemoryAdapter) -> None:
    replies = await chat.push("why " * 5000)
    assert kinds(replies) == ["too_long"] and "20,000 characters" in said(replies)


async def test_unknown_command_suggests_help(chat: MemoryAdapter) -> None:
    assert said(await chat.push("/frobnicate now")) == "Unknown command /frobnicate. Try /help."


async def test_features_extend_the_command_table_and_permissions_hold(dialogue: Dialogue, terminal: MemoryAdapter,
                                                                       store: Store) -> None:
    async def announce(turn: Turn, args: str) -> list[Reply]:
        return [say(f"Queued for {turn.council}.", kind="broadcast")]

    dialogue.add_command(Command("announce", announce, "announce to every member", permission="broadcast"))
    assert "/announce - announce to every member" in said(await terminal.push("/help"))
    refused = await terminal.push("/announce the meeting moved", user="chair")
    assert kinds(refused) == ["refusal"] and "only for the Clerk" in said(refused)
    assert kinds(await terminal.push("/announce the meeting moved", user="deputy")) == ["refusal"]
    assert said(await terminal.push("/announce the meeting moved", user="clerk")) == "Queued for wendlebury."
    events = await store.audit.recent()
    refusals = [e for e in events if e.event == "command.refused"]
    assert len(refusals) == 2 and {e.ref for e in refusals} == {"announce"}
    assert not any("meeting" in str(value) for e in events for value in vars_of(e))


def vars_of(event: object) -> list[object]:
    return [getattr(event, name) for name in event.__dataclass_fields__]  # type: ignore[attr-defined]


async def test_grievance_in_a_group_is_offered_privately(chat: MemoryAdapter, store: Store) -> None:
    await store.bindings.sync_config("ledbury", [Binding(platform="memory", chat="parish-group")])
    replies = await chat.push("I want to raise a grievance about the clerk", user="u7", chat="parish-group",
                              kind="group")
    assert kinds(replies) == ["offer", "offer_note"]
    offer, note = replies
    assert offer.visibility is Visibility.DIRECT_MESSAGE and offer.target and offer.target.user_id == "u7"
    assert note.visibility is Visibility.EPHEMERAL and "clerk" not in said([note]).lower()
    pressed = await chat.press(offer, "Raise a grievance", user="u7", chat="dm-u7")
    assert kinds(pressed)[:2] == ["flow_intro", "route"]  # the grievance flow starts, in the DM
    assert "Ledbury Town Council, Protocol on Member/Officer Relations, 5.1" in said(pressed)


async def test_question_about_concerns_is_answered_offered_the_flow_and_not_kept(chat: MemoryAdapter,
                                                                                 store: Store) -> None:
    await chat.push("/council wendlebury")
    replies = await chat.push("how do I report a concern about Cllr Smith shouting at me?")
    assert kinds(replies) == ["answer", "offer"]
    await chat.press(replies[0], "Helpful")
    rated = await store.feedback.rated("wendlebury")
    assert len(rated) == 1 and "Smith" not in rated[0].question


class NoteFlow:
    """A minimal flow plugged in the way the flow engine will be: it takes free text until /cancel."""

    name = "concern"
    title = "Report a concern"

    async def start(self, turn: Turn) -> list[Reply]:
        await turn.save(flow=self.name, state={})  # a flow saves its own state when it starts
        return [say("What happened?", kind="flow")]

    async def step(self, turn: Turn) -> list[Reply] | None:
        if turn.incoming.text.startswith("/ask"):
            return None  # a question mid-flow is answered as usual
        notes = [*turn.conversation.state.get("notes", []), turn.incoming.text]
        await turn.save(flow=self.name, state={"notes": notes})
        return [say(f"Noted ({len(notes)}).", kind="flow")]

    async def reprompt(self, turn: Turn) -> list[Reply]:
        return [say("Anything else?", kind="flow")]


async def test_active_flow_takes_messages_questions_still_answered_cancel_ends_it(qa: QaService,
                                                                                   store: Store) -> None:
    chat = MemoryAdapter(Dialogue(qa, store, flows=FlowRegistry([NoteFlow()])))
    await chat.push("/council ledbury")
    offer = (await chat.push("I want to report a concern"))[0]
    assert said(await chat.press(offer, "Report a concern")) == "What happened?"
    assert said(await chat.push("the agenda was changed")) == "Noted (1)."
    assert kinds(await chat.push(f"/ask {QUESTION}")) == ["answer", "flow"]  # answered, then asked again
    assert said(await chat.push("and again")) == "Noted (2)."
    assert said(await chat.push("/cancel")) == "Cancelled."
    assert kinds(await chat.push(QUESTION)) == ["answer"]
    conversation = await store.conversations.load("memory", "dm-u1", "u1")
    assert conversation.flow is None and conversation.state == {}


async def test_database_failure_mid_conversation_asks_to_retry_and_nothing_is_lost(chat: MemoryAdapter,
                                                                                   store: Store) -> None:
    await chat.push("/council ledbury")
    async with store.database.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE conversations RENAME TO conversations_away"))
    message = chat.message(QUESTION, message_id="retry-me")
    assert said(await chat.push(message)) == TRY_AGAIN
    async with store.database.engine.begin() as connection:
        await connection.execute(text("ALTER TABLE conversations_away RENAME TO conversations"))
    assert kinds(await chat.push(message)) == ["answer"]  # the platform's retry is answered, not dropped


async def test_clerk_edits_roles_in_chat_and_the_change_survives_a_restart(qa: QaService, store: Store,
                                                                           terminal: MemoryAdapter) -> None:
    assert said(await terminal.push("/role add @newbie councillor", user="clerk")) == \
        "newbie (councillor) of wendlebury."
    assert "You are newbie (councillor) of wendlebury" in said(await terminal.push("/whoami", user="newbie"))
    assert kinds(await terminal.push("/role add @newbie clerk", user="chair")) == ["refusal"]
    assert said(await terminal.push("/role add okafor officer", user="clerk")) == \
        "Cllr Ruth Okafor (councillor, officer) of wendlebury."  # (a Vice-Chair would wait for the Chair)
    await Dialogue(qa, store).start()  # the roster file is synced again; the Clerk's change stands
    assert "(councillor, officer)" in said(await terminal.push("/whoami", user="okafor"))
    assert "no longer on the roster" in said(await terminal.push("/role remove newbie councillor", user="clerk"))
    assert "not on a council roster" in said(await terminal.push("/whoami", user="newbie"))
    roster = said(await terminal.push("/roster", user="chair"))
    assert "Margaret Ashdown (clerk, rfo)" in roster and "newbie" not in roster
    refused = await terminal.push("/roster", user="stranger")
    assert kinds(refused) == ["refusal"] and "people on the council's roster" in said(refused)
    changes = [e.ref or "" for e in await store.audit.recent() if e.event == "roles.changed"]
    assert len(changes) == 3 and changes[0].endswith(":-councillor")


def test_role_command_reads_platform_mentions() -> None:
    assert parse_role_command("add <@U123|bob> committee chair Planning") == (
        "add", "U123", "committee chair", "Planning")
    assert parse_role_command("remove @ann deputy clerk") == ("remove", "ann", "deputy clerk", None)
    assert parse_role_command("add @ann mayor") is None


async def test_workers_starting_together_migrate_and_sync_the_roster_once(qa: QaService) -> None:
    async with pg_schema() as (url, schema):
        stores = list(await asyncio.gather(*(Store.open(url, schema=schema) for _ in range(3))))
        try:
            await asyncio.gather(*(Dialogue(qa, s).start() for s in stores))
            names = [m.name for m in await stores[0].members.of_council("wendlebury")]
            assert sorted(names) == sorted(e.name for e in load_profile("wendlebury", qa.library.home).roster)
            assert (await stores[2].members.by_identity("terminal", "clerk")) is not None
        finally:
            for store in stores:
                await store.close()


@pytest.mark.parametrize(("clause", "expected"), [
    ("A Member must not instruct staff.", "councillor"),
    ("Councillors should respect impartiality.", "councillor"),
    ("Members of staff report to the Clerk.", None),
    ("Members of the public may attend.", None),
])
def test_role_header_only_where_the_clause_speaks_of_the_role(clause: str, expected: str | None) -> None:
    councillor = Member(1, "wendlebury", "Cllr Ruth Okafor", ("councillor",))
    assert role_in_text(councillor, clause) == expected


def test_only_the_clerk_administers_unless_the_profile_trusts_the_deputy() -> None:
    clerk = Member(1, "wendlebury", "A", ("clerk",))
    deputy = Member(2, "wendlebury", "B", ("deputy clerk",))
    chair = Member(3, "wendlebury", "C", ("councillor", "chair"))
    for action in ("roles", "publish", "broadcast"):
        assert can(clerk, action) and not can(deputy, action) and not can(chair, action) and not can(None, action)
        assert can(deputy, action, deputy_clerk_administers=True)
    assert can(chair, "roster") and not can(clerk, "launch missiles")


async def test_one_delivery_reaching_two_workers_at_once_is_answered_once(qa: QaService) -> None:
    async with pg_schema() as (url, schema):
        stores = list(await asyncio.gather(*(Store.open(url, schema=schema) for _ in range(2))))
        try:
            workers = [MemoryAdapter(Dialogue(qa, s)) for s in stores]
            await workers[0].push("/council ledbury")
            delivery = workers[0].message(QUESTION, message_id="slack-retry-1")
            results = await asyncio.gather(*(w.push(delivery) for w in workers))
            assert sorted(kinds(r) for r in results) == [[], ["answer"]]
        finally:
            for store in stores:
                await store.close()


async def test_a_council_is_chosen_by_its_name_as_well_as_its_slug(chat: MemoryAdapter) -> None:
    for user, (typed, named) in enumerate([("Honiton Town Council", "Honiton Town Council"),
                                           ("ledbury", "Ledbury Town Council"), ("wendlebury parish", "Wendlebury")]):
        replies = await chat.push(f"/council {typed}", user=f"someone-{user}")
        assert said(replies).startswith(f"Council: {named}"), said(replies)


@pytest.mark.parametrize("message", ["hello", "Hi there!", "good morning", "shwmae", "thanks!", "Cheers", "diolch"])
async def test_a_greeting_or_thanks_gets_a_friendly_word_not_a_quote(terminal: MemoryAdapter, message: str) -> None:
    replies = await terminal.push(message, user="okafor")
    assert kinds(replies) in (["greeting"], ["thanks"])
    assert "does not cover" not in replies[0].plain()


async def test_a_greeting_inside_a_question_is_still_answered(terminal: MemoryAdapter) -> None:
    replies = await terminal.push(f"hi, {QUESTION}", user="okafor")
    assert kinds(replies) == ["answer"]
