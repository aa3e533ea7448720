"""FAISS: one vector file per build in the build directory.

Exact search up to ``EXACT_SEARCH_MAX`` rows and IVF-Flat above, the choice and its
measured recall@10 recorded in the manifest.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from assistant.core.runtime import configure_openmp
from assistant.index.filters import RowFilter, RowLabels
from assistant.index.stores.base import StoreBackend, StoreInfo, VectorStore

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
    def build(cls, vectors: np.ndarray, exact_max: int | None = None) -> FaissStore:
        index, info = make_faiss_index(vectors, exact_max)
        return cls(index, info)

    @classmethod
    def load(cls, path: Path, info: StoreInfo) -> FaissStore:
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


class FaissBackend(StoreBackend):
    """The vectors as ``vectors.faiss`` beside the build's other files."""

    kind = "faiss"
    files = ("vectors.faiss",)

    def create(self, build_dir: Path, vectors: np.ndarray, labels: Callable[[], RowLabels]) -> StoreInfo:
        store = FaissStore.build(vectors)  # filters are bitmaps over row numbers: no labels stored
        tmp = build_dir / ".vectors.faiss.tmp"
        store.save(tmp)
        os.replace(tmp, build_dir / "vectors.faiss")
        return store.info

    def open(self, build_dir: Path, info: StoreInfo, dim: int, ntotal: int) -> FaissStore:
        return FaissStore.load(build_dir / "vectors.faiss", info)
