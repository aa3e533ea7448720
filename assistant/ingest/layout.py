"""What layout-aware readers (PDF, DOCX) hand to the UN parser: body lines, footnotes and the
masthead's metadata, plus the masthead rules that read text alone (dates, "Original:", agenda).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.ingest.structure import LaidOutLine, LaidOutNote
from assistant.ingest.un_lines import looks_like_symbol


@dataclass(frozen=True)
class Masthead:
    """What the first page of a UN document prints about itself (None when absent)."""

    title: str | None = None
    symbol: str | None = None
    date: str | None = None  # ISO yyyy-mm-dd
    original_lang: str | None = None
    agenda_item: str | None = None
    distribution: str | None = None

    def as_meta(self) -> tuple[tuple[str, str], ...]:
        pairs = (("date", self.date), ("original_lang", self.original_lang), ("agenda_item", self.agenda_item))
        return tuple((k, v) for k, v in pairs if v)


@dataclass(frozen=True)
class Layout:
    """A document read by layout: body lines (furniture and footnotes out), footnotes, masthead."""

    lines: tuple[LaidOutLine, ...]
    notes: tuple[LaidOutNote, ...]
    metadata: Masthead
    pages: int | None = None
    ocr_pages: tuple[int, ...] = ()
    page_texts: tuple[str, ...] = ()  # PDF: body text per page, furniture and footnotes dropped
    ocr_record: bytes | None = None  # PDF: what OCR recognised on its scanned pages, to store

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


_MONTHS = {
    **{m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                   "september", "october", "november", "december"), 1)},
    **{m: i for i, m in enumerate(("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                                   "septembre", "octobre", "novembre", "décembre"), 1)},
    **{m: i for i, m in enumerate(("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                                   "septiembre", "octubre", "noviembre", "diciembre"), 1)},
}
_DATE_WORDS = re.compile(r"\b(\d{1,2})(?:er)?\s+(?:de\s+)?([^\W\d_]+)\s+(?:de\s+)?(\d{4})\b", re.IGNORECASE)
_DATE_CJK = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ORIGINAL = re.compile(r"(?:Original|原文|Оригинал|الأصل)\s*[:：]\s*(\S+)", re.IGNORECASE)
_LANGUAGE_NAMES = {
    "english": "en", "anglais": "en", "inglés": "en", "ingles": "en", "английский": "en", "英文": "en", "الإنكليزية": "en",
    "french": "fr", "français": "fr", "francais": "fr", "francés": "fr", "французский": "fr", "法文": "fr", "الفرنسية": "fr",
    "spanish": "es", "espagnol": "es", "español": "es", "испанский": "es", "西班牙文": "es", "الإسبانية": "es",
    "russian": "ru", "russe": "ru", "ruso": "ru", "русский": "ru", "俄文": "ru", "الروسية": "ru",
    "arabic": "ar", "arabe": "ar", "árabe": "ar", "арабский": "ar", "阿拉伯文": "ar", "العربية": "ar",
    "chinese": "zh", "chinois": "zh", "chino": "zh", "китайский": "zh", "中文": "zh", "الصينية": "zh",
}
_AGENDA = re.compile(r"agenda|ordre du jour|programa|议程|повестк|جدول الأعمال", re.IGNORECASE)
_DISTR = re.compile(r"^Distr\.?\s*:?\s*(\S.*)$")




def read_masthead(lines: Sequence[str], title: str | None) -> Masthead:
    """Symbol, date, original language, distribution and agenda item from the masthead's lines."""
    symbol = next((p for line in lines for p in line.split() if looks_like_symbol(p)), None)
    date = original = agenda = distribution = None
    for text in lines:
        if date is None:
            date = _iso_date(text)
        m = _ORIGINAL.search(text)
        if m and original is None:
            original = _LANGUAGE_NAMES.get(m.group(1).strip().lower().rstrip("."))
        d = _DISTR.match(text)
        if d and distribution is None:
            distribution = d.group(1)
        if agenda is None and _AGENDA.search(text) and len(text) <= 120:
            agenda = text
    return Masthead(title=title, symbol=symbol, date=date, original_lang=original, agenda_item=agenda,
                    distribution=distribution)


def _iso_date(text: str) -> str | None:
    m = _DATE_CJK.search(text)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    for m in _DATE_WORDS.finditer(text):
        month = _MONTHS.get(m.group(2).lower())
        if month and 1 <= int(m.group(1)) <= 31:
            return f"{int(m.group(3)):04d}-{month:02d}-{int(m.group(1)):02d}"
    return None
