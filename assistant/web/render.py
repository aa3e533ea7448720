"""What the web chat shows, as plain functions: choices, examples, HTML fragments, streaming.

Its words come from the one string table (``i18n.text``). Nothing here imports gradio, so
it is tested without a server. Every string that comes from a document, a question or a
model passes through ``html.escape`` before it is put in HTML:
the chat renders our fragments as HTML, so an ``<img onerror=...>`` in a question or a
source file must arrive as inert text.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from html import escape
from typing import Any, TypeVar

from assistant.answering.extractive import Answer
from assistant.core import i18n
from assistant.core.records import Document, Unit

#: The interface's own languages; labels in any other language are English.
WEB_LANGS: tuple[str, ...] = ("zh", "en")
LANG_CHOICES: list[tuple[str, str]] = [("中文", "zh"), ("English", "en")]

FEEDBACK_COLUMNS: list[str] = ["time", "rating", "lang", "question", "citations", "comment"]

# Output choices of the trainers' tabs: (label, value); the labels name the languages in themselves.
OUT_LANG_CHOICES: list[tuple[str, str]] = [("中文", "zh"), ("English", "en")]
BRIEF_FORMAT_CHOICES: list[tuple[str, str]] = [("Markdown (.md)", "md"), ("Word (.docx)", "docx")]
QUIZ_FORMAT_CHOICES: list[tuple[str, str]] = [("Markdown (.md)", "md"), ("Word (.docx)", "docx"), ("CSV (.csv)", "csv")]

# Paragraph 2(a)-(p) of the paper: the questions it puts to the Working Group.
EXAMPLES: dict[str, list[str]] = {
    "zh": [
        "哪些因素会增加个人或社区对贩运人口的脆弱性？",
        "刑事司法机构是否参与专门的预防活动？",
        "国家边境管理当局为预防贩运人口做出了哪些切实的贡献？",
        "领事和外交官员如何协助预防贩运人口？",
        "民间社会在预防贩运人口的国家努力中发挥何种作用？",
        "如何评估国家预防活动的影响？",
    ],
    "en": [
        "What factors increase the vulnerability of individuals or communities to trafficking?",
        "Are criminal justice agencies involved in specific prevention activities?",
        "What practical contributions do border authorities make to preventing trafficking?",
        "How do consular and diplomatic officials help prevent trafficking in persons?",
        "What role does civil society play in national efforts to prevent trafficking?",
        "How is the impact of national prevention activities evaluated?",
    ],
}


def ui_lang(lang: str | None) -> str:
    """The interface language for a reader's language: Chinese or English (the fallback)."""
    return lang if lang in WEB_LANGS else "en"


def document_choices(documents: Iterable[Document]) -> list[tuple[str, str]]:
    """The document pickers' choices: (title and language, doc id)."""
    return [(f"{d.title} ({d.lang})", d.doc_id) for d in documents]


def error_text(message: str, lang: str | None) -> str:
    """``i18n``'s error framing around a message meant for the user."""
    return i18n.text("error", ui_lang(lang), message=message)


# --- trainers' tabs -------------------------------------------------------------------------


def export_markdown(markdown: str) -> str:
    """An exported brief or quiz, ready for ``gr.Markdown``: no raw HTML can survive in it.

    ``export`` already writes ``<`` in document text as ``&lt;``, but not in the topic the
    user typed (it is in the title). gradio's Markdown sanitizes its HTML (``sanitize_html``
    defaults to True and is set explicitly in assistant/web/layout.py); turning every
    remaining ``<`` into ``&lt;`` means no tag reaches the sanitizer at all. ``&`` is left
    alone, so the exporter's own ``&lt;`` still shows as ``<``.
    """
    return markdown.replace("<", "&lt;")


# --- streaming ----------------------------------------------------------------------------

T = TypeVar("T")


