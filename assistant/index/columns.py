"""A build's documents, units and chunks stored column by column, records made on demand.

At a million passages, parsing a JSON record per unit and per chunk and making a million
``Unit`` and ``Chunk`` dataclasses took most of a start (about 15 s). Here the texts are
two UTF-8 blobs with ``int64`` offset arrays, the small per-row fields are ``int32``
arrays, and only what is not a number (unit ids, the section and document tables, the
rare parent and footnote fields) is JSON. Loading reads the arrays and the JSON; a
``Document`` (with its ``Unit``s) or a ``Chunk`` is made the first time something asks for
it. The rest of the code still sees ``Document``, ``Unit`` and ``Chunk``.

Files (all checksummed in the build's manifest, none a pickle)::

    records.json        documents (without units), unit ids, section table, parents,
                        footnotes, the chunks' section names (the filters' numbering)
    units.npy           int32 per unit: document number, section number, kind, order
    units.offsets.npy   int64 byte offsets of each unit's text in units.text
    units.text          the units' texts, UTF-8, one after another
    chunks.npy          int32 per chunk: unit row, window, section-name number
    chunks.offsets.npy  int64 byte offsets of each chunk's embedded text in chunks.text
    chunks.text         the chunks' embedded texts
    corpus.text         the corpus with whitespace removed (the refusal check's lookup text)
"""

from __future__ import annotations

import io
import mmap
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TypeVar, get_args, overload

import numpy as np
import orjson

from assistant.core.fileio import write_atomic
from assistant.core.records import Document, Unit, UnitKind
from assistant.index.chunking import Chunk
from assistant.index.filters import RowLabels

RECORD_FILES = (
    "records.json",
    "units.npy",
    "units.offsets.npy",
    "units.text",
    "chunks.npy",
    "chunks.offsets.npy",
    "chunks.text",
    "corpus.text",
)
T = TypeVar("T")
#: The text blobs, mapped rather than read: a start reads only the texts it quotes.
_MAPPED = ("units.text", "chunks.text", "corpus.text")
KINDS: tuple[str, ...] = get_args(UnitKind)
_DOC, _SECTION, _KIND, _ORDER = range(4)  # the columns of units.npy
_UNIT, _WINDOW, _LABEL = range(3)  # the columns of chunks.npy


def corpus_text(documents: Sequence[Document]) -> str:
    """The corpus with whitespace removed: what a question's salient terms are checked against."""
    parts = []
    for doc in documents:
        parts.append(doc.title)
        for u in doc.units:
            parts.extend((u.unit_id, u.section_path, u.text))
    # str.split() drops exactly what \s+ matches (Unicode whitespace): at 1M passages
    # (147 M characters) 1.9 s instead of the regex's 4.6-5.2 s.
    return "".join("".join(parts).split())


def _blob(texts: Sequence[str]) -> tuple[bytes, np.ndarray]:
    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return b"".join(encoded), offsets


def _npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def _doc_record(doc: Document) -> dict[str, object]:
    return {
        "doc_id": doc.doc_id,
        "title": doc.title,
        "lang": doc.lang,
        "source_type": doc.source_type,
        "symbol": doc.symbol,
        "parallel_of": doc.parallel_of,
        "meta": [list(pair) for pair in doc.meta],
        "ocr_units": list(doc.ocr_units),
        "n_units": len(doc.units),
    }


