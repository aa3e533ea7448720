"""The web chat assembled: the layout's components wired to the handlers, and how it is served.

``build_app`` builds the page (assistant/web/layout.py), binds each event to its handler
(assistant/web/handlers.py) and returns the gradio app. ``serve`` mounts it at ``/`` on
the HTTP API (assistant/web/api.py, FastAPI): one process, one login, one accounts file,
as ``python app.py`` runs it. ``launch`` is gradio's own server (tests, no accounts).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant.answering.service import Assistant
from assistant.core.config import Settings
from assistant.web import render
from assistant.web.handlers import Handlers
from assistant.web.layout import Layout, build_layout
from assistant.web.live import LiveAssistant
from assistant.web.users import UserStore

CONCURRENCY = 20  # simultaneous handlers; asking is milliseconds of CPU, so 20 sessions never queue long
#: Sessions whose component state gradio keeps in server memory (its default, 10,000,
#: holds a copy of every component's config per browser tab that ever opened the page:
#: ~0.1 MB each here). Conversation state lives in the browser, so an evicted session
#: loses nothing but the citation chips' remembered choices, which open_chip never reads.
MAX_SERVER_SESSIONS = 500
#: Every handler's events stay out of the public API unless given an ``api_name``.
PRIVATE: dict[str, Any] = {"api_visibility": "private"}
QUIET: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}


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
    with gr.Blocks(title="UN TIP assistant", analytics_enabled=False) as demo:
        choices = render.document_choices(current.get().documents)
        view = build_layout(settings, choices, assistant.documents[0], accounts=store is not None)
        handlers = Handlers(current, settings, store, view)
        _wire_asking(view, handlers)
        _wire_sources(view, handlers)
        _wire_trainers(view, handlers)
        _wire_admin(view, handlers)
        _wire_page(demo, view, handlers)
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


def _wire_asking(view: Layout, h: Handlers) -> None:
    """Asking, a new conversation, exporting and sharing it, rating an answer."""
    chat, state, lang = view.chat, view.state, view.header.lang
    ask_outputs = [chat.chat, chat.question, state.history, chat.chips, state.last, chat.fb_status]
    ask_kwargs: dict[str, Any] = {"outputs": ask_outputs, "show_progress": "hidden"}
    turn_kwargs: dict[str, Any] = {"fn": h.append_turn, "inputs": [state.last, state.turns], "outputs": [state.turns], **QUIET}
    chat.question.submit(h.respond, [chat.question, state.history, chat.chat, lang], api_name="ask", **ask_kwargs).then(**turn_kwargs)
    chat.send.click(h.respond, [chat.question, state.history, chat.chat, lang], **PRIVATE, **ask_kwargs).then(**turn_kwargs)
    for button in chat.examples:
        button.click(h.respond, [button, state.history, chat.chat, lang], **PRIVATE, **ask_kwargs).then(**turn_kwargs)

    reset_outputs = [
        chat.chat,
        state.history,
        state.last,
        chat.chips,
        state.opened,
        chat.sources,
        chat.show_neighbours,
        chat.fb_status,
        chat.comment,
    ]
    forget: dict[str, Any] = {
        "fn": h.forget_export,
        "inputs": None,
        "outputs": [state.turns, chat.export_file, chat.export_status],
        **PRIVATE,
    }
    # The browser empties the chat and its history at once, before the server's reset comes back:
    # a question asked in that round trip must not be read as a follow-up of the old conversation.
    clear_now: dict[str, Any] = {"fn": None, "inputs": None, "outputs": [chat.chat, state.history], "js": "() => [[], []]"}
    chat.new.click(**clear_now).then(h.new_conversation, [lang], reset_outputs, api_name="new_conversation").then(**forget)
    # The chat's own bin icon starts a new conversation too, so no stale context survives it.
    chat.chat.clear(**clear_now).then(h.new_conversation, [lang], reset_outputs, **PRIVATE).then(**forget)

    chat.export_btn.click(h.export_conversation, [state.turns, chat.export_fmt, lang], [chat.export_file, chat.export_status], **PRIVATE)
    chat.share_btn.click(h.share_conversation, [state.turns, lang], [chat.export_status], **PRIVATE)


def _wire_sources(view: Layout, h: Handlers) -> None:
    """The sources panel, feedback on an answer, and the document browser."""
    chat, state, lang, browse = view.chat, view.state, view.header.lang, view.browse
    chat.chips.select(h.open_chip, [lang], [chat.sources, state.opened, chat.show_neighbours], **QUIET)
    chat.show_neighbours.click(h.open_neighbours, [state.opened, lang], [chat.sources], **QUIET)

    rated = [chat.comment, state.last, lang]
    chat.helpful.click(h.feedback_helpful, rated, [chat.fb_status, chat.comment], api_name="feedback_helpful")
    chat.not_helpful.click(h.feedback_not_helpful, rated, [chat.fb_status, chat.comment], api_name="feedback_not_helpful")

    shown = [browse.doc_pick, browse.doc_filter, lang]
    browse.doc_pick.change(h.show_document, shown, [browse.doc_view], **QUIET)
    browse.doc_filter.change(h.show_document, shown, [browse.doc_view], **QUIET, trigger_mode="always_last")


def _wire_trainers(view: Layout, h: Handlers) -> None:
    brief, quiz, lang = view.brief, view.quiz, view.header.lang
    brief_args = [brief.topic, brief.lang, brief.fmt, lang]
    brief_outputs = [brief.status, brief.file, brief.view]
    brief.button.click(h.make_session_brief, brief_args, brief_outputs, api_name="brief")
    brief.topic.submit(h.make_session_brief, brief_args, brief_outputs, **PRIVATE)
    quiz_args = [quiz.topic, quiz.n, quiz.seed, quiz.lang, quiz.fmt, lang]
    quiz.button.click(h.make_session_quiz, quiz_args, [quiz.status, quiz.file, quiz.view], api_name="quiz")


def _wire_admin(view: Layout, h: Handlers) -> None:
    """Adding a document (when web uploads are allowed) and the feedback tab."""
    lang, up = view.header.lang, view.upload
    if up is not None:
        up.button.click(
            h.add_document,
            [up.file, up.lang, up.parallel, lang],
            [up.status, up.file, view.browse.doc_pick, up.parallel],
            **PRIVATE,
            concurrency_limit=1,
        )
    fb = view.feedback
    fb.show.click(h.list_feedback, [fb.rating, fb.lang, fb.since, fb.until, lang], [fb.status, fb.table], **PRIVATE)


def _wire_page(demo: gr.Blocks, view: Layout, h: Handlers) -> None:
    """On load: the role tabs and the account; on a language switch: every component's words."""
    demo.load(h.show_tabs, None, [view.header.account, *view.role_tabs()], **QUIET)
    state, browse = view.state, view.browse
    view.header.lang.change(
        h.relabel,
        [view.header.lang, state.opened, browse.doc_pick, browse.doc_filter, state.last],
        [*view.labels.components, view.chat.sources, browse.doc_view],
        **QUIET,
    )
    # Start in the browser's language: Chinese for zh-*, English otherwise.
    demo.load(None, None, [view.header.lang], js="() => ((navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en')")