def coalesced(items: Iterable[T], every_s: float) -> Iterator[list[T]]:
    """``items`` in groups, one group per ``every_s`` at most, the last when they end.

    A streamed chat update re-sends the whole conversation, so a reply is shown in a
    handful of updates, not one per line: an extractive answer (all its lines at once) is
    one group. Items are read on a thread of their own, so text that arrived is shown within
    ``every_s`` even while the next piece is slow in coming (a model thinking). An error
    from ``items`` is raised here, after the items before it.
    """
    if every_s <= 0:
        yield from ([item] for item in items)
        return
    arrivals: queue.Queue[tuple[bool, Any]] = queue.Queue()

    def pump() -> None:
        try:
            for item in items:
                arrivals.put((False, item))
        except BaseException as exc:  # handed to the reader, raised there
            arrivals.put((True, exc))
            return
        arrivals.put((True, None))

    threading.Thread(target=pump, name="coalesce", daemon=True).start()
    group: list[T] = []
    deadline = time.monotonic() + every_s
    while True:
        try:
            ended, item = arrivals.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            if group:
                yield group
                group = []
            deadline = time.monotonic() + every_s
            continue
        if ended:
            if group:
                yield group
            if item is not None:
                raise item
            return
        group.append(item)


# --- the chat -----------------------------------------------------------------------------


def cite_key(doc_id: str, unit_id: str) -> str:
    """What a chip carries: one string, because gradio choices are plain values."""
    return f"{doc_id}\x1f{unit_id}"


def parse_cite_key(key: str) -> tuple[str, str]:
    doc_id, _, unit_id = key.partition("\x1f")
    return doc_id, unit_id


def chip_choices(answer: Answer) -> list[tuple[str, str]]:
    """Cited paragraphs (unique; the evidence first, then context such as a lead-in), or for a refusal the closest ones."""
    if answer.refused:
        pairs = [(p.doc_id, p.unit_id) for p in answer.passages[:3]]
    else:
        ordered = sorted(answer.citations, key=lambda c: c.role != "evidence")  # stable: answer order within each
        pairs = [(c.doc_id, c.unit_id) for c in ordered]
    seen = dict.fromkeys(pairs)
    return [(i18n.cite_label(unit, answer.lang), cite_key(doc, unit)) for doc, unit in seen]


_MARKER = re.compile(r"\[([^\[\]\n]{1,40})\]$")


def user_html(question: str) -> str:
    return f'<div class="q">{_lines(question)}</div>'


def answer_html(
    text: str,
    *,
    refused: bool,
    notices: Sequence[str] = (),
    lang: str = "en",
    streaming: bool = False,
    short_answer: str | None = None,
    context_quotes: Collection[str] = (),
) -> str:
    """An answer (possibly still streaming) as escaped HTML; a refusal looks different.

    The short answer (the fact asked for) stands out above the evidence, the glossary
    lines under a quote read as a gloss, not as part of it, and quotes cited as context
    (a sub-item's lead-in, a list the answer does not rest on) are set back from the evidence.
    """
    parts = []
    for notice in notices:
        parts.append(f'<div class="notice">{escape(notice)}</div>')
    lines = []
    for i, line in enumerate(text.split("\n")):
        m = _MARKER.search(line)
        if i == 0 and short_answer and line == short_answer and not refused:
            lines.append(f'<p class="short-answer">{escape(line)}</p>')
        elif line.startswith("    (") and not refused:
            lines.append(f'<p class="terms">{escape(line.strip())}</p>')
        elif m and not refused:
            quote = line[: m.start()].rstrip()
            role = ' class="context"' if quote in context_quotes else ""
            lines.append(f'<p{role}>{escape(quote)} <span class="cite">[{escape(m.group(1))}]</span></p>')
        elif line.strip():
            lines.append(f"<p>{escape(line)}</p>")
    cls = ("answer refusal" if refused else "answer") + (" streaming" if streaming else "")
    icon = '<span class="refusal-icon" aria-hidden="true">∅</span>' if refused else ""
    parts.append(f'<div class="{cls}" lang="{escape(lang)}">{icon}{"".join(lines)}</div>')
    return "".join(parts)


