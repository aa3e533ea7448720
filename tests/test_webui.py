"""The web chat without a browser: rendering, labels, streaming and the event handlers."""

from __future__ import annotations

import dataclasses
import re
import threading
from pathlib import Path

import pytest

from assistant.core import i18n
from assistant.core.config import Settings
from assistant.core.errors import AssistantError
from assistant.core.records import Document, Unit
from assistant.web import render as webui
from assistant.web.feedback import read_feedback

PAYLOAD = "<img src=x onerror=alert(1)><script>alert(2)</script>"
PAPER = "wg-tip-2019-prevention"


def _no_live_markup(html: str) -> None:
    """Only our own tags: nothing from the payload became an element or an attribute."""
    assert "<img" not in html and "<script" not in html and "onerror=" not in html.replace("onerror=alert", "")
    assert not re.search(r"<(?!/?(div|p|span|br)\b)", html), html


# --- rendering ------------------------------------------------------------------------------


def test_a_question_with_markup_is_rendered_as_text() -> None:
    html = webui.user_html(PAYLOAD)
    assert "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html
    _no_live_markup(html)


def test_an_answer_with_markup_is_rendered_as_text_with_its_citation_marker() -> None:
    html = webui.answer_html(f"According to the documents:\n{PAYLOAD} [para. 16(e)]", refused=False, lang="en")
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert '<span class="cite">[para. 16(e)]</span>' in html
    _no_live_markup(html)


def test_a_notice_is_escaped_too() -> None:
    html = webui.answer_html("x", refused=False, notices=(PAYLOAD,))
    assert "&lt;img" in html
    _no_live_markup(html)


def test_a_refusal_looks_different_from_a_cited_answer() -> None:
    refusal = webui.answer_html("The documents do not say.\nClosest paragraphs (for reference, not an answer):\n- para. 3", refused=True)
    answer = webui.answer_html("According to the documents:\nText. [para. 3]", refused=False)
    assert 'class="answer refusal"' in refusal and "refusal" not in answer
    assert 'class="cite"' not in refusal  # closest paragraphs are not presented as citations


def test_a_quote_cited_as_context_is_set_back_from_the_evidence(fake_assistant) -> None:
    answer = fake_assistant.ask("禁止向雇员收取征聘费")  # 16(e), with its lead-in as context
    lead_in = next(c.quote for c in answer.citations if c.unit_id == "16")
    assert answer.context_quotes == {lead_in}
    html = webui.answer_html(answer.text, refused=False, context_quotes=answer.context_quotes)
    assert html.count('<p class="context">') == 1 and f'<p class="context">{lead_in}' in html


def _hostile_unit(unit_id: str = "7") -> Unit:
    return Unit(doc_id="evil", unit_id=unit_id, kind="paragraph", text=PAYLOAD + "\nsecond line", section=("一. <b>标题</b>",))


def test_the_sources_panel_escapes_text_heading_and_aligned_version() -> None:
    unit = _hostile_unit()
    html = webui.sources_html(
        unit, "zh", doc_title="<i>title</i>", aligned=dataclasses.replace(unit, doc_id="evil-en"), neighbours=(None, _hostile_unit("8"))
    )
    _no_live_markup(html)
    assert "&lt;b&gt;标题&lt;/b&gt;" in html and "&lt;i&gt;title&lt;/i&gt;" in html
    assert "第7段" in html and "第8段" in html
    assert i18n.text("in_your_language", "zh") in html
    assert i18n.text("previous", "zh") in html and i18n.text("none", "zh") in html


def test_the_document_browser_escapes_and_filters() -> None:
    doc = Document("evil", "<svg onload=alert(3)>", "en", "txt", (_hostile_unit("1"), Unit("evil", "2", "paragraph", "border management")))
    html = webui.document_html(doc, "", "en")
    _no_live_markup(html)
    assert "&lt;svg onload=alert(3)&gt;" in html
    assert [u.unit_id for u in webui.filter_units(doc, "BORDER man")] == ["2"]
    assert [u.unit_id for u in webui.filter_units(doc, "")] == ["1", "2"]
    assert "1 paragraph(s)" in webui.document_html(doc, "border", "en")