def _page_options(settings: Settings) -> dict[str, Any]:
    """What gradio's own server and the mounted app share."""
    return {"css": render.CSS, "max_file_size": f"{settings.max_file_mb}mb", "show_error": False, "footer_links": [], "ssr_mode": False}


def launch(demo: gr.Blocks, settings: Settings, **kwargs: Any) -> Any:
    """Start serving on the configured host and port (tests pass their own port)."""
    options: dict[str, Any] = {
        "server_name": settings.host,
        "server_port": settings.port,
        **_page_options(settings),
        "state_session_capacity": MAX_SERVER_SESSIONS,
        **kwargs,
    }
    return demo.launch(**options)


def serve(assistant: Assistant, settings: Settings, store: UserStore | None = None) -> Any:
    """The one app ``make run`` serves: the HTTP API (assistant/web/api.py) with the web chat
    mounted at ``/``, sharing one assistant, one accounts file and one login."""
    from assistant.web.api import check_exposure, create_api

    store = store or UserStore(settings.users_path)
    check_exposure(settings, store)
    live = LiveAssistant(assistant)
    api = create_api(live, settings, store)
    demo = build_app(assistant, settings, live=live, store=store)
    return gr.mount_gradio_app(api, demo, path="/", auth_dependency=api.state.gate.web_user, **_page_options(settings))
