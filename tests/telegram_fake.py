"""A fake Telegram Bot API on 127.0.0.1 (port 0): enough of the real protocol for the adapter's tests.

Reached through ``ApplicationBuilder().base_url(fake.base_url)``, as a local Bot API server would be.
Every call is recorded (method and decoded parameters) so tests assert what the bot sent. Failures are
scripted per method (``fail_next``: a 429 with ``parameters.retry_after``, a 502 ...), and chats listed in
``forbidden`` answer 403 as Telegram does for someone who never started the bot. Files put in ``files``
(``add_file``) are answered by ``getFile`` and served at ``/file/bot<token>/<file_path>``, as Telegram does.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token"
BOT: dict[str, Any] = {"id": 123456, "is_bot": True, "first_name": "Protocol Bot", "username": "ProtocolTestBot",
                       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
JSON_FIELDS = {"reply_markup", "reply_parameters", "commands", "link_preview_options", "allowed_updates", "scope"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    """When the server received it (``time.monotonic``): rate limits are measured as Telegram would see them."""

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def chat_id(self) -> str:
        return str(self.params.get("chat_id", ""))

    @property
    def markup(self) -> dict[str, Any] | None:
        markup = self.params.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    def buttons(self) -> list[dict[str, Any]]:
        markup = self.markup or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


@dataclass
class FakeTelegram:
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, deque[tuple[int, dict[str, Any]]]] = field(default_factory=lambda: defaultdict(deque))
    forbidden: set[str] = field(default_factory=set)
    updates: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None
    _next_message_id: int = 1000

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def add_file(self, file_id: str, content: bytes) -> None:
        self.files[file_id] = content

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(self, method: str, status: int, *, retry_after: int | None = None, times: int = 1,
                  description: str = "") -> None:
        parameters = {"retry_after": retry_after} if retry_after is not None else {}
        body = {"ok": False, "error_code": status, "description": description or f"Error {status}"}
        if parameters:
            body["parameters"] = parameters
        for _ in range(times):
            self.failures[method].append((status, body))

    def of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def sent(self, chat_id: int | str | None = None) -> list[Call]:
        return [c for c in self.of("sendMessage") if chat_id is None or c.chat_id == str(chat_id)]

    def clear(self) -> None:
        self.calls.clear()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        params = await _params(request)
        self.calls.append(Call(method, params))
        if self.failures[method]:
            status, body = self.failures[method].popleft()
            return web.json_response(body, status=status)
        if method == "sendMessage" and str(params.get("chat_id")) in self.forbidden:
            return web.json_response({"ok": False, "error_code": 403,
                                      "description": "Forbidden: bot can't initiate conversation with a user"},
                                     status=403)
        if method == "getFile" and str(params.get("file_id")) not in self.files:
            return web.json_response({"ok": False, "error_code": 400,
                                      "description": "Bad Request: invalid file_id"}, status=400)
        if method == "getUpdates":
            self._confirm(params)
            if not self.updates:
                await asyncio.sleep(0.05)  # a long poll with nothing new: do not let the poller spin
        return web.json_response({"ok": True, "result": self._result(method, params)})

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT
        if method == "getUpdates":
            return list(self.updates)
        if method == "getFile":
            file_id = str(params["file_id"])
            return {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_size": len(self.files[file_id]),
                    "file_path": f"documents/{file_id}.txt"}
        if method in ("sendMessage", "editMessageReplyMarkup"):
            self._next_message_id += 1
            chat_id = int(params.get("chat_id", 0))
            chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
            message_id = int(params.get("message_id", self._next_message_id))
            return {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": BOT,
                    "text": str(params.get("text", ""))}
        return True

    def _confirm(self, params: dict[str, Any]) -> None:
        """As Telegram does: an update is returned by every ``getUpdates`` until one asks with an ``offset``
        above its id (which confirms it); so a poller that never moves its offset gets the same update forever."""
        offset = params.get("offset")
        if offset not in (None, ""):
            self.updates = [u for u in self.updates if int(u["update_id"]) >= int(offset)]

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.Response(status=401)
        path = request.match_info["path"]
        self.downloads.append(path)
        file_id = path.removeprefix("documents/").removesuffix(".txt")
        if file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")


async def _params(request: web.Request) -> dict[str, Any]:
    """python-telegram-bot posts form fields, each JSON-encoded where the value is an object."""
    if request.content_type == "application/json":
        body = await request.json()
        return dict(body) if isinstance(body, dict) else {}
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        text = value if isinstance(value, str) else ""
        params[key] = json.loads(text) if key in JSON_FIELDS and text else text
    return params


GROUP: dict[str, Any] = {"id": -1001234567890, "type": "supergroup", "title": "Wendlebury Parish Council"}


def person(user_id: int, first_name: str = "Ruth", username: str | None = "ruth") -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
    if username:
        user["username"] = username
    return user


class Updates:
    """Realistic update payloads, as Telegram sends them (ids increase; dates are real timestamps)."""

    def __init__(self) -> None:
        self.update_id = 500_000
        self.message_id = 1

    def _next(self) -> tuple[int, int]:
        self.update_id += 1
        self.message_id += 1
        return self.update_id, self.message_id

    def text(self, text: str, *, user: dict[str, Any], chat: dict[str, Any] | None = None,
             reply_to: dict[str, Any] | None = None, mention: str | None = None) -> dict[str, Any]:
        """A text message; in a private chat when ``chat`` is None. Commands and mentions get their entities."""
        update_id, message_id = self._next()
        chat = chat or {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        message: dict[str, Any] = {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": user,
                                   "text": text}
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": len(text.split(" ", 1)[0])})
        if mention and mention in text:
            entities.append({"type": "mention", "offset": text.index(mention), "length": len(mention)})
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return {"update_id": update_id, "message": message}

    def document(self, file_id: str, *, user: dict[str, Any], caption: str | None = None,
                 file_name: str = "protocol.txt", file_size: int | None = None,
                 mime_type: str = "text/plain") -> dict[str, Any]:
        """A document sent in a private chat, with an optional caption (a command gets its caption entity)."""
        update_id, message_id = self._next()
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        document: dict[str, Any] = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_name": file_name,
                                    "mime_type": mime_type}
        if file_size is not None:
            document["file_size"] = file_size
        message: dict[str, Any] = {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": user,
                                   "document": document}
        if caption:
            message["caption"] = caption
            if caption.startswith("/"):
                message["caption_entities"] = [{"type": "bot_command", "offset": 0,
                                                "length": len(caption.split(" ", 1)[0])}]
        return {"update_id": update_id, "message": message}

    def press(self, data: str, *, user: dict[str, Any], chat: dict[str, Any] | None = None,
              message_id: int = 77) -> dict[str, Any]:
        """A press on an inline button under one of the bot's messages."""
        update_id, _ = self._next()
        chat = chat or {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        message = {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": BOT, "text": "..."}
        return {"update_id": update_id, "callback_query": {"id": f"cb{update_id}", "from": user, "data": data,
                                                           "chat_instance": "-88123", "message": message}}