def test_filter_ignores_the_line_breaks_of_the_pdf_extraction(fake_assistant) -> None:
    doc = fake_assistant.document(PAPER)
    hits = webui.filter_units(doc, "边境管理")
    assert hits and all("边境管理" in re.sub(r"\s+", "", u.text + u.section_path) for u in hits)
    assert len(hits) < len(doc.units)


# --- labels and languages ---------------------------------------------------------------------


def test_every_label_exists_in_chinese_and_english() -> None:
    for key, table in i18n.table().items():
        assert table.get("zh") and table.get("en"), key
    assert len(webui.EXAMPLES["zh"]) == len(webui.EXAMPLES["en"])


def test_other_languages_fall_back_to_english_labels() -> None:
    assert i18n.text("send", "fr") == i18n.text("send", "en") == "Send"
    assert i18n.text("send", "zh") == "发送"
    assert webui.error_text("boom", "zh") == "出错了：boom"


def test_the_chinese_examples_are_the_papers_discussion_questions(fake_assistant) -> None:
    doc = fake_assistant.document(PAPER)
    discussion = "".join(re.sub(r"\s+", "", u.text) for u in doc.units if re.fullmatch(r"2\([a-p]\)", u.unit_id))
    for q in webui.EXAMPLES["zh"]:
        core = q.rstrip("？")[-8:]
        assert core in discussion, q


@pytest.mark.parametrize(("lang", "label"), [("zh", "第2(b)段"), ("en", "para. 2(b)")])
def test_citation_chips_are_labelled_in_the_answers_language(fake_assistant, lang: str, label: str) -> None:
    answer = fake_assistant.ask("在任何特定环境中，哪些因素会增加个人或社区对贩运人口的脆弱性？", lang=lang)
    assert not answer.refused
    choices = webui.chip_choices(answer)
    assert choices[0] == (label, webui.cite_key(PAPER, "2(b)"))
    assert len({v for _, v in choices}) == len(choices)  # one chip per paragraph


def test_a_refusal_offers_the_closest_paragraphs_as_chips(fake_assistant) -> None:
    answer = fake_assistant.ask("What did the 2031 Treaty of Atlantis decide about Zorblax?", lang="en")
    assert answer.refused
    assert [v for _, v in webui.chip_choices(answer)] == [webui.cite_key(p.doc_id, p.unit_id) for p in answer.passages[:3]]


def test_a_cite_key_round_trips_ids_with_brackets() -> None:
    assert webui.parse_cite_key(webui.cite_key("doc-1", "16(e)")) == ("doc-1", "16(e)")


# --- streaming --------------------------------------------------------------------------------


# --- the event handlers, called directly ------------------------------------------------------


def _handler(demo, name: str):
    return next(f.fn for f in demo.fns.values() if name in (f.api_name, f.name))


class _Spy:
    """The real assistant, recording what ``ask`` received (or failing on demand)."""

    def __init__(self, inner, fail: Exception | None = None) -> None:
        self._inner = inner
        self.fail = fail
        self.calls: list[tuple[str, list[str]]] = []

    def ask(self, question, history=(), **kw):
        self.calls.append((question, list(history)))
        if self.fail is not None:
            raise self.fail
        return self._inner.ask(question, history, **kw)

    def ask_stream(self, question, history=(), **kw):
        self.calls.append((question, list(history)))
        if self.fail is not None:
            raise self.fail
        return self._inner.ask_stream(question, history, **kw)

    def __getattr__(self, name):
        return getattr(self._inner, name)


@pytest.fixture(scope="module")
def web(fake_assistant, tmp_path_factory):
    import app

    spy = _Spy(fake_assistant)
    settings = Settings(feedback_path=tmp_path_factory.mktemp("fb") / "feedback.jsonl")
    return app, spy, settings, app.build_app(spy, settings)


