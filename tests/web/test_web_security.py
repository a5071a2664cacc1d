"""HTTP-level security of the web console: sign-in required, CSRF, session fixation, code guessing, the Clerk's
pages refused to others, cookie flags, escaping (cases and another council's data: ``test_web_cases.py``)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from aiohttp.test_utils import TestServer
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text

from adapters.web import signin
from adapters.web.signin import SignIn
from bot.dialogue import Dialogue
from bot.store import Store
from bot.store.models import Base
from tests.web.conftest import link_chat
from tests.web.people import WEN, Person, latest_code


async def test_web_tables_match_their_migration(store: Store) -> None:
    """On SQLite and PostgreSQL (``store`` from ``tests/conftest.py``)."""
    def differences(connection: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))

    async with store.database.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_nothing_but_healthz_without_signing_in(browser: Callable[[], Person]) -> None:
    person = browser()
    assert (await person.get("/healthz"))[0] == 200
    for path in ("/", "/ask", "/report", "/protocol", "/protocol/compare", "/cases", "/cases/WEN-2026-0001",
                 "/clerk/publish", "/clerk/acks", "/clerk/asked", "/clerk/roster", "/clerk/acks/1/csv"):
        status, page = await person.get(path)
        assert status == 200 and "<h1 class=\"govuk-heading-l\">Sign in</h1>" in page, path
    await person.get("/sign-in")
    status, _ = await person.post("/ask", {"question": "Can I phone the clerk at home?"})
    assert status == 200 and "Sign in" in person.last and "Reply" not in person.last


async def test_forms_without_the_csrf_token_are_refused(browser: Callable[[], Person], web_store: Store) -> None:
    await link_chat(web_store, WEN, "Cllr Ruth Okafor")
    person = browser()
    await person.get("/sign-in")
    status, _ = await person.post("/sign-in", {"council": WEN, "name": "Cllr Ruth Okafor"}, csrf="")
    assert status == 403
    await person.sign_in_by_code(web_store, WEN, "Cllr Ruth Okafor")
    for token in ("", "forged", person.csrf[:-1] + "x"):
        status, _ = await person.post("/ask", {"question": "Can I phone the clerk at home?"}, csrf=token)
        assert status == 403
    status, page = await person.post("/ask", {"question": "Can a councillor give instructions to the clerk?"})
    assert status == 200 and 'data-kind="answer"' in page


async def test_sign_in_rotates_the_session_id(browser: Callable[[], Person], web_store: Store) -> None:
    await link_chat(web_store, WEN, "Cllr Ruth Okafor")
    victim = browser()
    await victim.get("/sign-in")
    planted = victim.cookie()
    assert planted
    await victim.sign_in_by_code(web_store, WEN, "Cllr Ruth Okafor")
    assert victim.cookie() not in (None, planted)
    attacker = browser()  # holds the id from before sign-in
    attacker.session.cookie_jar.update_cookies({"pb_session": planted}, attacker.server.make_url("/"))
    _, page = await attacker.get("/ask")
    assert "Sign in" in page and "Signed in as" not in page
    await victim.post("/sign-out")
    assert "Signed in as" not in (await victim.get("/ask"))[1]


async def test_cookie_is_httponly_lax_and_secure_when_asked(browser: Callable[[], Person], server: TestServer) -> None:
    person = browser()
    async with person.session.get(person.url("/sign-in")) as response:
        header = response.headers.getone("Set-Cookie")
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header
    assert "Content-Security-Policy" in response.headers and response.headers["Cache-Control"] == "no-store"
    from adapters.web.context import CONTEXT
    from adapters.web.settings import WebSettings

    context = server.app[CONTEXT]
    context.settings = WebSettings(secure_cookies=True)
    fresh = browser()
    async with fresh.session.get(fresh.url("/sign-in")) as response:
        assert "Secure" in response.headers.getone("Set-Cookie")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")


async def test_code_guessing_is_limited(browser: Callable[[], Person], web_store: Store,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    await link_chat(web_store, WEN, "Cllr Ruth Okafor")
    person = browser()
    await person.ask_code(WEN, "Cllr Ruth Okafor")
    code = await latest_code(web_store)
    for _ in range(signin.WRONG_PER_CODE):
        status, page = await person.post("/sign-in/code", {"code": "AAAA-AAAA"})
        assert status == 400 and "not right" in page
    status, page = await person.post("/sign-in/code", {"code": code})  # spent by the guesses
    assert status == 400 and "Signed in as" not in page
    monkeypatch.setattr(signin, "TRIES_PER_HOUR", 8)  # the address has used 7 tries: one more, then refused
    assert (await person.post("/sign-in/code", {"code": "BBBB-BBBB"}))[0] == 400
    status, page = await person.post("/sign-in/code", {"code": "BBBB-BBBB"})
    assert status == 429 and "Too many attempts" in page


async def test_codes_are_sent_only_to_linked_chats_and_a_few_an_hour(web_store: Store, dialogue: Dialogue) -> None:
    keeper = SignIn(web_store, code_for=signin.HOUR, link_for=signin.HOUR)
    member = next(m for m in await web_store.members.of_council(WEN) if m.name == "Cllr Ruth Okafor")
    assert not await keeper.send_code(member)  # only a terminal handle: nowhere to send it
    await link_chat(web_store, WEN, "Cllr Ruth Okafor")
    assert all([await keeper.send_code(member) for _ in range(signin.CODES_PER_HOUR - 1)])
    assert not await keeper.send_code(member)


async def test_unknown_names_get_the_same_answer(browser: Callable[[], Person], web_store: Store) -> None:
    await link_chat(web_store, WEN, "Cllr Ruth Okafor")
    known, unknown = browser(), browser()
    await known.ask_code(WEN, "Cllr Ruth Okafor")
    await unknown.ask_code(WEN, "Nobody At All")
    strip = re.compile(r'value="[^"]+"')
    assert strip.sub("", known.last) == strip.sub("", unknown.last)


async def test_the_clerk_pages_are_the_clerks(browser: Callable[[], Person], web_store: Store) -> None:
    await link_chat(web_store, WEN, "Cllr Ruth Okafor")
    person = browser()
    await person.sign_in_by_code(web_store, WEN, "Cllr Ruth Okafor")
    for path in ("/clerk/publish", "/clerk/acks", "/clerk/asked", "/clerk/roster"):
        assert (await person.get(path))[0] == 403, path
    assert "/clerk/publish" not in (await person.get("/"))[1]


async def test_login_link_is_for_the_clerk_and_works_once(browser: Callable[[], Person], web_store: Store) -> None:
    from adapters.web import login_link

    refused = await login_link.issue("okafor", None, store=web_store)
    assert not refused.ok and "not the Clerk" in refused.text
    assert not (await login_link.issue("nobody-here", None, store=web_store)).ok
    issued = await login_link.issue("clerk", WEN, store=web_store)
    assert issued.ok
    path = "/login/" + issued.text.split("/login/")[1].split()[0]
    person = browser()
    status, page = await person.get(path)  # a GET only shows the button: a link preview spends nothing
    assert status == 200 and "Signed in as" not in page
    status, page = await person.post(path)
    assert "Signed in as Margaret Ashdown" in page
    other = browser()
    await other.get(path)
    status, page = await other.post(path)
    assert status == 400 and "used or has expired" in page


async def test_what_people_type_is_escaped(browser: Callable[[], Person], web_store: Store) -> None:
    await link_chat(web_store, WEN, "Cllr Ruth Okafor")
    person = browser()
    await person.sign_in_by_code(web_store, WEN, "Cllr Ruth Okafor")
    _, page = await person.post("/ask", {"question": '<script>alert("x")</script> may I phone the clerk?'})
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


async def test_a_restart_that_drops_the_web_account_keeps_the_session(browser: Callable[[], Person],
                                                                      web_store: Store) -> None:
    """A roster sync at start deletes identities the roster file does not list; the session puts its account back."""
    member_id = await link_chat(web_store, WEN, "Cllr Ruth Okafor")
    person = browser()
    await person.sign_in_by_code(web_store, WEN, "Cllr Ruth Okafor")
    async with web_store.database.sessions.begin() as session:
        await session.execute(text("DELETE FROM identities WHERE platform = 'web'"))
    _, page = await person.post("/ask", {"question": "/whoami"})
    assert "Cllr Ruth Okafor" in page
    assert await web_store.links.owner("web", f"m{member_id}") == member_id
