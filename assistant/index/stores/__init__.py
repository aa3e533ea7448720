"""Vector store backends behind one small interface: FAISS in the index directory, or Milvus.

Retrieval needs four things from the dense side: how many rows (``ntotal``), their width
(``d``), the ``k`` best rows for query vectors (``search``, FAISS's shape: scores and row
numbers, ``-1`` where there are fewer than ``k``), and the stored rows back
(``reconstruct_n``, for checks). A row number is the chunk's line in ``chunks.jsonl``;
a store never holds text, so chunks, units, BM25 and the embedding cache stay local
whichever store serves the vectors (see docs/scale-out.md for why).

The index build and load go through a :class:`~assistant.index.stores.base.StoreBackend`
(create, open, drop), chosen here from the settings:

* ``base``: the interfaces (:class:`VectorStore`, :class:`StoreBackend`) and :class:`StoreInfo`;
* ``faiss`` (default): one file per build, exact or IVF by size;
* ``milvus``: one collection per build, on a server or in milvus-lite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.index.stores.base import STORE_KINDS, StoreBackend, StoreInfo, StoreKind, VectorStore, check_store
from assistant.index.stores.faiss import (
    EXACT_SEARCH_MAX,
    FaissBackend,
    FaissStore,
    exact_recall_at_10,
    load_faiss,
    make_faiss_index,
    make_ivf_index,
)
from assistant.index.stores.milvus import MilvusBackend, MilvusStore, collection_name, milvus_uri

if TYPE_CHECKING:
    from assistant.core.config import Settings

__all__ = [
    "EXACT_SEARCH_MAX", "STORE_KINDS", "FaissBackend", "FaissStore", "MilvusBackend", "MilvusStore", "StoreBackend",
    "StoreInfo", "StoreKind", "VectorStore", "backend_files", "check_store", "collection_name", "exact_recall_at_10",
    "load_faiss", "make_faiss_index", "make_ivf_index", "milvus_uri", "store_backend", "stores_to_clean",
]

_BACKENDS: dict[str, type[StoreBackend]] = {"faiss": FaissBackend, "milvus": MilvusBackend}


def store_backend(settings: Settings) -> StoreBackend:
    """The backend the settings ask for."""
    return _BACKENDS[check_store(settings.store)].from_settings(settings)


def backend_files(kind: str) -> tuple[str, ...]:
    """The files a backend keeps in each build directory."""
    return _BACKENDS[check_store(kind)].files


def stores_to_clean(settings: Settings) -> list[StoreBackend]:
    """After a build: the backend in use, and any other that older builds left data in
    (a milvus-lite file from before the store was switched to FAISS)."""
    in_use = store_backend(settings)
    others = (backend.from_settings(settings) for kind, backend in _BACKENDS.items() if kind != in_use.kind)
    return [in_use, *(b for b in others if b.holds_leftovers())]