def test_the_ask_handler_streams_and_records_the_question_in_client_history(web) -> None:
    _, spy, _, demo = web
    # Snapshot each update: the handler reuses its message list between yields.
    updates = [(list(u[0]), *u[1:]) for u in _handler(demo, "ask")("哪些因素会增加个人或社区对贩运人口的脆弱性？", [], [], "zh")]
    assert len(updates) >= 2  # the placeholder, then the answer
    assert updates[0][1] == ""  # the question box is emptied at once, and left alone after
    assert "pending" in updates[0][0][-1]["content"]
    messages, box, history, chips, last, _ = updates[-1]
    assert "streaming" not in messages[-1]["content"]
    assert history == ["哪些因素会增加个人或社区对贩运人口的脆弱性？"]
    assert messages[-1]["role"] == "assistant" and "根据文件" in messages[-1]["content"]
    assert ("第2(b)段", webui.cite_key(PAPER, "2(b)")) in chips["choices"] and chips["visible"]
    assert last["citations"] and last["question"].startswith("哪些因素")
    # A follow-up sends the earlier question along.
    list(_handler(demo, "ask")("那边境管理呢？", history, messages, "zh"))
    assert spy.calls[-1] == ("那边境管理呢？", ["哪些因素会增加个人或社区对贩运人口的脆弱性？"])


def test_an_assistant_error_reaches_the_user_as_its_message(web) -> None:
    _, spy, _, demo = web
    spy.fail = AssistantError("the index is stale")
    try:
        *_, final = _handler(demo, "ask")("q?", [], [], "en")
    finally:
        spy.fail = None
    html = final[0][-1]["content"]
    assert "Something went wrong: the index is stale" in html and "Traceback" not in html


def test_an_unexpected_error_becomes_a_generic_message(web, caplog) -> None:
    _, spy, _, demo = web
    spy.fail = RuntimeError("secret internals /etc/passwd")
    try:
        *_, final = _handler(demo, "ask")("问题？", [], [], "zh")
    finally:
        spy.fail = None
    html = final[0][-1]["content"]
    assert "出错了" in html and "secret" not in html and "Traceback" not in html
    assert "secret internals" in caplog.text  # logged for the operator


def test_opening_a_chip_shows_the_verbatim_paragraph(web, fake_assistant) -> None:
    _, _, _, demo = web
    from types import SimpleNamespace

    html, opened, _ = _handler(demo, "open_chip")("en", SimpleNamespace(value=webui.cite_key(PAPER, "16(e)")))
    unit = fake_assistant.unit("16(e)", PAPER)
    assert opened == webui.cite_key(PAPER, "16(e)")
    assert "para. 16(e)" in html and webui._lines(unit.text) in html
    bad, _, _ = _handler(demo, "open_chip")("en", SimpleNamespace(value=webui.cite_key(PAPER, "999")))
    assert "Something went wrong" in bad and "999" in bad


def test_feedback_is_written_to_the_configured_log(web) -> None:
    _, _, settings, demo = web
    record = {"question": "q1", "answer": "a1", "lang": "en", "citations": [f"{PAPER}:3"]}
    status, comment = _handler(demo, "feedback_not_helpful")("too short", record, "en")
    assert status == i18n.text("thanks", "en") and comment == ""
    stored = read_feedback(settings.feedback_path)[-1]
    assert (stored["question"], stored["rating"], stored["comment"], stored["citations"]) == (
        "q1",
        "not_helpful",
        "too short",
        [f"{PAPER}:3"],
    )
    status, _ = _handler(demo, "feedback_helpful")("", {}, "zh")
    assert status == i18n.text("no_answer_yet", "zh")


def test_new_conversation_clears_the_client_state(web) -> None:
    _, _, _, demo = web
    chat, history, last, chips, opened, *_ = _handler(demo, "new_conversation")("en")
    assert chat == [] and history == [] and last == {} and opened == ""


def _elem_ids(demo) -> set[str]:
    return {b.elem_id for b in demo.blocks.values() if getattr(b, "elem_id", None)}


