"""One source file to one ``Document``: format reader, then the UN parser or heading sections.

Used when a file is added to the corpus, when the corpus is loaded, and by ``read_document``
for a file outside any corpus. The manifest's metadata is applied last (``apply_entry``):
it wins over what the parser guessed.
"""

from __future__ import annotations

import dataclasses
import os
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.core.config import Settings
from assistant.core.errors import CorpusError, DocumentError, choice_error
from assistant.core.records import LANGS, Document, Unit
from assistant.ingest.langid import detect_language
from assistant.ingest.readers import ReadResult, parse_bytes, read_bytes, source_type_for
from assistant.ingest.sections import split_sections

if TYPE_CHECKING:
    from assistant.ingest.corpus import ManifestEntry

_DOC_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


def slugify(stem: str) -> str:
    """A doc_id from a file stem: lowercase ASCII letters, digits and hyphens ('' if none)."""
    ascii_ = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")[:80]


def default_doc_id(path: Path, sha256: str) -> str:
    return slugify(path.stem) or f"doc-{sha256[:10]}"


def check_lang(lang: str | None) -> str | None:
    if lang is not None and lang not in LANGS:
        raise choice_error("language", lang, LANGS)
    return lang


def check_doc_id(doc_id: str) -> str:
    if not _DOC_ID_RE.match(doc_id):
        raise CorpusError(
            f"invalid doc id {doc_id!r}: use lowercase letters, digits, '.', '_' or '-' (at most 80, starting with a letter or digit)"
        )
    return doc_id


def document_from_read(
    result: ReadResult, *, doc_id: str, lang: str | None, title: str | None
) -> Document:
    from assistant.ingest.structure import has_un_structure, parse_un_lines, parse_un_text

    text = result.text
    layout = result.layout
    doc_lang = lang or detect_language(_language_sample(layout.text if layout is not None else text))
    parsed_title: str | None = None
    symbol: str | None = None
    meta: tuple[tuple[str, str], ...] = ()
    ocr_units: tuple[str, ...] = ()
    if layout is not None and has_un_structure(layout.text):
        parsed = parse_un_lines(layout.lines, layout.notes, doc_id, doc_lang)
        units = tuple(parsed.units)
        parsed_title = layout.metadata.title or parsed.title
        symbol = layout.metadata.symbol or parsed.symbol
        meta, ocr_units = layout.metadata.as_meta(), parsed.ocr_units
    elif has_un_structure(text):
        parsed = parse_un_text(text, doc_id, doc_lang)
        units = tuple(parsed.units)
        parsed_title, symbol = parsed.title, parsed.symbol
    else:
        units = split_sections(result.blocks, doc_id)
    if not units:
        raise DocumentError(result.path, "no paragraphs or passages could be found in its text")
    first_heading = next((b.text for b in result.blocks if b.kind == "heading"), None)
    doc_title = (
        title or parsed_title or result.title or _masthead_title(units) or first_heading or result.path.stem
    )
    return Document(
        doc_id=doc_id,
        title=" ".join(doc_title.split()),
        lang=doc_lang,
        source_type=result.source_type,
        units=units,
        symbol=symbol,
        meta=meta,
        ocr_units=ocr_units,
    )


_PREPARED_BY = re.compile(
    r"prepared by|établi par|preparad[oa] por|подготовлен|编写|編寫|أعدته|أعدّته", re.IGNORECASE
)


def _masthead_title(units: Sequence[Unit]) -> str | None:
    """The line above "Background paper prepared by the Secretariat" in a UN masthead, with it."""
    header = next((u for u in units if u.unit_id == "header"), None)
    if header is None:
        return None
    lines = [ln.strip() for ln in header.text.splitlines() if ln.strip()]
    for i, line in enumerate(lines):
        if i > 0 and _PREPARED_BY.search(line) and len(line) <= 120:
            return f"{lines[i - 1]} — {line}"
    return None


def _language_sample(text: str) -> str:
    # Skip the first lines (symbols, job numbers, dates) when there is enough text.
    return text[200:4200] if len(text) > 1200 else text


def read_document(
    path: str | os.PathLike[str],
    *,
    doc_id: str | None = None,
    lang: str | None = None,
    title: str | None = None,
    max_file_mb: int | None = None,
) -> Document:
    """Parse one file into a ``Document`` without touching any corpus or index.

    Format from the extension; language detected unless given; UN-structured text
    (numbered paragraphs) goes through ``structure.parse_un_text``, anything else is split
    at its headings (``sections``). ``doc_id`` defaults to a slug of the file name.
    """
    p = Path(path)
    check_lang(lang)
    source_type = source_type_for(p)
    limit = max_file_mb if max_file_mb is not None else Settings.from_env().max_file_mb
    data = read_bytes(p, max_file_mb=limit)
    result = parse_bytes(data, p, source_type, max_file_mb=limit, lang=lang)
    did = check_doc_id(doc_id) if doc_id else default_doc_id(p, result.sha256)
    return document_from_read(result, doc_id=did, lang=lang, title=title)


def apply_entry(doc: Document, entry: ManifestEntry) -> Document:
    """Manifest metadata wins over what the parser guessed (symbol included, even when null)."""
    return dataclasses.replace(
        doc,
        title=entry.title or doc.title,
        lang=entry.lang or doc.lang,
        symbol=entry.symbol,
        parallel_of=entry.parallel_of,
        meta=entry.meta or doc.meta,
    )
