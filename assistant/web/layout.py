"""The web chat's components, built in page order: a header, the conversation state, one tab per job.

Each builder creates its components inside the open ``gr.Blocks`` and returns them as a
record; every component with words is made through ``Labels.make`` (assistant/web/labels.py),
so its English text and its label key come from one place.

Per-conversation state (earlier questions, the last answer for feedback, the paragraph
open in the sources panel) lives in hidden components whose values the browser sends with
every request, not in ``gr.State`` (which gradio keeps in the server's memory): any replica
behind a load balancer can answer any turn, and a restarted replica loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from assistant.core.config import Settings
from assistant.core.i18n import UI_LANGS
from assistant.core.records import Document
from assistant.web import render
from assistant.web.labels import Example, Labels, Text
from assistant.web.users import Role

UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".pdf", ".docx"]
LANGS_OF_DOCUMENTS = ["", "zh", "en", "fr", "es", "ru", "ar"]  # "": detected


@dataclass(frozen=True)
class Header:
    title: gr.Markdown
    subtitle: gr.Markdown
    lang: gr.Radio  # the interface language
    account: gr.HTML  # who is logged in, with a logout link


@dataclass(frozen=True)
class ConversationState:
    """Held by the browser (see the module docstring)."""

    history: gr.JSON  # earlier questions, sent with a follow-up
    last: gr.JSON  # the last answer: feedback rates it, export appends it
    opened: gr.Textbox  # the cite key of the paragraph open in the sources panel
    turns: gr.JSON  # the conversation for export and share links


@dataclass(frozen=True)
class ChatTab:
    tab: gr.Tab
    chat: gr.Chatbot
    question: gr.Textbox
    send: gr.Button
    new: gr.Button
    chips: gr.Radio  # the cited paragraphs, or a refusal's closest ones
    helpful: gr.Button
    not_helpful: gr.Button
    comment: gr.Textbox
    fb_status: gr.Markdown
    export_fmt: gr.Radio
    export_btn: gr.Button
    share_btn: gr.Button
    export_file: gr.File
    export_status: gr.HTML
    examples: tuple[gr.Button, ...]
    sources: gr.HTML  # the sources panel
    show_neighbours: gr.Button


@dataclass(frozen=True)
class BrowseTab:
    tab: gr.Tab
    doc_pick: gr.Dropdown
    doc_filter: gr.Textbox
    doc_view: gr.HTML


@dataclass(frozen=True)
class TrainerTab:
    """A trainers' tab: what to make, in which language and file format, and what was made."""

    tab: gr.Tab
    topic: gr.Textbox
    lang: gr.Radio
    fmt: gr.Radio
    button: gr.Button
    status: gr.HTML
    file: gr.File  # the file to download
    view: gr.Markdown  # the document shown


@dataclass(frozen=True)
class QuizTab(TrainerTab):
    n: gr.Number
    seed: gr.Number


@dataclass(frozen=True)
class FeedbackTab:
    tab: gr.Tab
    rating: gr.Dropdown
    lang: gr.Dropdown
    since: gr.Textbox
    until: gr.Textbox
    show: gr.Button
    status: gr.HTML
    table: gr.Dataframe


@dataclass(frozen=True)
class UploadTab:
    tab: gr.Tab
    file: gr.File
    lang: gr.Dropdown
    parallel: gr.Dropdown  # the document this one translates
    button: gr.Button
    status: gr.Markdown


@dataclass(frozen=True)
class Layout:
    header: Header
    state: ConversationState
    chat: ChatTab
    browse: BrowseTab
    brief: TrainerTab
    quiz: QuizTab
    feedback: FeedbackTab
    upload: UploadTab | None  # only when web uploads are allowed
    labels: Labels

    def role_tabs(self) -> dict[gr.Tab, Role]:
        """The tabs only some roles may use, with the role each needs."""
        tabs: dict[gr.Tab, Role] = {self.brief.tab: "trainer", self.quiz.tab: "trainer", self.feedback.tab: "admin"}
        if self.upload is not None:
            tabs[self.upload.tab] = "admin"
        return tabs


def build_layout(settings: Settings, choices: list[tuple[str, str]], first: Document, accounts: bool) -> Layout:
    """Every component, inside the open ``gr.Blocks``. ``choices``: the document pickers';
    ``first``: the document the browser opens on. With ``accounts`` the role tabs start
    hidden (shown on load to the roles that may use them) and conversations can be shared."""
    labels = Labels()
    header = _header(labels)
    state = ConversationState(
        history=gr.JSON(value=[], visible=False, elem_id="history"),
        last=gr.JSON(value={}, visible=False, elem_id="last-answer"),
        opened=gr.Textbox(value="", visible=False, elem_id="opened"),
        turns=gr.JSON(value=[], visible=False, elem_id="turns"),
    )
    with gr.Tabs():
        chat = _chat_tab(labels, accounts)
        browse = _browse_tab(labels, choices, first)
        # Trainers' tabs: a topic brief and a quiz, shown here and offered as a file.
        brief = _brief_tab(labels, accounts)
        quiz = _quiz_tab(labels, accounts)
        feedback = _feedback_tab(labels, accounts)
        upload = _upload_tab(labels, settings, choices, accounts) if settings.allow_uploads else None
    return Layout(header, state, chat, browse, brief, quiz, feedback, upload, labels)


