"""Vector store backends behind one small interface: FAISS in the index directory, or Milvus.

Retrieval needs four things from the dense side: how many rows (``ntotal``), their width
(``d``), the ``k`` best rows for query vectors (``search``, FAISS's shape: scores and row
numbers, ``-1`` where there are fewer than ``k``), and the stored rows back
(``reconstruct_n``, for checks). A row number is the chunk's line in ``chunks.jsonl``;
a store never holds text, so chunks, units, BM25 and the embedding cache stay local
whichever store serves the vectors (see docs/scale-out.md for why).

``faiss`` (default): one file per build, exact search up to ``EXACT_SEARCH_MAX`` rows and
IVF-Flat above, the choice and its measured recall@10 recorded in the manifest.
``milvus``: one collection per build on a Milvus server (a cluster URI) or in milvus-lite
(a local ``.db`` file, embedded); ``pip install '.[milvus]'``.
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from assistant.core.errors import IndexStateError, MissingDependency, choice_error
from assistant.index.filters import RowFilter, RowLabels
from assistant.core.runtime import configure_openmp

StoreKind = Literal["faiss", "milvus"]
STORE_KINDS: tuple[str, ...] = ("faiss", "milvus")

#: Exact (flat) search up to this many vectors, IVF above. Measured on this machine
#: (benchmarks/scale.py, benchmarks/RESULTS.md): one-thread flat inner product over 384-d
#: rows costs 17.6 ms CPU at p95 for 100k rows and 155 ms for 1M (linear), so about 280k
#: rows meet 50 ms; 200k leaves room for a busy machine.
EXACT_SEARCH_MAX = 200_000
#: Above EXACT_SEARCH_MAX: IVF-Flat, about 2 * sqrt(n) lists, trained on a sample of 30
#: rows per list; nprobe is the smallest of IVF_NPROBE_CHOICES whose recall@10 against
#: exact search reaches RECALL_TARGET at build time. Chosen over HNSW by measurement at 1M
#: (RESULTS.md): IVF (nlist 2000) built in 96 s with recall 1.0 at nprobe 16 (1.5 ms p95); HNSW
#: (M=16, efConstruction=40) took 925 s and reached recall 0.40 at efSearch 128.
IVF_NPROBE_CHOICES: tuple[int, ...] = (16, 32, 64, 128, 256)
IVF_TRAIN_PER_LIST = 30
#: HNSW parameters measured against IVF in benchmarks/scale.py (not served).
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 40
#: Measured at 100k clustered 384-d rows (RESULTS.md): recall@10 0.89 at efSearch 64, 0.97 at 128.
HNSW_EF_SEARCH = 128
RECALL_TARGET = 0.95
#: Milvus caps a search's limit (topk) at 16384.
MILVUS_MAX_TOPK = 16_384


@dataclass(frozen=True)
class StoreInfo:
    """What the manifest records about the dense index."""

    kind: str  # "flat-ip", "ivf-flat-ip" or "milvus"
    params: dict[str, Any] = field(default_factory=dict)
    recall_at_10: float | None = None  # against exact search, measured at build (approximate indexes)


class VectorStore(ABC):
    """The dense side as retrieval sees it; rows are L2-normalised, score = inner product."""

    @property
    @abstractmethod
    def ntotal(self) -> int: ...

    @property
    @abstractmethod
    def d(self) -> int: ...

    @abstractmethod
    def search(
        self, queries: np.ndarray, k: int, row_filter: RowFilter | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(scores, rows), each of shape (len(queries), k), best first; rows -1 past the end.

        With ``row_filter``, the ``k`` best rows among those it admits (fewer only when it
        admits fewer).
        """

    @abstractmethod
    def reconstruct_n(self, start: int, n: int) -> np.ndarray: ...

    def close(self) -> None:  # noqa: B027 - optional
        """Release connections (Milvus); FAISS holds nothing."""


# --- FAISS ---------------------------------------------------------------------------------


def load_faiss() -> Any:
    """The faiss module, imported on first use: it is heavy and brings its own OpenMP runtime."""
    configure_openmp()
    import faiss

    return faiss


def _omp_threads(n: int) -> None:
    """FAISS's OpenMP thread count (process-wide).

    Builds use every core. Single questions run on one thread: a one-row query gains
    nothing from a team, and on a busy machine the team's barrier waits for a descheduled
    thread (measured: flat search over 10k rows, p50 72 ms with 2 threads, 1.9 ms with 1,
    load average 11 on 2 cores). Concurrent requests are parallel across threads anyway.
    """
    faiss = load_faiss()
    if faiss.omp_get_max_threads() != n:
        faiss.omp_set_num_threads(n)


