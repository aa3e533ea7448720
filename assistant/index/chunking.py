"""Units become chunks: what is embedded carries context, what is quoted stays verbatim.

One chunk per unit. The embedded text is the heading path, then (for a sub-item) its
paragraph's lead-in, then the unit's text: "(e) … recruitment fees" means little without
"In 2013 the Working Group recommended:". A unit longer than the model's window is
split at sentence ends into several chunks that all keep the unit's citation id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from assistant.core.records import SECTION_SEP, Document, Unit

# Sentence ends in the six UN languages. A Latin full stop ends a sentence only before
# white space and not after a lone capital, so "E.04.V.17" and the initials of
# "Rob T. Guerette" or "Mindy S. Bradley" stay whole.
_SENTENCE_END = re.compile(r"(?<=[。！？；؛])\s*|(?<=[!?;])\s+|(?<![\s(\[][A-Z]\.)(?<=\.)\s+")


#: Recorded in each build's manifest: bump when what a chunk embeds changes (its context
#: prefix, its windows), so that indexes built the old way are seen as stale.
CHUNKER_VERSION = "1"


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    unit_id: str
    window: int  # 0 for a unit embedded whole; 0..n-1 for the windows of a long unit
    section: str
    embed_text: str


def context_prefix(unit: Unit, lead_in: str | None) -> str:
    parts = [SECTION_SEP.join(unit.section)] if unit.section else []
    if lead_in:
        parts.append(lead_in)
    return "\n".join(parts)


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def _windows(text: str, budget: int, count_tokens: Callable[[str], int]) -> list[str]:
    """Greedy sentence packing; a single over-long sentence is cut by characters."""
    pieces: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        candidate = current + sentence
        if current and count_tokens(candidate) > budget:
            pieces.append(current)
            current = sentence
        else:
            current = candidate
    if current:
        pieces.append(current)
    out: list[str] = []
    for piece in pieces:
        while count_tokens(piece) > budget and len(piece) > 1:
            cut = max(1, len(piece) * budget // count_tokens(piece))
            out.append(piece[:cut])
            piece = piece[cut:]
        out.append(piece)
    return out


def chunk_document(
    document: Document,
    count_tokens: Callable[[str], int] | None = None,
    max_tokens: int = 512,
) -> list[Chunk]:
    lead_ins = {u.unit_id: u.text for u in document.units if u.kind == "paragraph"}
    chunks: list[Chunk] = []
    for unit in document.units:
        lead_in = lead_ins.get(unit.parent) if unit.parent else None
        prefix = context_prefix(unit, lead_in)
        whole = f"{prefix}\n{unit.text}" if prefix else unit.text
        if count_tokens is None or count_tokens(whole) <= max_tokens:
            chunks.append(Chunk(document.doc_id, unit.unit_id, 0, unit.section_path, whole))
            continue
        budget = max(32, max_tokens - count_tokens(prefix) - 8)
        for window, piece in enumerate(_windows(unit.text, budget, count_tokens)):
            chunks.append(Chunk(document.doc_id, unit.unit_id, window, unit.section_path, f"{prefix}\n{piece}"))
    return chunks


def chunk_corpus(
    documents: Iterable[Document],
    count_tokens: Callable[[str], int] | None = None,
    max_tokens: int = 512,
) -> list[Chunk]:
    return [c for d in documents for c in chunk_document(d, count_tokens, max_tokens)]


def units_by_key(documents: Sequence[Document]) -> dict[tuple[str, str], Unit]:
    return {(u.doc_id, u.unit_id): u for d in documents for u in d.units}
