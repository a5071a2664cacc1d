"""A person in a browser for the HTTP tests: their own cookie jar, the CSRF token read off the last page, and
sign-in by a code read out of the outbox (where the chat platforms would pick it up) or by a printed link."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.store import Store
from bot.store.models import BroadcastRow

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
CODE = re.compile(r"sign in to Protocol Bot on the web is ([A-Z0-9]{4}-[A-Z0-9]{4})")
WEN = "wendlebury"
DETAILS = "On 3 March the clerk shouted at the planning meeting and called me useless."


class Person:
    def __init__(self, server: TestServer) -> None:
        self.server = server
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""
        self.last = ""

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def get(self, path: str, **kwargs: Any) -> tuple[int, str]:
        async with self.session.get(self.url(path), **kwargs) as response:
            self.last = await response.text()
            found = CSRF.search(self.last)
            if found:
                self.csrf = found.group(1)
            return response.status, self.last

    async def post(self, path: str, data: dict[str, Any] | aiohttp.FormData | None = None, *,
                   csrf: str | None = None, **kwargs: Any) -> tuple[int, str]:
        if isinstance(data, aiohttp.FormData):
            form = data
            form.add_field("csrf", self.csrf if csrf is None else csrf)
        else:
            form = aiohttp.FormData({**(data or {}), "csrf": self.csrf if csrf is None else csrf})
        async with self.session.post(self.url(path), data=form, **kwargs) as response:
            self.last = await response.text()
            found = CSRF.search(self.last)
            if found:
                self.csrf = found.group(1)
            return response.status, self.last

    def cookie(self) -> str | None:
        for cookie in self.session.cookie_jar:
            if cookie.key == "pb_session":
                return cookie.value
        return None

    async def ask_code(self, council: str, name: str) -> None:
        await self.get("/sign-in")
        status, _ = await self.post("/sign-in", {"council": council, "name": name})
        assert status == 200, self.last

    async def sign_in_by_code(self, store: Store, council: str, name: str) -> None:
        await self.ask_code(council, name)
        code = await latest_code(store)
        status, page = await self.post("/sign-in/code", {"code": code})
        assert status == 200 and "Signed in as" in page, page

    async def close(self) -> None:
        await self.session.close()


async def latest_code(store: Store) -> str:
    """The code in the newest direct message queued (what the member would read in their chat)."""
    async with store.database.sessions() as session:
        row = await session.scalar(select(BroadcastRow).where(BroadcastRow.kind == "direct")
                                   .order_by(BroadcastRow.id.desc()).limit(1))
    assert row is not None, "no sign-in code was queued"
    found = CODE.search(str(row.content))
    assert found is not None
    return found.group(1)


async def report_about_the_clerk(person: Person) -> tuple[str, str]:
    """Report a concern about the Clerk on the web, as a councillor; returns the reference and receipt code."""
    _, page = await person.post("/ask", {"question": "/report"})
    for label in ("A councillor", "The Clerk", "Conduct or behaviour", "Yes, send a report"):
        page = await press(person, page, label)
    _, page = await person.post("/ask", {"question": DETAILS})
    page = await press(person, page, "Yes, show my name")
    assert "Please check the report before I send it." in page
    page = await press(person, page, "Send")
    reference = re.search(r"[A-Z]{3}-\d{4}-\d{4}", page)
    code = re.search(r"shown only this once: (\S+)", page)
    assert reference and code, page
    return reference.group(0), code.group(1).rstrip(".")


async def press(person: Person, page: str, label: str) -> str:
    forms = re.findall(r'<form method="post" action="/press">(.*?)</form>', page, re.S)
    for form in forms:
        if f">{label}</button>" in form:
            fields = dict(re.findall(r'name="(name|value|form_id)" value="([^"]*)"', form))
            status, page = await person.post("/press", fields)
            assert status == 200
            return page
    main = re.sub(r"<[^>]+>", " ", page.split("<main", 1)[-1])
    raise AssertionError(f"no button {label!r} in {' '.join(main.split())}")
