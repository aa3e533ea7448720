"""A Word document as the UN parser needs it: automatic numbering resolved, footnotes read.

Word does not store paragraph numbers in the text: a paragraph names a numbering instance
and level (``w:numPr``, on the paragraph or inherited from its style) and Word counts. The
counting is redone here from ``numbering.xml`` (start value, number format, level text such
as ``%1.`` or ``(%2)``; a level restarts when a higher one advances), so ``16(e)`` in the
Word file is ``16(e)`` here. Footnotes live in ``footnotes.xml``; a ``w:footnoteReference``
in the text is the marker, numbered in order of appearance as Word prints it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.core.text import join_lines
from assistant.ingest.layout import Layout, read_masthead
from assistant.ingest.structure import LaidOutLine, LaidOutNote

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FOOTNOTES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"


@dataclass(frozen=True)
class _Level:
    fmt: str
    text: str
    start: int


def docx_layout(document: Any) -> Layout:
    """Body lines with their Word numbering, footnotes from the footnotes part, masthead metadata."""
    from docx.text.paragraph import Paragraph

    levels = _numbering_levels(document)
    counters: dict[str, dict[int, int]] = {}
    notes_xml = _footnotes(document)
    lines: list[LaidOutLine] = []
    notes: list[LaidOutNote] = []
    title: str | None = None
    masthead: list[str] = []
    seen_numbered = False
    for child in document.element.body.iterchildren():
        if child.tag != W + "p":
            continue
        para = Paragraph(child, document)
        text = re.sub(r"\s+", " ", para.text).strip()
        style = para.style.name if para.style is not None else ""
        label = _label(child, para.style, levels, counters)
        refs = [r.get(W + "id") for r in child.iter(W + "footnoteReference")]
        if not text and not label:
            continue
        line_text = f"{label} {text}".strip() if label else text
        heading = bool(re.match(r"^(?:Heading|heading|标题)\s*\d", style)) or style == "Title"
        if style == "Title" and title is None:
            title = text
        seen_numbered = seen_numbered or bool(label)
        if not seen_numbered:
            masthead.append(text)
        markers = []
        for ref in refs:
            number = str(len(notes) + 1)
            markers.append(number)
            notes.append(LaidOutNote(number, notes_xml.get(ref or "", ""), after_line=len(lines) + 1))
        lines.append(LaidOutLine(line_text, heading=heading, markers=tuple(markers)))
    return Layout(lines=tuple(lines), notes=tuple(notes), metadata=read_masthead(masthead, title))


def _numbering_levels(document: Any) -> dict[str, dict[int, _Level]]:
    """numId -> level -> format, from numbering.xml (empty when the document has none)."""
    try:
        root = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return {}
    abstract: dict[str, dict[int, _Level]] = {}
    for node in root.iter(W + "abstractNum"):
        lvls = {}
        for lvl in node.iter(W + "lvl"):
            ilvl = int(lvl.get(W + "ilvl", "0"))
            fmt = _val(lvl, "numFmt") or "decimal"
            lvls[ilvl] = _Level(fmt, _val(lvl, "lvlText") or "", int(_val(lvl, "start") or "1"))
        abstract[node.get(W + "abstractNumId", "")] = lvls
    out = {}
    for num in root.iter(W + "num"):
        ref = num.find(W + "abstractNumId")
        if ref is not None:
            out[num.get(W + "numId", "")] = abstract.get(ref.get(W + "val", ""), {})
    return out


def _val(node: Any, name: str) -> str | None:
    child = node.find(W + name)
    return child.get(W + "val") if child is not None else None


def _num_pr(p: Any, style: Any) -> tuple[str, int] | None:
    """The paragraph's numbering (numId, level), its own or its style's (following basedOn)."""
    candidates = [p.find(W + "pPr")]
    while style is not None:
        candidates.append(style.element.find(W + "pPr"))
        style = style.base_style
    for ppr in candidates:
        if ppr is None:
            continue
        num_pr = ppr.find(W + "numPr")
        if num_pr is None:
            continue
        num_id = _val(num_pr, "numId")
        if num_id is None:
            continue
        return (num_id, int(_val(num_pr, "ilvl") or "0")) if num_id != "0" else None
    return None


def _label(p: Any, style: Any, levels: dict[str, dict[int, _Level]], counters: dict[str, dict[int, int]]) -> str:
    found = _num_pr(p, style)
    if found is None or found[0] not in levels:
        return ""
    num_id, ilvl = found
    lvls = levels[num_id]
    if ilvl not in lvls or lvls[ilvl].fmt in ("bullet", "none"):
        return ""
    count = counters.setdefault(num_id, {})
    count[ilvl] = count.get(ilvl, lvls[ilvl].start - 1) + 1
    for deeper in [k for k in count if k > ilvl]:
        del count[deeper]  # a level restarts when a higher one advances

    def render(m: re.Match[str]) -> str:
        k = int(m.group(1)) - 1
        level = lvls.get(k)
        value = count.get(k, level.start if level else 1)
        return _format(value, level.fmt if level else "decimal")

    return re.sub(r"%(\d)", render, lvls[ilvl].text)


def _format(value: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letters = ""
        while value > 0:
            value, rem = divmod(value - 1, 26)
            letters = chr(ord("a") + rem) + letters
        return letters.upper() if fmt == "upperLetter" else letters
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(value)
        return roman.lower() if fmt == "lowerRoman" else roman
    if fmt in ("chineseCounting", "chineseCountingThousand", "ideographTraditional", "taiwaneseCounting"):
        digits = "〇一二三四五六七八九"
        if value < 10:
            return digits[value]
        tens, units = divmod(value, 10)
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[units] if units else "")
    return str(value)


def _roman(value: int) -> str:
    out = ""
    for number, numeral in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                            (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while value >= number:
            out += numeral
            value -= number
    return out


def _footnotes(document: Any) -> dict[str, str]:
    """Footnote id -> text, from the footnotes part (separators and the printed number left out)."""
    from lxml import etree

    part = next((rel.target_part for rel in document.part.rels.values()
                 if rel.reltype == FOOTNOTES_REL and not rel.is_external), None)
    if part is None:
        return {}
    root = part.element if hasattr(part, "element") else etree.fromstring(part.blob)
    out = {}
    for note in root.iter(W + "footnote"):
        if note.get(W + "type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        paragraphs = []
        for p in note.iter(W + "p"):
            text = "".join(t.text or "" for t in p.iter(W + "t"))
            if text.strip():
                paragraphs.append(text.strip())
        out[note.get(W + "id", "")] = join_lines(paragraphs)
    return out
