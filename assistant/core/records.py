"""The records every stage shares: a document and the numbered units we cite."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

UnitKind = Literal["header", "paragraph", "subitem", "footnote", "passage"]
SourceType = Literal["txt", "md", "html", "pdf", "docx"]
LANGS: tuple[str, ...] = ("zh", "en", "fr", "es", "ru", "ar")
SECTION_SEP = " > "


@dataclass(frozen=True)
class Unit:
    """One citable piece of a document: its text is verbatim from the source.

    ``unit_id`` is the language-independent address UN documents share across their six
    versions: ``"16"`` (a paragraph, or its lead-in when it has sub-items), ``"16(e)"``,
    ``"fn2"``, ``"fn*"``, ``"header"``; documents without numbered paragraphs get
    positional ids such as ``"s2.p3"``.
    """

    doc_id: str
    unit_id: str
    kind: UnitKind
    text: str
    section: tuple[str, ...] = ()
    parent: str | None = None
    footnotes: tuple[str, ...] = ()
    order: int = 0

    @property
    def section_path(self) -> str:
        return SECTION_SEP.join(self.section)


@dataclass(frozen=True)
class Document:
    """A parsed source file with its metadata and units, in document order."""

    doc_id: str
    title: str
    lang: str
    source_type: SourceType
    units: tuple[Unit, ...]
    symbol: str | None = None
    parallel_of: str | None = None
    meta: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    ocr_units: tuple[str, ...] = ()  # units whose text was recognised from a scanned page

    def masthead(self) -> str:
        """Symbol, date, original language and agenda item, as the manifest has them ("" when none)."""
        meta = dict(self.meta)
        parts = [self.symbol or "", meta.get("date", "")]
        if meta.get("original_lang"):
            parts.append(f"original: {meta['original_lang']}")
        parts.append(meta.get("agenda_item", ""))
        return " · ".join(p for p in parts if p)

    def is_ocr(self, unit_id: str) -> bool:
        """True when the unit's text was recognised (OCR) from a scanned page, not read from text."""
        return unit_id in self.ocr_units

    def unit(self, unit_id: str) -> Unit | None:
        for unit in self.units:
            if unit.unit_id == unit_id:
                return unit
        return None

    @property
    def unit_ids(self) -> tuple[str, ...]:
        return tuple(u.unit_id for u in self.units)
