"""Briefs and quizzes as files a trainer can hand out: Markdown, Word (DOCX) and, for quizzes, CSV.

One renderer per format, all from the same records, so the web app, the CLI and any
script produce the same document. DOCX files are built with python-docx, with real
headings and an East Asian font set on every style, so Word and LibreOffice show the
Chinese excerpts; citation ids appear both in the text and in the sources list.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from assistant.core import i18n
from assistant.core.errors import MissingDependency, choice_error
from assistant.core.i18n import cite_label as cite
from assistant.trainers.brief import Brief
from assistant.trainers.quiz import Quiz, QuizItem

if TYPE_CHECKING:  # python-docx is imported when a Word file is made, not at import
    from docx.document import Document as DocxDocument
    from docx.text.paragraph import Paragraph

Format = Literal["md", "docx", "csv"]
BRIEF_FORMATS: tuple[str, ...] = ("md", "docx")
QUIZ_FORMATS: tuple[str, ...] = ("md", "docx", "csv")
EAST_ASIAN_FONT = "Noto Serif CJK SC"  # falls back to the word processor's own CJK font when absent
LETTERS = "ABCDEFGH"


def check_format(fmt: str, valid: tuple[str, ...]) -> str:
    if fmt not in valid:
        raise choice_error("format", fmt, valid)
    return fmt


# --- Markdown --------------------------------------------------------------------------------


def _source_lang_name(brief_or_quiz_lang: str, doc_lang: str) -> str:
    key = f"lang_name_{doc_lang}"
    return i18n.text(key, brief_or_quiz_lang) if i18n.has(key) else doc_lang


def md_escape(text: str) -> str:
    """Verbatim text stays verbatim; only what Markdown would swallow is escaped."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("<", "&lt;")


def brief_to_markdown(brief: Brief) -> str:
    lang = brief.lang
    doc_lang = brief.documents[0].lang if brief.documents else "zh"
    out = [f"# {i18n.text('brief_title', lang, topic=brief.topic)}", ""]
    if brief.documents:
        out.append(" · ".join(d.title for d in brief.documents))
        out.append("")
    out.append(f"_{i18n.text('brief_source_note', lang, source=_source_lang_name(lang, doc_lang))}_")
    if brief.terms:
        out.append("")
        out.append(f"{i18n.text('brief_terms', lang)}: {'、'.join(brief.terms)}")
    out += ["", f"## {i18n.text('brief_summary', lang)}", ""]
    if not brief.summary:
        out.append(i18n.text("brief_nothing", lang))
    for c in brief.summary:
        out.append(f"- {md_escape(c.quote)} [{cite(c.unit_id, lang)}]")
    out += ["", f"## {i18n.text('brief_paragraphs', lang)}", ""]
    if not brief.groups:
        out.append(i18n.text("brief_nothing", lang))
    for group in brief.groups:
        out += [f"### {' > '.join(group.section) or group.doc_id}", ""]
        for p in group.paragraphs:
            extra = f" {i18n.text('brief_context', lang)}" if p.context else ""
            out += [f"**[{cite(p.unit.unit_id, lang)}]**{extra} {md_escape(p.unit.text)}", ""]
    out += [f"## {i18n.text('brief_questions', lang)}", ""]
    if not brief.questions:
        out.append(i18n.text("brief_questions_none", lang))
    for q in brief.questions:
        mark = "" if q.direct else f" {i18n.text('brief_related', lang)}"
        out.append(f"- **[{cite(q.unit.unit_id, lang)}]**{mark} {md_escape(q.unit.text)}")
    out += ["", f"## {i18n.text('brief_resources', lang)}", ""]
    if not brief.resources:
        out.append(i18n.text("brief_resources_none", lang))
    for r in brief.resources:
        mark = "" if r.direct else f" {i18n.text('brief_related', lang)}"
        out.append(f"- **{md_escape(r.title)}** [{cite(r.unit.unit_id, lang)}]{mark}: {md_escape(r.unit.text)}")
    if not all(x.direct for x in brief.questions) or not all(x.direct for x in brief.resources):
        out += ["", f"_{i18n.text('brief_related_note', lang)}_"]
    out += ["", f"## {i18n.text('brief_sources', lang)}", ""]
    out += [f"- {line}" for line in _sources(brief)]
    return "\n".join(out).rstrip() + "\n"


