"""Login and logout, conversation export and share links, the admins' feedback tab, in headless Chromium against ``python app.py``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.web.feedback import FeedbackRecord, record_feedback
from assistant.web.users import UserStore
from tests.app_process import running_app
from tests.conftest import PAPER_DOC, copy_corpus
from tests.test_browser import Q_VULNERABLE, ask, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("web-accounts")
    copy_corpus(base / "corpus")
    store = UserStore(base / "users.json")
    store.add("ann", "admin", "ann-password")
    store.add("rob", "reader", "rob-password")
    record_feedback(
        base / "feedback.jsonl",
        FeedbackRecord("Which paragraph covers recruitment fees?", "…", "not_helpful", (f"{PAPER_DOC}:16(e)",), "missed it", "en"),
    )
    record_feedback(base / "feedback.jsonl", FeedbackRecord("承运人处罚是什么？", "…", "helpful", (), "", "zh"))
    with running_app(base) as url:
        yield url


def login(browser, url: str, name: str, password: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{url}/", wait_until="domcontentloaded")
    page.wait_for_selector("#login")
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("#login")
    return context, page


def test_the_chat_asks_for_a_login_and_refuses_a_wrong_password(browser, app_url: str) -> None:
    context, page = login(browser, app_url, "ann", "not-the-password")
    assert "/login" in page.url and page.locator(".error").inner_text() == "Wrong name or password."
    page.fill("#username", "ann")
    page.fill("#password", "ann-password")
    page.click("#login")
    page.wait_for_selector("#question textarea", timeout=30_000)
    shot(page, "10-logged-in")
    context.close()


def test_a_conversation_downloads_with_the_cited_text(browser, app_url: str, fake_assistant) -> None:
    from playwright.sync_api import expect

    context, page = login(browser, app_url, "rob", "rob-password")
    page.wait_for_selector("#question textarea", timeout=30_000)
    ask(page, Q_VULNERABLE)
    ask(page, "What are carrier sanctions?")
    page.locator("#export-format label", has_text="Markdown").click()
    page.click("#export-button")
    link = page.locator("#export-file a").first
    expect(link).to_be_visible(timeout=20_000)
    with page.expect_download() as info:
        link.click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    for unit_id in ("2(b)", "25"):
        unit = fake_assistant.unit(unit_id, PAPER_DOC)
        assert all(f"> {line}" in text for line in unit.text.splitlines() if line.strip()), unit_id
    assert Q_VULNERABLE in text and fake_assistant.document(PAPER_DOC).title in text
    shot(page, "11-export")

    page.click("#share-button")
    share = page.locator("#share-link")
    expect(share).to_be_visible(timeout=20_000)
    href = share.get_attribute("href")
    viewer = context.new_page()  # another logged-in reader opens the link
    viewer.goto(f"{app_url}{href}")
    expect(viewer.locator("h2").first).to_contain_text(Q_VULNERABLE)
    expect(viewer.locator("blockquote").first).to_be_visible()
    viewer.close()

    page.locator("#logout").click()
    page.wait_for_selector("#login")
    page.goto(f"{app_url}{href}")  # logged out: the link asks for a login, then opens
    page.fill("#username", "ann")
    page.fill("#password", "ann-password")
    page.click("#login")
    expect(page.locator("h2").first).to_contain_text(Q_VULNERABLE)
    context.close()


def test_only_admins_see_the_feedback_tab_and_its_filters_work(browser, app_url: str) -> None:
    from playwright.sync_api import expect

    context, page = login(browser, app_url, "rob", "rob-password")
    page.wait_for_selector("#question textarea", timeout=30_000)
    expect(page.get_by_role("tab", name="Read the documents")).to_be_visible()
    expect(page.get_by_role("tab", name="Feedback")).to_have_count(0)
    expect(page.get_by_role("tab", name="Prepare a session")).to_have_count(0)
    context.close()

    context, page = login(browser, app_url, "ann", "ann-password")
    page.wait_for_selector("#question textarea", timeout=30_000)
    page.get_by_role("tab", name="Feedback").click()
    page.locator("#fbl-rating input").click()
    page.get_by_role("option", name="not helpful").click()
    page.click("#fbl-show")
    table = page.locator("#fbl-table")
    expect(table).to_contain_text("Which paragraph covers recruitment fees?")
    expect(table).to_contain_text("missed it")
    expect(table).not_to_contain_text("承运人处罚是什么？")
    shot(page, "12-feedback-tab")
    context.close()