def _header(labels: Labels) -> Header:
    with gr.Row(equal_height=True, elem_id="header"):
        with gr.Column(scale=4):
            title = labels.make(gr.Markdown, Text("app_title", "markdown", "## {}"), elem_id="title")
            subtitle = labels.make(gr.Markdown, Text("subtitle", "markdown"), elem_id="subtitle")
        lang = labels.make(gr.Radio, Text("ui_lang"), render.LANG_CHOICES, value="en", elem_id="ui-lang", scale=0, min_width=220)
        account = gr.HTML("", visible=False, elem_id="account", scale=0, min_width=120)
    return Header(title, subtitle, lang, account)


def _chat_tab(labels: Labels, accounts: bool) -> ChatTab:
    with labels.make(gr.Tab, Text("tab_chat"), id="chat") as tab, gr.Row():
        with gr.Column(scale=3):
            chat = labels.make(
                gr.Chatbot,
                Text("chat"),
                elem_id="chat",
                height=460,
                render_markdown=False,
                sanitize_html=True,
                feedback_options=None,
                buttons=["copy"],
                layout="bubble",
            )
            with gr.Row():
                question = labels.make(
                    gr.Textbox,
                    Text("question", placeholder="placeholder"),
                    elem_id="question",
                    lines=1,
                    max_lines=6,
                    scale=5,
                    autofocus=True,
                )
                with gr.Column(scale=1, min_width=120):
                    send = labels.make(gr.Button, Text("send", "value"), variant="primary", elem_id="send")
                    new = labels.make(gr.Button, Text("new", "value"), elem_id="new-conversation", size="sm", variant="secondary")
            chips = labels.make(
                gr.Radio, Text("citations", refused_key="chips_closest"), [], elem_id="chips", visible=False, interactive=True
            )
            with labels.make(gr.Accordion, Text("feedback"), open=True, elem_id="feedback"):
                with gr.Row():
                    helpful = labels.make(gr.Button, Text("helpful", "value"), elem_id="fb-helpful", size="sm")
                    not_helpful = labels.make(gr.Button, Text("not_helpful", "value"), elem_id="fb-not-helpful", size="sm")
                comment = labels.make(gr.Textbox, Text("comment"), elem_id="fb-comment", lines=1, max_lines=4)
                fb_status = gr.Markdown("", elem_id="fb-status")
            with gr.Row(equal_height=True, elem_id="export-row"):
                export_fmt = labels.make(
                    gr.Radio, Text("export_format"), render.BRIEF_FORMAT_CHOICES, value="md", elem_id="export-format", scale=3
                )
                export_btn = labels.make(gr.Button, Text("export_button", "value"), elem_id="export-button", size="sm", scale=1)
                share_btn = labels.make(
                    gr.Button, Text("share_button", "value"), elem_id="share-button", size="sm", scale=1, visible=accounts
                )
            export_file = labels.make(gr.File, Text("download"), interactive=False, visible=False, elem_id="export-file")
            export_status = gr.HTML("", elem_id="export-status")
            labels.make(gr.Markdown, Text("examples", "markdown", "**{}**"), elem_id="examples-label")
            with gr.Row(elem_id="examples"):
                examples = tuple(
                    labels.make(gr.Button, Example(i), size="sm", elem_classes=["example"], variant="secondary")
                    for i in range(len(render.EXAMPLES["en"]))
                )
        with gr.Column(scale=2):
            labels.make(gr.Markdown, Text("sources_title", "markdown", "### {}"), elem_id="sources-label")
            sources = gr.HTML(render.sources_html(None, "en"), elem_id="sources")
            show_neighbours = labels.make(gr.Button, Text("neighbours", "value"), elem_id="neighbours", size="sm", visible=False)
    return ChatTab(
        tab,
        chat,
        question,
        send,
        new,
        chips,
        helpful,
        not_helpful,
        comment,
        fb_status,
        export_fmt,
        export_btn,
        share_btn,
        export_file,
        export_status,
        examples,
        sources,
        show_neighbours,
    )


def _browse_tab(labels: Labels, choices: list[tuple[str, str]], first: Document) -> BrowseTab:
    with labels.make(gr.Tab, Text("tab_browse"), id="browse") as tab:
        with gr.Row():
            doc_pick = labels.make(
                gr.Dropdown, Text("document"), choices, value=first.doc_id, elem_id="doc-pick", scale=2, allow_custom_value=True
            )
            doc_filter = labels.make(gr.Textbox, Text("filter", placeholder="filter_placeholder"), elem_id="doc-filter", scale=2)
        doc_view = gr.HTML(render.document_html(first, "", "en"), elem_id="doc-view")
    return BrowseTab(tab, doc_pick, doc_filter, doc_view)


