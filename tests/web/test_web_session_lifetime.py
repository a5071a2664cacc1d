"""A session's absolute lifetime: however busy, it ends ``session_at_most`` after sign-in and the person signs in
again (the idle limit alone let a cookie kept busy, a stolen one say, live for ever)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, update

from adapters.web.sessions import digest
from adapters.web.settings import MAX_HOURS_ENV, WebSettings, from_env
from bot.store import Store
from bot.store.models import WebSessionRow, utcnow
from tests.web.conftest import link_chat
from tests.web.people import WEN, Person


async def _signed_in(browser: Callable[[], Person], store: Store) -> tuple[Person, str]:
    await link_chat(store, WEN, "Cllr Ruth Okafor")
    person = browser()
    await person.sign_in_by_code(store, WEN, "Cllr Ruth Okafor")
    token = person.cookie()
    assert token
    return person, digest(token)


async def _age(store: Store, key: str, *, began: timedelta, seen: timedelta) -> None:
    """Move the session's start and last use into the past, as if that much time had gone by."""
    now = utcnow()
    async with store.database.sessions.begin() as session:
        await session.execute(update(WebSessionRow).where(WebSessionRow.id_hash == key)
                              .values(created_at=now - began, seen_at=now - seen))


async def test_a_busy_session_ends_at_its_lifetime(browser: Callable[[], Person], web_store: Store) -> None:
    person, key = await _signed_in(browser, web_store)
    lifetime = WebSettings().session_at_most
    await _age(web_store, key, began=lifetime - timedelta(minutes=5), seen=timedelta(seconds=10))
    assert "Signed in as Cllr Ruth Okafor" in (await person.get("/ask"))[1]  # in use, within its lifetime
    await _age(web_store, key, began=lifetime + timedelta(minutes=1), seen=timedelta(seconds=10))
    status, page = await person.get("/ask")  # used a moment ago, so the idle limit alone would let it through
    assert status == 200 and '<h1 class="govuk-heading-l">Sign in</h1>' in page and "Signed in as" not in page
    async with web_store.database.sessions() as session:
        assert await session.get(WebSessionRow, key) is None
    await person.sign_in_by_code(web_store, WEN, "Cllr Ruth Okafor")  # and signing in again works


async def test_use_never_pushes_the_expiry_past_the_lifetime(browser: Callable[[], Person],
                                                             web_store: Store) -> None:
    person, key = await _signed_in(browser, web_store)
    lifetime = WebSettings().session_at_most
    await _age(web_store, key, began=lifetime - timedelta(hours=1), seen=timedelta(minutes=5))
    assert "Signed in as" in (await person.get("/ask"))[1]  # this request slides the idle expiry on
    async with web_store.database.sessions() as session:
        row = await session.scalar(select(WebSessionRow).where(WebSessionRow.id_hash == key))
    assert row is not None
    created, expires = row.created_at, row.expires_at
    assert expires.replace(tzinfo=None) <= (created + lifetime).replace(tzinfo=None)


def test_the_lifetime_is_a_setting() -> None:
    assert from_env({}).session_at_most == timedelta(hours=24)
    assert from_env({MAX_HOURS_ENV: "72"}).session_at_most == timedelta(hours=72)
    assert from_env({MAX_HOURS_ENV: "soon"}).session_at_most == timedelta(hours=24)
