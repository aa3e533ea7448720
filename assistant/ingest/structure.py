"""Turn the plain text of a UN document, as extracted from a PDF, into its citable units.

UN documents share one layout in all six official languages, so the parser works on layout,
not on words:

* **Numbered paragraphs** ``1.``, ``2.``, … are recognised only *in sequence*: a line that
  starts with ``N.`` is a paragraph when N is the next expected number, so ``2019 年`` or a
  wrapped ``12. …`` inside running text cannot open a paragraph.
* **Lettered sub-items** ``(a)``, ``(b)``, … of the current paragraph, again in sequence
  (``(a)`` first); they become units of their own (``"16(e)"``, parent ``"16"``) and the
  paragraph unit keeps only its lead-in.
* **Section headings**: roman ``I.``/``II.`` or Chinese ``一.``/``二.`` (level 1) and capital
  ``A.``/``B.`` (level 2), each in sequence; plus *untitled sub-headings* — see
  :func:`_heading_run`.
* **Footnotes** after a ``_____`` separator line; see
  :func:`assistant.ingest.un_lines._read_footnote_block` for where a block ends and
  :func:`assistant.ingest.un_lines.find_markers` for how markers are found in the running text.
* **Page furniture** is dropped: standalone document symbols (``CTOC/COP/WG.4/2019/1``), job
  numbers (``V.19-05012 (C)``), ``*1905012*`` barcodes, ``2/12`` page counters, lone page
  numbers, and hyperlink residue lines (``http://www.undocs.org/…``); recognised in
  :mod:`assistant.ingest.un_lines`, with the footnote blocks and markers.
* Lines holding only whitespace are extraction artefacts, never paragraph breaks.

Text is kept verbatim within a line; only line joins are normalised by script (see
:func:`assistant.core.text.join_lines`).

Not recognised (documented limits): nested sub-items ``(i)``/``(ii)`` inside a lettered item
(they stay in the item's text); text that follows a sub-item list inside the same paragraph
(it is appended to the last sub-item); unnumbered prose directly under a heading (read as
heading text); Arabic and Russian heading letters/numerals (``أولا``, ``А.``); right-to-left
lines whose numbers were extracted at the end; footnotes continued on the next page, or
whose last line lacks a full stop (the body text after them would be read as footnote);
tables.  A wrapped sub-heading is told from two consecutive ones by indentation (the next
heading line is indented, a wrapped continuation is not), as PDF extractors print them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.core.records import Unit
from assistant.core.text import join_lines
from assistant.ingest.un_lines import (
    CJK_NUMERAL,
    LABEL,
    PARA,
    ROMAN,
    STARS,
    TERMINAL,
    Anchor,
    Footnote,
    Line,
    cjk_numeral_value,
    clean_body,
    ends_complete,
    find_markers,
    looks_like_symbol,
    roman_value,
    segment,
    split_lines,
)

__all__ = [
    "LaidOutLine", "LaidOutNote", "ParsedText", "has_un_structure", "parse_un_lines", "parse_un_text",
]


@dataclass(frozen=True)
class ParsedText:
    """The units of one UN text with the title and symbol read from its masthead."""

    units: tuple[Unit, ...]
    title: str | None
    symbol: str | None
    ocr_units: tuple[str, ...] = ()  # units whose text came (partly) from OCR


@dataclass(frozen=True)
class LaidOutLine:
    """A printed body line as a layout-aware reader saw it: page furniture and footnotes
    already taken out, superscript markers removed from ``text`` and listed in ``markers``
    (their printed labels, ``"3"`` or ``"*"``). ``heading`` says the line is set in heading
    type (bold or larger than the body); ``ocr`` that its text was recognised from an image."""

    text: str
    indented: bool = False
    heading: bool = False
    markers: tuple[str, ...] = ()
    ocr: bool = False


@dataclass(frozen=True)
class LaidOutNote:
    """A footnote read from the foot of a page: its label, its whole text (a continuation on
    the next page already joined) and how many body lines precede the block it is printed in."""

    label: str
    text: str
    after_line: int


# --------------------------------------------------------------------------- patterns

_LETTER = re.compile(r"^([A-Z])\.(?:\s+(.*))?$")
_TITLELESS = re.compile(r"^\S{1,7}\.$")  # "II." printed with its title on the next line
# A unit ends complete with a sentence end or a clause end.
_COMPLETE = TERMINAL | set("；;：:")
# A heading never ends a line with punctuation of a sentence or a clause.
_NOT_HEADING_END = _COMPLETE | set("，,、")


def _normalise_heading(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _next_label(label: str | None) -> str:
    """``None`` -> ``a``, ``a`` -> ``b``, …, ``z`` -> ``aa``."""
    if label is None:
        return "a"
    if label[-1] == "z":
        return "a" * (len(label) + 1)
    return label[:-1] + chr(ord(label[-1]) + 1)


# --------------------------------------------------------------------------- assembly


@dataclass
class _Draft:
    unit_id: str
    kind: str
    lines: list[str]
    section: tuple[str, ...]
    parent: str | None = None
    footnotes: list[str] = field(default_factory=list)
    ocr: bool = False


@dataclass
class _Outline:
    """The heading path and the numbering expected next.

    Levels: a roman/Chinese-numeral heading is level 1, a capital-letter heading level 2
    under it.  An untitled sub-heading sits one level under those.  When an untitled
    sub-heading is followed *directly* by another one, with no paragraph between them, the
    first is a group heading (``主要工具和推荐资源``) and it and every later untitled
    sub-heading of the same section become its children, one level deeper (each guidance
    resource title), until the next roman or letter heading.
    """

    top: list[str] = field(default_factory=list)
    sub: list[str] = field(default_factory=list)
    last_heading: str | None = None  # "top" or "sub" while no unit has followed it
    roman: int = 0
    letter: int = 0
    para: int = 1

    def path(self) -> tuple[str, ...]:
        return tuple(self.top + self.sub)

    def enter_top(self, number: str, title: str, level: int) -> None:
        heading = _normalise_heading(f"{number}. {title}")
        self.top = [heading] if level == 1 else self.top[:1] + [heading]
        self.sub = []
        self.last_heading = "top"

    def enter_sub(self, heading: str) -> None:
        heading = _normalise_heading(heading)
        if self.last_heading == "sub" and len(self.sub) == 1:
            self.sub = [self.sub[0], heading]
        elif len(self.sub) == 2:
            self.sub = [self.sub[0], heading]
        else:
            self.sub = [heading]
        self.last_heading = "sub"

    def extend_last(self, text: str) -> None:
        """A wrapped heading: its next line joins the heading just read."""
        target = self.top if self.last_heading == "top" else self.sub
        target[-1] = _normalise_heading(join_lines([target[-1], text]))


def _classify(
    text: str, outline: _Outline, label: str | None, at_boundary: bool
) -> tuple[str, str, str]:
    """(kind, number or label, rest) for one body line, given the numbering expected next.

    ``label`` is the last sub-item label of the current paragraph ("" when a paragraph is
    open without sub-items, ``None`` when no paragraph is open).  Section headings are only
    taken ``at_boundary`` -- when the open unit's text is complete -- because a heading
    never interrupts a sentence (``… edited by`` / ``A. Smith and …`` is no heading ``A.``).
    """
    m = PARA.match(text)
    if m and int(m.group(1)) == outline.para:
        return "para", m.group(1), m.group(2)
    m = (CJK_NUMERAL.match(text) or ROMAN.match(text)) if at_boundary else None
    if m:
        value = (cjk_numeral_value if m.re is CJK_NUMERAL else roman_value)(m.group(1))
        if value == outline.roman + 1:
            return "roman", m.group(1), m.group(2) or ""
    m = _LETTER.match(text) if at_boundary else None
    if m and outline.top and ord(m.group(1)) - ord("A") == outline.letter:
        return "letter", m.group(1), m.group(2) or ""
    m = LABEL.match(text)
    if m and label is not None and m.group(1) == _next_label(label or None):
        return "label", m.group(1), m.group(2)
    return "loose", "", text


class _Assembler:
    """Walks the body lines once and builds the units in reading order."""

    def __init__(self, body: list[Line | Anchor]) -> None:
        self.body = body
        self.outline = _Outline()
        self.in_header = True  # the masthead runs until the first heading or paragraph
        self.header: _Draft | None = None
        self.drafts: list[_Draft] = []
        self.current: _Draft | None = None
        self.paragraph: str | None = None  # id of the open paragraph
        self.label: str | None = None  # its last sub-item label, "" for none yet
        self.pending_notes: list[str] = []  # footnote blocks printed inside the open unit
        self.pending_markers: list[str] = []  # markers met in headings go to the next unit
        self.printed_in: dict[str, tuple[str, ...]] = {}
        self.note_order: list[tuple[int, str]] = []  # (index in drafts, footnote id)

    def run(self) -> None:
        i = 0
        while i < len(self.body):
            item = self.body[i]
            if isinstance(item, Anchor):
                self._anchor(item)
                i += 1
                continue
            # A layout reader knows which lines are set in heading type: only those open sections.
            boundary = self._at_boundary() if item.heading is None else item.heading
            kind, num, rest = _classify(item.text, self.outline, self._open_label(), boundary)
            if kind == "loose":
                i = self._loose(i)
                continue
            self.in_header = False
            getattr(self, "_" + kind)(num, rest, item)
            i += 1
        self._close()

    def _open_label(self) -> str | None:
        return None if self.paragraph is None else (self.label or "")

    def _at_boundary(self) -> bool:
        """True between units: in the masthead, after a heading, or once a unit is complete."""
        if self.in_header or self.current is None:
            return True
        return ends_complete(self.current.lines[-1], _COMPLETE)

    # -- units
    def _start(self, draft: _Draft, line: Line) -> None:
        self._close()
        draft.footnotes.extend(self.pending_markers + line.markers)
        draft.ocr = line.ocr
        self.pending_markers = []
        self.current = draft
        self.drafts.append(draft)
        self.outline.last_heading = None

    def _close(self) -> None:
        """After a unit closes, the footnotes printed inside it follow it in the order."""
        for fid in self.pending_notes:
            self.note_order.append((len(self.drafts), fid))
        self.pending_notes = []
        self.current = None

    def _para(self, num: str, rest: str, line: Line) -> None:
        self._start(_Draft(num, "paragraph", [rest], self.outline.path()), line)
        self.outline.para += 1
        self.paragraph, self.label = num, ""

    def _label(self, label: str, rest: str, line: Line) -> None:
        parent = self.paragraph or ""
        draft = _Draft(f"{parent}({label})", "subitem", [rest], self.outline.path(), parent)
        self._start(draft, line)
        self.label = label

    def _roman(self, num: str, rest: str, line: Line) -> None:
        self._end_units(line)
        self.outline.enter_top(num, rest, 1)
        self.outline.roman += 1
        self.outline.letter = 0

    def _letter(self, num: str, rest: str, line: Line) -> None:
        self._end_units(line)
        self.outline.enter_top(num, rest, 2)
        self.outline.letter += 1

    def _end_units(self, line: Line) -> None:
        """A heading closes the open unit and the open paragraph's sub-item list."""
        self._close()
        self.paragraph = self.label = None
        self.pending_markers.extend(line.markers)

    def _anchor(self, anchor: Anchor) -> None:
        self.pending_notes.extend(anchor.ids)
        for fid in anchor.ids:
            self.printed_in[fid] = self.outline.path()
        if self.current is None and not self.in_header:
            self._close()

    # -- loose lines: masthead, continuation or untitled heading
    def _loose(self, i: int) -> int:
        line = self.body[i]
        assert isinstance(line, Line)
        if self.in_header:
            self._header_line(line)
            return i + 1
        if self.current is None:
            # right after a heading: a wrapped heading line or the next sub-heading
            self._heading_line(line)
            return i + 1
        if line.heading is not None:  # layout says: heading type opens a sub-heading, body type continues
            (self._heading_line if line.heading else self._continue)(line)
            return i + 1
        if not self._at_boundary():
            self._continue(line)
            return i + 1
        run = _heading_run(self.body, i, self.outline, self._open_label())
        if run is None:
            self._continue(line)
            return i + 1
        for item in self.body[i:run]:
            if isinstance(item, Anchor):
                self._anchor(item)
            else:
                self._heading_line(item)
        return run

    def _header_line(self, line: Line) -> None:
        if self.header is None:
            self.header = _Draft("header", "header", [], ())
            self.drafts.append(self.header)
            self.current = self.header
        self.header.lines.append(line.text)
        self.header.footnotes.extend(line.markers)

    def _continue(self, line: Line) -> None:
        assert self.current is not None
        self.current.lines.append(line.text)
        self.current.footnotes.extend(line.markers)
        self.current.ocr = self.current.ocr or line.ocr

    def _heading_line(self, line: Line) -> None:
        """An indented line opens a sub-heading; an unindented one continues a wrapped one."""
        self._end_units(line)
        last = self.outline.last_heading
        title_missing = last == "top" and bool(_TITLELESS.match(self.outline.top[-1]))
        # a layout reader joins wrapped headings itself: each heading-type line is a heading
        wrapped = not line.indented if line.heading is None else False
        if last is not None and (wrapped or title_missing):
            self.outline.extend_last(line.text)
        else:
            self.outline.enter_sub(line.text)


