"""Layout-aware PDF reading: characters with their positions and sizes (pdfplumber) in, the
body lines, footnotes and page-1 metadata of a UN document out.

What flat text extraction loses and this keeps:

* **Running headers and footers** sit in the top or bottom band of a page and repeat from
  page to page (digits aside: page numbers change) or consist only of page furniture (a
  symbol, a job number, a page counter). They are dropped.
* **Footnotes** are the lines below a short horizontal rule drawn in the lower half of a
  page, set smaller than the body. A footnote block whose first line has no number continues
  the last footnote of the previous page.
* **Superscript markers** are small digits or asterisks raised above the baseline of the
  line they sit on; they are removed from its text and kept as that line's markers.
* **Headings** are lines set bold or larger than the body; wrapped heading lines are joined.
* **Scanned pages** (no text layer) go through Tesseract OCR (``assistant.ingest.ocr``); their
  lines are flagged ``ocr``.

Numbering, paragraphs and sub-items are left to ``structure.parse_un_lines``.
"""

from __future__ import annotations

import dataclasses
import io
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.core.errors import DocumentError
from assistant.core.text import join_lines
from assistant.ingest.layout import Layout, Masthead, read_masthead
from assistant.ingest.structure import LaidOutLine, LaidOutNote
from assistant.ingest.un_lines import is_page_furniture, looks_like_symbol

# Bands of the page (share of its height) where running headers and footers are printed.
HEADER_BAND = 0.10
FOOTER_BAND = 0.91
# A character this much smaller than the body type can be a superscript marker.
MARKER_RATIO = 0.8
# Footnotes are set smaller than the body: at most this share of the body size.
NOTE_RATIO = 0.95
# A heading is set this much larger than the body (or bold).
HEADING_RATIO = 1.08


@dataclass(frozen=True)
class Row:
    """One printed line: its text (markers removed), where it sits, and how it is set."""

    text: str
    page: int  # 1-based
    x0: float
    top: float
    bottom: float
    size: float
    bold: bool
    markers: tuple[str, ...] = ()
    pieces: tuple[str, ...] = ()  # the text split at wide gaps (header/footer columns)
    ocr: bool = False
    lead: str | None = None  # a raised label printed before the text (a footnote's number)


