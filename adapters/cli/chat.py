"""Terminal chat: asks for the council once; /council, /help, /quit."""

from __future__ import annotations

from collections.abc import Callable

from bot.qa import EmptyQuestionError, QaService
from knowledge.errors import KnowledgeError

HELP = """Ask anything about your council's Member/Officer protocol, e.g. "can I instruct the deputy clerk?".
Commands: /council (switch council), /help, /quit"""


def run_chat(service: QaService, *, council: str | None = None,
             read: Callable[[str], str] = input, write: Callable[[str], None] = print) -> int:
    councils = sorted(service.library.sources())
    write("Protocol Bot - answers quoted from your council's protocol, with citations.")
    write(HELP)
    try:
        while council not in councils:
            council = read(f"Which council? ({', '.join(councils)}): ").strip().lower()
        service.library.council(council)
        write(f"Council: {council}. Ask away.")
        while True:
            text = read("you> ").strip()
            if text in ("/quit", "/exit"):
                return 0
            if text == "/help":
                write(HELP)
                continue
            if text.startswith("/council"):
                choice = text.removeprefix("/council").strip().lower()
                while choice not in councils:
                    choice = read(f"Which council? ({', '.join(councils)}): ").strip().lower()
                council = choice
                service.library.council(council)
                write(f"Council: {council}.")
                continue
            if text.startswith("/"):
                write(f"Unknown command {text.split()[0]}. Try /help.")
                continue
            try:
                write(service.ask(council, text).answer.render())
            except (EmptyQuestionError, KnowledgeError) as exc:
                write(str(exc))
    except (EOFError, KeyboardInterrupt):
        write("")
        return 0