def test_the_upload_tab_exists_only_when_uploads_are_allowed(fake_assistant, tmp_path: Path) -> None:
    import app

    closed = app.build_app(fake_assistant, Settings(feedback_path=tmp_path / "f.jsonl"))
    opened = app.build_app(fake_assistant, Settings(feedback_path=tmp_path / "f.jsonl", allow_uploads=True))
    assert "up-file" not in _elem_ids(closed)
    assert "up-file" in _elem_ids(opened)


# --- streaming from ask_stream ----------------------------------------------------------------

Q_FEES = "禁止向雇员收取征聘费"


class _Model:
    """Stands in for ``LLMAnswerer``: replies with the given deltas, or fails after some of them."""

    def __init__(self, deltas: list[str], fail_after: int | None = None) -> None:
        self.deltas, self.fail_after = deltas, fail_after

    def warm_up(self) -> None:
        pass

    def stream(self, question, lang, passages):
        for i, delta in enumerate(self.deltas):
            if self.fail_after is not None and i >= self.fail_after:
                from assistant.core.errors import LLMError

                raise LLMError("the model went away")
            yield delta


def _with_model(fake_assistant, model, tmp_path: Path):
    import app
    from assistant.answering.service import Assistant

    assistant = Assistant(
        fake_assistant.settings, fake_assistant.index, fake_assistant.embedder, answerability=fake_assistant.answerability, answerer=model
    )  # type: ignore[arg-type]
    return assistant, app.build_app(assistant, Settings(feedback_path=tmp_path / "f.jsonl"))


def _updates(demo, *args):
    return [(list(u[0]), *u[1:]) for u in _handler(demo, "ask")(*args)]


def test_a_model_reply_streams_as_it_arrives_and_is_redrawn_from_the_final_answer(fake_assistant, tmp_path: Path, monkeypatch) -> None:
    from assistant.web import handlers

    monkeypatch.setattr(handlers, "STREAM_EVERY_S", 0.0)  # every piece, as a slow model's would be
    deltas = ["应禁止向", "雇员收取征聘费。[1]\n", "此类机构", "须经登记。[1]"]
    assistant, demo = _with_model(fake_assistant, _Model(deltas), tmp_path)
    updates = _updates(demo, Q_FEES, [], [], "zh")
    streaming = [u[0][-1]["content"] for u in updates[1:-1]]
    assert len(streaming) >= 2, "each checked sentence of the reply is shown as it arrives"
    assert all("answer streaming" in html for html in streaming)
    assert "应禁止向雇员收取征聘费" in streaming[0] and "须经登记" not in streaming[0]
    assert "须经登记" in streaming[-1]
    messages, _, history, chips, last, _ = updates[-1]
    final = assistant.ask(Q_FEES)
    assert messages[-1]["content"] == webui.answer_html(final.text, refused=False, notices=final.notices, lang=final.lang)
    assert "streaming" not in messages[-1]["content"] and 'class="cite"' in messages[-1]["content"]
    assert chips["choices"] == webui.chip_choices(final) and chips["visible"]
    assert last["answer"] == final.text and history == [Q_FEES]


def test_a_fast_model_reply_is_sent_in_a_handful_of_updates_not_one_per_piece(fake_assistant, tmp_path: Path) -> None:
    deltas = [f"第{i}句，应禁止向雇员收取征聘费。[1]\n" for i in range(60)]
    _, demo = _with_model(fake_assistant, _Model(deltas), tmp_path)
    updates = _updates(demo, Q_FEES, [], [], "zh")
    assert len(updates) <= 4 and "第59句" in updates[-1][0][-1]["content"]


def test_a_long_conversation_keeps_a_bounded_chat(web) -> None:
    from assistant.web import handlers

    _, _, _, demo = web
    old = [{"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i // 2}"} for i in range(2 * handlers.MAX_SHOWN_TURNS + 10)]
    messages = list(_handler(demo, "ask")("边境管理", [], old, "zh"))[-1][0]
    assert len(messages) == 2 * handlers.MAX_SHOWN_TURNS and messages[-2]["role"] == "user"
    assert messages[0]["content"] == old[-2 * (handlers.MAX_SHOWN_TURNS - 1)]["content"]


