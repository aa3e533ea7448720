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
* **Footnotes** after a ``_____`` separator line; see :func:`_read_footnote_block` for where
  a block ends and :func:`_find_markers` for how markers are found in the running text.
* **Page furniture** is dropped: standalone document symbols (``CTOC/COP/WG.4/2019/1``), job
  numbers (``V.19-05012 (C)``), ``*1905012*`` barcodes, ``2/12`` page counters, lone page
  numbers, and hyperlink residue lines (``http://www.undocs.org/…``).
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
from assistant.core.text import is_cjk_punct, is_unspaced_letter, join_lines

__all__ = [
    "LaidOutLine", "LaidOutNote", "ParsedText", "has_un_structure", "is_page_furniture",
    "looks_like_symbol", "parse_un_lines", "parse_un_text",
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

_PARA = re.compile(r"^(\d{1,3})\.(?!\d)\s*(.*)$")
_LABEL = re.compile(r"^\(([a-z]{1,2})\)\s*(.*)$")
_ROMAN = re.compile(r"^([IVXLC]{1,7})\.(?:\s+(.*))?$")
_CJK_NUMERAL = re.compile(r"^([一二三四五六七八九十]{1,3})\s*[.．、]\s*(.*)$")
_LETTER = re.compile(r"^([A-Z])\.(?:\s+(.*))?$")
_TITLELESS = re.compile(r"^\S{1,7}\.$")  # "II." printed with its title on the next line
_SEPARATOR = re.compile(r"^_{5,}$")
_LINK = re.compile(r"^(?:https?://|www\.)\S*$")
_SYMBOL = re.compile(r"^[A-Z][A-Z0-9.]*(?:/[A-Za-z0-9.\-]+)+(?<![.\-])$")
_JOB = re.compile(
    r"^(?:\d{1,3}/\d{1,3}\s+)?(?:[A-Z]{1,2}\.?)?\d{2}-\d{5}(?:\s*\([A-Z]\))?"
    r"(?:\s+\d{6}){0,2}(?:\s+\d{1,3}/\d{1,3})?$"
)
_BARCODE = re.compile(r"^\*\d{6,}\*$")
_PAGE_COUNTER = re.compile(r"^\d{1,3}/\d{1,3}$")
_LONE_NUMBER = re.compile(r"^\d{1,3}$")
_STARS = "*\uf02a"  # U+F02A is the asterisk of the Symbol font, as PDFs often extract it
_FOOTNOTE_START = re.compile(r"^(?:(\d{1,3})(?:\s+(\S.*))?|([*\uf02a]{1,3})\s*(.*))$")
_DIGITS = re.compile(r"(?<!\d)\d{1,3}(?!\d)")

# A unit or footnote whose text ends with one of these has reached its end; closing quotes
# and brackets after it are looked through.
_TERMINAL = set("。．.！？!?")
_COMPLETE = _TERMINAL | set("；;：:")
_CLOSERS = set("”’\"'）)]】》」』")
# A heading never ends a line with punctuation of a sentence or a clause.
_NOT_HEADING_END = _COMPLETE | set("，,、")
# Line-final abbreviations that do not end a footnote (a reference continues on the next line).
_ABBREVIATION = re.compile(
    r"(?:^|[\s(])(?:vol|vols|no|nos|p|pp|para|paras|chap|sect|art|arts|suppl|ser|ed|eds|cf)\.$",
    re.IGNORECASE,
)
# Characters a footnote marker may be glued to on its left.
_MARKER_LEFT = set("，。；：、！？）》」』】”’,.;:!?)]\"'")
# ``Add.1``, ``No.5``, ``para.3``: a number glued to these belongs to a reference.
_REFERENCE_WORD = re.compile(
    r"(?:add|rev|corr|amend|suppl|no|nos|vol|para|paras|art|arts|p|pp|chap|sect)\.$",
    re.IGNORECASE,
)


def _normalise_heading(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _ends_complete(text: str, ends: set[str]) -> bool:
    stripped = text.rstrip()
    while stripped and stripped[-1] in _CLOSERS:
        stripped = stripped[:-1]
    return bool(stripped) and stripped[-1] in ends


# --------------------------------------------------------------------------- numbering


def _roman_value(numeral: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for ch, nxt in zip(numeral, numeral[1:] + " "):
        value = values[ch]
        total += -value if nxt != " " and values[nxt] > value else value
    return total


def _cjk_numeral_value(numeral: str) -> int:
    digits = dict(zip("一二三四五六七八九", range(1, 10)))
    if numeral == "十":
        return 10
    if numeral.startswith("十"):
        return 10 + digits.get(numeral[1:], 0)
    if "十" in numeral:
        tens, _, units = numeral.partition("十")
        return digits.get(tens, 0) * 10 + digits.get(units, 0)
    return digits.get(numeral, 0)


def _next_label(label: str | None) -> str:
    """``None`` -> ``a``, ``a`` -> ``b``, …, ``z`` -> ``aa``."""
    if label is None:
        return "a"
    if label[-1] == "z":
        return "a" * (len(label) + 1)
    return label[:-1] + chr(ord(label[-1]) + 1)


# --------------------------------------------------------------------------- lines


@dataclass
class _Line:
    """One non-blank body line; ``text`` loses its markers, ``markers`` records them."""

    text: str
    indented: bool
    lone_number: bool = False
    near_furniture: bool = False
    after_block: bool = False
    markers: list[str] = field(default_factory=list)
    heading: bool | None = None  # from layout: set in heading type; None when unknown
    ocr: bool = False


@dataclass
class _Footnote:
    label: str
    lines: list[str]
    anchor: int = -1  # index of its block in the body stream

    @property
    def fid(self) -> str:
        return "fn" + ("*" * len(self.label) if self.label[0] in _STARS else self.label)


@dataclass
class _Anchor:
    """Where a footnote block was printed in the body stream."""

    ids: list[str]


def is_page_furniture(text: str) -> bool:
    """A running header or footer piece: a document symbol, a job number, a barcode or a page counter."""
    return _is_furniture(text)


def looks_like_symbol(text: str) -> bool:
    """A UN document symbol such as ``CTOC/COP/WG.4/2019/1``."""
    return _is_symbol(text)


def _is_furniture(text: str) -> bool:
    return bool(
        _JOB.match(text) or _BARCODE.match(text) or _PAGE_COUNTER.match(text)
        or _is_symbol(text)
    )


def _is_symbol(text: str) -> bool:
    return len(text) <= 60 and bool(_SYMBOL.match(text)) and any(c.isdigit() for c in text)


def _split_lines(text: str) -> list[str]:
    # split on newlines only: str.splitlines would also split on form feeds and the like.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


@dataclass
class _ParaTracker:
    """Follows paragraph and section numbering while footnote blocks are cut out.

    The full structure is read later; here it only tells where body text resumes after a
    footnote block.
    """

    para: int = 1
    roman: int = 1

    def see(self, text: str) -> None:
        if self._is_para(text):
            self.para += 1
        elif self._is_roman(text):
            self.roman += 1

    def opens_body(self, text: str) -> bool:
        return self._is_para(text) or self._is_roman(text) or bool(_LABEL.match(text))

    def _is_para(self, text: str) -> bool:
        m = _PARA.match(text)
        return bool(m) and int(m.group(1)) == self.para

    def _is_roman(self, text: str) -> bool:
        m = _CJK_NUMERAL.match(text) or _ROMAN.match(text)
        if not m:
            return False
        value = (_cjk_numeral_value if m.re is _CJK_NUMERAL else _roman_value)(m.group(1))
        return value == self.roman


class _FootnoteCounter:
    """Footnote numbers run through a document: after the first, only the next one counts."""

    def __init__(self) -> None:
        self.last: int | None = None

    def accepts(self, number: int) -> bool:
        return number == self.last + 1 if self.last is not None else 1 <= number <= 999

    def take(self, number: int) -> None:
        self.last = number


def _footnote_start(text: str, counter: _FootnoteCounter) -> _Footnote | None:
    m = _FOOTNOTE_START.match(text)
    if not m:
        return None
    if m.group(3):
        return _Footnote(m.group(3), [m.group(4)] if m.group(4) else [])
    number = int(m.group(1))
    if not counter.accepts(number):
        return None
    counter.take(number)
    return _Footnote(m.group(1), [m.group(2)] if m.group(2) else [])


def _footnote_finished(note: _Footnote) -> bool:
    """A footnote ends with a full stop; a line ending in ``vol.`` or ``No.`` does not end it."""
    if not note.lines:
        return False
    last = note.lines[-1]
    return _ends_complete(last, _TERMINAL) and not _ABBREVIATION.search(last)


def _read_footnote_block(
    raw: list[str], start: int, counter: _FootnoteCounter, tracker: _ParaTracker
) -> tuple[list[_Footnote], int]:
    """Read the footnotes after a separator line; return them and the index where body resumes.

    A block sits at the foot of a page, so the next page's body may follow it directly
    (``…贩运受`` / footnote 1 / ``害者长期融入…``).  The block ends at page furniture, at a line
    that opens body structure (the next paragraph number, a ``(x)`` label, a section heading),
    or at a line that is neither a new footnote nor a continuation of an unfinished one --
    a footnote is finished once its text ends with a full stop.
    """
    notes: list[_Footnote] = []
    i = start
    while i < len(raw):
        text = raw[i].strip()
        if not text or _LINK.match(text):
            i += 1
            continue
        if _is_furniture(text) or _SEPARATOR.match(text):
            break
        note = _footnote_start(text, counter)
        if note is not None:
            notes.append(note)
            i += 1
            continue
        if not notes or tracker.opens_body(text) or _footnote_finished(notes[-1]):
            break
        notes[-1].lines.append(text)
        i += 1
    return notes, i


def _segment(raw: list[str]) -> tuple[list[_Line | _Anchor], list[_Footnote], list[str]]:
    """Cut the text into body lines and footnote blocks; drop furniture; collect symbols."""
    body: list[_Line | _Anchor] = []
    notes: list[_Footnote] = []
    symbols: list[str] = []
    tracker, counter = _ParaTracker(), _FootnoteCounter()
    prev_furniture = False
    i = 0
    while i < len(raw):
        text = raw[i].strip()
        i += 1
        if not text or _LINK.match(text):
            continue
        if _is_furniture(text):
            if _is_symbol(text):
                symbols.append(text)
            _mark_last_line_near_furniture(body)
            prev_furniture = True
            continue
        if _SEPARATOR.match(text):
            block, i = _read_footnote_block(raw, i, counter, tracker)
            for note in block:
                note.anchor = len(body)
            notes.extend(block)
            body.append(_Anchor([n.fid for n in block]))
            continue
        tracker.see(text)
        body.append(
            _Line(
                text=text,
                indented=raw[i - 1][:1].isspace(),
                lone_number=bool(_LONE_NUMBER.match(text)),
                near_furniture=prev_furniture,
                after_block=bool(body) and isinstance(body[-1], _Anchor),
            )
        )
        prev_furniture = False
    return body, notes, symbols


def _mark_last_line_near_furniture(body: list[_Line | _Anchor]) -> None:
    if body and isinstance(body[-1], _Line):
        body[-1].near_furniture = True


# --------------------------------------------------------------------------- markers


def _marker_spans(line: _Line, label: str, prev: str) -> list[tuple[int, int]]:
    """Where ``label`` sits in ``line`` as a footnote marker.

    An asterisk marker (``*`` or the Symbol-font U+F02A) may sit anywhere.  A number is a
    marker when it is a line of its own (``3``), or when it is glued on its left to
    punctuation, a closing quote/bracket or a Latin word (``准则》，1有效``, ``Guidelines,1``,
    ``Protocol2``) and on its right either glued to an ideograph, followed by a Latin word or
    punctuation, or at the line end.  Numbers of running text are set off by spaces
    (``2019 年``, ``第 10 段``, ``, 18 countries``) and do not qualify.
    """
    text = line.text
    if label[0] in _STARS:
        pattern = re.compile(r"(?<![*\uf02a])[*\uf02a]{%d}(?![*\uf02a])" % len(label))
        return [m.span() for m in pattern.finditer(text)]
    if line.lone_number:
        return [(0, len(text))] if text == label else []
    spans = []
    for m in _DIGITS.finditer(text):
        if m.group() != label:
            continue
        left = text[m.start() - 1] if m.start() > 0 else prev
        right = text[m.end() : m.end() + 2]  # "" at the line end: markers may end a line
        if _glued_left(text, m.start(), left) and _marker_right(right):
            spans.append(m.span())
    return spans


def _glued_left(text: str, start: int, left: str) -> bool:
    if not left or left.isspace():
        return False
    if left == "." and start >= 2 and (text[start - 2].isdigit() or text[start - 2].isupper()):
        return False  # ``E.04.V.17``, ``WG.4``: part of a symbol, not a marker
    if _REFERENCE_WORD.search(text[:start]):
        return False
    if left in _MARKER_LEFT or is_cjk_punct(left):
        return True
    return left.isalpha() and not is_unspaced_letter(left)


def _marker_right(right: str) -> bool:
    if not right:
        return True
    ch = right[0]
    if is_unspaced_letter(ch) or is_cjk_punct(ch):
        return True
    if ch.isspace():
        after = right[1:2]
        return not after or not (is_unspaced_letter(after) or after.isdigit())
    if ch in ".,/-:" and right[1:2].isdigit():
        return False  # 1.5, 1,500, 1/2: a number, not a marker
    return not ch.isalnum()


def _find_markers(body: list[_Line | _Anchor], notes: list[_Footnote]) -> None:
    """Remove footnote markers from the running text and record them on their lines.

    Footnotes are printed on the page of their marker, so a footnote's marker is searched
    only between the previous footnote block and its own; when several places qualify the
    last one -- nearest to the block -- is taken.  Lone number lines that are not markers
    are page numbers and are dropped.
    """
    by_anchor: dict[int, list[_Footnote]] = {}
    for note in notes:
        by_anchor.setdefault(note.anchor, []).append(note)
    region_start = 0
    for index, item in enumerate(body):
        if not isinstance(item, _Anchor):
            continue
        region = [x for x in body[region_start:index] if isinstance(x, _Line)]
        bound = (len(region), 0)
        for note in reversed(by_anchor.get(index, [])):
            found = _last_marker(region, note.label, bound)
            if found is not None:
                k, (s, e) = found
                region[k].text = region[k].text[:s] + region[k].text[e:]
                region[k].markers.insert(0, note.fid)
                bound = (k, s)
        region_start = index + 1


def _last_marker(
    region: list[_Line], label: str, bound: tuple[int, int]
) -> tuple[int, tuple[int, int]] | None:
    for k in range(min(bound[0], len(region) - 1), -1, -1):
        line = region[k]
        if line.lone_number and (line.near_furniture or line.after_block):
            continue  # a page number next to a running header or under the footnotes
        prev = region[k - 1].text[-1:] if k > 0 else ""  # a marker may open a line
        spans = [s for s in _marker_spans(line, label, prev) if (k, s[0]) < bound]
        if spans:
            return k, spans[-1]
    return None


def _clean_body(body: list[_Line | _Anchor]) -> list[_Line | _Anchor]:
    """Drop emptied marker lines and the lone numbers that were page numbers."""
    kept: list[_Line | _Anchor] = []
    for item in body:
        if isinstance(item, _Line):
            if not item.text.strip():
                if item.markers:  # a lone marker line: its footnote moves to the line before
                    _carry_markers(kept, item.markers)
                continue
            if item.lone_number and not item.markers:
                continue
        kept.append(item)
    return kept


def _carry_markers(kept: list[_Line | _Anchor], markers: list[str]) -> None:
    for item in reversed(kept):
        if isinstance(item, _Line):
            item.markers.extend(markers)
            return


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
    m = _PARA.match(text)
    if m and int(m.group(1)) == outline.para:
        return "para", m.group(1), m.group(2)
    m = (_CJK_NUMERAL.match(text) or _ROMAN.match(text)) if at_boundary else None
    if m:
        value = (_cjk_numeral_value if m.re is _CJK_NUMERAL else _roman_value)(m.group(1))
        if value == outline.roman + 1:
            return "roman", m.group(1), m.group(2) or ""
    m = _LETTER.match(text) if at_boundary else None
    if m and outline.top and ord(m.group(1)) - ord("A") == outline.letter:
        return "letter", m.group(1), m.group(2) or ""
    m = _LABEL.match(text)
    if m and label is not None and m.group(1) == _next_label(label or None):
        return "label", m.group(1), m.group(2)
    return "loose", "", text


class _Assembler:
    """Walks the body lines once and builds the units in reading order."""

    def __init__(self, body: list[_Line | _Anchor]) -> None:
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
            if isinstance(item, _Anchor):
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
        return _ends_complete(self.current.lines[-1], _COMPLETE)

    # -- units
    def _start(self, draft: _Draft, line: _Line) -> None:
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

    def _para(self, num: str, rest: str, line: _Line) -> None:
        self._start(_Draft(num, "paragraph", [rest], self.outline.path()), line)
        self.outline.para += 1
        self.paragraph, self.label = num, ""

    def _label(self, label: str, rest: str, line: _Line) -> None:
        parent = self.paragraph or ""
        draft = _Draft(f"{parent}({label})", "subitem", [rest], self.outline.path(), parent)
        self._start(draft, line)
        self.label = label

    def _roman(self, num: str, rest: str, line: _Line) -> None:
        self._end_units(line)
        self.outline.enter_top(num, rest, 1)
        self.outline.roman += 1
        self.outline.letter = 0

    def _letter(self, num: str, rest: str, line: _Line) -> None:
        self._end_units(line)
        self.outline.enter_top(num, rest, 2)
        self.outline.letter += 1

    def _end_units(self, line: _Line) -> None:
        """A heading closes the open unit and the open paragraph's sub-item list."""
        self._close()
        self.paragraph = self.label = None
        self.pending_markers.extend(line.markers)

    def _anchor(self, anchor: _Anchor) -> None:
        self.pending_notes.extend(anchor.ids)
        for fid in anchor.ids:
            self.printed_in[fid] = self.outline.path()
        if self.current is None and not self.in_header:
            self._close()

    # -- loose lines: masthead, continuation or untitled heading
    def _loose(self, i: int) -> int:
        line = self.body[i]
        assert isinstance(line, _Line)
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
            if isinstance(item, _Anchor):
                self._anchor(item)
            else:
                self._heading_line(item)
        return run

    def _header_line(self, line: _Line) -> None:
        if self.header is None:
            self.header = _Draft("header", "header", [], ())
            self.drafts.append(self.header)
            self.current = self.header
        self.header.lines.append(line.text)
        self.header.footnotes.extend(line.markers)

    def _continue(self, line: _Line) -> None:
        assert self.current is not None
        self.current.lines.append(line.text)
        self.current.footnotes.extend(line.markers)
        self.current.ocr = self.current.ocr or line.ocr

    def _heading_line(self, line: _Line) -> None:
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
    body: list[_Line | _Anchor], i: int, outline: _Outline, label: str | None
) -> int | None:
    """End index of the untitled sub-heading lines starting at ``i``, or None if not headings.

    Untitled sub-headings are the short unnumbered lines *between* units: they follow a unit
    whose text is complete, none of them ends with punctuation of a sentence or clause, and
    what follows them is a numbered paragraph or a section heading (not a sub-item).
    """
    j = i
    while j < len(body):
        item = body[j]
        if isinstance(item, _Anchor):
            j += 1
            continue
        kind, _, _ = _classify(item.text, outline, label, at_boundary=True)
        if kind != "loose":
            return j if kind in ("para", "roman", "letter") and j > i else None
        if _ends_complete(item.text, _NOT_HEADING_END):
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
            if _is_symbol(token):
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
    raw = _split_lines(text)
    body, notes, symbols = _segment(raw)
    _find_markers(body, notes)
    return _assemble(_clean_body(body), notes, symbols, doc_id)


def parse_un_lines(
    lines: Sequence[LaidOutLine], notes: Sequence[LaidOutNote], doc_id: str, lang: str
) -> ParsedText:
    """Parse the lines of a layout-aware reader (see ``LaidOutLine``) into units.

    The reader has already done what ``parse_un_text`` infers from flat text -- dropping
    page furniture, cutting out footnote blocks, finding markers -- so only the numbering
    and heading rules apply. Unit ids and order are as in ``parse_un_text``.
    """
    del lang
    footnotes = [_Footnote(n.label, [n.text]) for n in notes]
    fids = {n.label: f.fid for n, f in zip(notes, footnotes)}
    body: list[_Line | _Anchor] = []
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
            body.append(_Anchor([n.fid for n in block]))
        if index < len(lines):
            line = lines[index]
            body.append(
                _Line(
                    text=line.text,
                    indented=line.indented,
                    markers=[fids.get(m, "fn" + m) for m in line.markers],
                    heading=line.heading,
                    ocr=line.ocr,
                )
            )
    return _assemble(body, footnotes, [], doc_id)


def _assemble(
    body: list[_Line | _Anchor], notes: list[_Footnote], symbols: list[str], doc_id: str
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


def _agenda_line(body: list[_Line | _Anchor], header: list[str]) -> int | None:
    for item in body:
        if isinstance(item, _Line) and any(fid.startswith("fn*") for fid in item.markers):
            if item.text in header:
                return header.index(item.text)
    return None


def _attach_orphan_notes(
    drafts: list[_Draft], header: _Draft | None, notes: list[_Footnote]
) -> None:
    carried = {fid for d in drafts for fid in d.footnotes}
    for note in notes:
        if note.fid not in carried and note.label[0] in _STARS and header is not None:
            header.footnotes.append(note.fid)


def _print_order(
    drafts: list[_Draft], notes: list[_Footnote], assembler: _Assembler
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
    for line in _split_lines(text):
        m = _PARA.match(line.strip())
        if not m:
            continue
        number = int(m.group(1))
        if number == expected:
            expected += 1
        elif number == 1 and expected > 1:
            return False
    return expected > 3
