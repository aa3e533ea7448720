"""The web chat's event functions: what each click, submit and change does.

Every handler answers in the interface language and never with a stack trace: our own
errors say what happened, anything else becomes a generic message and is logged. The
conversation's state arrives with each request from the browser (see assistant/web/layout.py)
and goes back in the handler's outputs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any, cast

import gradio as gr

from assistant.answering.extractive import Answer
from assistant.answering.service import well_formed
from assistant.core import i18n
from assistant.core.config import Settings
from assistant.core.errors import AssistantError
from assistant.trainers.brief import make_brief
from assistant.trainers.export import render_brief, render_quiz, save_temp
from assistant.trainers.quiz import make_quiz
from assistant.trainers.transcript import (
    MAX_TURNS,
    Turn,
    build_transcript,
    render_transcript,
)
from assistant.web import render
from assistant.web.feedback import (
    FeedbackRecord,
    Rating,
    filter_feedback,
    read_feedback,
    record_feedback,
)
from assistant.web.layout import Layout
from assistant.web.live import LiveAssistant
from assistant.web.shares import ShareStore
from assistant.web.users import Role, UserStore, role_allows

log = logging.getLogger("assistant.web")

MAX_HISTORY = 10  # earlier questions sent back with a follow-up
#: Every streamed update re-sends the whole chat: at most one per this many seconds, not
#: one per line (an extractive answer arrives all at once, so it is shown in one update).
STREAM_EVERY_S = 0.3
#: Chat turns kept on screen (and so sent back and forth with every request).
MAX_SHOWN_TURNS = 30


def user_message(exc: BaseException, lang: str) -> str:
    """Never a stack trace: our own errors say what happened, anything else is logged."""
    if isinstance(exc, AssistantError):
        return render.error_text(str(exc), lang)
    log.exception("unexpected error in the web chat", exc_info=exc)
    return render.error_text(i18n.text("generic_error", lang), lang)


def no_file() -> Any:
    """A download component with nothing to offer."""
    return gr.update(value=None, visible=False)


def held_turns(held: list) -> list[Turn]:
    """The conversation the browser holds (see ``append_turn``), as transcript turns."""
    return [
        Turn(
            str(r.get("question", "")),
            str(r.get("answer", "")),
            str(r.get("lang") or "") or None,
            tuple(str(c) for c in r.get("citations") or []),
        )
        for r in held[-MAX_TURNS:]
        if isinstance(r, dict)
    ]


def feedback_row(record: Mapping[str, object]) -> list[str]:
    """A feedback record as the admins' table shows it: its citations joined, the rest as text."""
    cited = cast("Iterable[object]", record.get("citations") or [])
    return [", ".join(map(str, cited)) if c == "citations" else str(record.get(c, "")) for c in render.FEEDBACK_COLUMNS]