def _encode(documents: Sequence[Document], chunks: Sequence[Chunk]) -> dict[str, bytes]:
    """The files of :data:`RECORD_FILES` for these records."""
    sections: dict[tuple[str, ...], int] = {}
    unit_rows: dict[tuple[str, str], int] = {}
    unit_ids: list[str] = []
    texts: list[str] = []
    parents: dict[str, str] = {}
    footnotes: dict[str, list[str]] = {}
    units = np.zeros((sum(len(d.units) for d in documents), 4), dtype=np.int32)
    for d, doc in enumerate(documents):
        for unit in doc.units:
            row = len(unit_ids)
            units[row] = (d, sections.setdefault(unit.section, len(sections)), KINDS.index(unit.kind), unit.order)
            unit_rows[(doc.doc_id, unit.unit_id)] = row
            unit_ids.append(unit.unit_id)
            texts.append(unit.text)
            if unit.parent is not None:
                parents[str(row)] = unit.parent
            if unit.footnotes:
                footnotes[str(row)] = list(unit.footnotes)
            if unit.doc_id != doc.doc_id:
                raise ValueError(f"unit {unit.unit_id!r} of document {doc.doc_id!r} names document {unit.doc_id!r}")
    labels: dict[str, int] = {}
    rows = np.zeros((len(chunks), 3), dtype=np.int32)
    for i, chunk in enumerate(chunks):
        unit_row = unit_rows.get((chunk.doc_id, chunk.unit_id))
        if unit_row is None:
            raise ValueError(f"chunk {i} cites {chunk.doc_id}/{chunk.unit_id}, which no document has")
        rows[i] = (unit_row, chunk.window, labels.setdefault(chunk.section, len(labels)))
    record = {
        "documents": [_doc_record(d) for d in documents],
        "unit_ids": unit_ids,
        "sections": [list(s) for s in sections],
        "parents": parents,
        "footnotes": footnotes,
        "chunk_sections": list(labels),
    }
    unit_text, unit_offsets = _blob(texts)
    chunk_text, chunk_offsets = _blob([c.embed_text for c in chunks])
    return {
        "records.json": orjson.dumps(record),
        "units.npy": _npy(units),
        "units.offsets.npy": _npy(unit_offsets),
        "units.text": unit_text,
        "chunks.npy": _npy(rows),
        "chunks.offsets.npy": _npy(chunk_offsets),
        "chunks.text": chunk_text,
        "corpus.text": corpus_text(documents).encode("utf-8"),
    }


def write_records(build_dir: Path, documents: Sequence[Document], chunks: Sequence[Chunk]) -> None:
    for name, data in _encode(documents, chunks).items():
        write_atomic(build_dir / name, data)


