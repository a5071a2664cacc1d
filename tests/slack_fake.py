"""A fake Slack for tests: the Web API (and response URLs) on 127.0.0.1, port 0, reached through the client's
``base_url``; plus signed request bodies as Slack sends them.

It records every call, answers as Slack would (``ts`` values, DM channel ids, ``auth.test``), and can be told
to answer a method with 429 + ``Retry-After`` or a 500 a number of times, or to hold a path until released.
Files ``upload``ed to it are served at ``/files/{id}/{name}`` (its ``url_private_download``), answering only a
bot token, as Slack does; each download is recorded with the ``Authorization`` header it came with.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import WSMsgType, web
from slack_sdk.signature import SignatureVerifier

BOT_USER = "UBOT"
TEAM = "TWENDLE"
SECRET = "test-signing-secret"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=time.monotonic)
    """When the fake received it (pacing is what the server sees)."""

    def text(self) -> str:
        """Everything the call would show a person, as one string (for "never contains" checks)."""
        return json.dumps(self.args, ensure_ascii=False)


@dataclass(frozen=True)
class Download:
    file_id: str
    authorization: str | None


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    """Calls answered 200, in order (response URLs appear as method ``response``)."""
    attempts: list[Call] = field(default_factory=list)
    failures: dict[str, list[tuple[int, int | None]]] = field(default_factory=lambda: defaultdict(list))
    gates: dict[str, asyncio.Event] = field(default_factory=dict)
    url: str = ""
    acks: list[dict[str, Any]] = field(default_factory=list)
    """Socket Mode: what the app sent back over the WebSocket (envelope acknowledgements)."""
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    file_objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    downloads: list[Download] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    """The workspace's people, as ``users.list`` and ``users.info`` return them."""
    errors: dict[str, str] = field(default_factory=dict)
    """Method -> Slack error code, answered ``{"ok": false, "error": ...}`` with HTTP 200, as Slack does for a
    refused token (``invalid_auth``, ``not_authed``) or a missing scope."""
    refuse_sockets: bool = False
    """Socket Mode: the WebSocket endpoint answers 503 (Slack unreachable)."""
    _runner: web.AppRunner | None = None
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # files.info and other reads come as GET
        app.router.add_post("/response/{ref}", self._response)
        app.router.add_get("/socket", self._socket)
        app.router.add_get("/files/{file_id}/{name}", self._file)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/api/"
        return self

    async def close(self) -> None:
        for socket in self.sockets:
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def response_url(self, ref: str = "r1") -> str:
        return self.url.replace("/api/", f"/response/{ref}")

    def upload(self, name: str, data: bytes, *, mimetype: str = "text/plain",
               size: int | None = None) -> dict[str, Any]:
        """Store ``data`` and return the file object Slack puts in a ``file_share`` event (``size`` may lie)."""
        file_id = f"F{len(self.files) + 1:04d}"
        self.files[file_id] = (data, mimetype)
        base = self.url.replace("/api/", f"/files/{file_id}/")
        self.file_objects[file_id] = {
            "id": file_id, "name": name, "title": name, "mimetype": mimetype, "filetype": "text",
            "size": len(data) if size is None else size, "mode": "hosted", "is_external": False,
            "url_private": base + name, "url_private_download": base + "download-" + name}
        return dict(self.file_objects[file_id])

    def fail(self, method: str, status: int, *, retry_after: int | None = None, times: int = 1) -> None:
        self.failures[method] += [(status, retry_after)] * times

    def hold(self, method: str) -> asyncio.Event:
        """Calls to ``method`` wait until the returned event is set."""
        self.gates[method] = asyncio.Event()
        return self.gates[method]

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, *, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """For transports whose work the test cannot await directly (a server run as a task)."""
        deadline = time.monotonic() + timeout
        while len(self.of(method)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{method} called {len(self.of(method))} times, expected {count}")
            await asyncio.sleep(0.02)
        return self.of(method)

    async def push(self, envelope: dict[str, Any], *, timeout: float = 10.0) -> None:
        """Socket Mode: send an envelope to the connected app, as Slack does over the WebSocket."""
        deadline = time.monotonic() + timeout
        while not self.sockets:
            if time.monotonic() > deadline:
                raise TimeoutError("no Socket Mode connection")
            await asyncio.sleep(0.02)
        await self.sockets[-1].send_json(envelope)

    async def drop_sockets(self) -> None:
        """Close every Socket Mode connection and refuse new ones, as when Slack cannot be reached."""
        self.refuse_sockets = True
        for socket in self.sockets:
            await socket.close()

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        if self.refuse_sockets:
            raise web.HTTPServiceUnavailable()
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"},
                                "connection_info": {"app_id": "APROTO"}})
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                self.acks.append(json.loads(message.data))
        return socket

    async def _file(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["file_id"]
        authorization = request.headers.get("Authorization")
        self.downloads.append(Download(file_id, authorization))
        if not (authorization or "").startswith("Bearer xoxb-"):  # Slack: no token, the sign-in page
            raise web.HTTPFound("https://slack.com/signin")
        if file_id not in self.files:
            raise web.HTTPNotFound()
        data, mimetype = self.files[file_id]
        return web.Response(body=data, content_type=mimetype)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = {k: _maybe_json(v) for k, v in request.query.items()}  # some methods send params
        if request.content_type == "application/json":
            args |= await request.json()
        else:
            args |= {k: _maybe_json(v) for k, v in (await request.post()).items()}
        return await self._answer(method, args)

    async def _response(self, request: web.Request) -> web.Response:
        return await self._answer("response", await request.json(), plain=True)

    async def _answer(self, method: str, args: dict[str, Any], *, plain: bool = False) -> web.Response:
        if method in self.gates:
            await self.gates[method].wait()
        if self.failures[method]:
            status, retry_after = self.failures[method].pop(0)
            self.attempts.append(Call(method, args, status))
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            body = {"ok": False, "error": "ratelimited" if status == 429 else "internal_error"}
            return web.json_response(body, status=status, headers=headers)
        if method in self.errors:
            self.attempts.append(Call(method, args))
            return web.json_response({"ok": False, "error": self.errors[method]})
        call = Call(method, args)
        self.attempts.append(call)
        self.calls.append(call)
        if plain:
            return web.Response(text="ok")
        return web.json_response(self._result(method, args))

    def _result(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        ts = f"{1700000000 + next(self._ts)}.000100"
        results: dict[str, dict[str, Any]] = {
            "auth.test": {"user_id": BOT_USER, "bot_id": "BBOT", "team_id": TEAM, "user": "protocolbot",
                          "team": "Wendlebury", "url": "https://wendlebury.slack.com/"},
            "chat.postMessage": {"channel": args.get("channel"), "ts": ts,
                                 "message": {"ts": ts, "text": args.get("text"), "blocks": args.get("blocks")}},
            "chat.postEphemeral": {"message_ts": ts},
            "chat.update": {"channel": args.get("channel"), "ts": args.get("ts")},
            "conversations.open": {"channel": {"id": f"D{args.get('users')}"}},
            "views.publish": {"view": args.get("view")},
            "files.info": {"file": self.file_objects.get(str(args.get("file")))},
            "users.list": {"members": self.users, "response_metadata": {"next_cursor": ""}},
            "apps.connections.open": {"url": self.url.replace("http://", "ws://").replace("/api/", "/socket")},
        }
        if method == "users.info":
            found = [u for u in self.users if u["id"] == args.get("user")]
            return {"ok": True, "user": found[0]} if found else {"ok": False, "error": "user_not_found"}
        return {"ok": True, **results.get(method, {})}


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def signed(body: str, *, secret: str = SECRET, timestamp: int | None = None,
           content_type: str = "application/json", **extra: str) -> dict[str, str]:
    """Headers Slack would send with ``body``: a valid signature over the timestamp and body."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": str(signature),
            "Content-Type": content_type, **extra}


def event_body(event: dict[str, Any], *, event_id: str = "Ev001", team: str = TEAM) -> dict[str, Any]:
    return {"token": "legacy", "team_id": team, "api_app_id": "APROTO", "type": "event_callback",
            "event": event, "event_id": event_id, "event_time": 1700000000,
            "authorizations": [{"team_id": team, "user_id": BOT_USER, "is_bot": True}]}


def mention(text: str, *, user: str, channel: str = "CGENERAL", ts: str = "1700000100.000200",
            thread_ts: str | None = None) -> dict[str, Any]:
    event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts, "channel": channel,
             "event_ts": ts, "team": TEAM, "client_msg_id": f"msg-{ts}"}
    return event | ({"thread_ts": thread_ts} if thread_ts else {})


def direct_message(text: str, *, user: str, ts: str = "1700000200.000300") -> dict[str, Any]:
    return {"type": "message", "channel_type": "im", "user": user, "text": text, "ts": ts, "channel": f"D{user}",
            "event_ts": ts, "team": TEAM, "client_msg_id": f"msg-{ts}"}


def file_share(text: str, files: list[dict[str, Any]], *, user: str, channel: str | None = None,
               ts: str = "1700000600.000100") -> dict[str, Any]:
    """A message with files as Slack sends it: ``message`` (``file_share``) in a DM; with a ``channel``, the
    ``app_mention`` of a message that mentions the bot."""
    if channel is None:
        event = direct_message(text, user=user, ts=ts)
        return {**event, "subtype": "file_share", "files": files, "upload": False, "display_as_bot": False}
    return {**mention(text, user=user, channel=channel, ts=ts), "files": files, "upload": False}


def slack_user(user_id: str, name: str, real_name: str, *, display_name: str = "") -> dict[str, Any]:
    """A person as ``users.list`` describes them."""
    return {"id": user_id, "team_id": TEAM, "name": name, "deleted": False, "real_name": real_name,
            "is_bot": False, "profile": {"real_name": real_name, "display_name": display_name,
                                         "real_name_normalized": real_name,
                                         "display_name_normalized": display_name}}


def command_form(text: str, *, user: str, channel: str = "CGENERAL", response_url: str, trigger: str = "tr1",
                 team: str = TEAM) -> str:
    return urlencode({"token": "legacy", "team_id": team, "team_domain": "wendlebury", "channel_id": channel,
                      "channel_name": "directmessage" if channel.startswith("D") else "general",
                      "user_id": user, "user_name": user.lower(), "command": "/protocol", "text": text,
                      "api_app_id": "APROTO", "response_url": response_url, "trigger_id": trigger})


def block_actions_form(*, user: str, channel: str, message: dict[str, Any], label: str, response_url: str,
                       action_ts: str = "1700000300.000400", team: str = TEAM, ephemeral: bool = False) -> str:
    """The press of the button labelled ``label`` on ``message`` (as posted: ``ts``, ``blocks``, ``text``).
    Slack sends no ``message`` for a press on an ephemeral message, only the container."""
    for block in message["blocks"]:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element["text"]["text"] == label:
                action = {"type": "button", "block_id": block["block_id"], "action_id": element["action_id"],
                          "value": element["value"], "text": element["text"], "action_ts": action_ts}
                payload = {"type": "block_actions", "team": {"id": team, "domain": "wendlebury"},
                           "user": {"id": user, "team_id": team}, "api_app_id": "APROTO", "token": "legacy",
                           "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel,
                                         "is_ephemeral": ephemeral},
                           "trigger_id": "tr-press", "channel": {"id": channel, "name": "general"},
                           "message": {"type": "message", "user": BOT_USER, **message},
                           "response_url": response_url, "actions": [action]}
                if ephemeral:
                    del payload["message"]
                return urlencode({"payload": json.dumps(payload)})
    raise LookupError(f"no button {label!r} on the message")