def test_after_a_model_failure_the_message_is_the_fallback_not_the_pieces(fake_assistant, tmp_path: Path) -> None:
    deltas = ["半句话不应留下", "。 [1] 更多", "永远不会到达"]
    assistant, demo = _with_model(fake_assistant, _Model(deltas, fail_after=2), tmp_path)
    updates = _updates(demo, Q_FEES, [], [], "zh")
    final_html = updates[-1][0][-1]["content"]
    extractive = fake_assistant.ask(Q_FEES)
    notice = i18n.text("llm_fallback", "zh")
    assert final_html == webui.answer_html(
        extractive.text, refused=False, notices=extractive.notices + (notice,), lang="zh", context_quotes=extractive.context_quotes
    )
    assert "半句话不应留下" not in final_html and "永远不会到达" not in final_html
    assert updates[-1][3]["choices"] == webui.chip_choices(extractive)


def test_an_extractive_answer_of_many_lines_is_sent_in_one_update_after_the_placeholder(web) -> None:
    _, _, _, demo = web
    question = "哪些因素会增加个人或社区对贩运人口的脆弱性？"
    assert len(web[1].ask(question).text.splitlines()) >= 2  # one update per line would be 4
    assert len(_updates(demo, question, [], [], "zh")) == 2


def test_coalesced_groups_fast_items_and_releases_what_arrived_while_the_next_is_slow() -> None:
    gate = threading.Event()

    def slow_second_half():
        yield from ("a", "b", "c")
        gate.wait(timeout=30)
        yield from ("d", "e")

    groups = webui.coalesced(slow_second_half(), 0.05)
    assert next(groups) == ["a", "b", "c"]  # shown although "d" has not come
    gate.set()
    assert list(groups) == [["d", "e"]]
    assert list(webui.coalesced(iter(range(5)), 0)) == [[0], [1], [2], [3], [4]]


def test_coalesced_raises_the_error_of_the_items_after_what_came_before() -> None:
    def broken():
        yield "first"
        raise ValueError("midway")

    seen = []
    with pytest.raises(ValueError, match="midway"):
        for group in webui.coalesced(broken(), 10.0):
            seen.extend(group)
    assert seen == ["first"]


class _BrokenStream(_Spy):
    def ask_stream(self, question, history=(), **kw):
        yield "一句半截的"
        raise RuntimeError("secret internals mid-stream")


def test_a_stream_that_breaks_midway_becomes_a_generic_message(fake_assistant, tmp_path: Path, caplog) -> None:
    import app

    demo = app.build_app(_BrokenStream(fake_assistant), Settings(feedback_path=tmp_path / "f.jsonl"))
    updates = _updates(demo, "问题？", [], [], "zh")
    assert "一句半截的" in updates[1][0][-1]["content"]
    messages, _, history, chips, last, _ = updates[-1]
    html = messages[-1]["content"]
    assert "出错了" in html and "一句半截的" not in html and "secret" not in html
    assert chips["visible"] is False and last == {} and history is gr_skip_value(history)
    assert "secret internals mid-stream" in caplog.text


def gr_skip_value(value):
    """gradio's ``skip()`` sentinel: the hidden history is left as it was."""
    import gradio as gr

    assert value == gr.skip()
    return value


# --- the trainers' tabs -----------------------------------------------------------------------


def _file(update) -> Path | None:
    value = update.get("value") if isinstance(update, dict) else update
    return Path(value) if value else None


def test_a_brief_is_shown_and_offered_as_a_word_file(web) -> None:
    _, _, _, demo = web
    status, file, view = _handler(demo, "brief")("征聘费", "zh", "docx", "zh")
    assert status == ""
    path = _file(file)
    assert path is not None and path.suffix == ".docx" and path.read_bytes()[:2] == b"PK" and file["visible"]
    assert "第16(e)段" in view and "## 相关段落" in view
    import docx

    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "第16(e)段" in text