def _sources(brief: Brief) -> list[str]:
    titles = {d.doc_id: d.title for d in brief.documents}
    lines = []
    for unit in brief.cited_units:
        where = " > ".join(unit.section)
        lines.append(f"{cite(unit.unit_id, brief.lang)} — {titles.get(unit.doc_id, unit.doc_id)}" + (f" — {where}" if where else ""))
    return lines


def _quiz_title(quiz: Quiz) -> str:
    return (
        i18n.text("quiz_title", quiz.lang, topic=quiz.topic)
        if quiz.topic
        else i18n.text("quiz_title_paper", quiz.lang, title=quiz.doc_title)
    )


def quiz_to_markdown(quiz: Quiz) -> str:
    lang = quiz.lang
    out = [f"# {_quiz_title(quiz)}", ""]
    out.append(f"_{i18n.text('quiz_note', lang, source=_source_lang_name(lang, quiz.source_lang))}_")
    if len(quiz.items) < quiz.requested:
        out += ["", i18n.text("quiz_fewer", lang, k=len(quiz.items), n=quiz.requested)]
    out.append("")
    for n, item in enumerate(quiz.items, 1):
        out.append(f"{n}. {i18n.text('quiz_' + item.kind, lang)} {md_escape(item.prompt)}")
        for letter, option in zip(LETTERS, item.options):
            shown = cite(option, lang) if item.kind == "which" else option
            out.append(f"   - {letter}. {md_escape(shown)}")
        out.append("")
    out += [f"## {i18n.text('quiz_answers', lang)}", ""]
    for n, item in enumerate(quiz.items, 1):
        out.append(f"{n}. {_answer_text(item, lang)} — [{cite(item.key.unit_id, lang)}] {md_escape(item.key.sentence)}")
    return "\n".join(out).rstrip() + "\n"


def _answer_text(item: QuizItem, lang: str) -> str:
    shown = cite(item.answer, lang) if item.kind == "which" else item.answer
    return f"{item.answer_letter}. {shown}" if item.answer_letter else shown


# --- CSV -------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "number",
    "kind",
    "category",
    "question",
    "option_a",
    "option_b",
    "option_c",
    "option_d",
    "answer",
    "answer_letter",
    "doc",
    "paragraph",
    "sentence",
)


def quiz_to_csv(quiz: Quiz) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for n, item in enumerate(quiz.items, 1):
        options = list(item.options) + [""] * (4 - len(item.options))
        writer.writerow(
            [
                n,
                item.kind,
                item.category,
                item.prompt,
                *options[:4],
                item.answer,
                item.answer_letter or "",
                item.key.doc_id,
                item.key.unit_id,
                item.key.sentence,
            ]
        )
    return buffer.getvalue()


# --- DOCX ------------------------------------------------------------------------------------


def new_docx() -> DocxDocument:
    try:
        import docx
        from docx.oxml.ns import qn
    except ImportError:  # pragma: no cover - python-docx is a core dependency
        raise MissingDependency("python-docx", "Word export") from None
    document = docx.Document()
    for style in document.styles:
        if getattr(style, "font", None) is None:
            continue
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    return document


def _cited_paragraph(document: DocxDocument, label: str, text: str, style: str | None = None, suffix: str = "") -> Paragraph:
    para = document.add_paragraph(style=style)
    run = para.add_run(f"[{label}] ")
    run.bold = True
    para.add_run(text)
    if suffix:
        para.add_run(suffix).italic = True
    return para


