"""The Bolt app: each listener acknowledges, translates, asks the dialogue, and delivers. Nothing else.

    app_mention (channels)  -> answered in the thread of the question
    message.im              -> answered in the DM
    either, with a file and ``/publish``  -> the file downloaded into ``Incoming.attachment`` (``files.py``)
    a DM with one text file and no command, from someone who may publish -> downloaded too (kept for /publish)
    /protocol ...           -> acknowledged at once (Slack allows 3 s), answered through its response URL;
                               ``/protocol NAME ARGS`` runs a command when ARGS are what it takes (``bot.slash``)
    /publish [VERSION] [NOTE] -> the same, as the dialogue's /publish (for a file shared just before)
    block_actions           -> the pressed buttons replaced by the choice (chat.update), then the dialogue;
                               a rating pressed by anyone but the person it was for is refused, privately
    app_home_opened         -> views.publish: what the bot does, the person's council and role

A command is always answered: when the dialogue has nothing to say (the rest of a flood past the per-person
limit), the asker is told to wait. ``/role add|remove PERSON`` reaches the dialogue with PERSON as a Slack user id
(``mentions.py``), or is refused here. Command text arrives escaped (``should_escape: true``) and is unescaped like
any message.

Bolt verifies request signatures and timestamps (HTTP) and drops the bot's own events. Events are
acknowledged by Bolt before the listener runs unless ``process_before_response`` (kept for tests and
function-as-a-service hosts).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import events, files, mentions
from adapters.slack.blocks import ACTION_PREFIX, render
from adapters.slack.delivery import FAILURES, Delivery
from adapters.slack.handover import Handover
from adapters.slack.hints import Hints
from adapters.slack.mrkdwn import from_slack
from bot import feedback, home, slash
from bot.dialogue import Dialogue
from bot.messages import Incoming, Reply, Target, Text, Visibility, say
from bot.publish import uploads

log = logging.getLogger(__name__)
COMMAND = "/protocol"
PUBLISH_COMMAND = "/publish"
"""Slack's own slash command for the Clerk: a slash command cannot carry a file, so it previews the file the Clerk
shared with the bot just before (``bot.publish.uploads``)."""
MAX_HOME_BLOCKS = 100
ATTACHING = re.compile(r"^/publish(?:@\S+)?(?:\s|$)", re.IGNORECASE)
"""Commands whose message's file is downloaded for the dialogue; any other file is left alone."""
REFUSALS_KEPT = 256
ASKER_ONLY = {feedback.ACTION: "Only the person who asked can rate this."}
"""Button actions only the person a message was for may press, and what anyone else is told."""
NOTHING_TO_SAY = ("I have no answer for that just now. If you have sent me a lot in a short time, please wait a "
                  "minute and try again.")
HOW_TO_ASK = ("Mention me in a channel and I answer in the thread; send me a direct message; or use "
              f"{COMMAND} QUESTION. {COMMAND} report or {COMMAND} grievance continues in private, in our DM. "
              f"{COMMAND} help lists the commands, and {COMMAND} followed by one runs it (e.g. {COMMAND} whoami).")