def _recall_queries(vectors: np.ndarray, n_queries: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Perturbed stored rows (questions near the data, never a row) and their exact top 10."""
    faiss = load_faiss()
    rng = np.random.default_rng(seed)
    n, dim = vectors.shape
    picks = rng.choice(n, size=min(n_queries, n), replace=False)
    queries = vectors[picks] + rng.standard_normal((len(picks), dim)).astype(np.float32) * (0.5 / np.sqrt(dim))
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    flat = faiss.IndexFlatIP(dim)
    flat.add(vectors)
    _, truth = flat.search(queries, 10)
    return queries, truth


def _recall(index: Any, queries: np.ndarray, truth: np.ndarray) -> float:
    _, found = index.search(queries, 10)
    return float(np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found)]))


def exact_recall_at_10(index: Any, vectors: np.ndarray, n_queries: int = 200, seed: int = 0) -> float:
    """recall@10 of ``index`` against exact search, queries = perturbed stored rows."""
    return _recall(index, *_recall_queries(vectors, n_queries, seed))


def make_faiss_index(
    vectors: np.ndarray, exact_max: int | None = None, measure_recall: bool = True
) -> tuple[Any, StoreInfo]:
    """Exact inner product while that meets the latency target, IVF-Flat beyond it."""
    faiss = load_faiss()
    exact_max = EXACT_SEARCH_MAX if exact_max is None else exact_max
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    _omp_threads(os.cpu_count() or 1)
    if n <= exact_max:
        index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return index, StoreInfo("flat-ip")
    return make_ivf_index(vectors, measure_recall)


def make_ivf_index(vectors: np.ndarray, measure_recall: bool = True) -> tuple[Any, StoreInfo]:
    faiss = load_faiss()
    n, dim = vectors.shape
    nlist = max(min(16, n), min(int(2 * np.sqrt(n)), n // IVF_TRAIN_PER_LIST))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(0)
    sample = vectors[np.sort(rng.choice(n, size=min(n, nlist * IVF_TRAIN_PER_LIST), replace=False))]
    index.train(sample)
    index.add(vectors)
    nprobe, recall = IVF_NPROBE_CHOICES[0], None
    if measure_recall:
        queries, truth = _recall_queries(vectors, 200, 0)
        for nprobe in IVF_NPROBE_CHOICES:
            index.nprobe = min(nprobe, nlist)
            recall = _recall(index, queries, truth)
            if recall >= RECALL_TARGET or nprobe >= nlist:
                break
    index.nprobe = min(nprobe, nlist)
    params = {"nlist": nlist, "nprobe": int(index.nprobe), "recall_target": RECALL_TARGET}
    return index, StoreInfo("ivf-flat-ip", params, recall)


class FaissStore(VectorStore):
    def __init__(self, index: Any, info: StoreInfo | None = None) -> None:
        self.index = index
        self.info = info or StoreInfo("flat-ip")
        nprobe = self.info.params.get("nprobe")
        if nprobe is not None and hasattr(index, "nprobe"):
            index.nprobe = int(nprobe)

    @classmethod
    def build(cls, vectors: np.ndarray, exact_max: int | None = None) -> "FaissStore":
        index, info = make_faiss_index(vectors, exact_max)
        return cls(index, info)

    @classmethod
    def load(cls, path: Path, info: StoreInfo) -> "FaissStore":
        return cls(load_faiss().read_index(str(path)), info)

    def save(self, path: Path) -> None:
        load_faiss().write_index(self.index, str(path))  # FAISS's own format, never a pickle

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @property
    def d(self) -> int:
        return int(self.index.d)

    def search(
        self, queries: np.ndarray, k: int, row_filter: RowFilter | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if len(queries) <= 4:
            _omp_threads(1)
        if row_filter is None:
            return self.index.search(queries, k)
        return self._filtered_search(queries, k, row_filter)

    def _filtered_search(self, queries: np.ndarray, k: int, row_filter: RowFilter) -> tuple[np.ndarray, np.ndarray]:
        """A bitmap ID selector: FAISS skips rows the filter does not admit while it scans.

        IVF only scans ``nprobe`` lists, which may hold fewer than ``k`` admitted rows; then
        the search is repeated over every list (still skipping the rest), so a filter that
        admits ``k`` rows always gets ``k``. That costs up to one exact scan, only then.
        """
        faiss = load_faiss()
        admitted = row_filter.admitted
        if admitted == 0:
            return np.full((len(queries), k), -np.inf, dtype=np.float32), np.full((len(queries), k), -1, dtype=np.int64)
        bits = np.packbits(row_filter.mask, bitorder="little")  # kept alive for the selector's pointer
        selector = faiss.IDSelectorBitmap(len(row_filter.mask), faiss.swig_ptr(bits))
        nlist = getattr(self.index, "nlist", None)
        if nlist is None:
            return self.index.search(queries, k, params=faiss.SearchParameters(sel=selector))
        scores, rows = self.index.search(queries, k, params=faiss.SearchParametersIVF(sel=selector, nprobe=self.index.nprobe))
        if (rows >= 0).sum(axis=1).min() < min(k, admitted) and self.index.nprobe < nlist:
            scores, rows = self.index.search(queries, k, params=faiss.SearchParametersIVF(sel=selector, nprobe=nlist))
        return scores, rows

    def reconstruct_n(self, start: int, n: int) -> np.ndarray:
        return self.index.reconstruct_n(start, n)


# --- Milvus --------------------------------------------------------------------------------


def _milvus_client(uri: str, token: str | None = None) -> Any:
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise MissingDependency("pymilvus", "the Milvus vector store", extra="milvus") from exc
    try:
        return MilvusClient(uri=uri, token=token or "")
    except Exception as exc:  # noqa: BLE001 - connection errors come in many types
        raise IndexStateError(f"cannot connect to Milvus at {uri!r}: {exc}") from exc


def collection_name(build_id: str, prefix: str = "assistant") -> str:
    """A Milvus-legal collection name (letters, digits, underscores) for one build."""
    return f"{prefix}_{re.sub(r'[^0-9A-Za-z_]', '_', build_id)}"


class MilvusStore(VectorStore):
    """Vectors in one Milvus collection (``id`` = row number, ``vector`` = the row)."""

    def __init__(self, client: Any, collection: str, dim: int, ntotal: int, uri: str = "") -> None:
        self.client = client
        self.collection = collection
        self.uri = uri
        self._dim = dim
        self._ntotal = ntotal

    @classmethod
    def create(
        cls,
        uri: str,
        collection: str,
        vectors: np.ndarray,
        token: str | None = None,
        batch: int = 5000,
        progress: Any = None,
        labels: RowLabels | None = None,
    ) -> "MilvusStore":
        """Upload ``vectors`` in batches (bounded request size) into a new collection.

        ``labels`` (each row's document and section number) are stored beside each vector
        so a filtered search is a Milvus filter expression, evaluated inside the search.
        """
        client = _milvus_client(uri, token)
        n, dim = vectors.shape
        if client.has_collection(collection):
            client.drop_collection(collection)
        # AUTOINDEX: milvus-lite serves it exactly (FLAT); a cluster picks its own ANN (HNSW).
        client.create_collection(
            collection, dimension=dim, metric_type="IP", auto_id=False, id_type="int", consistency_level="Strong"
        )
        for start in range(0, n, batch):
            part = vectors[start : start + batch]
            records = [{"id": start + i, "vector": row.tolist()} for i, row in enumerate(part)]
            if labels is not None:
                # Dynamic fields (the quick-setup schema keeps them): filterable by expression.
                for i, record in enumerate(records):
                    record["doc"] = int(labels.doc[start + i])
                    record["section"] = int(labels.section[start + i])
            client.insert(collection, records)
            if progress is not None:
                progress(len(part))
        client.flush(collection)
        return cls(client, collection, dim, n, uri)

    @classmethod
    def open(cls, uri: str, collection: str, dim: int, ntotal: int, token: str | None = None) -> "MilvusStore":
        client = _milvus_client(uri, token)
        if not client.has_collection(collection):
            raise IndexStateError(
                f"Milvus at {uri!r} has no collection {collection!r} for this index; rebuild it with `assistant index`"
            )
        client.load_collection(collection)
        stats = client.get_collection_stats(collection)
        count = int(stats.get("row_count", -1))
        if count != ntotal:
            raise IndexStateError(
                f"Milvus collection {collection!r} holds {count} vectors, the index expects {ntotal}; "
                "rebuild it with `assistant index`"
            )
        return cls(client, collection, dim, ntotal, uri)

    @staticmethod
    def drop_except(uri: str, keep: Sequence[str], prefix: str = "assistant_", token: str | None = None) -> None:
        """Drop the collections of older builds (named with ``prefix``), keeping ``keep``."""
        client = _milvus_client(uri, token)
        try:
            for name in client.list_collections():
                if name.startswith(prefix) and name not in keep:
                    client.drop_collection(name)
        finally:
            client.close()

    @property
    def ntotal(self) -> int:
        return self._ntotal

    @property
    def d(self) -> int:
        return self._dim

    def search(
        self, queries: np.ndarray, k: int, row_filter: RowFilter | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        queries = np.asarray(queries, dtype=np.float32)
        nq = len(queries)
        scores = np.full((nq, k), -np.inf, dtype=np.float32)
        rows = np.full((nq, k), -1, dtype=np.int64)
        limit = min(k, self._ntotal, MILVUS_MAX_TOPK)
        if limit < 1 or nq == 0 or (row_filter is not None and row_filter.admitted == 0):
            return scores, rows
        hits = self.client.search(
            self.collection,
            data=[q.tolist() for q in queries],
            limit=limit,
            filter=row_filter.milvus_expression() if row_filter is not None else "",
            search_params={"metric_type": "IP"},
            output_fields=[],
        )
        for i, found in enumerate(hits):
            for j, hit in enumerate(found):
                rows[i, j] = int(hit["id"])
                scores[i, j] = float(hit["distance"])
        return scores, rows

    def reconstruct_n(self, start: int, n: int) -> np.ndarray:
        ids = list(range(start, start + n))
        out = np.zeros((n, self._dim), dtype=np.float32)
        for lo in range(0, n, 1000):
            for rec in self.client.get(self.collection, ids=ids[lo : lo + 1000], output_fields=["vector"]):
                out[int(rec["id"]) - start] = np.asarray(rec["vector"], dtype=np.float32)
        return out

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass


def check_store(kind: str) -> StoreKind:
    if kind not in STORE_KINDS:
        raise choice_error("vector store", kind, STORE_KINDS)
    return kind  # type: ignore[return-value]