def brief_to_docx(brief: Brief) -> bytes:
    lang = brief.lang
    doc_lang = brief.documents[0].lang if brief.documents else "zh"
    document = new_docx()
    document.core_properties.title = i18n.text("brief_title", lang, topic=brief.topic)
    document.add_heading(i18n.text("brief_title", lang, topic=brief.topic), level=0)
    if brief.documents:
        document.add_paragraph(" · ".join(d.title for d in brief.documents))
    document.add_paragraph().add_run(i18n.text("brief_source_note", lang, source=_source_lang_name(lang, doc_lang))).italic = True
    if brief.terms:
        document.add_paragraph(f"{i18n.text('brief_terms', lang)}: {'、'.join(brief.terms)}")

    document.add_heading(i18n.text("brief_summary", lang), level=1)
    if not brief.summary:
        document.add_paragraph(i18n.text("brief_nothing", lang))
    for c in brief.summary:
        para = document.add_paragraph(style="List Bullet")
        para.add_run(c.quote)
        para.add_run(f" [{cite(c.unit_id, lang)}]").bold = True

    document.add_heading(i18n.text("brief_paragraphs", lang), level=1)
    if not brief.groups:
        document.add_paragraph(i18n.text("brief_nothing", lang))
    for group in brief.groups:
        document.add_heading(" > ".join(group.section) or group.doc_id, level=2)
        for p in group.paragraphs:
            suffix = f" {i18n.text('brief_context', lang)}" if p.context else ""
            _cited_paragraph(document, cite(p.unit.unit_id, lang), p.unit.text, suffix=suffix)

    document.add_heading(i18n.text("brief_questions", lang), level=1)
    if not brief.questions:
        document.add_paragraph(i18n.text("brief_questions_none", lang))
    for q in brief.questions:
        mark = "" if q.direct else f" {i18n.text('brief_related', lang)}"
        _cited_paragraph(document, cite(q.unit.unit_id, lang), q.unit.text, style="List Bullet", suffix=mark)

    document.add_heading(i18n.text("brief_resources", lang), level=1)
    if not brief.resources:
        document.add_paragraph(i18n.text("brief_resources_none", lang))
    for r in brief.resources:
        para = document.add_paragraph(style="List Bullet")
        para.add_run(r.title).bold = True
        para.add_run(f" [{cite(r.unit.unit_id, lang)}]" + ("" if r.direct else f" {i18n.text('brief_related', lang)}") + ": ")
        para.add_run(r.unit.text)
    if not all(x.direct for x in brief.questions) or not all(x.direct for x in brief.resources):
        document.add_paragraph().add_run(i18n.text("brief_related_note", lang)).italic = True

    document.add_heading(i18n.text("brief_sources", lang), level=1)
    for line in _sources(brief):
        document.add_paragraph(line, style="List Number")
    return docx_bytes(document)


def quiz_to_docx(quiz: Quiz) -> bytes:
    lang = quiz.lang
    document = new_docx()
    title = _quiz_title(quiz)
    document.core_properties.title = title
    document.add_heading(title, level=0)
    document.add_paragraph().add_run(i18n.text("quiz_note", lang, source=_source_lang_name(lang, quiz.source_lang))).italic = True
    if len(quiz.items) < quiz.requested:
        document.add_paragraph(i18n.text("quiz_fewer", lang, k=len(quiz.items), n=quiz.requested))
    for n, item in enumerate(quiz.items, 1):
        para = document.add_paragraph()
        para.add_run(f"{n}. {i18n.text('quiz_' + item.kind, lang)} ").bold = True
        para.add_run(item.prompt)
        for letter, option in zip(LETTERS, item.options):
            shown = cite(option, lang) if item.kind == "which" else option
            document.add_paragraph(f"{letter}. {shown}").paragraph_format.left_indent = 360000  # 1 cm in EMU
    document.add_page_break()
    document.add_heading(i18n.text("quiz_answers", lang), level=1)
    for n, item in enumerate(quiz.items, 1):
        para = document.add_paragraph()
        para.add_run(f"{n}. {_answer_text(item, lang)} ").bold = True
        para.add_run(f"[{cite(item.key.unit_id, lang)}] ")
        para.add_run(item.key.sentence)
    return docx_bytes(document)


def docx_bytes(document: DocxDocument) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- one entry point per record --------------------------------------------------------------


Rendered = str | bytes


def render_brief(brief: Brief, fmt: str = "md") -> Rendered:
    fmt = check_format(fmt, BRIEF_FORMATS)
    return brief_to_markdown(brief) if fmt == "md" else brief_to_docx(brief)


def render_quiz(quiz: Quiz, fmt: str = "md") -> Rendered:
    fmt = check_format(fmt, QUIZ_FORMATS)
    if fmt == "md":
        return quiz_to_markdown(quiz)
    if fmt == "csv":
        return quiz_to_csv(quiz)
    return quiz_to_docx(quiz)


def write(content: Rendered, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def save_temp(content: Rendered, stem: str, fmt: str) -> Path:
    """A file for a download button (gradio's ``gr.File``): a fresh temporary directory per call."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in stem).strip("-")[:60] or "export"
    directory = Path(tempfile.mkdtemp(prefix="assistant-export-"))
    return write(content, directory / f"{safe}.{fmt}")
