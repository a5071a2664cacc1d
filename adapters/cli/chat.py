"""Terminal chat over ``Dialogue.handle``: asks for the council once (and remembers it); /help, /quit.

The terminal is one more platform (``terminal``, the user's login name, or ``--user`` to speak as someone
on a roster). Buttons are shown numbered; typing the number presses it.
"""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Callable

from adapters.cli.cases import check_case_key
from bot.dialogue import Dialogue
from bot.messages import Action, Incoming, Reply
from bot.qa import QaService
from bot.store import Store

BANNER = "Protocol Bot - answers quoted from your council's protocol, with citations."
HELP = "Ask anything about your council's Member/Officer protocol. Commands: /help, /council, /whoami, /quit"
PLATFORM = "terminal"


def render(reply: Reply) -> str:
    text = reply.plain()
    if reply.buttons and reply.kind != "ask_council":  # the council question already lists the choices
        text += "\n" + "  ".join(f"[{i}] {b.label}" for i, b in enumerate(reply.buttons, 1))
    return text


def run_chat(service: QaService, *, council: str | None = None, user: str | None = None,
             read: Callable[[str], str] = input, write: Callable[[str], None] = print) -> int:
    return asyncio.run(_chat(service, council=council, user=user or getpass.getuser(), read=read, write=write))


async def _chat(service: QaService, *, council: str | None, user: str, read: Callable[[str], str],
                write: Callable[[str], None]) -> int:
    store = await Store.open()
    try:
        refused = await check_case_key(store)  # a missing or wrong case key stops here, before anyone types
        if refused is not None:
            return refused
        dialogue = Dialogue(service, store)
        await dialogue.start()
        write(BANNER)
        write(HELP)
        chat_id = f"terminal:{user}"

        async def send(text: str = "", action: Action | None = None) -> list[Action]:
            incoming = Incoming(platform=PLATFORM, user_id=user, chat_id=chat_id, chat_kind="dm", text=text,
                                action=action)
            buttons: list[Action] = []
            for reply in await dialogue.handle(incoming):
                if reply.target is not None and reply.target.user_id not in (None, user):
                    continue  # for someone else (a case notice to its recipient): not shown at this terminal
                write(render(reply))
                buttons = [b.action for b in reply.buttons] or buttons
            return buttons

        buttons = await send(f"/council {council}" if council else "/start")
        while True:
            text = read("you> ").strip()
            if text in ("/quit", "/exit"):
                return 0
            if text.isdigit() and 1 <= int(text) <= len(buttons):
                buttons = await send(action=buttons[int(text) - 1])
            else:
                buttons = await send(text)
    except (EOFError, KeyboardInterrupt):
        write("")
        return 0
    finally:
        await store.close()