def test_a_markdown_brief_file_is_the_markdown_shown(web, fake_assistant) -> None:
    from assistant.trainers.brief import make_brief
    from assistant.trainers.export import render_brief

    _, _, _, demo = web
    _, file, view = _handler(demo, "brief")("征聘费", "en", "md", "en")
    expected = render_brief(make_brief(fake_assistant, "征聘费", "en"), "md")
    assert _file(file).read_text(encoding="utf-8") == expected
    assert view == expected.replace("<", "&lt;") and "para. 16(e)" in view


def test_a_brief_topic_with_markup_cannot_become_html(web) -> None:
    _, _, _, demo = web
    status, file, view = _handler(demo, "brief")(PAYLOAD, "en", "md", "en")
    assert status == "" and _file(file) is not None
    assert "<" not in view and "&lt;img src=x onerror=alert(1)>" in view


def test_brief_errors_are_short_messages_in_the_interface_language(web, monkeypatch, caplog) -> None:
    from assistant.web import handlers

    _, _, _, demo = web
    status, file, view = _handler(demo, "brief")("   ", "en", "docx", "zh")
    assert status == webui.error_html(i18n.text("brief_no_topic", "zh")) and view == "" and file["visible"] is False
    status, file, view = _handler(demo, "brief")("征聘费", "en", "pdf<b>", "en")  # a forged format
    assert "Something went wrong: unknown format" in status and "&lt;b&gt;" in status and "<b>" not in status
    assert view == "" and _file(file) is None

    def boom(*a, **k):
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(handlers, "make_brief", boom)
    status, _, _ = _handler(demo, "brief")("征聘费", "en", "docx", "zh")
    assert "出错了" in status and "secret" not in status and "Traceback" not in status
    assert "secret internals" in caplog.text


def test_a_quiz_with_a_seed_is_reproducible_and_has_an_answer_key(web) -> None:
    _, _, _, demo = web
    status, file, view = _handler(demo, "quiz")("", 5, 7, "en", "csv", "en")
    again = _handler(demo, "quiz")("", 5.0, 7.0, "en", "md", "en")[2]
    assert status == "" and view == again
    assert "## Answer key" in view and re.search(r"— \[para\. \d+(\([a-z]\))?\]", view)
    path = _file(file)
    assert path.suffix == ".csv" and path.read_text(encoding="utf-8").startswith("number,kind,category")
    other = _handler(demo, "quiz")("", 5, 8, "en", "md", "en")[2]
    assert other != view  # another seed, another draw


def test_a_topic_quiz_in_chinese(web) -> None:
    _, _, _, demo = web
    status, file, view = _handler(demo, "quiz")("征聘费", 3, 0, "zh", "docx", "zh")
    assert status == "" and "## 答案" in view and re.search(r"— \[第\d+(\([a-z]\))?段\]", view) and _file(file).suffix == ".docx"


@pytest.mark.parametrize("n", [None, 2.5, float("nan"), float("inf")])
def test_a_quiz_needs_whole_numbers(web, n) -> None:
    _, _, _, demo = web
    status, file, view = _handler(demo, "quiz")("", n, 0, "en", "md", "zh")
    assert status == webui.error_html(i18n.text("quiz_bad_number", "zh")) and view == "" and _file(file) is None


def test_a_quiz_out_of_range_says_why(web) -> None:
    _, _, _, demo = web
    status, _, view = _handler(demo, "quiz")("", 0, 0, "en", "md", "en")
    assert "Something went wrong: a quiz has 1 to 50 items" in status and view == ""


def test_export_markdown_leaves_no_tag() -> None:
    assert (
        webui.export_markdown("# Topic brief: <img src=x onerror=alert(1)>\n&lt;b&gt;")
        == "# Topic brief: &lt;img src=x onerror=alert(1)>\n&lt;b&gt;"
    )


def test_switching_the_language_relabels_every_output(web) -> None:
    _, _, _, demo = web
    fn = next(f for f in demo.fns.values() if f.name == "relabel")
    updates = fn.fn("zh", "", PAPER, "", {})
    assert len(updates) == len(fn.outputs)
    assert {"label": i18n.text("tab_brief", "zh"), "__type__": "update"} in updates
    assert i18n.text("quiz_intro", "zh") in updates
