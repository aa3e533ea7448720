"""Finding documents and paragraphs in parsed documents: the lookup every surface uses.

Ids are taken as people type them (``16 (e)``, ``para 16e``, ``第16段``); an unknown one is a
``UnitNotFound`` that suggests close ids. Paragraph ids are language-independent in UN
documents, so a paragraph is also found in another language version of its document.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

from assistant.core.errors import CorpusError, UnitNotFound
from assistant.core.records import Document, Unit


def aligned_unit(documents: Iterable[Document], doc_id: str, unit_id: str, lang: str) -> Unit | None:
    """The same paragraph in the ``lang`` version of ``doc_id``, or None if there is none.

    UN paragraph ids are language-independent, so ``16(e)`` in the Chinese paper is
    ``16(e)`` in its English version.
    """
    docs = list(documents)
    by_id = {d.doc_id: d for d in docs}
    doc = by_id.get(doc_id)
    if doc is None:
        return None
    root = doc.parallel_of or doc.doc_id
    group = [d for d in docs if d.doc_id == root or d.parallel_of == root]
    target = next((d for d in group if d.lang == lang), None)
    if doc.lang == lang:
        target = doc
    return target.unit(unit_id) if target is not None else None


def get_document(documents: Sequence[Document], doc_id: str) -> Document:
    doc = next((d for d in documents if d.doc_id == doc_id), None)
    if doc is None:
        known = ", ".join(d.doc_id for d in documents) or "(none)"
        close = difflib.get_close_matches(doc_id, [d.doc_id for d in documents], n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise CorpusError(f"no document {doc_id!r} in the corpus{hint} (known: {known})")
    return doc


def normalize_unit_id(unit_id: str) -> str:
    """Accept the ways people type a paragraph id: ``16 (e)``, ``16e``, ``16.``, ``para 16(E)``."""
    s = re.sub(r"\s+", "", unit_id.strip())
    s = re.sub(r"^(?:para(?:graph)?\.?|§|第)", "", s, flags=re.I)
    s = re.sub(r"段$", "", s)
    m = re.fullmatch(r"(\d+)\.?(?:\(?([a-zA-Z]{1,2}|[ivxIVX]+)\)?)?\.?", s)
    if m:
        num, sub = m.groups()
        return f"{num}({sub.lower()})" if sub else num
    return s


def find_unit(
    documents: Sequence[Document], unit_id: str, doc_id: str | None = None
) -> tuple[Document, Unit]:
    """The unit with this id; without ``doc_id``, the first document (corpus order) that has it.

    The shipped paper is first in the manifest, so it is the default when several
    documents share an id. An unknown id raises ``UnitNotFound`` suggesting close ids.
    """
    candidates = [get_document(documents, doc_id)] if doc_id else list(documents)
    wanted = [unit_id, normalize_unit_id(unit_id)]
    for doc in candidates:
        for uid in wanted:
            unit = doc.unit(uid)
            if unit is not None:
                return doc, unit
    pool = sorted({u for d in candidates for u in d.unit_ids})
    close = difflib.get_close_matches(normalize_unit_id(unit_id), pool, n=5, cutoff=0.5)
    where = f"document {doc_id!r}" if doc_id else "the corpus"
    hint = f"; close ids: {', '.join(close)}" if close else ""
    raise UnitNotFound(f"no paragraph {unit_id!r} in {where}{hint} (list them with `assistant paragraphs`)")


def neighbours(doc: Document, unit: Unit) -> tuple[Unit | None, Unit | None]:
    """The units just before and after ``unit`` in document order."""
    ids = doc.unit_ids
    i = ids.index(unit.unit_id)
    return (doc.units[i - 1] if i > 0 else None, doc.units[i + 1] if i + 1 < len(ids) else None)
