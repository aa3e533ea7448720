"""The store interface: what retrieval asks of the dense side, and what a build asks of a backend.

A :class:`VectorStore` answers searches over one build's vectors. A :class:`StoreBackend`
owns that store's lifecycle: ``create`` it from a build's vectors, ``open`` it for a loaded
build, ``drop`` what older builds left behind. The index build and load call only this
interface, so adding a backend means one module here and one line in ``stores/__init__``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from assistant.core.errors import choice_error
from assistant.index.filters import RowFilter, RowLabels

if TYPE_CHECKING:
    from assistant.core.config import Settings

__all__ = ["STORE_KINDS", "StoreBackend", "StoreInfo", "StoreKind", "VectorStore", "check_store"]

StoreKind = Literal["faiss", "milvus"]
STORE_KINDS: tuple[str, ...] = ("faiss", "milvus")


@dataclass(frozen=True)
class StoreInfo:
    """What the manifest records about the dense index."""

    kind: str  # "flat-ip", "ivf-flat-ip" or "milvus"
    params: dict[str, Any] = field(default_factory=dict)
    recall_at_10: float | None = None  # against exact search, measured at build (approximate indexes)
    collection: str | None = None  # the Milvus collection holding the build's vectors


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


class StoreBackend(ABC):
    """One backend's lifecycle for the builds of an index directory."""

    kind: ClassVar[StoreKind]
    #: The files the backend writes into a build directory (hashed into the manifest).
    files: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> StoreBackend:
        """The backend configured by ``settings`` (where it connects, with which token)."""
        return cls()

    @abstractmethod
    def create(self, build_dir: Path, vectors: np.ndarray, labels: Callable[[], RowLabels]) -> StoreInfo:
        """Store a new build's vectors; ``labels`` gives each row's document and section,
        asked for only by a backend that filters inside its own search."""

    @abstractmethod
    def open(self, build_dir: Path, info: StoreInfo, dim: int, ntotal: int) -> VectorStore:
        """The store of a published build, as its manifest describes it."""

    def drop_except(self, keep: Sequence[str]) -> None:  # noqa: B027 - optional
        """Drop what older builds stored outside their build directory, keeping the
        collections named in ``keep``; a backend whose data lives in the build directory
        has nothing to drop (the directory goes with the build)."""

    def holds_leftovers(self) -> bool:
        """True when builds of another backend may have left data here to drop."""
        return False


def check_store(kind: str) -> StoreKind:
    if kind not in STORE_KINDS:
        raise choice_error("vector store", kind, STORE_KINDS)
    return kind  # type: ignore[return-value]
