"""Which index rows a document / section filter admits, in the forms the searches need.

A filter is applied inside each search, not after it: BM25 scores only admitted rows, FAISS
gets a bitmap ID selector, Milvus a filter expression over the per-row ``doc`` and
``section`` numbers stored with the vectors. So a filtered question gets its ``k`` best
admitted passages however few rows the filter admits (post-filtering a global top list
came back short on a large corpus).

Row labels are numbered from the build's own chunks and documents, in order, so the
numbers stored in a Milvus collection at build time are the numbers used at query time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.index.chunking import Chunk
from assistant.core.records import Document
from assistant.core.errors import ConfigError
from assistant.retrieval.lexical import normalise


@dataclass(frozen=True, eq=False)
class RowLabels:
    """Per chunk row: its document's number and its section's number."""

    doc: np.ndarray  # int32, one per row; -1 for a chunk whose document is unknown
    section: np.ndarray  # int32, one per row
    doc_numbers: dict[str, int]
    section_names: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class RowFilter:
    """The rows a filter admits: a mask for FAISS and BM25, numbers for Milvus."""

    mask: np.ndarray  # bool, one per row
    doc: int | None
    sections: tuple[int, ...] | None

    @property
    def admitted(self) -> int:
        return int(np.count_nonzero(self.mask))

    def milvus_expression(self) -> str:
        parts = []
        if self.doc is not None:
            parts.append(f"doc == {self.doc}")
        if self.sections is not None:
            parts.append(f"section in [{', '.join(str(s) for s in self.sections)}]")
        return " and ".join(parts)


def row_labels(chunks: Sequence[Chunk], documents: Sequence[Document]) -> RowLabels:
    doc_numbers = {doc.doc_id: i for i, doc in enumerate(documents)}
    # Sections repeat across chunks: a section filter normalises each distinct heading path
    # once, not once per chunk (1M chunks share a few thousand headings).
    section_ids: dict[str, int] = {}
    section = np.array([section_ids.setdefault(c.section, len(section_ids)) for c in chunks], dtype=np.int32)
    doc = np.array([doc_numbers.get(c.doc_id, -1) for c in chunks], dtype=np.int32)
    return RowLabels(doc, section, doc_numbers, tuple(section_ids))


def make_filter(labels: RowLabels, doc: str | None, section: str | None) -> RowFilter | None:
    """The filter for a document id and/or a heading substring; None when neither is given."""
    if doc is None and section is None:
        return None
    mask = np.ones(len(labels.doc), dtype=bool)
    doc_number = None
    if doc is not None:
        if doc not in labels.doc_numbers:
            raise ConfigError(f"unknown document {doc!r}; documents: {', '.join(sorted(labels.doc_numbers))}")
        doc_number = labels.doc_numbers[doc]
        mask &= labels.doc == doc_number
    sections = None
    if section is not None:
        needle = normalise(section)
        matching = np.array([needle in normalise(s) for s in labels.section_names] + [False], dtype=bool)
        sections = tuple(int(i) for i in np.flatnonzero(matching))
        mask &= matching[labels.section] if len(labels.section) else mask
    return RowFilter(mask, doc_number, sections)
