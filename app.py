"""The web chat for delegates: a thin gradio layer over ``assistant``.

``python app.py`` loads the model and index once (``Assistant.open``) and serves, on
``Settings.host:port`` (default 127.0.0.1:7860), the HTTP API (assistant/web/api.py, FastAPI)
with this chat mounted at ``/`` (``serve``): one process, one login, one accounts file.
Tests call ``build_app`` and ``launch`` (gradio's own server, no accounts) or run app.py.

Per-conversation state (earlier questions, the last answer for feedback, the paragraph
open in the sources panel) lives in hidden components whose values the browser sends with
every request, not in ``gr.State`` (which gradio keeps in the server's memory): any replica
behind a load balancer can answer any turn, and a restarted replica loses nothing.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import date
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import gradio as gr  # noqa: E402

from assistant.web import render as webui  # noqa: E402
from assistant.answering.extractive import Answer  # noqa: E402
from assistant.trainers.brief import make_brief  # noqa: E402
from assistant.core.config import Settings  # noqa: E402
from assistant.core.errors import AssistantError  # noqa: E402
from assistant.trainers.export import render_brief, render_quiz, save_temp  # noqa: E402
from assistant.web.feedback import FeedbackRecord, filter_feedback, read_feedback, record_feedback  # noqa: E402
from assistant.web.live import LiveAssistant  # noqa: E402
from assistant.trainers.quiz import make_quiz  # noqa: E402
from assistant.core.i18n import UI_LANGS  # noqa: E402
from assistant.answering.service import Assistant, well_formed  # noqa: E402
from assistant.web.shares import ShareStore  # noqa: E402
from assistant.trainers.transcript import MAX_TURNS, Turn, build_transcript, render_transcript  # noqa: E402
from assistant.web.users import Role, UserStore, role_allows  # noqa: E402

log = logging.getLogger("assistant.web")

CONCURRENCY = 20  # simultaneous handlers; asking is milliseconds of CPU, so 20 sessions never queue long
MAX_HISTORY = 10  # earlier questions sent back with a follow-up
#: Every streamed update re-sends the whole chat: at most one per this many seconds, not
#: one per line (an extractive answer arrives all at once, so it is shown in one update).
STREAM_EVERY_S = 0.3
#: Chat turns kept on screen (and so sent back and forth with every request).
MAX_SHOWN_TURNS = 30
#: Sessions whose component state gradio keeps in server memory (its default, 10,000,
#: holds a copy of every component's config per browser tab that ever opened the page:
#: ~0.1 MB each here). Conversation state lives in the browser, so an evicted session
#: loses nothing but the citation chips' remembered choices, which open_chip never reads.
MAX_SERVER_SESSIONS = 500
UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".pdf", ".docx"]


def _user_message(exc: BaseException, lang: str) -> str:
    """Never a stack trace: our own errors say what happened, anything else is logged."""
    if isinstance(exc, AssistantError):
        return webui.error_text(str(exc), lang)
    log.exception("unexpected error in the web chat", exc_info=exc)
    return webui.error_text(webui.label("generic_error", lang), lang)


def build_app(
    assistant: Assistant,
    settings: Settings | None = None,
    live: LiveAssistant | None = None,
    store: UserStore | None = None,
) -> gr.Blocks:
    """The web chat. With a ``store`` (``serve``), what a user may do follows their role;
    without one (a test's bare gradio server on localhost) everything is allowed."""
    settings = settings or assistant.settings
    current = live or LiveAssistant(assistant)
    L = webui.label

    def role_of(request: gr.Request | None) -> str:
        if store is None or not store.has_users():
            return "admin"
        user = store.get(getattr(request, "username", None) or "")
        return user.role if user else "none"

    def allowed(request: gr.Request | None, role: Role) -> bool:
        return role_of(request) != "none" and role_allows(role_of(request), role)

    def doc_choices() -> list[tuple[str, str]]:
        return [(f"{d.title} ({d.lang})", d.doc_id) for d in current.get().documents]

    with gr.Blocks(title="UN TIP assistant", analytics_enabled=False) as demo:
        with gr.Row(equal_height=True, elem_id="header"):
            with gr.Column(scale=4):
                title = gr.Markdown(f"## {L('title', 'en')}", elem_id="title")
                subtitle = gr.Markdown(L("subtitle", "en"), elem_id="subtitle")
            lang = gr.Radio(webui.LANG_CHOICES, value="en", label=L("ui_lang", "en"), elem_id="ui-lang", scale=0, min_width=220)
            account = gr.HTML("", visible=False, elem_id="account", scale=0, min_width=120)

        # Client-held conversation state (see the module docstring).
        history = gr.JSON(value=[], visible=False, elem_id="history")
        last = gr.JSON(value={}, visible=False, elem_id="last-answer")
        opened = gr.Textbox(value="", visible=False, elem_id="opened")
        turns = gr.JSON(value=[], visible=False, elem_id="turns")

        with gr.Tabs():
            with gr.Tab(L("tab_chat", "en"), id="chat") as tab_chat:
                with gr.Row():
                    with gr.Column(scale=3):
                        chat = gr.Chatbot(
                            label=L("chat", "en"),
                            elem_id="chat",
                            height=460,
                            render_markdown=False,
                            sanitize_html=True,
                            feedback_options=None,
                            buttons=["copy"],
                            layout="bubble",
                        )
                        with gr.Row():
                            question = gr.Textbox(
                                label=L("question", "en"),
                                placeholder=L("placeholder", "en"),
                                elem_id="question",
                                lines=1,
                                max_lines=6,
                                scale=5,
                                autofocus=True,
                            )
                            with gr.Column(scale=1, min_width=120):
                                send = gr.Button(L("send", "en"), variant="primary", elem_id="send")
                                new = gr.Button(L("new", "en"), elem_id="new-conversation", size="sm", variant="secondary")
                        chips = gr.Radio(
                            [],
                            label=L("citations", "en"),
                            elem_id="chips",
                            visible=False,
                            interactive=True,
                        )
                        with gr.Accordion(L("feedback", "en"), open=True, elem_id="feedback") as fb_box:
                            with gr.Row():
                                helpful = gr.Button(L("helpful", "en"), elem_id="fb-helpful", size="sm")
                                not_helpful = gr.Button(L("not_helpful", "en"), elem_id="fb-not-helpful", size="sm")
                            comment = gr.Textbox(label=L("comment", "en"), elem_id="fb-comment", lines=1, max_lines=4)
                            fb_status = gr.Markdown("", elem_id="fb-status")
                        with gr.Row(equal_height=True, elem_id="export-row"):
                            export_fmt = gr.Radio(webui.BRIEF_FORMAT_CHOICES, value="md", label=L("export_format", "en"), elem_id="export-format", scale=3)
                            export_btn = gr.Button(L("export_button", "en"), elem_id="export-button", size="sm", scale=1)
                            share_btn = gr.Button(L("share_button", "en"), elem_id="share-button", size="sm", scale=1, visible=store is not None)
                        export_file = gr.File(label=L("download", "en"), interactive=False, visible=False, elem_id="export-file")
                        export_status = gr.HTML("", elem_id="export-status")
                        examples_label = gr.Markdown(f"**{L('examples', 'en')}**", elem_id="examples-label")
                        with gr.Row(elem_id="examples"):
                            example_btns = [
                                gr.Button(q, size="sm", elem_classes=["example"], variant="secondary")
                                for q in webui.EXAMPLES["en"]
                            ]
                    with gr.Column(scale=2):
                        sources_label = gr.Markdown(f"### {L('sources', 'en')}", elem_id="sources-label")
                        sources = gr.HTML(webui.sources_html(None, "en"), elem_id="sources")
                        show_neighbours = gr.Button(L("neighbours", "en"), elem_id="neighbours", size="sm", visible=False)

            with gr.Tab(L("tab_browse", "en"), id="browse") as tab_browse:
                with gr.Row():
                    doc_pick = gr.Dropdown(doc_choices(), value=assistant.documents[0].doc_id, label=L("document", "en"), elem_id="doc-pick", scale=2, allow_custom_value=True)
                    doc_filter = gr.Textbox(label=L("filter", "en"), placeholder=L("filter_placeholder", "en"), elem_id="doc-filter", scale=2)
                doc_view = gr.HTML(webui.document_html(assistant.documents[0], "", "en"), elem_id="doc-view")

            # Trainers' tabs: a topic brief and a quiz, shown here and offered as a file.
            with gr.Tab(L("tab_brief", "en"), id="brief", visible=store is None) as tab_brief:
                brief_intro = gr.Markdown(L("brief_intro", "en"), elem_id="brief-intro")
                with gr.Row(equal_height=True):
                    brief_topic = gr.Textbox(label=L("brief_topic", "en"), placeholder=L("brief_placeholder", "en"), elem_id="brief-topic", lines=1, max_lines=1, scale=3)
                    brief_lang = gr.Radio(webui.OUT_LANG_CHOICES, value="en", label=L("out_lang", "en"), elem_id="brief-lang", scale=2)
                    brief_fmt = gr.Radio(webui.BRIEF_FORMAT_CHOICES, value="docx", label=L("out_format", "en"), elem_id="brief-format", scale=2)
                brief_btn = gr.Button(L("brief_button", "en"), variant="primary", elem_id="brief-button")
                brief_status = gr.HTML("", elem_id="brief-status")
                brief_file = gr.File(label=L("download", "en"), interactive=False, visible=False, elem_id="brief-file")
                # Document text: gradio's Markdown sanitizes HTML (said explicitly here), and
                # webui.export_markdown has already turned every "<" into an entity.
                brief_view = gr.Markdown("", sanitize_html=True, elem_id="brief-view", elem_classes=["export-view"])

            with gr.Tab(L("tab_quiz", "en"), id="quiz", visible=store is None) as tab_quiz:
                quiz_intro = gr.Markdown(L("quiz_intro", "en"), elem_id="quiz-intro")
                with gr.Row(equal_height=True):
                    quiz_topic = gr.Textbox(label=L("quiz_topic", "en"), placeholder=L("brief_placeholder", "en"), elem_id="quiz-topic", lines=1, max_lines=1, scale=3)
                    quiz_n = gr.Number(value=10, precision=0, label=L("quiz_n", "en"), elem_id="quiz-n", scale=1, min_width=120)
                    quiz_seed = gr.Number(value=0, precision=0, label=L("quiz_seed", "en"), elem_id="quiz-seed", scale=1, min_width=120)
                with gr.Row(equal_height=True):
                    quiz_lang = gr.Radio(webui.OUT_LANG_CHOICES, value="en", label=L("out_lang", "en"), elem_id="quiz-lang")
                    quiz_fmt = gr.Radio(webui.QUIZ_FORMAT_CHOICES, value="docx", label=L("out_format", "en"), elem_id="quiz-format")
                quiz_btn = gr.Button(L("quiz_button", "en"), variant="primary", elem_id="quiz-button")
                quiz_status = gr.HTML("", elem_id="quiz-status")
                quiz_file = gr.File(label=L("download", "en"), interactive=False, visible=False, elem_id="quiz-file")
                quiz_view = gr.Markdown("", sanitize_html=True, elem_id="quiz-view", elem_classes=["export-view"])

            with gr.Tab(L("tab_feedback", "en"), id="feedback-tab", visible=store is None) as tab_feedback:
                with gr.Row(equal_height=True):
                    fbl_rating = gr.Dropdown([("", ""), ("helpful", "helpful"), ("not helpful", "not_helpful")], value="", label=L("fb_rating", "en"), elem_id="fbl-rating")
                    fbl_lang = gr.Dropdown([""] + list(UI_LANGS), value="", label=L("fb_lang", "en"), elem_id="fbl-lang")
                    fbl_since = gr.Textbox(label=L("fb_since", "en"), elem_id="fbl-since", max_lines=1)
                    fbl_until = gr.Textbox(label=L("fb_until", "en"), elem_id="fbl-until", max_lines=1)
                    fbl_show = gr.Button(L("fb_show", "en"), variant="primary", elem_id="fbl-show")
                fbl_status = gr.HTML("", elem_id="fbl-status")
                fbl_table = gr.Dataframe(headers=webui.FEEDBACK_COLUMNS, value=[], interactive=False, wrap=True, elem_id="fbl-table")

            upload_parts: list[Any] = []
            if settings.allow_uploads:
                with gr.Tab(L("tab_upload", "en"), id="upload", visible=store is None) as tab_upload:
                    up_file = gr.File(label=L("upload_file", "en", mb=settings.max_file_mb), file_types=UPLOAD_TYPES, type="filepath", elem_id="up-file")
                    with gr.Row():
                        up_lang = gr.Dropdown(["", "zh", "en", "fr", "es", "ru", "ar"], value="", label=L("upload_lang", "en"), elem_id="up-lang")
                        up_parallel = gr.Dropdown([("", "")] + doc_choices(), value="", label=L("upload_parallel", "en"), elem_id="up-parallel", allow_custom_value=True)
                    up_btn = gr.Button(L("upload_button", "en"), variant="primary", elem_id="up-button")
                    up_status = gr.Markdown("", elem_id="up-status")
                upload_parts = [tab_upload, up_file, up_lang, up_parallel, up_btn]

        # --- asking --------------------------------------------------------------------------

        def respond(text: str, hist: list[str] | None, messages: list[dict] | None, ui: str) -> Iterator[tuple]:
            # What the browser sends is echoed back (chat bubble, history, feedback): a lone
            # surrogate would make gradio's JSON encoder drop the whole reply.
            text = well_formed(text or "")
            hist = [well_formed(h) for h in (hist or []) if isinstance(h, str)][-MAX_HISTORY:]
            messages = list(messages or [])[-2 * (MAX_SHOWN_TURNS - 1) :]  # room for this turn
            if not text.strip():
                yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
                return
            messages.append({"role": "user", "content": webui.user_html(text)})
            messages.append({"role": "assistant", "content": '<div class="answer pending">…</div>'})
            hidden_chips = gr.update(choices=[], value=None, visible=False)
            yield messages, "", gr.skip(), hidden_chips, gr.skip(), ""
            # Pieces are shown as ask_stream yields them (a model's reply as it arrives, an
            # extractive answer line by line); the final Answer is authoritative and redraws
            # the message: after a model failure the pieces are not its text.
            shown = ""
            answer: Answer | None = None
            try:
                for group in webui.coalesced(current.get().ask_stream(text, hist), STREAM_EVERY_S):
                    answer = next((p for p in group if isinstance(p, Answer)), None)
                    if answer is not None:
                        break
                    shown += "".join(p for p in group if p)
                    if not shown:
                        continue
                    html = webui.answer_html(shown, refused=False, lang=webui.ui_lang(ui), streaming=True)
                    messages[-1] = {"role": "assistant", "content": html}
                    # The question box is left alone: the reader may already be typing the next one.
                    yield messages, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
                if answer is None:
                    raise RuntimeError("ask_stream ended without an Answer")
            except Exception as exc:  # noqa: BLE001 - every failure becomes a message
                messages[-1] = {"role": "assistant", "content": webui.error_html(_user_message(exc, ui))}
                yield messages, gr.skip(), gr.skip(), hidden_chips, {}, ""
                return
            html = webui.answer_html(
                answer.text, refused=answer.refused, notices=answer.notices, lang=answer.lang, short_answer=answer.short_answer
            )
            messages[-1] = {"role": "assistant", "content": html}
            choices = webui.chip_choices(answer)
            chip_label = L("closest", ui) if answer.refused else L("citations", ui)
            chips_update = gr.update(
                choices=choices,
                value=None,
                label=chip_label,
                visible=bool(choices),
                elem_classes=["refused"] if answer.refused else [],
            )
            record = {
                "at": time.time(),  # tells two asks of the same question apart (conversation export)
                "question": text,
                "answer": answer.text,
                "lang": answer.lang,
                "citations": [f"{c.doc_id}:{c.unit_id}" for c in answer.citations],
            }
            yield messages, gr.skip(), (hist + [text])[-MAX_HISTORY:], chips_update, record, ""

        ask_outputs = [chat, question, history, chips, last, fb_status]
        ask_kwargs: dict[str, Any] = dict(outputs=ask_outputs, show_progress="hidden")
        def append_turn(record: dict | None, held: list | None) -> Any:
            # The conversation for export, held by the browser like the history.
            held = list(held or [])
            if not record or not record.get("question") or (held and held[-1].get("at") == record.get("at")):
                return gr.skip()
            return held[-MAX_TURNS + 1:] + [record]

        turn_kwargs: dict[str, Any] = dict(fn=append_turn, inputs=[last, turns], outputs=[turns], api_visibility="private", show_progress="hidden")
        question.submit(respond, [question, history, chat, lang], api_name="ask", **ask_kwargs).then(**turn_kwargs)
        send.click(respond, [question, history, chat, lang], api_visibility="private", **ask_kwargs).then(**turn_kwargs)
        for btn in example_btns:
            btn.click(respond, [btn, history, chat, lang], api_visibility="private", **ask_kwargs).then(**turn_kwargs)

        def new_conversation(ui: str):
            return (
                [], [], {}, gr.update(choices=[], value=None, visible=False), "",
                webui.sources_html(None, ui), gr.update(visible=False), "", "",
            )

        reset_outputs = [chat, history, last, chips, opened, sources, show_neighbours, fb_status, comment]
        forget = dict(fn=lambda: ([], gr.update(value=None, visible=False), ""), inputs=None, outputs=[turns, export_file, export_status], api_visibility="private")
        new.click(new_conversation, [lang], reset_outputs, api_name="new_conversation").then(**forget)
        # The chat's own bin icon starts a new conversation too, so no stale context survives it.
        chat.clear(new_conversation, [lang], reset_outputs, api_visibility="private").then(**forget)

        def export_conversation(held: list | None, fmt: str, ui: str):
            ui = webui.ui_lang(ui)
            if not held:
                return gr.update(value=None, visible=False), webui.error_html(L("no_answer_yet", ui))
            try:
                transcript = build_transcript(current.get(), _turns(held))
                path = save_temp(render_transcript(transcript, fmt), f"conversation-{transcript.date}", fmt)
            except Exception as exc:  # noqa: BLE001
                return gr.update(value=None, visible=False), webui.error_html(_user_message(exc, ui))
            return gr.update(value=str(path), visible=True), ""

        export_btn.click(export_conversation, [turns, export_fmt, lang], [export_file, export_status], api_visibility="private")

        def share_conversation(held: list | None, ui: str, request: gr.Request = None):  # type: ignore[assignment]
            ui = webui.ui_lang(ui)
            if not held:
                return webui.error_html(L("no_answer_yet", ui))
            try:
                saved = ShareStore(settings.shares_dir).save(_turns(held), getattr(request, "username", None))
            except Exception as exc:  # noqa: BLE001
                return webui.error_html(_user_message(exc, ui))
            return webui.share_html(f"/share/{saved.id}", ui)

        share_btn.click(share_conversation, [turns, lang], [export_status], api_visibility="private")

        # --- the sources panel -----------------------------------------------------------------

        def render_source(key: str | None, ui: str, with_neighbours: bool) -> str:
            a = current.get()
            doc_id, unit_id = webui.parse_cite_key(key or "")
            unit = a.unit(unit_id, doc_id)
            doc = a.document(doc_id)
            aligned = a.aligned(unit, ui)
            neighbours = a.neighbours(unit_id, doc_id) if with_neighbours else None
            return webui.sources_html(
                unit, ui, doc_title=doc.title, masthead=doc.masthead(), ocr=unit is not None and doc.is_ocr(unit.unit_id),
                aligned=aligned, neighbours=neighbours,
            )

        def open_source(key: str | None, ui: str):
            if not key:
                return gr.skip(), gr.skip(), gr.skip()
            try:
                html = render_source(key, ui, False)
            except Exception as exc:  # noqa: BLE001
                return webui.error_html(_user_message(exc, ui)), "", gr.update(visible=False)
            return html, key, gr.update(visible=True)

        def open_chip(ui: str, evt: gr.SelectData):
            # The key comes from the event, not from the Radio's value: gradio checks a value
            # against the choices it remembers for this session, which another replica lacks.
            return open_source(str(evt.value or ""), ui)

        chips.select(open_chip, [lang], [sources, opened, show_neighbours], api_visibility="private", show_progress="hidden")

        def open_neighbours(key: str, ui: str) -> str:
            if not key:
                return webui.sources_html(None, ui)
            try:
                return render_source(key, ui, True)
            except Exception as exc:  # noqa: BLE001
                return webui.error_html(_user_message(exc, ui))

        show_neighbours.click(open_neighbours, [opened, lang], [sources], api_visibility="private", show_progress="hidden")

        # --- feedback -------------------------------------------------------------------------

        def give_feedback(rating: str, note: str, record: dict | None, ui: str):
            if not record or not record.get("question"):
                return L("no_answer_yet", ui), gr.skip()
            try:
                record_feedback(
                    settings.feedback_path,
                    FeedbackRecord(
                        question=str(record.get("question", "")),
                        answer=str(record.get("answer", "")),
                        rating=rating,  # type: ignore[arg-type]
                        citations=tuple(str(c) for c in record.get("citations", []) or []),
                        comment=(note or "").strip(),
                        lang=str(record.get("lang") or "") or None,
                    ),
                )
            except Exception as exc:  # noqa: BLE001
                return _user_message(exc, ui), gr.skip()
            return L("thanks", ui), ""

        helpful.click(lambda n, r, u: give_feedback("helpful", n, r, u), [comment, last, lang], [fb_status, comment], api_name="feedback_helpful")
        not_helpful.click(lambda n, r, u: give_feedback("not_helpful", n, r, u), [comment, last, lang], [fb_status, comment], api_name="feedback_not_helpful")

        # --- the document browser -------------------------------------------------------------

        def show_document(doc_id: str | None, query: str, ui: str) -> str:
            try:
                return webui.document_html(current.get().document(doc_id or None), query or "", ui)
            except Exception as exc:  # noqa: BLE001
                return webui.error_html(_user_message(exc, ui))

        doc_pick.change(show_document, [doc_pick, doc_filter, lang], [doc_view], api_visibility="private", show_progress="hidden")
        doc_filter.change(show_document, [doc_pick, doc_filter, lang], [doc_view], api_visibility="private", show_progress="hidden", trigger_mode="always_last")

        # --- trainers' tabs -----------------------------------------------------------------------
        # Each returns (status HTML, the file to download, the preview): on failure a short
        # message in the interface language, no file and no preview, never a stack trace.

        def _failed(exc: BaseException, ui: str) -> tuple:
            return webui.error_html(_user_message(exc, ui)), gr.update(value=None, visible=False), ""

        def _exported(markdown: str, content: str | bytes, stem: str, fmt: str) -> tuple:
            path = save_temp(content, stem, fmt)
            return "", gr.update(value=str(path), visible=True), webui.export_markdown(markdown)

        def make_session_brief(topic: str, out_lang: str, fmt: str, ui: str, request: gr.Request = None) -> tuple:  # type: ignore[assignment]
            ui = webui.ui_lang(ui)
            if not allowed(request, "trainer"):
                return webui.error_html(L("forbidden", ui)), gr.update(value=None, visible=False), ""
            if not (topic or "").strip():
                return webui.error_html(L("brief_no_topic", ui)), gr.update(value=None, visible=False), ""
            try:
                b = make_brief(current.get(), topic, lang=out_lang or None)
                markdown = render_brief(b, "md")
                content = markdown if fmt == "md" else render_brief(b, fmt)
                return _exported(str(markdown), content, f"brief-{b.topic}", fmt)
            except Exception as exc:  # noqa: BLE001 - every failure becomes a message
                return _failed(exc, ui)

        def make_session_quiz(topic: str, n: float | None, seed: float | None, out_lang: str, fmt: str, ui: str, request: gr.Request = None) -> tuple:  # type: ignore[assignment]
            ui = webui.ui_lang(ui)
            if not allowed(request, "trainer"):
                return webui.error_html(L("forbidden", ui)), gr.update(value=None, visible=False), ""
            try:
                count, rng_seed = int(n), int(seed)  # type: ignore[arg-type]
                if count != n or rng_seed != seed:
                    raise ValueError
            except (TypeError, ValueError, OverflowError):
                return webui.error_html(L("quiz_bad_number", ui)), gr.update(value=None, visible=False), ""
            try:
                q = make_quiz(current.get(), (topic or "").strip() or None, n=count, seed=rng_seed, lang=out_lang or None)
                markdown = render_quiz(q, "md")
                content = markdown if fmt == "md" else render_quiz(q, fmt)
                return _exported(str(markdown), content, f"quiz-{q.topic or 'paper'}-seed{q.seed}", fmt)
            except Exception as exc:  # noqa: BLE001
                return _failed(exc, ui)

        brief_args = [brief_topic, brief_lang, brief_fmt, lang]
        brief_outputs = [brief_status, brief_file, brief_view]
        brief_btn.click(make_session_brief, brief_args, brief_outputs, api_name="brief")
        brief_topic.submit(make_session_brief, brief_args, brief_outputs, api_visibility="private")
        quiz_btn.click(make_session_quiz, [quiz_topic, quiz_n, quiz_seed, quiz_lang, quiz_fmt, lang], [quiz_status, quiz_file, quiz_view], api_name="quiz")

        # --- adding a document ------------------------------------------------------------------

        if settings.allow_uploads:

            def add_document(path: str | None, doc_lang: str, parallel: str, ui: str, request: gr.Request = None):  # type: ignore[assignment]
                if not allowed(request, "admin"):
                    return L("forbidden", ui), None, gr.skip(), gr.skip()
                if not path:
                    return L("upload_none", ui), gr.skip(), gr.skip(), gr.skip()
                try:
                    size_mb = Path(path).stat().st_size / 1e6
                    if size_mb > settings.max_file_mb:
                        return webui.error_text(L("upload_too_big", ui, size=size_mb, mb=settings.max_file_mb), ui), None, gr.skip(), gr.skip()
                    from assistant.ingest.corpus import add_documents

                    docs = add_documents(current.get().settings, [path], lang=doc_lang or None, parallel_of=parallel or None)
                    current.refresh()
                except Exception as exc:  # noqa: BLE001
                    return _user_message(exc, ui), None, gr.skip(), gr.skip()
                choices = doc_choices()
                names = ", ".join(f"{d.doc_id} ({len(d.units)})" for d in docs)
                return (
                    L("upload_done", ui, docs=names),
                    None,
                    gr.update(choices=choices),
                    gr.update(choices=[("", "")] + choices),
                )

            up_btn.click(
                add_document,
                [up_file, up_lang, up_parallel, lang],
                [up_status, up_file, doc_pick, up_parallel],
                api_visibility="private",
                concurrency_limit=1,
            )

        # --- the admins' feedback tab ------------------------------------------------------------

        def list_feedback(rating: str, fb_lang: str, since: str, until: str, ui: str, request: gr.Request = None):  # type: ignore[assignment]
            ui = webui.ui_lang(ui)
            if not allowed(request, "admin"):
                return webui.error_html(L("forbidden", ui)), []
            try:
                days = [date.fromisoformat(d.strip()) if (d or "").strip() else None for d in (since, until)]
            except ValueError:
                return webui.error_html(L("fb_bad_date", ui)), []
            try:
                records = filter_feedback(read_feedback(settings.feedback_path), rating=rating or None, lang=fb_lang or None, since=days[0], until=days[1])
            except Exception as exc:  # noqa: BLE001
                return webui.error_html(_user_message(exc, ui)), []
            rows = [[str(r.get(c, "")) if c != "citations" else ", ".join(map(str, r.get(c) or [])) for c in webui.FEEDBACK_COLUMNS] for r in records]  # type: ignore[union-attr]
            return "", rows

        fbl_show.click(list_feedback, [fbl_rating, fbl_lang, fbl_since, fbl_until, lang], [fbl_status, fbl_table], api_visibility="private")

        # Tabs a role may use start hidden under accounts and are shown on load: gradio
        # shows a hidden tab on update but does not hide a shown one.
        role_tabs = [tab_brief, tab_quiz, tab_feedback] + upload_parts[:1]

        def show_tabs(request: gr.Request = None):  # type: ignore[assignment]
            needs = ["trainer", "trainer", "admin", "admin"][: len(role_tabs)]
            name = getattr(request, "username", None) if store is not None and store.has_users() else None
            who = gr.update(value=webui.account_html(name), visible=True) if name else gr.skip()
            return [who] + [gr.update(visible=allowed(request, need)) for need in needs]  # type: ignore[arg-type]

        demo.load(show_tabs, None, [account] + role_tabs, api_visibility="private", show_progress="hidden")

        # --- interface language ---------------------------------------------------------------

        relabel_outputs = [
            title, subtitle, lang, tab_chat, chat, question, send, chips, fb_box, helpful, not_helpful, new, comment,
            examples_label, *example_btns, sources_label, show_neighbours, tab_browse, doc_pick, doc_filter,
            tab_brief, brief_intro, brief_topic, brief_lang, brief_fmt, brief_btn, brief_file,
            tab_quiz, quiz_intro, quiz_topic, quiz_n, quiz_seed, quiz_lang, quiz_fmt, quiz_btn, quiz_file,
            export_fmt, export_btn, share_btn, export_file,
            tab_feedback, fbl_rating, fbl_lang, fbl_since, fbl_until, fbl_show,
        ]

        def relabel(ui: str, key: str | None, doc_id: str | None, query: str, record: dict | None):
            ui = webui.ui_lang(ui)
            refused = bool(record) and not record.get("citations")
            updates = [
                f"## {L('title', ui)}",
                L("subtitle", ui),
                gr.update(label=L("ui_lang", ui)),
                gr.update(label=L("tab_chat", ui)),
                gr.update(label=L("chat", ui)),
                gr.update(label=L("question", ui), placeholder=L("placeholder", ui)),
                gr.update(value=L("send", ui)),
                gr.update(label=L("closest", ui) if refused else L("citations", ui)),
                gr.update(label=L("feedback", ui)),
                gr.update(value=L("helpful", ui)),
                gr.update(value=L("not_helpful", ui)),
                gr.update(value=L("new", ui)),
                gr.update(label=L("comment", ui)),
                f"**{L('examples', ui)}**",
                *[gr.update(value=q) for q in webui.EXAMPLES[ui]],
                f"### {L('sources', ui)}",
                gr.update(value=L("neighbours", ui)),
                gr.update(label=L("tab_browse", ui)),
                gr.update(label=L("document", ui)),
                gr.update(label=L("filter", ui), placeholder=L("filter_placeholder", ui)),
                gr.update(label=L("tab_brief", ui)),
                L("brief_intro", ui),
                gr.update(label=L("brief_topic", ui), placeholder=L("brief_placeholder", ui)),
                gr.update(label=L("out_lang", ui)),
                gr.update(label=L("out_format", ui)),
                gr.update(value=L("brief_button", ui)),
                gr.update(label=L("download", ui)),
                gr.update(label=L("tab_quiz", ui)),
                L("quiz_intro", ui),
                gr.update(label=L("quiz_topic", ui), placeholder=L("brief_placeholder", ui)),
                gr.update(label=L("quiz_n", ui)),
                gr.update(label=L("quiz_seed", ui)),
                gr.update(label=L("out_lang", ui)),
                gr.update(label=L("out_format", ui)),
                gr.update(value=L("quiz_button", ui)),
                gr.update(label=L("download", ui)),
                gr.update(label=L("export_format", ui)),
                gr.update(value=L("export_button", ui)),
                gr.update(value=L("share_button", ui)),
                gr.update(label=L("download", ui)),
                gr.update(label=L("tab_feedback", ui)),
                gr.update(label=L("fb_rating", ui)),
                gr.update(label=L("fb_lang", ui)),
                gr.update(label=L("fb_since", ui)),
                gr.update(label=L("fb_until", ui)),
                gr.update(value=L("fb_show", ui)),
            ]
            try:
                panel = render_source(key, ui, False) if key else webui.sources_html(None, ui)
            except Exception as exc:  # noqa: BLE001
                panel = webui.error_html(_user_message(exc, ui))
            updates += [panel, show_document(doc_id, query, ui)]
            if settings.allow_uploads:
                updates += [
                    gr.update(label=L("tab_upload", ui)),
                    gr.update(label=L("upload_file", ui, mb=settings.max_file_mb)),
                    gr.update(label=L("upload_lang", ui)),
                    gr.update(label=L("upload_parallel", ui)),
                    gr.update(value=L("upload_button", ui)),
                ]
            return updates

        lang.change(
            relabel,
            [lang, opened, doc_pick, doc_filter, last],
            relabel_outputs + [sources, doc_view] + upload_parts,
            api_visibility="private",
            show_progress="hidden",
        )
        # Start in the browser's language: Chinese for zh-*, English otherwise.
        demo.load(None, None, [lang], js="() => ((navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en')")

    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


def _turns(held: list) -> list[Turn]:
    """The conversation the browser holds (see ``append_turn``), as transcript turns."""
    return [
        Turn(str(r.get("question", "")), str(r.get("answer", "")), str(r.get("lang") or "") or None, tuple(str(c) for c in r.get("citations") or []))
        for r in held[-MAX_TURNS:]
        if isinstance(r, dict)
    ]


def launch(demo: gr.Blocks, settings: Settings, **kwargs: Any):
    """Start serving on the configured host and port (tests pass their own port)."""
    options: dict[str, Any] = dict(
        server_name=settings.host,
        server_port=settings.port,
        css=webui.CSS,
        max_file_size=f"{settings.max_file_mb}mb",
        show_error=False,
        footer_links=[],
        ssr_mode=False,
        state_session_capacity=MAX_SERVER_SESSIONS,
    )
    options.update(kwargs)
    return demo.launch(**options)


def serve(assistant: Assistant, settings: Settings, store: UserStore | None = None):
    """The one app ``make run`` serves: the HTTP API (assistant/web/api.py) with the web chat
    mounted at ``/``, sharing one assistant, one accounts file and one login."""
    from assistant.web.api import check_exposure, create_api

    store = store or UserStore(settings.users_path)
    check_exposure(settings, store)
    live = LiveAssistant(assistant)
    api = create_api(live, settings, store)
    demo = build_app(assistant, settings, live=live, store=store)
    return gr.mount_gradio_app(
        api,
        demo,
        path="/",
        auth_dependency=api.state.gate.web_user,
        css=webui.CSS,
        max_file_size=f"{settings.max_file_mb}mb",
        show_error=False,
        footer_links=[],
        ssr_mode=False,
    )


def main() -> None:
    import uvicorn

    # Our own messages at INFO; libraries (faiss's loader, httpx, bm25s) only when they warn.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("assistant").setLevel(logging.INFO)
    try:
        settings = Settings.from_env()
        store = UserStore(settings.users_path)
        from assistant.web.api import check_exposure

        check_exposure(settings, store)  # before the model loads: a refusal should be quick
        app = serve(Assistant.open(settings), settings, store)
    except AssistantError as exc:
        raise SystemExit(f"error: {exc}") from None
    log.info("serving the web chat and the API on http://%s:%d/ (API description: /docs)", settings.host, settings.port)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":
    main()