def _heading_run(
    body: list[Line | Anchor], i: int, outline: _Outline, label: str | None
) -> int | None:
    """End index of the untitled sub-heading lines starting at ``i``, or None if not headings.

    Untitled sub-headings are the short unnumbered lines *between* units: they follow a unit
    whose text is complete, none of them ends with punctuation of a sentence or clause, and
    what follows them is a numbered paragraph or a section heading (not a sub-item).
    """
    j = i
    while j < len(body):
        item = body[j]
        if isinstance(item, Anchor):
            j += 1
            continue
        kind, _, _ = _classify(item.text, outline, label, at_boundary=True)
        if kind != "loose":
            return j if kind in ("para", "roman", "letter") and j > i else None
        if ends_complete(item.text, _NOT_HEADING_END):
            return None
        j += 1
    return None


def _title(header: list[str], agenda_index: int | None) -> str | None:
    """The title: a masthead line printed twice (agenda item title = document title), else
    the line after the agenda-item line (the one carrying the ``*`` footnote)."""
    seen: set[str] = set()
    for line in header:
        if line in seen:
            return line
        seen.add(line)
    if agenda_index is not None and agenda_index + 1 < len(header):
        return header[agenda_index + 1]
    return None


def _header_symbol(header: list[str]) -> str | None:
    for line in header:
        for token in line.split():
            if looks_like_symbol(token):
                return token
    return None