class Handlers:
    """The event functions of one page over one live assistant. With a ``store`` (``serve``),
    what a user may do follows their role; without one (a test's bare gradio server on
    localhost) everything is allowed."""

    def __init__(self, current: LiveAssistant, settings: Settings, store: UserStore | None, view: Layout) -> None:
        self.current = current
        self.settings = settings
        self.store = store
        self.view = view

    # --- roles ---------------------------------------------------------------------------------

    def role_of(self, request: gr.Request | None) -> str:
        if self.store is None or not self.store.has_users():
            return "admin"
        user = self.store.get(getattr(request, "username", None) or "")
        return user.role if user else "none"

    def allowed(self, request: gr.Request | None, role: Role) -> bool:
        return self.role_of(request) != "none" and role_allows(self.role_of(request), role)

    def show_tabs(self, request: gr.Request = None) -> dict:  # type: ignore[assignment]
        # Tabs a role may use start hidden under accounts and are shown on load: gradio
        # shows a hidden tab on update but does not hide a shown one.
        shown: dict[Any, Any] = {tab: gr.update(visible=self.allowed(request, role)) for tab, role in self.view.role_tabs().items()}
        name = getattr(request, "username", None) if self.store is not None and self.store.has_users() else None
        if name:
            shown[self.view.header.account] = gr.update(value=render.account_html(name), visible=True)
        return shown

    # --- asking --------------------------------------------------------------------------------

    # The public endpoints' docstrings would become their API descriptions: comments instead.

    def respond(self, text: str, hist: list[str] | None, messages: list[dict] | None, ui: str) -> Iterator[tuple]:
        # Outputs: the chat, the question box, the history, the chips, the last answer, the feedback status.
        # What the browser sends is echoed back (chat bubble, history, feedback): a lone
        # surrogate would make gradio's JSON encoder drop the whole reply.
        text = well_formed(text or "")
        hist = [well_formed(h) for h in (hist or []) if isinstance(h, str)][-MAX_HISTORY:]
        messages = list(messages or [])[-2 * (MAX_SHOWN_TURNS - 1) :]  # room for this turn
        if not text.strip():
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        messages.append({"role": "user", "content": render.user_html(text)})
        messages.append({"role": "assistant", "content": '<div class="answer pending">…</div>'})
        hidden_chips = gr.update(choices=[], value=None, visible=False)
        yield messages, "", gr.skip(), hidden_chips, gr.skip(), ""
        # Pieces are shown as ask_stream yields them (a model's reply as it arrives, an
        # extractive answer line by line); the final Answer is authoritative and redraws
        # the message: after a model failure the pieces are not its text.
        shown = ""
        answer: Answer | None = None
        try:
            for group in render.coalesced(self.current.get().ask_stream(text, hist), STREAM_EVERY_S):
                answer = next((p for p in group if isinstance(p, Answer)), None)
                if answer is not None:
                    break
                shown += "".join(p for p in group if isinstance(p, str))
                if not shown:
                    continue
                html = render.answer_html(shown, refused=False, lang=render.ui_lang(ui), streaming=True)
                messages[-1] = {"role": "assistant", "content": html}
                # The question box is left alone: the reader may already be typing the next one.
                yield messages, gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            if answer is None:
                raise RuntimeError("ask_stream ended without an Answer")
        except Exception as exc:  # every failure becomes a message in the chat
            messages[-1] = {"role": "assistant", "content": render.error_html(user_message(exc, ui))}
            yield messages, gr.skip(), gr.skip(), hidden_chips, {}, ""
            return
        html = render.answer_html(
            answer.text,
            refused=answer.refused,
            notices=answer.notices,
            lang=answer.lang,
            short_answer=answer.short_answer,
            context_quotes=answer.context_quotes,
        )
        messages[-1] = {"role": "assistant", "content": html}
        yield messages, gr.skip(), (hist + [text])[-MAX_HISTORY:], self._chips(answer, ui), self._record(text, answer), ""

    def _chips(self, answer: Answer, ui: str) -> Any:
        """The answer's citations, or a refusal's closest paragraphs, labelled as such."""
        choices = render.chip_choices(answer)
        return gr.update(
            choices=choices,
            value=None,
            **self.view.labels.props(self.view.chat.chips, ui, answer.refused),
            visible=bool(choices),
            elem_classes=["refused"] if answer.refused else [],
        )

    @staticmethod
    def _record(question: str, answer: Answer) -> dict:
        """The last answer as the browser holds it, for feedback and export."""
        return {
            "at": time.time(),  # tells two asks of the same question apart (conversation export)
            "question": question,
            "answer": answer.text,
            "lang": answer.lang,
            "citations": [f"{c.doc_id}:{c.unit_id}" for c in answer.citations],
        }

    def append_turn(self, record: dict | None, held: list | None) -> Any:
        # The conversation for export, held by the browser like the history.
        held = list(held or [])
        if not record or not record.get("question") or (held and held[-1].get("at") == record.get("at")):
            return gr.skip()
        return held[-MAX_TURNS + 1 :] + [record]

    def new_conversation(self, ui: str) -> tuple:
        # Outputs: the chat, history, last answer, chips, opened paragraph, sources panel, neighbours button, feedback status, comment.
        return (
            [],
            [],
            {},
            gr.update(choices=[], value=None, visible=False),
            "",
            render.sources_html(None, ui),
            gr.update(visible=False),
            "",
            "",
        )

    def forget_export(self) -> tuple:
        """A new conversation has no turns to export: outputs the turns, the export file and its status."""
        return [], no_file(), ""

    # --- export and share links ------------------------------------------------------------------

    def export_conversation(self, held: list | None, fmt: str, ui: str) -> tuple:
        ui = render.ui_lang(ui)
        if not held:
            return no_file(), render.error_html(i18n.text("no_answer_yet", ui))
        try:
            transcript = build_transcript(self.current.get(), held_turns(held))
            path = save_temp(render_transcript(transcript, fmt), f"conversation-{transcript.date}", fmt)
        except Exception as exc:
            return no_file(), render.error_html(user_message(exc, ui))
        return gr.update(value=str(path), visible=True), ""

    def share_conversation(self, held: list | None, ui: str, request: gr.Request = None) -> str:  # type: ignore[assignment]
        ui = render.ui_lang(ui)
        if not held:
            return render.error_html(i18n.text("no_answer_yet", ui))
        try:
            saved = ShareStore(self.settings.shares_dir).save(held_turns(held), getattr(request, "username", None))
        except Exception as exc:
            return render.error_html(user_message(exc, ui))
        return render.share_html(f"/share/{saved.id}", ui)

    # --- the sources panel -----------------------------------------------------------------------

    def render_source(self, key: str | None, ui: str, with_neighbours: bool) -> str:
        a = self.current.get()
        doc_id, unit_id = render.parse_cite_key(key or "")
        unit = a.unit(unit_id, doc_id)
        doc = a.document(doc_id)
        aligned = a.aligned(unit, ui)
        neighbours = a.neighbours(unit_id, doc_id) if with_neighbours else None
        return render.sources_html(
            unit,
            ui,
            doc_title=doc.title,
            masthead=doc.masthead(),
            ocr=unit is not None and doc.is_ocr(unit.unit_id),
            aligned=aligned,
            neighbours=neighbours,
        )

    def open_source(self, key: str | None, ui: str) -> tuple:
        """Outputs: the sources panel, the opened paragraph's key, the neighbours button."""
        if not key:
            return gr.skip(), gr.skip(), gr.skip()
        try:
            html = self.render_source(key, ui, False)
        except Exception as exc:
            return render.error_html(user_message(exc, ui)), "", gr.update(visible=False)
        return html, key, gr.update(visible=True)

    def open_chip(self, ui: str, evt: gr.SelectData) -> tuple:
        # The key comes from the event, not from the Radio's value: gradio checks a value
        # against the choices it remembers for this session, which another replica lacks.
        return self.open_source(str(evt.value or ""), ui)

    def open_neighbours(self, key: str, ui: str) -> str:
        if not key:
            return render.sources_html(None, ui)
        try:
            return self.render_source(key, ui, True)
        except Exception as exc:
            return render.error_html(user_message(exc, ui))

    # --- feedback ------------------------------------------------------------------------------

    def give_feedback(self, rating: Rating, note: str, record: dict | None, ui: str) -> tuple:
        """Outputs: the feedback status and the comment box."""
        if not record or not record.get("question"):
            return i18n.text("no_answer_yet", ui), gr.skip()
        try:
            record_feedback(
                self.settings.feedback_path,
                FeedbackRecord(
                    question=str(record.get("question", "")),
                    answer=str(record.get("answer", "")),
                    rating=rating,
                    citations=tuple(str(c) for c in record.get("citations", []) or []),
                    comment=(note or "").strip(),
                    lang=str(record.get("lang") or "") or None,
                ),
            )
        except Exception as exc:
            return user_message(exc, ui), gr.skip()
        return i18n.text("thanks", ui), ""

    # n, r, u (the note, the answer's record, the interface language): the parameter names
    # the public endpoints /feedback_helpful and /feedback_not_helpful have always had.

    def feedback_helpful(self, n: str, r: dict | None, u: str) -> tuple:
        return self.give_feedback("helpful", n, r, u)

    def feedback_not_helpful(self, n: str, r: dict | None, u: str) -> tuple:
        return self.give_feedback("not_helpful", n, r, u)

    # --- the document browser --------------------------------------------------------------------

    def show_document(self, doc_id: str | None, query: str, ui: str) -> str:
        try:
            return render.document_html(self.current.get().document(doc_id or None), query or "", ui)
        except Exception as exc:
            return render.error_html(user_message(exc, ui))

    # --- trainers' tabs --------------------------------------------------------------------------
    # Each returns (status HTML, the file to download, the preview): on failure a short
    # message in the interface language, no file and no preview, never a stack trace.

    @staticmethod
    def _refused(message: str) -> tuple:
        return render.error_html(message), no_file(), ""

    @staticmethod
    def _exported(markdown: str, content: str | bytes, stem: str, fmt: str) -> tuple:
        path = save_temp(content, stem, fmt)
        return "", gr.update(value=str(path), visible=True), render.export_markdown(markdown)

    def make_session_brief(self, topic: str, out_lang: str, fmt: str, ui: str, request: gr.Request = None) -> tuple:  # type: ignore[assignment]
        ui = render.ui_lang(ui)
        if not self.allowed(request, "trainer"):
            return self._refused(i18n.text("forbidden", ui))
        if not (topic or "").strip():
            return self._refused(i18n.text("brief_no_topic", ui))
        try:
            b = make_brief(self.current.get(), topic, lang=out_lang or None)
            markdown = render_brief(b, "md")
            content = markdown if fmt == "md" else render_brief(b, fmt)
            return self._exported(str(markdown), content, f"brief-{b.topic}", fmt)
        except Exception as exc:
            return self._refused(user_message(exc, ui))

    def make_session_quiz(
        self,
        topic: str,
        n: float | None,
        seed: float | None,
        out_lang: str,
        fmt: str,
        ui: str,
        request: gr.Request = None,  # type: ignore[assignment]
    ) -> tuple:
        ui = render.ui_lang(ui)
        if not self.allowed(request, "trainer"):
            return self._refused(i18n.text("forbidden", ui))
        try:
            count, rng_seed = int(n), int(seed)  # type: ignore[arg-type]
            if count != n or rng_seed != seed:
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            return self._refused(i18n.text("quiz_bad_number", ui))
        try:
            q = make_quiz(self.current.get(), (topic or "").strip() or None, n=count, seed=rng_seed, lang=out_lang or None)
            markdown = render_quiz(q, "md")
            content = markdown if fmt == "md" else render_quiz(q, fmt)
            return self._exported(str(markdown), content, f"quiz-{q.topic or 'paper'}-seed{q.seed}", fmt)
        except Exception as exc:
            return self._refused(user_message(exc, ui))

    # --- adding a document -----------------------------------------------------------------------

    def add_document(self, path: str | None, doc_lang: str, parallel: str, ui: str, request: gr.Request = None) -> tuple:  # type: ignore[assignment]
        """Outputs: the upload status, the file box, the document picker's and the translation picker's choices."""
        if not self.allowed(request, "admin"):
            return i18n.text("forbidden", ui), None, gr.skip(), gr.skip()
        if not path:
            return i18n.text("upload_none", ui), gr.skip(), gr.skip(), gr.skip()
        limit = self.settings.max_file_mb
        try:
            size_mb = Path(path).stat().st_size / 1e6
            if size_mb > limit:
                return render.error_text(i18n.text("upload_too_big", ui, size=size_mb, mb=limit), ui), None, gr.skip(), gr.skip()
            from assistant.ingest.corpus import add_documents

            docs = add_documents(self.current.get().settings, [path], lang=doc_lang or None, parallel_of=parallel or None)
            self.current.refresh()
        except Exception as exc:
            return user_message(exc, ui), None, gr.skip(), gr.skip()
        choices = render.document_choices(self.current.get().documents)
        names = ", ".join(f"{d.doc_id} ({len(d.units)})" for d in docs)
        return i18n.text("upload_done", ui, docs=names), None, gr.update(choices=choices), gr.update(choices=[("", "")] + choices)

    # --- the admins' feedback tab ----------------------------------------------------------------

    def list_feedback(self, rating: str, fb_lang: str, since: str, until: str, ui: str, request: gr.Request = None) -> tuple:  # type: ignore[assignment]
        """Outputs: the status and the table's rows."""
        ui = render.ui_lang(ui)
        if not self.allowed(request, "admin"):
            return render.error_html(i18n.text("forbidden", ui)), []
        try:
            days = [date.fromisoformat(d.strip()) if (d or "").strip() else None for d in (since, until)]
        except ValueError:
            return render.error_html(i18n.text("fb_bad_date", ui)), []
        try:
            records = filter_feedback(
                read_feedback(self.settings.feedback_path),
                rating=rating or None,
                lang=fb_lang or None,
                since=days[0],
                until=days[1],
            )
        except Exception as exc:
            return render.error_html(user_message(exc, ui)), []
        return "", [feedback_row(r) for r in records]

    # --- interface language ----------------------------------------------------------------------

    def relabel(self, ui: str, key: str | None, doc_id: str | None, query: str, record: dict | None) -> list:
        """Every component's words in ``ui`` (``Layout.labels``), then the sources panel and the document in it."""
        ui = render.ui_lang(ui)
        refused = bool(record) and not record.get("citations")  # type: ignore[union-attr]
        try:
            panel = self.render_source(key, ui, False) if key else render.sources_html(None, ui)
        except Exception as exc:
            panel = render.error_html(user_message(exc, ui))
        return self.view.labels.updates(ui, refused) + [panel, self.show_document(doc_id, query, ui)]
