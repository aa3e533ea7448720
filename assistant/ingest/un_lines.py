"""The lines of a UN document's extracted text, before units are assembled from them.

Page furniture is recognised (standalone document symbols, job numbers, barcodes, page
counters, hyperlink residue); footnote blocks after a ``_____`` separator are cut out of
the body (:func:`_read_footnote_block` says where a block ends) and left as anchors where
they were printed; footnote markers are found in the running text (:func:`find_markers`)
and taken out of it. :mod:`assistant.ingest.structure` assembles the units from the result,
and shares the numbering patterns and helpers defined here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.core.text import is_cjk_punct, is_unspaced_letter

PARA = re.compile(r"^(\d{1,3})\.(?!\d)\s*(.*)$")
LABEL = re.compile(r"^\(([a-z]{1,2})\)\s*(.*)$")
ROMAN = re.compile(r"^([IVXLC]{1,7})\.(?:\s+(.*))?$")
CJK_NUMERAL = re.compile(r"^([一二三四五六七八九十]{1,3})\s*[.．、]\s*(.*)$")
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
STARS = "*\uf02a"  # U+F02A is the asterisk of the Symbol font, as PDFs often extract it
_FOOTNOTE_START = re.compile(r"^(?:(\d{1,3})(?:\s+(\S.*))?|([*\uf02a]{1,3})\s*(.*))$")
_DIGITS = re.compile(r"(?<!\d)\d{1,3}(?!\d)")
# A unit or footnote whose text ends with one of these has reached its end; closing quotes
# and brackets after it are looked through.
TERMINAL = set("。．.！？!?")
_CLOSERS = set("”’\"'）)]】》」』")
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


def ends_complete(text: str, ends: set[str]) -> bool:
    stripped = text.rstrip()
    while stripped and stripped[-1] in _CLOSERS:
        stripped = stripped[:-1]
    return bool(stripped) and stripped[-1] in ends


def roman_value(numeral: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for ch, nxt in zip(numeral, numeral[1:] + " "):
        value = values[ch]
        total += -value if nxt != " " and values[nxt] > value else value
    return total


def cjk_numeral_value(numeral: str) -> int:
    digits = dict(zip("一二三四五六七八九", range(1, 10)))
    if numeral == "十":
        return 10
    if numeral.startswith("十"):
        return 10 + digits.get(numeral[1:], 0)
    if "十" in numeral:
        tens, _, units = numeral.partition("十")
        return digits.get(tens, 0) * 10 + digits.get(units, 0)
    return digits.get(numeral, 0)


@dataclass
class Line:
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
class Footnote:
    label: str
    lines: list[str]
    anchor: int = -1  # index of its block in the body stream

    @property
    def fid(self) -> str:
        return "fn" + ("*" * len(self.label) if self.label[0] in STARS else self.label)


@dataclass
class Anchor:
    """Where a footnote block was printed in the body stream."""

    ids: list[str]


def is_page_furniture(text: str) -> bool:
    """A running header or footer piece: a document symbol, a job number, a barcode or a page counter."""
    return bool(
        _JOB.match(text) or _BARCODE.match(text) or _PAGE_COUNTER.match(text)
        or looks_like_symbol(text)
    )


def looks_like_symbol(text: str) -> bool:
    """A UN document symbol such as ``CTOC/COP/WG.4/2019/1``."""
    return len(text) <= 60 and bool(_SYMBOL.match(text)) and any(c.isdigit() for c in text)


def split_lines(text: str) -> list[str]:
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
        return self._is_para(text) or self._is_roman(text) or bool(LABEL.match(text))

    def _is_para(self, text: str) -> bool:
        m = PARA.match(text)
        return m is not None and int(m.group(1)) == self.para

    def _is_roman(self, text: str) -> bool:
        m = CJK_NUMERAL.match(text) or ROMAN.match(text)
        if not m:
            return False
        value = (cjk_numeral_value if m.re is CJK_NUMERAL else roman_value)(m.group(1))
        return value == self.roman


class _FootnoteCounter:
    """Footnote numbers run through a document: after the first, only the next one counts."""

    def __init__(self) -> None:
        self.last: int | None = None

    def accepts(self, number: int) -> bool:
        return number == self.last + 1 if self.last is not None else 1 <= number <= 999

    def take(self, number: int) -> None:
        self.last = number


def _footnote_start(text: str, counter: _FootnoteCounter) -> Footnote | None:
    m = _FOOTNOTE_START.match(text)
    if not m:
        return None
    if m.group(3):
        return Footnote(m.group(3), [m.group(4)] if m.group(4) else [])
    number = int(m.group(1))
    if not counter.accepts(number):
        return None
    counter.take(number)
    return Footnote(m.group(1), [m.group(2)] if m.group(2) else [])


def _footnote_finished(note: Footnote) -> bool:
    """A footnote ends with a full stop; a line ending in ``vol.`` or ``No.`` does not end it."""
    if not note.lines:
        return False
    last = note.lines[-1]
    return ends_complete(last, TERMINAL) and not _ABBREVIATION.search(last)


def _read_footnote_block(
    raw: list[str], start: int, counter: _FootnoteCounter, tracker: _ParaTracker
) -> tuple[list[Footnote], int]:
    """Read the footnotes after a separator line; return them and the index where body resumes.

    A block sits at the foot of a page, so the next page's body may follow it directly
    (``…贩运受`` / footnote 1 / ``害者长期融入…``).  The block ends at page furniture, at a line
    that opens body structure (the next paragraph number, a ``(x)`` label, a section heading),
    or at a line that is neither a new footnote nor a continuation of an unfinished one --
    a footnote is finished once its text ends with a full stop.
    """
    notes: list[Footnote] = []
    i = start
    while i < len(raw):
        text = raw[i].strip()
        if not text or _LINK.match(text):
            i += 1
            continue
        if is_page_furniture(text) or _SEPARATOR.match(text):
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


def segment(raw: list[str]) -> tuple[list[Line | Anchor], list[Footnote], list[str]]:
    """Cut the text into body lines and footnote blocks; drop furniture; collect symbols."""
    body: list[Line | Anchor] = []
    notes: list[Footnote] = []
    symbols: list[str] = []
    tracker, counter = _ParaTracker(), _FootnoteCounter()
    prev_furniture = False
    i = 0
    while i < len(raw):
        text = raw[i].strip()
        i += 1
        if not text or _LINK.match(text):
            continue
        if is_page_furniture(text):
            if looks_like_symbol(text):
                symbols.append(text)
            _mark_last_line_near_furniture(body)
            prev_furniture = True
            continue
        if _SEPARATOR.match(text):
            block, i = _read_footnote_block(raw, i, counter, tracker)
            for note in block:
                note.anchor = len(body)
            notes.extend(block)
            body.append(Anchor([n.fid for n in block]))
            continue
        tracker.see(text)
        body.append(
            Line(
                text=text,
                indented=raw[i - 1][:1].isspace(),
                lone_number=bool(_LONE_NUMBER.match(text)),
                near_furniture=prev_furniture,
                after_block=bool(body) and isinstance(body[-1], Anchor),
            )
        )
        prev_furniture = False
    return body, notes, symbols


def _mark_last_line_near_furniture(body: list[Line | Anchor]) -> None:
    if body and isinstance(body[-1], Line):
        body[-1].near_furniture = True


def _marker_spans(line: Line, label: str, prev: str) -> list[tuple[int, int]]:
    """Where ``label`` sits in ``line`` as a footnote marker.

    An asterisk marker (``*`` or the Symbol-font U+F02A) may sit anywhere.  A number is a
    marker when it is a line of its own (``3``), or when it is glued on its left to
    punctuation, a closing quote/bracket or a Latin word (``准则》，1有效``, ``Guidelines,1``,
    ``Protocol2``) and on its right either glued to an ideograph, followed by a Latin word or
    punctuation, or at the line end.  Numbers of running text are set off by spaces
    (``2019 年``, ``第 10 段``, ``, 18 countries``) and do not qualify.
    """
    text = line.text
    if label[0] in STARS:
        pattern = re.compile(rf"(?<![*\uf02a])[*\uf02a]{{{len(label)}}}(?![*\uf02a])")
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


def find_markers(body: list[Line | Anchor], notes: list[Footnote]) -> None:
    """Remove footnote markers from the running text and record them on their lines.

    Footnotes are printed on the page of their marker, so a footnote's marker is searched
    only between the previous footnote block and its own; when several places qualify the
    last one -- nearest to the block -- is taken.  Lone number lines that are not markers
    are page numbers and are dropped.
    """
    by_anchor: dict[int, list[Footnote]] = {}
    for note in notes:
        by_anchor.setdefault(note.anchor, []).append(note)
    region_start = 0
    for index, item in enumerate(body):
        if not isinstance(item, Anchor):
            continue
        region = [x for x in body[region_start:index] if isinstance(x, Line)]
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
    region: list[Line], label: str, bound: tuple[int, int]
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


def clean_body(body: list[Line | Anchor]) -> list[Line | Anchor]:
    """Drop emptied marker lines and the lone numbers that were page numbers."""
    kept: list[Line | Anchor] = []
    for item in body:
        if isinstance(item, Line):
            if not item.text.strip():
                if item.markers:  # a lone marker line: its footnote moves to the line before
                    _carry_markers(kept, item.markers)
                continue
            if item.lone_number and not item.markers:
                continue
        kept.append(item)
    return kept


def _carry_markers(kept: list[Line | Anchor], markers: list[str]) -> None:
    for item in reversed(kept):
        if isinstance(item, Line):
            item.markers.extend(markers)
            return