# --------------------------------------------------------------------------- public API


def parse_un_text(text: str, doc_id: str, lang: str) -> ParsedText:
    """Parse the extracted text of a UN document into header, paragraphs, sub-items, footnotes.

    Unit ids: ``"header"``, ``"N"``, ``"N(x)"``, ``"fnN"``/``"fn*"``.  Footnotes are placed
    in the order where they are printed: right after the unit inside or after which their
    block stands.  A footnote's ``section`` is the section of the unit that carries its
    marker (the place it annotates); without a marker, the section where it is printed.
    An asterisk footnote whose marker is not found belongs to the masthead (in UN documents
    it annotates the agenda-item line).  ``lang`` is accepted for symmetry with the other
    readers: the rules do not depend on it.
    """
    del lang  # structure is language-independent
    raw = split_lines(text)
    body, notes, symbols = segment(raw)
    find_markers(body, notes)
    return _assemble(clean_body(body), notes, symbols, doc_id)


def parse_un_lines(
    lines: Sequence[LaidOutLine], notes: Sequence[LaidOutNote], doc_id: str, lang: str
) -> ParsedText:
    """Parse the lines of a layout-aware reader (see ``LaidOutLine``) into units.

    The reader has already done what ``parse_un_text`` infers from flat text -- dropping
    page furniture, cutting out footnote blocks, finding markers -- so only the numbering
    and heading rules apply. Unit ids and order are as in ``parse_un_text``.
    """
    del lang
    footnotes = [Footnote(n.label, [n.text]) for n in notes]
    fids = {n.label: f.fid for n, f in zip(notes, footnotes)}
    body: list[Line | Anchor] = []
    pending = sorted(zip(notes, footnotes), key=lambda pair: pair[0].after_line)
    k = 0
    for index in range(len(lines) + 1):
        block = []
        while k < len(pending) and pending[k][0].after_line <= index:
            block.append(pending[k][1])
            k += 1
        if block:
            for note in block:
                note.anchor = len(body)
            body.append(Anchor([n.fid for n in block]))
        if index < len(lines):
            line = lines[index]
            body.append(
                Line(
                    text=line.text,
                    indented=line.indented,
                    markers=[fids.get(m, "fn" + m) for m in line.markers],
                    heading=line.heading,
                    ocr=line.ocr,
                )
            )
    return _assemble(body, footnotes, [], doc_id)