def read_pdf_layout(
    data: bytes, path: Path, *, lang: str | None = None, recognised: bytes | None = None
) -> Layout:
    """Read a PDF's pages with pdfplumber into body lines, footnotes and page-1 metadata.

    ``recognised`` is the stored OCR of its scanned pages (``Layout.ocr_record`` of an earlier
    read); pages it lacks, or all when it is unreadable, are recognised again.
    """
    import pdfplumber

    from assistant.ingest.ocr import dump_recognised, load_recognised, ocr_page_rows

    try:
        stored = load_recognised(recognised) if recognised else {}
    except ValueError:
        stored = {}
    scanned: dict[int, list[Row]] = {}
    rows_by_page: list[list[Row]] = []
    rules_by_page: list[list[float]] = []
    heights: list[float] = []
    ocr_pages: list[int] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                heights.append(float(page.height))
                chars = [c for c in page.chars if c.get("upright", True)]
                if not any(c["text"].strip() for c in chars):
                    if page.images:  # a scan: recognise the page image
                        rows = stored.get(number) or ocr_page_rows(page, number, lang, path)
                        scanned[number] = rows
                        rows_by_page.append(rows)
                        ocr_pages.append(number)
                    else:
                        rows_by_page.append([])
                    rules_by_page.append([])
                    continue
                rows_by_page.append(_rows(chars, number))
                rules_by_page.append(_rules(page))
    except DocumentError:
        raise
    except Exception as exc:  # pdfminer raises many kinds of errors on damaged files
        raise DocumentError(path, f"is a corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from None
    layout = _layout(rows_by_page, rules_by_page, heights, tuple(ocr_pages))
    return dataclasses.replace(layout, ocr_record=dump_recognised(scanned) if scanned else None)


def _layout(
    rows_by_page: list[list[Row]], rules_by_page: list[list[float]], heights: list[float], ocr_pages: tuple[int, ...]
) -> Layout:
    all_rows = [r for rows in rows_by_page for r in rows if not r.ocr]
    body_size = _body_size(all_rows)
    furniture = _furniture(rows_by_page, heights)
    metadata = _metadata(rows_by_page[0] if rows_by_page else [], furniture, body_size)
    left = _left_margin([r for r in all_rows if id(r) not in furniture])
    leading = _leading(rows_by_page, body_size)

    lines: list[LaidOutLine] = []
    notes: list[_NoteDraft] = []
    page_texts: list[str] = []
    expected = 1
    for rows, rules, height in zip(rows_by_page, rules_by_page, heights):
        rule = _footnote_rule(rules, height)
        body: list[Row] = []
        foot: list[Row] = []
        for row in rows:
            if id(row) in furniture:
                continue
            if rule is not None and row.top > rule and row.size <= body_size * NOTE_RATIO:
                foot.append(row)
            else:
                body.append(row)
        body = _join_wrapped_headings(body, body_size)
        for k, row in enumerate(body):
            lines.append(
                LaidOutLine(
                    text=row.text,
                    indented=row.x0 > left + 2.0,
                    heading=_is_heading(row, body[k - 1] if k else None, body_size, leading),
                    markers=row.markers,
                    ocr=row.ocr,
                )
            )
        expected = _read_notes(foot, notes, len(lines), expected)
        page_texts.append("\n".join(r.text for r in body))
    return Layout(
        lines=tuple(lines),
        notes=tuple(LaidOutNote(n.label, join_lines(n.lines), n.after_line) for n in notes),
        metadata=metadata,
        pages=len(rows_by_page),
        ocr_pages=ocr_pages,
        page_texts=tuple(page_texts),
    )


# --------------------------------------------------------------------------- rows


def _rows(chars: Sequence[dict[str, Any]], page: int) -> list[Row]:
    """Group characters into printed lines by baseline; superscripts join the line they rise from."""
    glyphs = [c for c in chars if c["text"] != "\n"]
    clusters: list[list[dict[str, Any]]] = []
    for c in sorted(glyphs, key=lambda c: (round(c["bottom"], 1), c["x0"])):
        if clusters and abs(clusters[-1][0]["bottom"] - c["bottom"]) <= max(1.0, c["size"] * 0.15):
            clusters[-1].append(c)
        else:
            clusters.append([c])
    clusters = [cl for cl in clusters if any(c["text"].strip() for c in cl)]
    main: list[list[dict[str, Any]]] = []
    raised: list[list[dict[str, Any]]] = []
    for cl in clusters:
        (raised if _is_marker_cluster(cl, clusters) else main).append(cl)
    markers_of: dict[int, list[tuple[float, str]]] = {}
    for cl in raised:
        host = _host(cl, main)
        if host is None:
            main.append(cl)
            continue
        for x, label in _marker_labels(cl):
            markers_of.setdefault(host, []).append((x, label))
    main.sort(key=lambda cl: min(c["top"] for c in cl))
    rows = []
    for cl in main:
        marks = sorted(markers_of.get(id(cl), []))
        start = min(c["x0"] for c in cl)
        lead = marks.pop(0)[1] if marks and marks[0][0] < start else None
        rows.append(_row(cl, page, tuple(label for _, label in marks), lead))
    return rows


def _is_marker_cluster(cluster: list[dict[str, Any]], clusters: list[list[dict[str, Any]]]) -> bool:
    """Small digits or asterisks whose baseline lies inside a bigger line's height."""
    text = "".join(c["text"] for c in cluster).replace(" ", "")
    if not text or not re.fullmatch(r"[\d*\uf02a,]+", text):
        return False
    size = max(c["size"] for c in cluster)
    bottom = cluster[0]["bottom"]
    for other in clusters:
        if other is cluster:
            continue
        other_size = statistics.median(c["size"] for c in other)
        top, base = min(c["top"] for c in other), other[0]["bottom"]
        if size <= other_size * MARKER_RATIO and top - 0.5 <= bottom < base - 0.1 * other_size:
            return True
    return False


def _host(cluster: list[dict[str, Any]], main: list[list[dict[str, Any]]]) -> int | None:
    bottom = cluster[0]["bottom"]
    best = None
    for other in main:
        top, base = min(c["top"] for c in other), other[0]["bottom"]
        if top - 0.5 <= bottom < base:
            if best is None or base - bottom < best[0]:
                best = (base - bottom, id(other))
    return best[1] if best else None


def _marker_labels(cluster: list[dict[str, Any]]) -> list[tuple[float, str]]:
    """Adjacent raised characters form one label; a comma or a gap separates labels."""
    out: list[tuple[float, str]] = []
    prev_x1 = None
    for c in sorted(cluster, key=lambda c: c["x0"]):
        ch = c["text"]
        if ch in ", ":
            prev_x1 = None
            continue
        ch = "*" if ch == "\uf02a" else ch
        if out and prev_x1 is not None and c["x0"] - prev_x1 < c["size"] * 0.3:
            out[-1] = (out[-1][0], out[-1][1] + ch)
        else:
            out.append((c["x0"], ch))
        prev_x1 = c["x1"]
    return out


def _row(cluster: list[dict[str, Any]], page: int, markers: tuple[str, ...], lead: str | None = None) -> Row:
    ordered = sorted(cluster, key=lambda c: c["x0"])
    sizes = [c["size"] for c in ordered if c["text"].strip()]
    size = statistics.median(sizes)
    pieces: list[str] = []
    buf = ""
    prev = None
    for c in ordered:
        ch = c["text"]
        if prev is not None:
            gap = c["x0"] - prev["x1"]
            if gap > size:  # a column gap: a number beside its text, header and footer pieces
                pieces.append(buf)
                buf = ""
            elif gap > size * 0.2 and not ch.isspace() and not buf.endswith(" ") and not _wide(prev["text"], ch):
                buf += " "  # CJK text has no spaces: a gap there is a removed marker, not a word break
        buf += ch
        prev = c
    pieces.append(buf)
    pieces = [re.sub(r"\s+", " ", p).strip() for p in pieces if p.strip()]
    bold_chars = sum(1 for c in ordered if c["text"].strip() and "bold" in c.get("fontname", "").lower())
    return Row(
        text=" ".join(pieces),
        page=page,
        x0=float(ordered[0]["x0"]),
        top=float(min(c["top"] for c in ordered)),
        bottom=float(max(c["bottom"] for c in ordered)),
        size=float(size),
        bold=bold_chars > len(sizes) / 2,
        markers=markers,
        pieces=tuple(pieces),
        lead=lead,
    )


def _wide(left: str, right: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in ("W", "F") for ch in left[-1:] + right[:1])


def _rules(page: Any) -> list[float]:
    """The y of each horizontal line drawn on the page (lines and hairline rectangles)."""
    ys = []
    for obj in list(page.lines) + list(page.rects):
        if abs(obj["top"] - obj["bottom"]) <= 2.0 and obj["x1"] - obj["x0"] >= 20.0:
            ys.append((float(obj["top"]), float(obj["x1"] - obj["x0"])))
    width = float(page.width)
    # the footnote rule is short; a full-width line is the header rule or a table border
    return [y for y, w in ys if w < width * 0.5]


def _footnote_rule(rules: list[float], height: float) -> float | None:
    low = [y for y in rules if y > height * 0.4]
    return max(low) if low else None


def _body_size(rows: list[Row]) -> float:
    counts: Counter[float] = Counter()
    for r in rows:
        counts[round(r.size * 2) / 2] += len(r.text)
    return counts.most_common(1)[0][0] if counts else 10.0


def _left_margin(rows: list[Row]) -> float:
    counts: Counter[int] = Counter(round(r.x0) for r in rows)
    return float(min(x for x, n in counts.items() if n >= max(2, counts.most_common(1)[0][1] // 4))) if counts else 0.0


# --------------------------------------------------------------------------- furniture


def _pattern(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _furniture(rows_by_page: list[list[Row]], heights: list[float]) -> set[int]:
    """Rows of the top and bottom bands that repeat on other pages or are pure furniture.

    A scanned page's band rows are furniture too when each piece is, or nearly reads as, a
    furniture piece of the text pages (OCR misreads ``WG.4`` as ``WG:4``).
    """
    bands: list[tuple[Row, str]] = []
    for rows, height in zip(rows_by_page, heights):
        for row in rows:
            if row.bottom <= height * HEADER_BAND or row.top >= height * FOOTER_BAND:
                bands.append((row, _pattern(row.text)))
    pages_of: dict[str, set[int]] = {}
    for row, pattern in bands:
        if not row.ocr:
            pages_of.setdefault(pattern, set()).add(row.page)
    found = set()
    known: set[str] = set()
    for row, pattern in bands:
        if row.ocr:
            continue
        repeated = len(pages_of[pattern]) >= 2
        if repeated or (row.pieces and all(_furniture_piece(p) for p in row.pieces)):
            found.add(id(row))
            known.update(_pattern(p) for p in row.pieces)
    # the symbol printed in page 1's masthead is the running header of the other pages
    known.update(_pattern(t) for row, _ in bands if row.page == 1 and not row.ocr for t in row.text.split()
                 if looks_like_symbol(t))
    for row, _ in bands:
        pieces = _ocr_pieces(row.pieces) if row.ocr else ()
        if pieces and all(_furniture_piece(p) or _near(_pattern(p), known) for p in pieces):
            found.add(id(row))
    return found


def _furniture_piece(piece: str) -> bool:
    return is_page_furniture(piece) or bool(re.fullmatch(r"\d{1,4}", piece))


def _near(pattern: str, known: set[str]) -> bool:
    from difflib import SequenceMatcher

    return any(SequenceMatcher(None, pattern, k).ratio() >= 0.85 for k in known)


def _ocr_pieces(pieces: tuple[str, ...]) -> tuple[str, ...]:
    """OCR pieces without scanner dirt: specks read as stray marks at their ends (``°``, ``|``)
    or as pieces of one or two characters."""
    cleaned = []
    for piece in pieces:
        for token in piece.split():
            token = re.sub(r"^[^\w(]+|[^\w)]+$", "", token)
            if sum(ch.isalnum() for ch in token) >= 3 or re.fullmatch(r"\d{1,2}", token):
                cleaned.append(token)
    return tuple(cleaned)


# --------------------------------------------------------------------------- headings, notes


def _join_wrapped_headings(rows: list[Row], body_size: float) -> list[Row]:
    """A heading that wraps prints its next line in the same type right below: one heading."""
    out: list[Row] = []
    for row in rows:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.page == row.page
            and _heading_type(prev, body_size)
            and _heading_type(row, body_size)
            and abs(prev.size - row.size) < 0.3
            and prev.bold == row.bold
            and row.top - prev.bottom < row.size * 0.8
            and not re.match(r"^(?:[IVXLC]+|[A-Z]|\d+|[一二三四五六七八九十]+)[.．、]", row.text)
        ):
            out[-1] = Row(
                text=join_lines([prev.text, row.text]), page=prev.page, x0=prev.x0, top=prev.top,
                bottom=row.bottom, size=prev.size, bold=prev.bold, markers=prev.markers + row.markers,
                pieces=prev.pieces + row.pieces, ocr=prev.ocr,
            )
        else:
            out.append(row)
    return out


def _is_heading(row: Row, prev: Row | None, body_size: float, leading: float) -> bool:
    """Larger than the body, or bold with extra space above it: a bold phrase that happens to
    fill a line of running text has no space above it and is no heading."""
    if row.ocr:
        return False
    if row.size >= body_size * HEADING_RATIO:
        return True
    return row.bold and (prev is None or row.top - prev.bottom > leading * 1.3)


def _leading(rows_by_page: list[list[Row]], body_size: float) -> float:
    """The usual white space between two lines of body text."""
    gaps = [
        b.top - a.bottom
        for rows in rows_by_page
        for a, b in zip(rows, rows[1:])
        if abs(a.size - body_size) < 0.3 and abs(b.size - body_size) < 0.3 and b.top > a.bottom
    ]
    return statistics.median(gaps) if gaps else body_size * 0.3


def _heading_type(row: Row, body_size: float) -> bool:
    return not row.ocr and (row.bold or row.size >= body_size * HEADING_RATIO)


@dataclass
class _NoteDraft:
    label: str
    lines: list[str]
    after_line: int


# The label, then the text: after a space, or glued when the text does not start with a digit
# (a narrow gap after a two-digit label in Chinese reads as none).
_NOTE_START = re.compile(r"^(\d{1,3}|[*\uf02a]{1,3})(?:\s+|(?=[^\d\s]))(\S.*)$")


def _read_notes(rows: list[Row], notes: list[_NoteDraft], after_line: int, expected: int) -> int:
    """Footnotes of one page: a line opening with the next footnote number (or a raised one)
    starts a footnote; any other line continues the last one, across pages too."""
    for row in rows:
        label, text = row.lead, row.text
        m = _NOTE_START.match(row.text)
        if label is None and m and (m.group(1)[0] in "*\uf02a" or int(m.group(1)) == expected):
            label, text = m.group(1).replace("\uf02a", "*"), m.group(2)
        if label is not None:
            notes.append(_NoteDraft(label, [text], after_line))
            if label.isdigit():
                expected = int(label) + 1
        elif notes:
            notes[-1].lines.append(row.text)
    return expected


# --------------------------------------------------------------------------- metadata


def _metadata(rows: list[Row], furniture: set[int], body_size: float) -> Masthead:
    """Page 1's masthead: the title is its largest heading-type text; the rest is read from the lines."""
    if not rows:
        return Masthead()
    first_body = next((i for i, r in enumerate(rows) if re.match(r"^(?:1|I|一)[.．]", r.text)), len(rows))
    masthead = [r for r in rows[:first_body] if id(r) not in furniture]
    candidates = [
        r for r in masthead
        if (r.bold or r.size >= body_size * HEADING_RATIO) and not any(looks_like_symbol(p) for p in r.text.split())
        and not _UNITED_NATIONS.match(r.text)
    ]
    title = None
    if candidates:
        biggest = max(r.size for r in candidates)
        title = join_lines([r.text for r in candidates if abs(r.size - biggest) < 0.3]) or None
    # the symbol may sit in the top band, which repeats as the running header: read all of page 1's top
    return read_masthead([r.text for r in rows[:first_body]], title)


_UNITED_NATIONS = re.compile(
    r"^(?:United Nations|Nations Unies|Naciones Unidas|Организация Объединенных Наций|联合国|الأمم المتحدة)$"
)