class IndexRecords:
    """A build's documents, units and chunks, kept as columns; records made when asked for.

    Thread-safe: the documents made so far are cached under a lock, so every caller gets
    the same ``Document`` and ``Unit`` objects.
    """

    def __init__(self, files: Mapping[str, bytes | mmap.mmap]) -> None:
        record = orjson.loads(bytes(files["records.json"]))
        self._docs: list[dict] = record["documents"]
        self._unit_ids: list[str] = record["unit_ids"]
        self._sections = tuple(tuple(s) for s in record["sections"])
        self._parents: dict[str, str] = record["parents"]
        self._footnotes: dict[str, list[str]] = record["footnotes"]
        self.chunk_sections: tuple[str, ...] = tuple(record["chunk_sections"])
        self._units = _array(files["units.npy"], np.int32, 2)
        self._unit_offsets = _array(files["units.offsets.npy"], np.int64, 1)
        self._chunks = _array(files["chunks.npy"], np.int32, 2)
        self._chunk_offsets = _array(files["chunks.offsets.npy"], np.int64, 1)
        self._unit_text = files["units.text"]
        self._chunk_text = files["chunks.text"]
        self._corpus = files["corpus.text"]
        self._starts = np.zeros(len(self._docs) + 1, dtype=np.int64)
        np.cumsum([d["n_units"] for d in self._docs], out=self._starts[1:])
        self._check()
        self._made: dict[int, Document] = {}
        self._rows: dict[int, dict[str, int]] = {}
        self._lock = threading.Lock()

    def _check(self) -> None:
        n_units, n_chunks = len(self._unit_ids), len(self._chunks)
        consistent = (
            self._units.shape == (n_units, 4)
            and self._chunks.shape == (n_chunks, 3)
            and len(self._unit_offsets) == n_units + 1
            and len(self._chunk_offsets) == n_chunks + 1
            and int(self._starts[-1]) == n_units
            and int(self._unit_offsets[-1]) == len(self._unit_text)
            and int(self._chunk_offsets[-1]) == len(self._chunk_text)
            and (n_chunks == 0 or 0 <= int(self._chunks[:, _UNIT].min()) <= int(self._chunks[:, _UNIT].max()) < n_units)
        )
        if not consistent:
            raise ValueError("the record columns disagree in length")

    @classmethod
    def of(cls, documents: Sequence[Document], chunks: Sequence[Chunk]) -> IndexRecords:
        """Records held in memory (an index not read from disk)."""
        return cls(_encode(documents, chunks))

    @classmethod
    def read(cls, build: Path) -> IndexRecords:
        files: dict[str, bytes | mmap.mmap] = {name: (build / name).read_bytes() for name in RECORD_FILES if name not in _MAPPED}
        for name in _MAPPED:
            files[name] = _mapped(build / name)
        return cls(files)

    # --- sizes and whole-corpus views --------------------------------------------------------

    @property
    def n_units(self) -> int:
        return len(self._unit_ids)

    @property
    def n_chunks(self) -> int:
        return len(self._chunks)

    @cached_property
    def corpus_text(self) -> str:
        # Decoded straight from the mapped file: no copy of its bytes on the heap.
        return str(memoryview(self._corpus), "utf-8")

    @cached_property
    def documents(self) -> Rows[Document]:
        return Rows(len(self._docs), self.document)

    @cached_property
    def chunks(self) -> Rows[Chunk]:
        return Rows(self.n_chunks, self.chunk)

    @cached_property
    def units(self) -> Rows[Unit]:
        """Every unit in document order (the units of all documents, one after another)."""
        return Rows(self.n_units, self.unit)

    @cached_property
    def chunk_keys(self) -> Rows[tuple[str, str]]:
        """Per chunk row: (doc_id, unit_id) of the unit it embeds."""
        return Rows(self.n_chunks, self.chunk_key)

    @cached_property
    def unit_map(self) -> UnitMap:
        return UnitMap(self)

    @cached_property
    def _doc_numbers(self) -> dict[str, int]:
        numbers: dict[str, int] = {}
        for i, d in enumerate(self._docs):
            numbers.setdefault(d["doc_id"], i)
        return numbers

    def row_labels(self) -> RowLabels:
        """What ``filters.row_labels`` computes from the chunks and documents, from the columns."""
        doc_numbers = {d["doc_id"]: i for i, d in enumerate(self._docs)}
        doc = self._units[self._chunks[:, _UNIT], _DOC].astype(np.int32)
        return RowLabels(doc, self._chunks[:, _LABEL].copy(), doc_numbers, self.chunk_sections)

    # --- one record at a time -------------------------------------------------------------

    def doc_number(self, doc_id: str) -> int | None:
        return self._doc_numbers.get(doc_id)

    @property
    def doc_ids(self) -> tuple[str, ...]:
        return tuple(d["doc_id"] for d in self._docs)

    def doc_langs(self) -> dict[str, str]:
        return {d["doc_id"]: d["lang"] for d in self._docs}

    def document(self, number: int) -> Document:
        made = self._made.get(number)
        if made is not None:
            return made
        meta = self._docs[number]
        start, end = int(self._starts[number]), int(self._starts[number + 1])
        units = tuple(self._unit(meta["doc_id"], row) for row in range(start, end))
        doc = Document(
            meta["doc_id"],
            meta["title"],
            meta["lang"],
            meta["source_type"],
            units,
            meta["symbol"],
            meta["parallel_of"],
            tuple((k, v) for k, v in meta["meta"]),
            tuple(meta["ocr_units"]),
        )
        with self._lock:
            return self._made.setdefault(number, doc)

    def _unit(self, doc_id: str, row: int) -> Unit:
        _, section, kind, order = (int(v) for v in self._units[row])
        lo, hi = int(self._unit_offsets[row]), int(self._unit_offsets[row + 1])
        key = str(row)
        return Unit(
            doc_id,
            self._unit_ids[row],
            KINDS[kind],  # type: ignore[arg-type]  # a UnitKind by construction
            self._unit_text[lo:hi].decode("utf-8"),
            self._sections[section],
            self._parents.get(key),
            tuple(self._footnotes.get(key, ())),
            order,
        )

    def unit(self, row: int) -> Unit:
        number = int(self._units[row, _DOC])
        return self.document(number).units[row - int(self._starts[number])]

    def unit_row(self, doc_id: str, unit_id: str) -> int | None:
        """The last unit of that document with that id (as a dict built over all units keeps)."""
        number = self._doc_numbers.get(doc_id)
        if number is None:
            return None
        return self._unit_rows(number).get(unit_id)

    def _unit_rows(self, number: int) -> dict[str, int]:
        rows = self._rows.get(number)
        if rows is None:
            start, end = int(self._starts[number]), int(self._starts[number + 1])
            rows = {self._unit_ids[row]: row for row in range(start, end)}
            with self._lock:
                rows = self._rows.setdefault(number, rows)
        return rows

    def parallel_group(self, doc_id: str) -> tuple[Document, ...]:
        """The document and its other language versions (``parallel_of`` one root), in corpus
        order; only these are made."""
        number = self._doc_numbers.get(doc_id)
        if number is None:
            return ()
        root = self._docs[number]["parallel_of"] or doc_id
        return tuple(
            self.document(i) for i, d in enumerate(self._docs) if d["doc_id"] == root or d["parallel_of"] == root
        )

    def children(self, doc_id: str, unit_id: str) -> tuple[Unit, ...]:
        """The units of ``doc_id`` whose parent is ``unit_id``, in document order."""
        number = self._doc_numbers.get(doc_id)
        if number is None:
            return ()
        return tuple(u for u in self.document(number).units if u.parent == unit_id)

    def chunk_key(self, row: int) -> tuple[str, str]:
        unit = int(self._chunks[row, _UNIT])
        return self._docs[int(self._units[unit, _DOC])]["doc_id"], self._unit_ids[unit]

    def chunk(self, row: int) -> Chunk:
        doc_id, unit_id = self.chunk_key(row)
        lo, hi = int(self._chunk_offsets[row]), int(self._chunk_offsets[row + 1])
        return Chunk(
            doc_id,
            unit_id,
            int(self._chunks[row, _WINDOW]),
            self.chunk_sections[int(self._chunks[row, _LABEL])],
            self._chunk_text[lo:hi].decode("utf-8"),
        )


