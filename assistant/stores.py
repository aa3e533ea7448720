"""Vector store backends behind one small interface: FAISS in the index directory, or Milvus.

Retrieval needs four things from the dense side: how many rows (``ntotal``), their width
(``d``), the ``k`` best rows for query vectors (``search``, FAISS's shape: scores and row
numbers, ``-1`` where there are fewer than ``k``), and the stored rows back
(``reconstruct_n``, for checks). A row number is the chunk's line in ``chunks.jsonl``;
a store never holds text, so chunks, units, BM25 and the embedding cache stay local
whichever store serves the vectors (see docs/scale-out.md for why).

``faiss`` (default): one file per build, exact search up to ``EXACT_SEARCH_MAX`` rows and
HNSW above, the choice and its measured recall@10 recorded in the manifest.
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

from assistant.errors import IndexStateError, MissingDependency, choice_error

StoreKind = Literal["faiss", "milvus"]
STORE_KINDS: tuple[str, ...] = ("faiss", "milvus")

#: Exact (flat) search up to this many vectors, HNSW above. Measured on this machine
#: (benchmarks/scale.py, benchmarks/RESULTS.md): flat inner product over 384-d rows
#: passes a 50 ms p95 up to about this size under a loaded 2-core box; beyond, HNSW does.
EXACT_SEARCH_MAX = 200_000
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 40
#: efSearch when recall is not measured. A build measures recall@10 against exact search
#: at each of HNSW_EF_CHOICES and keeps the smallest that reaches RECALL_TARGET: measured at
#: 100k clustered 384-d rows (RESULTS.md), M=16/efConstruction=40 gives 0.89 at ef 64 and
#: 0.97 at ef 128, each well under a millisecond.
HNSW_EF_SEARCH = 128
HNSW_EF_CHOICES: tuple[int, ...] = (64, 128, 256, 512)
RECALL_TARGET = 0.95
#: Milvus caps a search's limit (topk) at 16384.
MILVUS_MAX_TOPK = 16_384


@dataclass(frozen=True)
class StoreInfo:
    """What the manifest records about the dense index."""

    kind: str  # "flat-ip", "hnsw32-ip" or "milvus"
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
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, rows), each of shape (len(queries), k), best first; rows -1 past the end."""

    @abstractmethod
    def reconstruct_n(self, start: int, n: int) -> np.ndarray: ...

    def close(self) -> None:  # noqa: B027 - optional
        """Release connections (Milvus); FAISS holds nothing."""


# --- FAISS ---------------------------------------------------------------------------------


def _faiss() -> Any:
    import faiss  # imported lazily: it is heavy and pulls OpenMP into the process

    return faiss


def _omp_threads(n: int) -> None:
    """FAISS's OpenMP thread count (process-wide).

    Builds use every core. Single questions run on one thread: a one-row query gains
    nothing from a team, and on a busy machine the team's barrier waits for a descheduled
    thread (measured: flat search over 10k rows, p50 72 ms with 2 threads, 1.9 ms with 1,
    load average 11 on 2 cores). Concurrent requests are parallel across threads anyway.
    """
    faiss = _faiss()
    if faiss.omp_get_max_threads() != n:
        faiss.omp_set_num_threads(n)


def _recall_queries(vectors: np.ndarray, n_queries: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Perturbed stored rows (questions near the data, never a row) and their exact top 10."""
    faiss = _faiss()
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
    """Exact inner product while that meets the latency target, HNSW beyond it."""
    faiss = _faiss()
    exact_max = EXACT_SEARCH_MAX if exact_max is None else exact_max
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    _omp_threads(os.cpu_count() or 1)
    if n <= exact_max:
        index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return index, StoreInfo("flat-ip")
    index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.add(vectors)
    ef, recall = HNSW_EF_SEARCH, None
    if measure_recall:
        # The smallest efSearch whose recall@10 against exact search meets the target.
        queries, truth = _recall_queries(vectors, 200, 0)
        for ef in HNSW_EF_CHOICES:
            index.hnsw.efSearch = ef
            recall = _recall(index, queries, truth)
            if recall >= RECALL_TARGET:
                break
    index.hnsw.efSearch = ef
    params = {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION, "efSearch": ef, "recall_target": RECALL_TARGET}
    return index, StoreInfo(f"hnsw{HNSW_M}-ip", params, recall)


class FaissStore(VectorStore):
    def __init__(self, index: Any, info: StoreInfo | None = None) -> None:
        self.index = index
        self.info = info or StoreInfo("flat-ip")
        ef = self.info.params.get("efSearch")
        if ef is not None and hasattr(index, "hnsw"):
            index.hnsw.efSearch = int(ef)

    @classmethod
    def build(cls, vectors: np.ndarray, exact_max: int | None = None) -> "FaissStore":
        index, info = make_faiss_index(vectors, exact_max)
        return cls(index, info)

    @classmethod
    def load(cls, path: Path, info: StoreInfo) -> "FaissStore":
        return cls(_faiss().read_index(str(path)), info)

    def save(self, path: Path) -> None:
        _faiss().write_index(self.index, str(path))  # FAISS's own format, never a pickle

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @property
    def d(self) -> int:
        return int(self.index.d)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if len(queries) <= 4:
            _omp_threads(1)
        return self.index.search(queries, k)

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
    ) -> "MilvusStore":
        """Upload ``vectors`` in batches (bounded request size) into a new collection."""
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
            client.insert(collection, [{"id": start + i, "vector": row.tolist()} for i, row in enumerate(part)])
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

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = np.asarray(queries, dtype=np.float32)
        nq = len(queries)
        scores = np.full((nq, k), -np.inf, dtype=np.float32)
        rows = np.full((nq, k), -1, dtype=np.int64)
        limit = min(k, self._ntotal, MILVUS_MAX_TOPK)
        if limit < 1 or nq == 0:
            return scores, rows
        hits = self.client.search(
            self.collection,
            data=[q.tolist() for q in queries],
            limit=limit,
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