def share_html(path: str, lang: str) -> str:
    return (
        f'<p class="share">{escape(i18n.text("share_ready", lang))}'
        f' <a id="share-link" href="{escape(path)}" target="_blank">{escape(path)}</a></p>'
    )


def account_html(name: str) -> str:
    return (
        f'<p class="account">{escape(name)} · <a id="logout" href="/logout">{escape(i18n.text("logout", "en"))}'
        f" / {escape(i18n.text('logout', 'zh'))}</a></p>"
    )


def error_html(message: str) -> str:
    return f'<div class="answer error">{escape(message)}</div>'


def _lines(text: str) -> str:
    return "<br>".join(escape(line) for line in text.split("\n"))


# --- the sources panel and the document browser ---------------------------------------------


def unit_block(unit: Unit, lang: str, *, title: str | None = None, cls: str = "unit") -> str:
    heading = escape(unit.section_path) if unit.section_path else ""
    head = f'<div class="unit-id">{escape(i18n.cite_label(unit.unit_id, lang))}</div>'
    if title:
        head = f'<div class="unit-title">{escape(title)}</div>' + head
    path = f'<div class="unit-path">{escape(i18n.text("heading", lang))}: {heading}</div>' if heading else ""
    return (
        f'<div class="{cls}" data-unit="{escape(unit.unit_id)}">{head}{path}'
        f'<div class="unit-text">{_lines(unit.text)}</div></div>'
    )


def sources_html(
    unit: Unit | None,
    lang: str,
    *,
    doc_title: str = "",
    masthead: str = "",
    ocr: bool = False,
    aligned: Unit | None = None,
    neighbours: tuple[Unit | None, Unit | None] | None = None,
) -> str:
    """The opened unit; ``masthead`` is the document's symbol, date, original language and agenda
    item; ``ocr`` marks text recognised from a scanned page."""
    if unit is None:
        return f'<div class="sources-empty">{escape(i18n.text("sources_empty", lang))}</div>'
    parts = []
    if doc_title:
        meta = f' <span class="doc-meta">{escape(masthead)}</span>' if masthead else ""
        parts.append(f'<div class="doc-title">{escape(doc_title)}{meta}</div>')
    if ocr:
        parts.append(f'<div class="unit-ocr">{escape(i18n.text("ocr", lang))}</div>')
    if neighbours is not None:
        before, _ = neighbours
        parts.append(_neighbour(before, "previous", lang))
    parts.append(unit_block(unit, lang, cls="unit opened"))
    if aligned is not None:
        parts.append(unit_block(aligned, lang, title=i18n.text("in_your_language", lang), cls="unit aligned"))
    if neighbours is not None:
        _, after = neighbours
        parts.append(_neighbour(after, "next", lang))
    return f'<div class="sources">{"".join(parts)}</div>'


def _neighbour(unit: Unit | None, which: str, lang: str) -> str:
    if unit is None:
        return (
            f'<div class="unit neighbour"><div class="unit-title">{escape(i18n.text(which, lang))}</div>'
            f"{escape(i18n.text('none', lang))}</div>"
        )
    return unit_block(unit, lang, title=i18n.text(which, lang), cls="unit neighbour")


def filter_units(doc: Document, query: str) -> list[Unit]:
    """Paragraphs whose id, heading or text contains ``query`` (case-insensitive, spaces ignored)."""
    needle = re.sub(r"\s+", "", query).casefold()
    if not needle:
        return list(doc.units)
    out = []
    for unit in doc.units:
        hay = re.sub(r"\s+", "", f"{unit.unit_id}{unit.section_path}{unit.text}").casefold()
        if needle in hay:
            out.append(unit)
    return out