def _assemble(
    body: list[Line | Anchor], notes: list[Footnote], symbols: list[str], doc_id: str
) -> ParsedText:
    assembler = _Assembler(body)
    assembler.run()
    drafts = assembler.drafts
    header = assembler.header
    _attach_orphan_notes(drafts, header, notes)
    ordered = _print_order(drafts, notes, assembler)
    units = tuple(_to_unit(doc_id, draft, order) for order, draft in enumerate(ordered))
    header_lines = list(header.lines) if header is not None else []
    agenda = _agenda_line(body, header_lines)
    symbol = symbols[0] if symbols else _header_symbol(header_lines)
    ocr_units = tuple(d.unit_id for d in ordered if d.ocr)
    return ParsedText(units=units, title=_title(header_lines, agenda), symbol=symbol, ocr_units=ocr_units)


def _agenda_line(body: list[Line | Anchor], header: list[str]) -> int | None:
    for item in body:
        if isinstance(item, Line) and any(fid.startswith("fn*") for fid in item.markers):
            if item.text in header:
                return header.index(item.text)
    return None


def _attach_orphan_notes(
    drafts: list[_Draft], header: _Draft | None, notes: list[Footnote]
) -> None:
    carried = {fid for d in drafts for fid in d.footnotes}
    for note in notes:
        if note.fid not in carried and note.label[0] in STARS and header is not None:
            header.footnotes.append(note.fid)


