"""Cases and reports on the web: a case read by its recipient and refused to its subject (and to anyone whose
linked account is barred), another council's data never shown, ask and close, and nothing of a report in the
logs."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from bot.store import Store
from tests.web.conftest import link_chat
from tests.web.people import DETAILS, WEN, Person, report_about_the_clerk


async def test_a_case_is_read_by_its_recipient_and_refused_to_its_subject(
        browser: Callable[[], Person], web_store: Store) -> None:
    for name in ("Cllr Ruth Okafor", "Cllr Alan Whitcombe", "Margaret Ashdown"):
        await link_chat(web_store, WEN, name)
    reporter, recipient, subject = browser(), browser(), browser()
    await reporter.sign_in_by_code(web_store, WEN, "Cllr Ruth Okafor")
    await recipient.sign_in_by_code(web_store, WEN, "Cllr Alan Whitcombe")
    await subject.sign_in_by_code(web_store, WEN, "Margaret Ashdown")
    reference, _ = await report_about_the_clerk(reporter)
    status, page = await recipient.get("/cases")
    assert reference in page and DETAILS not in page
    status, page = await recipient.get(f"/cases/{reference}")
    assert status == 200 and DETAILS in page
    status, page = await subject.get(f"/cases/{reference}")
    assert status == 404 and DETAILS not in page and "No case with that reference was sent to you" in page
    assert reference not in (await subject.get("/cases"))[1]
    status, page = await subject.post(f"/cases/{reference}", {"verb": "ack"})
    assert status == 404 and DETAILS not in page
    status, page = await reporter.get(f"/cases/{reference}")  # the reporter is no recipient either
    assert status == 404 and DETAILS not in page
    status, page = await recipient.post(f"/cases/{reference}", {"verb": "ack"})
    assert status == 200 and f"Acknowledged {reference}" in page


async def test_another_councils_data_is_never_shown(browser: Callable[[], Person], web_store: Store) -> None:
    for council, name in ((WEN, "Cllr Ruth Okafor"), (WEN, "Cllr Alan Whitcombe"), ("ledbury", "Helen Marsh")):
        await link_chat(web_store, council, name)
    reporter, recipient = browser(), browser()
    await reporter.sign_in_by_code(web_store, WEN, "Cllr Ruth Okafor")
    await recipient.sign_in_by_code(web_store, WEN, "Cllr Alan Whitcombe")
    reference, _ = await report_about_the_clerk(reporter)
    ledbury_clerk = browser()
    await ledbury_clerk.sign_in_by_code(web_store, "ledbury", "Helen Marsh")
    status, page = await ledbury_clerk.get(f"/cases/{reference}")
    assert status == 404 and DETAILS not in page
    status, page = await ledbury_clerk.get("/clerk/roster")
    assert "Helen Marsh" in page and "Okafor" not in page and "Ashdown" not in page
    status, page = await ledbury_clerk.get("/protocol")
    assert "Ledbury" in page and "Wendlebury" not in page
    broadcast = await web_store.broadcasts.create(WEN, "version", [{"text": "v2"}], platforms=["telegram"],
                                                  version="2", needs_ack=True)
    for path in (f"/clerk/acks/{broadcast[0].id}", f"/clerk/acks/{broadcast[0].id}/csv"):
        assert (await ledbury_clerk.get(path))[0] == 404
    status, _ = await ledbury_clerk.post(f"/clerk/acks/{broadcast[0].id}/remind")
    assert status == 404


async def test_the_web_account_is_barred_wherever_a_linked_account_is(browser: Callable[[], Person],
                                                                      web_store: Store) -> None:
    """The subject's own chat account, linked to a recipient's entry after the case was filed, is barred from it in
    chat (``bar_earlier_cases``); a web sign-in whose code could have gone to that account is barred the same way."""
    for name in ("Cllr Ruth Okafor", "Margaret Ashdown"):
        await link_chat(web_store, WEN, name)
    reporter = browser()
    await reporter.sign_in_by_code(web_store, WEN, "Cllr Ruth Okafor")
    reference, _ = await report_about_the_clerk(reporter)
    whitcombe = next(m for m in await web_store.members.of_council(WEN) if m.name == "Cllr Alan Whitcombe")
    await web_store.links.attach(whitcombe.id, "telegram", "the-clerks-own-phone")
    recipient = browser()
    await recipient.sign_in_by_code(web_store, WEN, "Cllr Alan Whitcombe")
    status, page = await recipient.get(f"/cases/{reference}")
    assert status == 404 and DETAILS not in page
    assert reference not in (await recipient.get("/cases"))[1]


async def test_the_recipient_asks_and_closes(browser: Callable[[], Person], web_store: Store) -> None:
    for name in ("Cllr Ruth Okafor", "Cllr Alan Whitcombe"):
        await link_chat(web_store, WEN, name)
    reporter, recipient = browser(), browser()
    await reporter.sign_in_by_code(web_store, WEN, "Cllr Ruth Okafor")
    await recipient.sign_in_by_code(web_store, WEN, "Cllr Alan Whitcombe")
    reference, code = await report_about_the_clerk(reporter)
    status, page = await recipient.post(f"/cases/{reference}", {"verb": "ask", "text": "Which office was it?"})
    assert status == 200 and "Your question is sealed" in page and "Which office was it?" in page
    await reporter.get("/report")
    _, page = await reporter.post("/report/check", {"code": code})
    assert "Which office was it?" in page and code not in page  # the code is never echoed
    status, page = await recipient.post(f"/cases/{reference}", {"verb": "close", "text": "Resolved informally."})
    assert f"Closed {reference}" in page and "Act on this case" not in page
    _, page = await reporter.post("/ask", {"question": f"/case {code}"})
    assert "Resolved informally." in page


async def test_a_report_leaves_nothing_in_the_logs(browser: Callable[[], Person], web_store: Store,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("Cllr Ruth Okafor", "Cllr Alan Whitcombe"):
        await link_chat(web_store, WEN, name)
    reporter, recipient = browser(), browser()
    await reporter.sign_in_by_code(web_store, WEN, "Cllr Ruth Okafor")
    await recipient.sign_in_by_code(web_store, WEN, "Cllr Alan Whitcombe")
    reference, code = await report_about_the_clerk(reporter)
    await recipient.get(f"/cases/{reference}")
    await recipient.post(f"/cases/{reference}", {"verb": "ask", "text": "Which office was it?"})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "shouted" not in logged and code not in logged and "Which office" not in logged

