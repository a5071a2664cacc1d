"""/publish, /broadcast, /acks and the buttons, through the real Dialogue and store (fake embedder; platforms in
memory), on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.memory import MemoryAdapter
from bot.broadcasts.sending import MemorySender
from bot.broadcasts.settings import Pacing
from bot.broadcasts.worker import OutboxWorker, WorkerOptions
from bot.dialogue import Dialogue
from bot.messages import Attachment, Reply
from bot.middleware import RateLimit
from bot.qa import QaService
from bot.store import Store
from knowledge.documents import BUNDLED_DIR
from knowledge.embedding import HashEmbedder
from knowledge.library import Library
from knowledge.versions import live_version
from tests.databases import BACKENDS, open_store

QUESTION = "who should a councillor raise concerns about an officer with?"
PACE = {"slack": Pacing(overall=5000, per_chat=5000), "telegram": Pacing(overall=5000, per_chat=5000)}
FAST = WorkerOptions(backoff=0.01, idle_poll=0.02)


def wendlebury_v2() -> str:
    """5.2 reworded (a routing rule cites it), 1.3 removed, 5.3 added."""
    lines = (BUNDLED_DIR / "wendlebury" / "protocol.txt").read_text(encoding="utf-8").split("\n")
    lines = [line for line in lines if not line.startswith("- 1.3.")]
    at = next(i for i, line in enumerate(lines) if line.startswith("- 5.2."))
    lines[at] = lines[at].replace("should be raised with the Parish Clerk.", "should be raised with the Chairman.")
    lines.insert(at + 1, "- 5.3. **Review** This protocol will be reviewed by the Council every two years.")
    return "\n".join(lines)


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with open_store(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture
async def dialogue(home: Path, store: Store) -> Dialogue:
    made = Dialogue(QaService(Library(home, HashEmbedder(), reload_every=0)), store,
                    rate_limit=RateLimit(clock=lambda: 0.0))
    await made.start()
    made.services.extras["delivery_platforms"] = ("slack", "telegram")
    for handle, platform, user in [("clerk", "slack", "UCLERK"), ("okafor", "slack", "UOKAFOR"),
                                   ("okafor", "telegram", "1001"), ("chair", "telegram", "1002")]:
        member = await store.members.by_identity("terminal", handle)
        assert member is not None
        await store.members.link(member.id, platform, user)
    return made


@pytest.fixture
def terminal(dialogue: Dialogue) -> MemoryAdapter:
    return MemoryAdapter(dialogue, platform="terminal")


async def send_file(chat: MemoryAdapter, command: str, text: str, *, user: str = "clerk") -> list[Reply]:
    incoming = dataclasses.replace(chat.message(command, user=user), attachment=Attachment("protocol-v2.txt", text))
    return await chat.push(incoming)


def said(replies: list[Reply]) -> str:
    return "\n".join(r.plain() for r in replies)


async def test_only_the_clerk_can_publish_or_broadcast(terminal: MemoryAdapter, store: Store, home: Path) -> None:
    refused = [await send_file(terminal, "/publish", wendlebury_v2(), user="okafor"),
               await terminal.push("/broadcast the meeting is moved", user="okafor"),
               await terminal.push("/acks", user="chair")]
    assert [r[0].kind for r in refused] == ["refusal"] * 3
    assert "only for the Clerk" in said(refused[0])
    preview = await send_file(terminal, "/publish", wendlebury_v2())
    forged = await terminal.press(preview[0], "Publish", user="okafor")  # a button is not a command: checked too
    assert [r.kind for r in forged] == ["refusal"] and live_version(home, "wendlebury") is None
    events = [(e.event, e.ref) for e in await store.audit.recent()]
    assert ("command.refused", "publish") in events and ("command.refused", "broadcast") in events
    assert ("command.refused", "acks") in events and ("action.refused", "publish.confirm") in events
    assert await store.broadcasts.latest("wendlebury", needs_ack=False) is None


async def test_preview_publish_broadcast_acknowledge(terminal: MemoryAdapter, dialogue: Dialogue,
                                                     store: Store) -> None:
    preview = await send_file(terminal, "/publish 2 Clause 5.2 now names the Chairman", wendlebury_v2())
    text = said(preview)
    assert [r.kind for r in preview] == ["publish_preview"] and [b.label for b in preview[0].buttons] == [
        "Publish", "Cancel"]
    assert "1 changed, 1 added, 1 removed" in text
    assert "5.2 changed\n  was: " in text and "raised with the Parish Clerk." in text
    assert "  now: " in text and "raised with the Chairman." in text
    assert "5.3 added" in text and "1.3 removed" in text
    assert "rule 'councillor-about-an-officer' cites 5.2, which is changed" in text
    before = await terminal.push(QUESTION, user="okafor")
    assert before[0].meta["version"] == ""  # nothing published yet

    published = await terminal.press(preview[0], "Publish", user="clerk")
    assert [r.kind for r in published] == ["published"] and "4 message(s)" in said(published)
    after = await terminal.push(QUESTION, user="okafor")
    assert after[0].meta["version"] == "2"

    senders = {"slack": MemorySender("slack"), "telegram": MemorySender("telegram")}
    await OutboxWorker(store, senders, pacing=PACE, options=FAST).drain(timeout=30)
    on_slack, on_telegram = senders["slack"].to("UOKAFOR"), senders["telegram"].to("1001")
    assert len(on_slack) == len(on_telegram) == 1  # linked on both: receives on both
    message = on_slack[0].plain()
    assert "published version 2" in message and "Changed: 5.2. It now reads:" in message
    assert "Wendlebury Parish Council, Member/Officer Protocol, 5.2" in message
    assert "From the Clerk: Clause 5.2 now names the Chairman" in message

    slack = MemoryAdapter(dialogue, platform="slack")
    telegram = MemoryAdapter(dialogue, platform="telegram")
    first = await slack.press(on_slack[0], "Acknowledge", user="UOKAFOR")
    again = await telegram.press(on_telegram[0], "Acknowledge", user="1001")
    assert "Thank you" in said(first) and "already acknowledged" in said(again)
    acks = said(await terminal.push("/acks", user="clerk"))
    assert "Acknowledged (1):\n  Cllr Ruth Okafor" in acks
    assert "Not yet (2):\n  Cllr Priya Nandakumar\n  Margaret Ashdown" in acks
    assert said(await terminal.press(preview[0], "Publish", user="clerk")).startswith("That preview was already")


async def test_malformed_upload_leaves_the_live_version_answering(terminal: MemoryAdapter, home: Path) -> None:
    replies = await send_file(terminal, "/publish", "Minutes of the meeting of 3 March.")
    assert [r.kind for r in replies] == ["publish_refused"]
    assert "Nothing was published" in said(replies) and "live version is unchanged" in said(replies)
    assert live_version(home, "wendlebury") is None
    assert (await terminal.push(QUESTION, user="okafor"))[0].kind == "answer"
    assert (await terminal.push("/publish", user="clerk"))[0].kind == "usage"  # no file attached


async def test_cancel_publishes_nothing(terminal: MemoryAdapter, home: Path) -> None:
    preview = await send_file(terminal, "/publish", wendlebury_v2())
    cancelled = await terminal.press(preview[0], "Cancel", user="clerk")
    assert [r.kind for r in cancelled] == ["publish_cancelled"]
    assert said(await terminal.press(preview[0], "Publish", user="clerk")).startswith("That preview was already")
    assert live_version(home, "wendlebury") is None


async def test_broadcast_notice_reaches_linked_members(terminal: MemoryAdapter, store: Store) -> None:
    queued = await terminal.push("/broadcast Extra meeting on Thursday at 7pm.", user="clerk")
    assert [r.kind for r in queued] == ["broadcast_queued"] and "4 message(s)" in said(queued)
    senders = {"slack": MemorySender("slack"), "telegram": MemorySender("telegram")}
    await OutboxWorker(store, senders, pacing=PACE, options=FAST).drain(timeout=30)
    got = senders["telegram"].to("1002")
    assert len(got) == 1 and "Extra meeting on Thursday at 7pm." in got[0].plain() and got[0].buttons == ()


async def test_preview_warns_of_routing_rules_the_new_version_breaks(terminal: MemoryAdapter) -> None:
    fine = said(await send_file(terminal, "/publish", wendlebury_v2()))
    assert "no longer match" not in fine
    without_51 = "\n".join(line for line in wendlebury_v2().split("\n") if not line.startswith("- 5.1."))
    broken = said(await send_file(terminal, "/publish", without_51))
    assert "rule 'officer-about-a-councillor' cites 5.1, which is removed" in broken
    assert "no longer match it" in broken and "routing rule 'officer-about-a-councillor' cites clause '5.1'" in broken


async def test_broadcast_also_goes_to_the_councils_announcement_channels(home: Path, store: Store) -> None:
    from config.settings import CONFIG_DIR

    profile = home / "councils" / "wendlebury" / "profile.yaml"
    profile.parent.mkdir(parents=True, exist_ok=True)
    channels = "\nannouncements:\n  - {platform: slack, chat: CANNOUNCE}\n  - {platform: telegram, chat: -100777}\n"
    profile.write_text((CONFIG_DIR / "councils" / "wendlebury.yaml").read_text(encoding="utf-8") + channels,
                       encoding="utf-8")
    dialogue = Dialogue(QaService(Library(home, HashEmbedder(), reload_every=0)), store,
                        rate_limit=RateLimit(clock=lambda: 0.0))
    await dialogue.start()
    dialogue.services.extras["delivery_platforms"] = ("slack", "telegram")
    terminal = MemoryAdapter(dialogue, platform="terminal")
    queued = await terminal.push("/broadcast The office is closed on Friday.", user="clerk")
    assert "2 message(s)" in said(queued)  # nobody is linked on Slack or Telegram here: the two channels only
    senders = {"slack": MemorySender("slack"), "telegram": MemorySender("telegram")}
    await OutboxWorker(store, senders, pacing=PACE, options=FAST).drain(timeout=30)
    assert "The office is closed on Friday." in senders["slack"].to("CANNOUNCE")[0].plain()
    assert "The office is closed on Friday." in senders["telegram"].to("-100777")[0].plain()
