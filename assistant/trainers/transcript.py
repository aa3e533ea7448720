"""A conversation as a file a delegate can keep or forward: Markdown or DOCX.

Every answer is followed by the paragraphs it cites, verbatim, looked up in the corpus by
their ids (not taken from the client), with the documents' titles and the date of export.
A citation to a document removed since the answer was given is listed as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from assistant.answering.service import Assistant
from assistant.core.errors import AssistantError, ConfigError, choice_error
from assistant.core.i18n import cite_label
from assistant.trainers.export import Rendered, docx_bytes, md_escape, new_docx

TRANSCRIPT_FORMATS: tuple[str, ...] = ("md", "docx")
MEDIA_TYPES = {"md": "text/markdown; charset=utf-8", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
MAX_TURNS = 200
MAX_CHARS = 20000


@dataclass(frozen=True)
class Turn:
    """One exchange as the client holds it: ``citations`` are ``"doc:unit"`` ids."""

    question: str
    answer: str
    lang: str | None = None
    citations: tuple[str, ...] = ()


@dataclass(frozen=True)
class CitedText:
    doc_id: str
    unit_id: str
    label: str
    title: str | None  # None: the document is no longer in the corpus
    text: str | None


@dataclass(frozen=True)
class TranscriptTurn:
    question: str
    answer: str
    cited: tuple[CitedText, ...]


@dataclass(frozen=True)
class Transcript:
    date: str
    titles: tuple[str, ...]  # the cited documents, in order of first citation
    turns: tuple[TranscriptTurn, ...]


def build_transcript(assistant: Assistant, turns: list[Turn], today: str | None = None) -> Transcript:
    if not turns:
        raise ConfigError("the conversation is empty: ask a question first")
    if len(turns) > MAX_TURNS:
        raise ConfigError(f"a conversation export holds at most {MAX_TURNS} turns, got {len(turns)}")
    titles: dict[str, str] = {}
    out: list[TranscriptTurn] = []
    for turn in turns:
        lang = turn.lang or "en"
        cited: list[CitedText] = []
        for ref in dict.fromkeys(turn.citations):
            doc_id, sep, unit_id = ref.partition(":")
            if not sep or not doc_id or not unit_id:
                raise ConfigError(f"citation {ref!r} must read 'doc:unit'")
            try:
                unit = assistant.unit(unit_id, doc_id)
                title = assistant.document(doc_id).title
            except AssistantError:
                cited.append(CitedText(doc_id, unit_id, cite_label(unit_id, lang), None, None))
                continue
            titles.setdefault(doc_id, title)
            cited.append(CitedText(doc_id, unit_id, cite_label(unit_id, lang), title, unit.text))
        out.append(TranscriptTurn(turn.question[:MAX_CHARS], turn.answer[:MAX_CHARS], tuple(cited)))
    date = today or datetime.now(UTC).date().isoformat()
    return Transcript(date, tuple(titles.values()), tuple(out))


def _where(c: CitedText) -> str:
    return f"{c.label}, {c.title}" if c.title else f"{c.label}, {c.doc_id} (no longer in the corpus)"


def transcript_to_markdown(t: Transcript) -> str:
    lines = ["# Conversation with the UN TIP assistant", "", f"Date: {t.date}", ""]
    if t.titles:
        lines += ["Documents cited:", ""] + [f"- {md_escape(title)}" for title in t.titles] + [""]
    for n, turn in enumerate(t.turns, 1):
        lines += [f"## {n}. {md_escape(' '.join(turn.question.split()))}", ""]
        lines += [md_escape(line) if line.strip() else "" for line in turn.answer.splitlines()] + [""]
        for c in turn.cited:
            lines.append(f"**[{md_escape(_where(c))}]**")
            lines.append("")
            if c.text is not None:
                lines += [f"> {line}" if line.strip() else ">" for line in c.text.splitlines()]
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def transcript_to_docx(t: Transcript) -> bytes:
    document = new_docx()
    document.add_heading("Conversation with the UN TIP assistant", level=1)
    document.add_paragraph(f"Date: {t.date}")
    if t.titles:
        document.add_paragraph("Documents cited:")
        for title in t.titles:
            document.add_paragraph(title, style="List Bullet")
    for n, turn in enumerate(t.turns, 1):
        document.add_heading(f"{n}. {' '.join(turn.question.split())}", level=2)
        document.add_paragraph(turn.answer)
        for c in turn.cited:
            document.add_paragraph().add_run(f"[{_where(c)}]").bold = True
            if c.text is not None:
                document.add_paragraph(c.text, style="Quote")
    return docx_bytes(document)


def render_transcript(t: Transcript, fmt: str = "md") -> Rendered:
    if fmt not in TRANSCRIPT_FORMATS:
        raise choice_error("format", fmt, TRANSCRIPT_FORMATS)
    return transcript_to_markdown(t) if fmt == "md" else transcript_to_docx(t)