def _mapped(path: Path) -> bytes | mmap.mmap:
    """The file's bytes mapped, not read: a slice of it is read when a record is made."""
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""


def _array(data: bytes | mmap.mmap, dtype: type, ndim: int) -> np.ndarray:
    array = np.load(io.BytesIO(bytes(data)), allow_pickle=False)
    if array.dtype != dtype or array.ndim != ndim:
        raise ValueError(f"a record column has dtype {array.dtype} and {array.ndim} dimensions, not {np.dtype(dtype)}")
    return array


class Rows(Sequence[T]):
    """A read-only sequence whose items ``make(i)`` makes when asked for."""

    def __init__(self, size: int, make: Callable[[int], T]) -> None:
        self._size = size
        self._make = make

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[T, ...]: ...
    def __getitem__(self, i: int | slice) -> T | tuple[T, ...]:
        if isinstance(i, slice):
            return tuple(self._make(j) for j in range(*i.indices(self._size)))
        if not -self._size <= i < self._size:
            raise IndexError(i)
        return self._make(i + self._size if i < 0 else i)

    def __iter__(self) -> Iterator[T]:
        return (self._make(i) for i in range(self._size))


class UnitMap(Mapping):
    """(doc_id, unit_id) -> Unit over every unit, looked up in the columns, not a built dict."""

    def __init__(self, records: IndexRecords) -> None:
        self.records = records

    def __getitem__(self, key: tuple[str, str]) -> Unit:
        row = self.records.unit_row(*key)
        if row is None:
            raise KeyError(key)
        return self.records.unit(row)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(dict.fromkeys((u.doc_id, u.unit_id) for u in self.records.units))

    def __len__(self) -> int:
        return sum(1 for _ in self)
