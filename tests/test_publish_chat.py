"""/publish, /broadcast, /acks and the buttons, through the real Dialogue and store (fake embedder; platforms in
memory), on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

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
    for platform, sender in senders.items():  # the reply names the platforms the notice really went to
        assert (platform in said(queued)) == bool(sender.sent), (platform, said(queued))


async def test_a_notice_names_only_platforms_members_are_on(terminal: MemoryAdapter, dialogue: Dialogue) -> None:
    dialogue.services.extras["delivery_platforms"] = ("slack", "telegram", "matrix")  # nobody is on matrix
    queued = await terminal.push("/broadcast Extra meeting on Thursday at 7pm.", user="clerk")
    assert said(queued).endswith("on slack, telegram."), said(queued)


async def test_a_version_that_breaks_a_routing_rule_is_refused_and_the_live_one_kept(
        terminal: MemoryAdapter, home: Path) -> None:
    without_51 = "\n".join(line for line in wendlebury_v2().split("\n") if not line.startswith("- 5.1."))
    renumbered = wendlebury_v2().replace("- 5.1.", "- 5.9.")
    for text in (without_51, renumbered):
        replies = await send_file(terminal, "/publish", text)
        assert [r.kind for r in replies] == ["publish_refused"] and replies[0].buttons == ()
        refused = said(replies)
        assert ("routing rule 'officer-about-a-councillor' cites clause 5.1, which version 2 does not have "
                "(removed or renumbered)") in refused
        assert "routing rules in the council profile (config/councils/wendlebury.yaml) must be updated first" in refused
        assert "The live version is unchanged" in refused
    assert live_version(home, "wendlebury") is None and not list(home.glob("councils/wendlebury/drafts/*.json"))
    assert (await terminal.push(QUESTION, user="okafor"))[0].kind == "answer"


async def test_rules_are_checked_again_when_publish_is_pressed(terminal: MemoryAdapter, home: Path) -> None:
    """The profile may change between the preview and the press: a rule citing a clause the version drops."""
    from config.settings import CONFIG_DIR

    preview = await send_file(terminal, "/publish", wendlebury_v2())  # 1.3 removed: no rule cites it yet
    assert [r.kind for r in preview] == ["publish_preview"]
    profile = yaml.safe_load((CONFIG_DIR / "councils" / "wendlebury.yaml").read_text(encoding="utf-8"))
    profile["routing"]["rules"][0]["clauses"].append("1.3")
    target = home / "councils" / "wendlebury" / "profile.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(profile), encoding="utf-8")
    refused = await terminal.press(preview[0], "Publish", user="clerk")
    assert [r.kind for r in refused] == ["publish_refused"]
    assert "routing rule 'councillor-about-the-clerk' cites clause 1.3, which version 2 does not have" in said(refused)
    assert "councils/wendlebury/profile.yaml) must be updated first" in said(refused)
    assert live_version(home, "wendlebury") is None


def age(files: list[Path], seconds: float) -> None:
    """As if ``seconds`` had passed since the files were written."""
    for path in files:
        written = path.stat().st_mtime - seconds
        os.utime(path, (written, written))


async def test_a_file_sent_first_is_previewed_by_publish_alone(terminal: MemoryAdapter, home: Path) -> None:
    kept = await send_file(terminal, "", wendlebury_v2())
    assert [r.kind for r in kept] == ["upload_kept"] and kept[0].buttons == ()
    assert said(kept) == ("Got protocol-v2.txt. Send /publish [VERSION] [NOTE] within 30 minutes to preview it as "
                          "the new version.")
    preview = await terminal.push("/publish 2026-11 Clause 5.2 now names the Chairman", user="clerk")
    assert [r.kind for r in preview] == ["publish_preview"] and "5.2 changed" in said(preview)
    assert "Preview: version 2026-11" in said(preview) and "Note: Clause 5.2 now names the Chairman" in said(preview)
    assert (await terminal.push("/publish", user="clerk"))[0].kind == "usage"  # the file was used by that preview
    published = await terminal.press(preview[0], "Publish", user="clerk")
    assert [r.kind for r in published] == ["published"] and live_version(home, "wendlebury") == "2026-11"


async def test_a_file_sent_first_waits_thirty_minutes(terminal: MemoryAdapter, home: Path) -> None:
    await send_file(terminal, "", wendlebury_v2())
    uploads = list(home.glob("councils/wendlebury/uploads/*.json"))
    assert len(uploads) == 1
    age(uploads, 31 * 60)
    late = await terminal.push("/publish", user="clerk")
    assert [r.kind for r in late] == ["usage"] and "then /publish within 30 minutes" in said(late)
    assert not uploads[0].exists()


async def test_files_from_anyone_else_or_in_a_group_are_not_kept(terminal: MemoryAdapter, home: Path) -> None:
    assert await send_file(terminal, "", wendlebury_v2(), user="okafor") == []  # a file alone: nothing to answer
    asked = await send_file(terminal, "must councillors respect the impartiality of officers?", wendlebury_v2(),
                            user="okafor")
    assert [r.kind for r in asked] == ["answer"]  # the question is answered; the file is not read
    in_group = dataclasses.replace(terminal.message("", user="clerk", chat="group-1", kind="group"),
                                   attachment=Attachment("protocol-v2.txt", wendlebury_v2()))
    assert await terminal.push(in_group) == []
    assert not list(home.glob("councils/wendlebury/uploads/*"))
    assert [r.kind for r in await terminal.push("/publish", user="okafor")] == ["refusal"]
    assert [r.kind for r in await terminal.push("/publish", user="clerk")] == ["usage"]


async def test_pressing_publish_on_a_day_old_preview_says_it_expired(terminal: MemoryAdapter, home: Path) -> None:
    preview = await send_file(terminal, "/publish", wendlebury_v2())
    drafts = list(home.glob("councils/wendlebury/drafts/*.json"))
    assert len(drafts) == 1
    age(drafts, 25 * 3600)
    expired = await terminal.press(preview[0], "Publish", user="clerk")
    assert [r.kind for r in expired] == ["publish_expired"]
    assert "That preview expired" in said(expired) and "Please send /publish again." in said(expired)
    assert live_version(home, "wendlebury") is None and not drafts[0].exists()


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