def _print_order(
    drafts: list[_Draft], notes: list[Footnote], assembler: _Assembler
) -> list[_Draft]:
    """Units with each footnote placed after the unit inside or after which it is printed."""
    owners = {fid: d for d in drafts for fid in d.footnotes}
    by_id = {n.fid: n for n in notes}
    after: dict[int, list[str]] = {}
    for position, fid in assembler.note_order:
        after.setdefault(position, []).append(fid)
    ordered: list[_Draft] = []
    for index in range(len(drafts) + 1):
        for fid in after.get(index, []):
            owner = owners.get(fid)
            section = owner.section if owner else assembler.printed_in.get(fid, ())
            ordered.append(_Draft(fid, "footnote", by_id[fid].lines, section))
        if index < len(drafts):
            ordered.append(drafts[index])
    return ordered


def _to_unit(doc_id: str, draft: _Draft, order: int) -> Unit:
    # the masthead keeps its printed lines; every other unit is running text
    if draft.kind == "header":
        text = "\n".join(line.strip() for line in draft.lines)
    else:
        text = join_lines(draft.lines)
    return Unit(
        doc_id=doc_id,
        unit_id=draft.unit_id,
        kind=draft.kind,  # type: ignore[arg-type]
        text=text,
        section=draft.section,
        parent=draft.parent,
        footnotes=tuple(dict.fromkeys(draft.footnotes)),
        order=order,
    )


def has_un_structure(text: str) -> bool:
    """True when the text numbers its paragraphs ``1.``, ``2.``, ``3.`` … in sequence.

    At least three paragraphs are needed, and a second ``1.`` after the run has started means
    numbered lists (restarting), not UN paragraphs.  Out-of-sequence numbers are ignored as
    stray line starts.
    """
    expected = 1
    for line in split_lines(text):
        m = PARA.match(line.strip())
        if not m:
            continue
        number = int(m.group(1))
        if number == expected:
            expected += 1
        elif number == 1 and expected > 1:
            return False
    return expected > 3