class SlackBot:
    """One Bolt ``AsyncApp`` driving one ``Dialogue``."""

    def __init__(self, dialogue: Dialogue, client: AsyncWebClient, *, signing_secret: str = "",
                 process_before_response: bool = False, command: str = COMMAND) -> None:
        self.dialogue = dialogue
        self.client = client
        self.signing_secret = signing_secret
        self.hints = Hints([c.name for c in dialogue.commands.all()], command=command)
        self.delivery = Delivery(client, handover=Handover(dialogue.store), hints=self.hints)
        self.app = AsyncApp(client=client, signing_secret=signing_secret,
                            process_before_response=process_before_response)
        self._busy: set[asyncio.Task[Any]] = set()
        self._refused: OrderedDict[str, None] = OrderedDict()
        self.app.event("app_mention")(self._on_mention)
        self.app.event("message")(self._on_message)
        self.app.event("app_home_opened")(self._on_home)
        self.app.command(command)(self._on_command)
        self.app.command(PUBLISH_COMMAND)(self._on_publish)
        self.app.action(re.compile(rf"^{ACTION_PREFIX}:"))(self._on_action)

    async def settled(self) -> None:
        """Wait until every message being handled has been answered (graceful shutdown; tests)."""
        for _ in range(5):  # Bolt starts listeners as tasks after acknowledging: let them begin first
            await asyncio.sleep(0)
        while self._busy:
            await asyncio.gather(*self._busy, return_exceptions=True)
            await asyncio.sleep(0)

    def _track(self) -> None:
        task = asyncio.current_task()
        if task is not None and task not in self._busy:
            self._busy.add(task)
            task.add_done_callback(self._busy.discard)

    async def _answer(self, incoming: Incoming, origin: events.Origin) -> None:
        resolved = await self._resolve_person(incoming)
        if isinstance(resolved, Reply):
            await self.delivery.deliver([resolved], origin)
            return
        replies = await self.dialogue.handle(resolved)
        await self.delivery.deliver(replies, origin)

    async def _on_mention(self, event: Mapping[str, Any], body: Mapping[str, Any], context: AsyncBoltContext) -> None:
        self._track()
        if not events.is_person_message(event):
            return
        await self._answer_message(event, body, context)

    async def _on_message(self, event: Mapping[str, Any], body: Mapping[str, Any], context: AsyncBoltContext) -> None:
        """Direct messages only: in channels the bot hears only what mentions it (``app_mention``)."""
        self._track()
        if event.get("channel_type") != "im" or not events.is_person_message(event):
            return
        await self._answer_message(event, body, context)

    async def _answer_message(self, event: Mapping[str, Any], body: Mapping[str, Any],
                              context: AsyncBoltContext) -> None:
        incoming, origin = events.from_message(event, team=body.get("team_id"), bot_user_id=context.bot_user_id)
        shared = event.get("files")
        if shared and (ATTACHING.match(incoming.text) or await self._kept_for_publish(incoming, shared)):
            token = str(context.bot_token or self.client.token or "")
            try:
                attached = await files.attachment(await files.described(list(shared), self.client), token=token,
                                                  api_base=self.client.base_url)
            except files.FileRefused as refused:
                log.info("slack: a shared file was not read: %s", refused.reason)
                await self._refuse_file(incoming, origin, refused.message)
                return
            incoming = dataclasses.replace(incoming, attachment=attached)
        await self._answer(incoming, origin)

    async def _kept_for_publish(self, incoming: Incoming, shared: list[Mapping[str, Any]]) -> bool:
        """A file shared without a command is read only when it may be the Clerk's next version: one text file, in
        the DM, from someone who may publish. Anyone else's stays unread, and their message is handled as today."""
        return (incoming.chat_kind == "dm" and len(shared) == 1 and files.looks_like_text(shared[0])
                and await uploads.may_upload(self.dialogue.services, events.PLATFORM, incoming.user_id))

    async def _refuse_file(self, incoming: Incoming, origin: events.Origin, message: str) -> None:
        """Told privately, once per message (a DM that mentions the bot arrives twice; see ``events``)."""
        key = incoming.message_id or ""
        if key in self._refused:
            return
        self._refused[key] = None
        while len(self._refused) > REFUSALS_KEPT:
            self._refused.popitem(last=False)
        if incoming.chat_kind == "dm":
            reply = say(message, kind="file_refused")
        else:
            reply = say(message, visibility=Visibility.DIRECT_MESSAGE, kind="file_refused",
                        target=Target(events.PLATFORM, user_id=incoming.user_id))
        await self.delivery.deliver([reply], origin)

    async def _on_command(self, ack: AsyncAck, body: Mapping[str, Any]) -> None:
        """``/protocol publish 2026-11 note`` runs ``/publish`` as its own slash command would; a question that
        starts with a command word stays a question (``bot.slash``). The sender is looked up only when the reading
        depends on a permission they may hold."""
        self._track()
        await ack()
        typed, services = from_slack(str(body.get("text") or "")), self.dialogue.services
        sender = str(body.get("user_id") or "")
        permission = slash.permission_asked(typed, self.dialogue.commands)
        holds = [permission] if permission and await services.sender_holds(
            events.PLATFORM, sender, permission) else []
        reading = slash.read(typed, self.dialogue.commands, councils=services.councils, holds=holds)
        incoming, origin = events.from_command(body, reading.text)
        refused = await self._resolve_person(incoming)
        if isinstance(refused, Reply):
            await self.delivery.deliver([refused], origin)
            return
        replies = await self.dialogue.handle(refused)
        if replies and reading.note:
            replies = [*replies, say(reading.note, kind="slash_note")]
        await self.delivery.deliver(replies or [say(NOTHING_TO_SAY, kind="rate_limited")], origin)

    async def _resolve_person(self, incoming: Incoming) -> Incoming | Reply:
        """``/role add|remove PERSON`` from someone who may change roles, with PERSON as a Slack user id; or the
        reply refusing it. Anything else is returned as it came."""
        if not mentions.ROLE.match(incoming.text.strip()) or not await self.dialogue.services.sender_holds(
                events.PLATFORM, incoming.user_id, "roles"):
            return incoming
        try:
            text = await mentions.resolve_role_target(incoming.text, client=self.client, store=self.dialogue.store,
                                                      sender=incoming.user_id)
        except mentions.Unresolved as refusal:
            return say(str(refusal), visibility=Visibility.EPHEMERAL, kind="usage")
        return dataclasses.replace(incoming, text=text)

    async def _on_publish(self, ack: AsyncAck, body: Mapping[str, Any]) -> None:
        self._track()
        await ack()
        typed = from_slack(str(body.get("text") or ""))
        incoming, origin = events.from_command(body, f"{PUBLISH_COMMAND} {typed}".strip())
        replies = await self.dialogue.handle(incoming)
        await self.delivery.deliver(replies or [say(NOTHING_TO_SAY, kind="rate_limited")], origin)

    async def _on_action(self, ack: AsyncAck, body: Mapping[str, Any]) -> None:
        self._track()
        await ack()
        press = events.from_block_actions(body)
        if press is None:
            return
        action = press.incoming.action
        refusal = ASKER_ONLY.get(action.name) if action else None
        if refusal and press.owner and press.owner != press.incoming.user_id:
            await self.delivery.deliver([say(refusal, visibility=Visibility.EPHEMERAL, kind="refusal")], press.origin)
            return
        await self.delivery.take_buttons_off(press)
        await self._answer(press.incoming, press.origin)

    async def _on_home(self, event: Mapping[str, Any], body: Mapping[str, Any]) -> None:
        self._track()
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        summary = await home.summary(self.dialogue, platform=events.PLATFORM, user_id=str(event["user"]),
                                     chat_id=str(event.get("channel") or ""), workspace=body.get("team_id"))
        summary = self.hints.reply(Reply((Text(HOW_TO_ASK), *summary.blocks), meta=summary.meta))
        blocks = [block for message in render(summary) for block in message.blocks][:MAX_HOME_BLOCKS]
        try:
            await self.client.views_publish(user_id=str(event["user"]), view={"type": "home", "blocks": blocks})
        except FAILURES as exc:
            log.warning("slack: App Home not published: %s", type(exc).__name__)