def _brief_tab(labels: Labels, accounts: bool) -> TrainerTab:
    with labels.make(gr.Tab, Text("tab_brief"), id="brief", visible=not accounts) as tab:
        labels.make(gr.Markdown, Text("brief_intro", "markdown"), elem_id="brief-intro")
        with gr.Row(equal_height=True):
            topic = _topic_box(labels, "brief", Text("brief_topic", placeholder="brief_placeholder"))
            lang = labels.make(gr.Radio, Text("out_lang"), render.OUT_LANG_CHOICES, value="en", elem_id="brief-lang", scale=2)
            fmt = labels.make(gr.Radio, Text("out_format"), render.BRIEF_FORMAT_CHOICES, value="docx", elem_id="brief-format", scale=2)
        return TrainerTab(tab, topic, lang, fmt, *_made(labels, "brief"))


def _quiz_tab(labels: Labels, accounts: bool) -> QuizTab:
    with labels.make(gr.Tab, Text("tab_quiz"), id="quiz", visible=not accounts) as tab:
        labels.make(gr.Markdown, Text("quiz_intro", "markdown"), elem_id="quiz-intro")
        with gr.Row(equal_height=True):
            topic = _topic_box(labels, "quiz", Text("quiz_topic", placeholder="brief_placeholder"))
            n = labels.make(gr.Number, Text("quiz_n"), value=10, precision=0, elem_id="quiz-n", scale=1, min_width=120)
            seed = labels.make(gr.Number, Text("quiz_seed"), value=0, precision=0, elem_id="quiz-seed", scale=1, min_width=120)
        with gr.Row(equal_height=True):
            lang = labels.make(gr.Radio, Text("out_lang"), render.OUT_LANG_CHOICES, value="en", elem_id="quiz-lang")
            fmt = labels.make(gr.Radio, Text("out_format"), render.QUIZ_FORMAT_CHOICES, value="docx", elem_id="quiz-format")
        return QuizTab(tab, topic, lang, fmt, *_made(labels, "quiz"), n=n, seed=seed)


def _topic_box(labels: Labels, name: str, words: Text) -> gr.Textbox:
    return labels.make(gr.Textbox, words, elem_id=f"{name}-topic", lines=1, max_lines=1, scale=3)


def _made(labels: Labels, name: str) -> tuple[gr.Button, gr.HTML, gr.File, gr.Markdown]:
    """A trainers' tab's button (``{name}_button``), its status, the file made and its preview."""
    button = labels.make(gr.Button, Text(f"{name}_button", "value"), variant="primary", elem_id=f"{name}-button")
    status = gr.HTML("", elem_id=f"{name}-status")
    file = labels.make(gr.File, Text("download"), interactive=False, visible=False, elem_id=f"{name}-file")
    # Document text: gradio's Markdown sanitizes HTML (said explicitly here), and
    # render.export_markdown has already turned every "<" into an entity.
    view = gr.Markdown("", sanitize_html=True, elem_id=f"{name}-view", elem_classes=["export-view"])
    return button, status, file, view


def _feedback_tab(labels: Labels, accounts: bool) -> FeedbackTab:
    ratings = [("", ""), ("helpful", "helpful"), ("not helpful", "not_helpful")]
    with labels.make(gr.Tab, Text("tab_feedback"), id="feedback-tab", visible=not accounts) as tab:
        with gr.Row(equal_height=True):
            rating = labels.make(gr.Dropdown, Text("fb_rating"), ratings, value="", elem_id="fbl-rating")
            lang = labels.make(gr.Dropdown, Text("fb_lang"), [""] + list(UI_LANGS), value="", elem_id="fbl-lang")
            since = labels.make(gr.Textbox, Text("fb_since"), elem_id="fbl-since", max_lines=1)
            until = labels.make(gr.Textbox, Text("fb_until"), elem_id="fbl-until", max_lines=1)
            show = labels.make(gr.Button, Text("fb_show", "value"), variant="primary", elem_id="fbl-show")
        status = gr.HTML("", elem_id="fbl-status")
        table = gr.Dataframe(headers=render.FEEDBACK_COLUMNS, value=[], interactive=False, wrap=True, elem_id="fbl-table")
    return FeedbackTab(tab, rating, lang, since, until, show, status, table)


def _upload_tab(labels: Labels, settings: Settings, choices: list[tuple[str, str]], accounts: bool) -> UploadTab:
    with labels.make(gr.Tab, Text("tab_upload"), id="upload", visible=not accounts) as tab:
        limit = Text("upload_file", values=(("mb", settings.max_file_mb),))
        file = labels.make(gr.File, limit, file_types=UPLOAD_TYPES, type="filepath", elem_id="up-file")
        with gr.Row():
            lang = labels.make(gr.Dropdown, Text("upload_lang"), LANGS_OF_DOCUMENTS, value="", elem_id="up-lang")
            parallel = labels.make(
                gr.Dropdown, Text("upload_parallel"), [("", "")] + choices, value="", elem_id="up-parallel", allow_custom_value=True
            )
        button = labels.make(gr.Button, Text("upload_button", "value"), variant="primary", elem_id="up-button")
        status = gr.Markdown("", elem_id="up-status")
    return UploadTab(tab, file, lang, parallel, button, status)