def document_html(doc: Document, query: str, lang: str) -> str:
    """The document paragraph by paragraph, a heading shown where the section changes."""
    units = filter_units(doc, query)
    parts = [
        f'<div class="doc-title">{escape(doc.title)}'
        f' <span class="doc-meta">({escape(", ".join(p for p in (doc.doc_id, doc.lang, doc.masthead()) if p))})</span></div>',
        f'<div class="doc-count">{escape(i18n.text("matches", lang, n=len(units)))}</div>',
    ]
    last_section: tuple[str, ...] | None = None
    for unit in units:
        if unit.section != last_section and unit.section:
            parts.append(f'<div class="doc-heading">{escape(unit.section_path)}</div>')
        last_section = unit.section
        parts.append(
            f'<div class="doc-unit" data-unit="{escape(unit.unit_id)}"><span class="doc-uid">{escape(unit.unit_id)}</span>'
            f'<span class="doc-utext">{_lines(unit.text)}</span></div>'
        )
    return f'<div class="document">{"".join(parts)}</div>'


CSS = """
.q { white-space: normal; }
.answer p { margin: 0 0 .45em 0; }
.answer .cite { color: #1f5fa8; font-weight: 600; white-space: nowrap; }
.answer .short-answer { font-size: 1.15em; font-weight: 700; margin-bottom: .6em; }
.answer .terms { color: #555; font-size: .88em; margin: -.3em 0 .6em 1.2em; }
.answer p.context { color: #555; border-left: 3px solid #d0d0d0; padding-left: .6em; }
.answer.refusal { border: 2px dashed #b7791f; background: #fffaf0; color: #5f370e; padding: .6em .8em; border-radius: 8px; }
.answer.refusal p:first-of-type { font-weight: 700; }
.refusal-icon { float: right; font-size: 1.4em; color: #b7791f; margin-left: .5em; }
.answer.streaming p:last-child::after { content: " ▍"; color: #a0aec0; }
.answer.error { border: 2px solid #c53030; background: #fff5f5; color: #742a2a; padding: .6em .8em; border-radius: 8px; }
.notice { font-size: .9em; color: #744210; background: #fefcbf; padding: .3em .6em; border-radius: 6px; margin-bottom: .4em; }
#chips .wrap label { border-radius: 999px !important; padding: 2px 12px !important; }
#chips.refused .wrap label { border-style: dashed !important; }
.sources .unit { border-left: 4px solid #cbd5e0; padding: .4em .8em; margin: .5em 0; background: #f7fafc; border-radius: 4px; }
.sources .unit.opened { border-left-color: #1f5fa8; background: #ebf4ff; }
.sources .unit.aligned { border-left-color: #2f855a; background: #f0fff4; }
.sources .unit.neighbour { opacity: .85; font-size: .95em; }
.unit-id { font-weight: 700; }
.unit-title { font-size: .85em; color: #4a5568; text-transform: none; }
.unit-path { font-size: .85em; color: #4a5568; margin: .2em 0; }
.unit-text { line-height: 1.6; }
.doc-title { font-weight: 700; font-size: 1.05em; margin-bottom: .3em; }
.doc-meta, .doc-count { font-weight: 400; color: #718096; font-size: .9em; }
.unit-ocr { color: #975a16; font-size: .85em; margin-bottom: .3em; }
.document { max-height: 70vh; overflow-y: auto; }
.doc-heading { font-weight: 700; margin: 1em 0 .3em; color: #2d3748; border-bottom: 1px solid #e2e8f0; }
.doc-unit { display: flex; gap: .8em; margin: .35em 0; line-height: 1.6; }
.doc-uid { min-width: 3.5em; color: #1f5fa8; font-weight: 600; }
.sources-empty { color: #718096; }
.export-view { border: 1px solid #e2e8f0; border-radius: 8px; padding: .4em 1em !important; background: #fff; }
.export-view:empty { display: none; }
.export-view h1 { font-size: 1.35em !important; }
.export-view h2 { font-size: 1.15em !important; border-bottom: 1px solid #e2e8f0; }
.export-view h3 { font-size: 1.02em !important; color: #2d3748; }
"""
