"""The console in a real browser: Playwright driving Debian's Chromium (``/usr/bin/chromium``, installed by
``make``; a vendor browser download never works here). Sign in by code, ask and follow a citation, report a concern
end to end by keyboard alone, the recipient reads and acknowledges the case, the Clerk publishes a version and sees
the diff, a councillor acknowledges and the Clerk sees it. axe-core runs on every page (no serious or critical
violation allowed) and every page is photographed into ``test-output/web/`` for review.

One server and one browser for the whole module, so the suite takes seconds; the tests run in file order and
build on each other (the case reported is the one the recipient reads, the version published the one
acknowledged).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.web.signin import SignIn
from bot.cases.keys import ENV_VAR, MasterKey
from tests.web.live_server import LiveServer
from tests.web.people import latest_code

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "web"
AXE = Path(__file__).resolve().parent / "axe" / "axe.min.js"
WEN = "wendlebury"
DETAILS = "On 3 March the clerk shouted at me in the office and called me useless."
OLD = "This relationship within the authority is characterised by mutual respect, informality and trust."
NEW = "This relationship within the council is characterised by mutual respect, courtesy and trust."
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]

if not CHROMIUM.exists():
    pytestmark = pytest.mark.skip(reason="Debian's chromium is not installed (/usr/bin/chromium): `make install` "
                                         "runs apt-get install chromium; browser tests need it")
else:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]'")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    key = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = MasterKey.generate().encoded()
    server = LiveServer(tmp_path_factory.mktemp("web-home")).start()
    assert server.store is not None
    for name, chat in (("Cllr Ruth Okafor", "101"), ("Cllr Alan Whitcombe", "102"), ("Margaret Ashdown", "103")):
        server.call(_link(server, name, chat))
    yield server
    server.stop()
    if key is None:
        os.environ.pop(ENV_VAR, None)
    else:
        os.environ[ENV_VAR] = key


async def _link(server: LiveServer, name: str, chat: str) -> None:
    assert server.store is not None
    member = next(m for m in await server.store.members.of_council(WEN) if m.name == name)
    await server.store.members.link(member.id, "telegram", chat)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_for(chromium: Any) -> Iterator[Any]:
    """``page_for()``: a new browser context (its own cookies), i.e. one more person."""
    contexts = []

    def make() -> Any:
        context = chromium.new_context(viewport={"width": 1100, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def check(page: Any, name: str) -> None:
    """axe-core on the page as it stands (no serious or critical violation), then a full-page screenshot."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate("""async () => {
        const result = await axe.run(document, {runOnly: {type: 'tag', values:
            ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert bad == [], f"{name}: {bad}"


def sign_in_by_code(live: LiveServer, page: Any, name: str, *, shoot: bool = False) -> None:
    page.goto(live.url + "/sign-in")
    page.select_option("#council", WEN)
    page.fill("#name", name)
    if shoot:
        check(page, "01-sign-in")
    page.click("button:has-text('Send me a code')")
    page.wait_for_url("**/sign-in/code")
    assert live.store is not None
    code = live.call(latest_code(live.store))
    if shoot:
        check(page, "02-sign-in-code")
        page.fill("#code", "AAAA-AAAA")  # one wrong try (a code survives five)
        page.click("button:has-text('Sign in')")
        page.wait_for_selector(".govuk-error-summary")
        check(page, "02b-sign-in-wrong-code")
    page.fill("#code", code)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector(f"text=Signed in as {name}")


def focus_by_tab(page: Any, matches: str, limit: int = 60) -> None:
    """Press Tab until the focused element satisfies the JavaScript predicate ``matches`` (given ``el``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!(el && ({matches})); }}"):
            return
    raise AssertionError(f"Tab never reached an element where {matches}")


def press_button_by_keyboard(page: Any, label: str) -> None:
    focus_by_tab(page, f"el.tagName === 'BUTTON' && el.textContent.trim() === {label!r}")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def type_by_keyboard(page: Any, selector: str, text: str) -> None:
    focus_by_tab(page, f"el.matches({selector!r})")
    page.keyboard.type(text)


def test_sign_in_by_code_ask_and_follow_the_citation(live: LiveServer, page_for: Any) -> None:
    page = page_for()
    page.goto(live.url + "/protocol")
    assert page.url.endswith("/sign-in")
    sign_in_by_code(live, page, "Cllr Ruth Okafor", shoot=True)
    check(page, "03-home")
    page.goto(live.url + "/ask")
    check(page, "04-ask")
    page.fill("#question", "Can a councillor give instructions to the clerk?")
    page.click("button:has-text('Send')")
    citation = page.locator(".pb-quote footer a").first
    citation.wait_for()
    check(page, "05-ask-answer")
    page.set_viewport_size({"width": 375, "height": 800})  # a councillor's phone: the menu folds behind a button
    page.wait_for_selector("button.govuk-service-navigation__toggle:visible")
    check(page, "05b-ask-answer-phone")
    page.set_viewport_size({"width": 1100, "height": 900})
    href = citation.get_attribute("href")
    assert href and href.startswith("/protocol#clause-")
    citation.click()
    page.wait_for_url(f"**{href}")
    assert page.locator(f"#{href.split('#')[1]}".replace(".", "\\.")).is_visible()
    check(page, "06-protocol")
    page.goto(live.url + "/ask")
    page.fill("#question", "Can a councillor give instructions to the clerk?")
    page.click("button:has-text('Send')")
    page.click("button:has-text('Helpful')")
    page.wait_for_selector("text=the Clerk reviews this feedback")


def test_report_a_concern_by_keyboard_alone(live: LiveServer, page_for: Any) -> None:
    page = page_for()
    sign_in_by_code(live, page, "Cllr Ruth Okafor")
    page.goto(live.url + "/ask")
    type_by_keyboard(page, "#question", "Can a councillor give instructions to the clerk?")
    press_button_by_keyboard(page, "Send")
    page.locator(".pb-quote").first.wait_for()
    page.keyboard.press("Shift+Tab")  # back from the reply up to the menu, then the menu's link, by keyboard
    focus_by_tab(page, "el.tagName === 'A' && el.getAttribute('href') === '/report'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/report")
    check(page, "07-report")
    press_button_by_keyboard(page, "Report a concern")
    check(page, "08-report-step")
    for label in ("A councillor", "The Clerk", "Conduct or behaviour", "Yes, send a report"):
        press_button_by_keyboard(page, label)
    type_by_keyboard(page, "#question", DETAILS)
    press_button_by_keyboard(page, "Send")
    press_button_by_keyboard(page, "Yes, show my name")
    page.wait_for_selector("text=Please check the report before I send it.")
    check(page, "09-report-check")
    press_button_by_keyboard(page, "Send")
    receipt = page.locator("[data-kind=case_receipt]")
    receipt.wait_for()
    assert re.search(r"shown only this once: \S+", receipt.inner_text())
    check(page, "10-report-receipt")
    page.reload()  # shown once: a reload asks nothing again and shows no code
    assert "shown only this once" not in page.content()


def test_the_recipient_reads_and_acknowledges_the_case(live: LiveServer, page_for: Any) -> None:
    page = page_for()
    sign_in_by_code(live, page, "Cllr Alan Whitcombe")
    page.goto(live.url + "/cases")
    check(page, "11-cases")
    page.locator("table a").first.click()
    page.wait_for_selector(f"text={DETAILS}")
    check(page, "12-case")
    page.click("button:has-text('Acknowledge')")
    page.wait_for_selector("text=Acknowledged")
    subject = page_for()
    sign_in_by_code(live, subject, "Margaret Ashdown")
    subject.goto(live.url + "/cases")
    assert subject.locator("table a").count() == 0 and DETAILS not in subject.content()


def test_the_clerk_publishes_and_sees_who_acknowledged(live: LiveServer, page_for: Any, tmp_path: Path) -> None:
    assert live.store is not None and live.dialogue is not None
    store = live.store
    clerk = next(m for m in live.call(store.members.of_council(WEN)) if m.name == "Margaret Ashdown")
    token = live.call(SignIn(store, code_for=timedelta(minutes=10), link_for=timedelta(hours=1)).issue_link(clerk.id))
    page = page_for()
    page.goto(f"{live.url}/login/{token}")
    check(page, "13-sign-in-link")
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("text=Signed in as Margaret Ashdown")
    page.goto(live.url + "/clerk/publish")
    check(page, "14-publish")
    new_text = tmp_path / "protocol-v2.txt"
    new_text.write_text(live.dialogue.services.qa.library.sources()[WEN].read_text().replace(OLD, NEW),
                        encoding="utf-8")
    page.set_input_files("#file", str(new_text))
    page.fill("#version", "2")
    page.fill("#note", "Clause 1.1 reworded")
    page.click("button:has-text('See what changes')")
    page.wait_for_selector("ins.pb-ins")
    check(page, "15-publish-preview")
    page.click("button:has-text('Publish')")
    page.wait_for_selector("text=Published version 2", timeout=60_000)
    check(page, "16-published")
    councillor = page_for()
    sign_in_by_code(live, councillor, "Cllr Ruth Okafor")
    councillor.goto(live.url + "/protocol")
    check(councillor, "17-protocol-acknowledge")
    councillor.click("button:has-text('Acknowledge version 2')")
    councillor.wait_for_selector("text=recorded that you have read version 2")
    councillor.goto(live.url + "/clerk/roster")  # the Clerk's page, refused politely
    councillor.wait_for_selector("text=You cannot see this page")
    check(councillor, "24-refused")
    page.goto(live.url + "/clerk/acks")
    check(page, "18-acks")
    page.click("a:has-text('Version 2')")
    row = page.locator("tr", has_text="Cllr Ruth Okafor")
    assert "Yes" in row.inner_text() and "web" in row.inner_text()
    check(page, "19-acks-version")
    page.click("button:has-text('Remind everyone')")
    page.wait_for_selector("text=Reminder queued")
    page.goto(live.url + "/protocol/compare?from=1&to=2")
    page.wait_for_selector("del.pb-del")
    check(page, "20-compare")
    page.goto(live.url + "/protocol/versions/1")
    check(page, "21-version")
    page.goto(live.url + "/clerk/asked")
    check(page, "22-asked")
    page.goto(live.url + "/clerk/roster")
    check(page, "23-roster")
