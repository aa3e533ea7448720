"""The web chat in a real headless Chromium (Debian's, see DESIGN.md), over the fake embedder.

Each test opens a fresh page on an app served from a background thread on a free port.
Screenshots of the main views go to ``screenshots/`` (git-ignored) for a human to look at.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.core.config import Settings
from assistant.web import render as webui
from assistant.web.feedback import read_feedback

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "screenshots"
PAPER = "wg-tip-2019-prevention"
PAYLOAD = "<img src=x onerror=alert(1)><script>alert(2)</script>"
Q_VULNERABLE = "在任何特定环境中，哪些因素会增加个人或社区对贩运人口的脆弱性？"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Spy:
    """The real assistant, recording the history each question arrived with."""

    def __init__(self, inner) -> None:
        self._inner = inner
        self.calls: list[tuple[str, list[str]]] = []

    def ask(self, question, history=(), **kw):
        self.calls.append((question, list(history)))
        return self._inner.ask(question, history, **kw)

    def ask_stream(self, question, history=(), **kw):
        self.calls.append((question, list(history)))
        return self._inner.ask_stream(question, history, **kw)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def serve(assistant, settings: Settings):
    import app

    demo = app.build_app(assistant, settings)
    app.launch(demo, settings, prevent_thread_lock=True, quiet=True)
    return demo, f"http://127.0.0.1:{settings.port}/"


@pytest.fixture(scope="module")
def served(fake_assistant, tmp_path_factory) -> Iterator[tuple[str, Spy, Settings]]:
    spy = Spy(fake_assistant)
    settings = Settings(
        corpus_dir=fake_assistant.settings.corpus_dir,
        index_dir=fake_assistant.settings.index_dir,
        embedder="fake",
        port=free_port(),
        feedback_path=tmp_path_factory.mktemp("web-feedback") / "feedback.jsonl",
    )
    demo, url = serve(spy, settings)
    try:
        yield url, spy, settings
    finally:
        demo.close()


@pytest.fixture
def page(browser, served):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    pg = context.new_page()
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    pg.goto(served[0], wait_until="domcontentloaded")
    pg.wait_for_selector("#question textarea", timeout=30_000)
    # The page's load events (role tabs, interface language) update components after the
    # first paint; a field filled before they end can be reset under the test's hands.
    pg.wait_for_load_state("networkidle")
    yield pg
    context.close()


def ask(page, question: str) -> None:
    from playwright.sync_api import expect

    done = page.locator("#chat .answer:not(.pending):not(.streaming)")
    before = done.count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    expect(page.locator("#question textarea")).to_have_value("")
    expect(done).to_have_count(before + 1, timeout=20_000)  # the whole answer has arrived


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_question_gets_an_answer_with_a_citation_chip_that_opens_the_paragraph(page, fake_assistant) -> None:
    from playwright.sync_api import expect

    ask(page, Q_VULNERABLE)
    answer = page.locator("#chat .answer").last
    expect(answer).to_contain_text("根据文件")
    expect(answer.locator(".cite", has_text="[第2(b)段]")).to_have_count(1)
    chip = page.locator("#chips label", has_text="第2(b)段")
    expect(chip).to_be_visible()
    shot(page, "01-answer")

    chip.click()
    unit = fake_assistant.unit("2(b)", PAPER)
    opened = page.locator("#sources .unit.opened")
    expect(opened).to_be_visible()
    assert opened.locator(".unit-text").inner_text().replace("\n", "") == unit.text.replace("\n", "")
    expect(opened).to_contain_text(unit.section_path)

    page.click("#neighbours")
    expect(page.locator("#sources .unit.neighbour")).to_have_count(2)
    expect(page.locator("#sources .unit.neighbour").first).to_contain_text(fake_assistant.unit("2(a)", PAPER).text[:10])
    shot(page, "02-sources-with-neighbours")


def test_the_answer_streams_over_the_wire(served) -> None:
    from gradio_client import Client

    client = Client(served[0], verbose=False)
    job = client.submit(Q_VULNERABLE, [], [], "zh", api_name="/ask")
    final = job.result(timeout=30)
    updates = job.outputs()
    # The placeholder, then the answer: a handful of updates, not one per line (which was 4
    # here: every update re-sends the whole chat).
    assert 2 <= len(updates) <= 3
    content = final[0][-1]["content"]  # gradio 6 normalises content to a list of blocks
    text = content if isinstance(content, str) else "".join(c.get("text", "") for c in content)
    assert "根据文件" in text and final[2] == [Q_VULNERABLE]


def test_feedback_is_saved_to_disk(page, served) -> None:
    from playwright.sync_api import expect

    ask(page, Q_VULNERABLE)
    page.fill("#fb-comment textarea", "useful <b>quote</b>")
    page.click("#fb-not-helpful")
    expect(page.locator("#fb-status")).to_contain_text("Thank you")
    record = read_feedback(served[2].feedback_path)[-1]
    assert record["question"] == Q_VULNERABLE
    assert record["rating"] == "not_helpful" and record["comment"] == "useful <b>quote</b>"
    assert f"{PAPER}:2(b)" in record["citations"] and "根据文件" in record["answer"]


def test_a_follow_up_carries_the_earlier_question_until_a_new_conversation(page, served) -> None:
    from playwright.sync_api import expect

    spy = served[1]
    ask(page, Q_VULNERABLE)
    ask(page, "那边境管理当局呢？")
    assert spy.calls[-1] == ("那边境管理当局呢？", [Q_VULNERABLE])
    expect(page.locator("#chat .answer")).to_have_count(2)
    shot(page, "03-follow-up")
    page.click("#new-conversation")
    expect(page.locator("#chat .answer")).to_have_count(0)
    ask(page, "那边境管理当局呢？")
    assert spy.calls[-1] == ("那边境管理当局呢？", [])
    # Asked without waiting for the server's reset: still a new conversation.
    ask(page, Q_VULNERABLE)
    page.click("#new-conversation")
    ask(page, "那边境管理当局呢？")
    assert spy.calls[-1] == ("那边境管理当局呢？", [])
    expect(page.locator("#chat .answer")).to_have_count(1)


def test_switching_the_language_changes_the_labels(page) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#send")).to_have_text("Send")
    ask(page, Q_VULNERABLE)
    page.locator("#chips label", has_text="第2(b)段").click()
    expect(page.locator("#sources .unit.opened")).to_be_visible()  # as a reader would: it opened, then switch
    page.locator("#ui-lang label", has_text="中文").click()
    expect(page.locator("#send")).to_have_text("发送")
    expect(page.locator("#new-conversation")).to_have_text("新对话")
    expect(page.get_by_role("tab", name="浏览文件")).to_be_visible()
    expect(page.locator("#examples button").first).to_have_text(webui.EXAMPLES["zh"][0])
    expect(page.locator("#sources")).to_contain_text("所在章节")
    expect(page.get_by_role("tab", name="准备培训")).to_be_visible()
    expect(page.get_by_role("tab", name="测验")).to_be_visible()
    shot(page, "04-chinese-interface")
    page.locator("#ui-lang label", has_text="English").click()
    expect(page.locator("#send")).to_have_text("Send")


def test_an_example_question_is_asked_with_one_click(page) -> None:
    from playwright.sync_api import expect

    page.locator("#examples button").first.click()
    expect(page.locator("#chat .answer:not(.pending):not(.streaming)")).to_have_count(1, timeout=20_000)
    expect(page.locator("#chat")).to_contain_text(webui.EXAMPLES["en"][0])


def test_an_html_payload_stays_text(page) -> None:
    from playwright.sync_api import expect

    ask(page, PAYLOAD)
    time.sleep(0.5)  # give a would-be onerror handler time to fire
    assert page.dialogs == []  # type: ignore[attr-defined]
    expect(page.locator("#chat")).to_contain_text(PAYLOAD)
    assert page.locator("#chat img[src='x']").count() == 0
    assert page.locator("#chat script").count() == 0
    shot(page, "05-html-payload")


def test_a_fact_question_shows_the_short_answer_above_the_evidence(page) -> None:
    from playwright.sync_api import expect

    ask(page, "禁止向雇员收取征聘费的建议是哪一年提出的？")
    answer = page.locator("#chat .answer").last
    expect(answer.locator(".short-answer")).to_have_text("2013 — 第16段")
    expect(answer.locator("p").nth(1)).to_contain_text("根据文件")
    expect(answer).to_contain_text("[第16(e)段]")
    shot(page, "07-short-answer")


def test_a_paragraph_reference_opens_that_paragraph_with_its_glossary_terms(page, fake_assistant) -> None:
    from playwright.sync_api import expect

    ask(page, "What does paragraph 25 say?")
    answer = page.locator("#chat .answer").last
    unit = fake_assistant.unit("25", PAPER)
    expect(answer.locator("p").first).to_contain_text(f"para. 25 — {unit.section_path}")
    expect(answer.locator(".cite").first).to_have_text("[para. 25]")
    expect(answer.locator(".terms").first).to_contain_text("承运人处罚 = carrier sanctions")
    page.locator("#chips label", has_text="para. 25").click()
    expect(page.locator("#sources .unit.opened")).to_contain_text(unit.text[:20])
    shot(page, "08-reference")


def test_a_question_the_documents_do_not_answer_is_shown_as_a_refusal(page) -> None:
    from playwright.sync_api import expect

    ask(page, "What did the 2031 Treaty of Atlantis decide about Zorblax?")
    refusal = page.locator("#chat .answer.refusal")
    expect(refusal).to_contain_text("The documents do not say.")
    expect(page.locator("#chips")).to_contain_text("Closest paragraphs (not an answer)")
    assert refusal.locator(".cite").count() == 0
    shot(page, "06-refusal")


def test_the_document_browser_reads_and_filters_the_paper(page, fake_assistant) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Read the documents").click()
    units = page.locator("#doc-view .doc-unit")
    expect(units).to_have_count(len(fake_assistant.document(PAPER).units))
    expect(page.locator("#doc-view .doc-heading").first).to_be_visible()
    page.fill("#doc-filter textarea", "边境管理")
    expected = len(webui.filter_units(fake_assistant.document(PAPER), "边境管理"))
    expect(units).to_have_count(expected)
    assert 0 < expected < len(fake_assistant.document(PAPER).units)
    shot(page, "07-document-browser")


def test_an_uploaded_document_is_added_and_searchable(browser, settings: Settings, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    from assistant.answering.service import Assistant

    settings = settings.with_(allow_uploads=True, port=free_port(), max_file_mb=1)
    demo, url = serve(Assistant.open(settings), settings)
    src = tmp_path / "border-note.txt"
    src.write_text(
        "Note on border cooperation\n\n1. Border guards in the Zanzibar region exchange passenger lists daily.\n\n"
        "2. Consular staff receive annual training on indicators of trafficking.\n",
        encoding="utf-8",
    )
    big = tmp_path / "big.txt"
    big.write_text("x" * 1_500_000)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    try:
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_selector("#question textarea", timeout=30_000)
        page.get_by_role("tab", name="Add a document").click()
        page.set_input_files("#up-file input[type=file]", str(src))
        expect(page.locator("#up-file")).to_contain_text(
            re.compile(r"border-note\s*\.txt")
        )  # gradio may wrap the name before its extension
        page.click("#up-button")
        expect(page.locator("#up-status")).to_contain_text("Added: border-note", timeout=60_000)
        time.sleep(1)  # let the pending fade finish before the screenshot
        shot(page, "08-upload")
        assert (settings.corpus_dir / "manifest.json").read_text().count("border-note") >= 1
        page.get_by_role("tab", name="Chat").click()
        ask(page, "Which region exchanges passenger lists daily?")
        expect(page.locator("#chat .answer").last).to_contain_text("Zanzibar")
        # Too large: gradio refuses it before our handler, with a message.
        page.get_by_role("tab", name="Add a document").click()
        page.set_input_files("#up-file input[type=file]", str(big))
        expect(page.get_by_text("exceed the maximum allowed size", exact=False).first).to_be_visible(timeout=10_000)
    finally:
        context.close()
        demo.close()
        shutil.rmtree(settings.index_dir, ignore_errors=True)


class GatedModel:
    """Stands in for the language model: one sentence, then nothing until the test opens the gate."""

    FIRST = "应禁止向雇员收取征聘费。[1]\n"
    SECOND = "此类机构须经登记。[1]"

    def __init__(self) -> None:
        self.gate = threading.Event()

    def warm_up(self) -> None:
        pass

    def stream(self, question, lang, passages):
        yield self.FIRST
        yield "此类"  # lets the renderer release the first sentence (its marker is complete)
        self.gate.wait(timeout=60)
        yield self.SECOND[2:]


def test_a_model_reply_streams_into_the_page_and_ends_as_a_cited_answer(browser, fake_assistant) -> None:
    from playwright.sync_api import expect

    from assistant.answering.service import Assistant

    model = GatedModel()
    assistant = Assistant(
        fake_assistant.settings, fake_assistant.index, fake_assistant.embedder, answerability=fake_assistant.answerability, answerer=model
    )  # type: ignore[arg-type]
    settings = Settings(
        corpus_dir=fake_assistant.settings.corpus_dir, index_dir=fake_assistant.settings.index_dir, embedder="fake", port=free_port()
    )
    demo, url = serve(assistant, settings)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_selector("#question textarea", timeout=30_000)
        page.fill("#question textarea", "禁止向雇员收取征聘费")
        page.press("#question textarea", "Enter")
        # The first sentence is on the page while the model is still "thinking" about the second.
        partial = page.locator("#chat .answer.streaming")
        expect(partial).to_contain_text("应禁止向雇员收取征聘费", timeout=20_000)
        expect(partial).not_to_contain_text("须经登记")
        expect(page.locator("#chips")).to_be_hidden()
        shot(page, "11-model-streaming")
        model.gate.set()
        done = page.locator("#chat .answer:not(.pending):not(.streaming)")
        expect(done).to_have_count(1, timeout=20_000)
        expect(done).to_contain_text("此类机构须经登记")
        expect(done.locator(".cite").first).to_have_text("[第16(e)段]")
        expect(page.locator("#chips label", has_text="第16(e)段")).to_be_visible()
    finally:
        model.gate.set()
        context.close()
        demo.close()


def _download(page, link_selector: str, dest: Path) -> Path:
    from playwright.sync_api import expect

    link = page.locator(link_selector).first
    expect(link).to_be_visible(timeout=20_000)
    with page.expect_download() as info:
        link.click()
    path = dest / info.value.suggested_filename
    info.value.save_as(str(path))
    return path


def test_a_trainer_makes_a_brief_and_downloads_it(page, tmp_path: Path) -> None:
    import docx
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Prepare a session").click()
    page.fill("#brief-topic input, #brief-topic textarea", "征聘费")
    page.locator("#brief-lang label", has_text="中文").click()
    page.locator("#brief-format label", has_text="Word").click()
    page.click("#brief-button")
    view = page.locator("#brief-view")
    expect(view).to_contain_text("第16(e)段", timeout=20_000)
    expect(view.locator("h1")).to_contain_text("专题简报：征聘费")
    expect(page.locator("#brief-file")).to_contain_text(".docx")
    time.sleep(0.5)  # let gradio's pending fade finish before the screenshot
    shot(page, "09-brief")
    path = _download(page, "#brief-file a", tmp_path)
    assert path.suffix == ".docx"
    assert "第16(e)段" in "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def test_a_brief_topic_with_markup_stays_text(page) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Prepare a session").click()
    page.fill("#brief-topic input, #brief-topic textarea", PAYLOAD)
    page.click("#brief-button")
    expect(page.locator("#brief-view h1")).to_contain_text(PAYLOAD, timeout=20_000)
    time.sleep(0.5)  # give a would-be onerror handler time to fire
    assert page.dialogs == []  # type: ignore[attr-defined]
    assert page.locator("#brief-view img, #brief-view script").count() == 0


def test_a_trainer_makes_a_quiz_with_a_seed(page, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Quiz").click()
    page.fill("#quiz-n input", "5")
    page.fill("#quiz-seed input", "7")
    page.locator("#quiz-format label", has_text="CSV").click()
    expect(page.locator("#quiz-n input")).to_have_value("5")
    expect(page.locator("#quiz-seed input")).to_have_value("7")
    page.click("#quiz-button")
    key = page.locator("#quiz-view h2", has_text="Answer key")
    expect(key).to_be_visible(timeout=20_000)
    answers = page.locator("#quiz-view ol").last.locator("li")
    expect(answers).to_have_count(5)
    assert re.search(r"\[para\. \d+(\([a-z]\))?\]", answers.first.inner_text()), answers.first.inner_text()
    expect(page.locator("#quiz-file")).to_contain_text(".csv")
    time.sleep(0.5)  # let gradio's pending fade finish before the screenshot
    shot(page, "10-quiz")
    path = _download(page, "#quiz-file a", tmp_path)
    rows = path.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("number,kind,category") and len(rows) == 6
    # A bad number gets a message, not a stack trace (reproducibility is checked in test_webui).
    page.fill("#quiz-n input", "0")
    page.click("#quiz-button")
    expect(page.locator("#quiz-status")).to_contain_text("a quiz has 1 to 50 items", timeout=20_000)
    expect(page.locator("#quiz-status")).not_to_contain_text("Traceback")
