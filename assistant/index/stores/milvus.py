"""Milvus: one collection per build on a Milvus server (a cluster URI) or in milvus-lite (a
local ``.db`` file, embedded); ``pip install '.[milvus]'``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.core.errors import IndexStateError, MissingDependency
from assistant.index.filters import RowFilter, RowLabels
from assistant.index.stores.base import StoreBackend, StoreInfo, VectorStore

if TYPE_CHECKING:
    from assistant.core.config import Settings

#: Milvus caps a search's limit (topk) at 16384.
MILVUS_MAX_TOPK = 16_384


def milvus_uri(settings: Settings) -> str:
    """The configured Milvus URI, else a milvus-lite file in the index directory."""
    return settings.milvus_uri or str(settings.index_dir / "milvus.db")


def _milvus_client(uri: str, token: str | None = None) -> Any:
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:
        raise MissingDependency("pymilvus", "the Milvus vector store", extra="milvus") from exc
    try:
        return MilvusClient(uri=uri, token=token or "")
    except Exception as exc:  # noqa: BLE001 - connection errors come in many types
        raise IndexStateError(f"cannot connect to Milvus at {uri!r}: {exc}") from exc


def _schema(client: Any, dim: int) -> Any:
    """``id`` (the row number) and ``vector``; dynamic fields hold each row's document and section."""
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    return schema


def is_lite(uri: str) -> bool:
    """Whether ``uri`` is a milvus-lite file (pymilvus serves a ``.db`` path embedded) rather than a server."""
    return uri.endswith(".db")


def _index(client: Any, uri: str) -> Any:
    """FLAT in milvus-lite: its AUTOINDEX is approximate once built, and returned 409 of 500 rows
    for a search asking for all of them. A server picks its own ANN (AUTOINDEX)."""
    params = client.prepare_index_params()
    params.add_index(field_name="vector", index_type="FLAT" if is_lite(uri) else "AUTOINDEX", metric_type="IP")
    return params


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
    ) -> MilvusStore:
        """Upload ``vectors`` in batches (bounded request size) into a new collection.

        ``labels`` (each row's document and section number) are stored beside each vector
        so a filtered search is a Milvus filter expression, evaluated inside the search.
        """
        client = _milvus_client(uri, token)
        n, dim = vectors.shape
        if client.has_collection(collection):
            client.drop_collection(collection)
        client.create_collection(
            collection, schema=_schema(client, dim), index_params=_index(client, uri), consistency_level="Strong"
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
    def open(cls, uri: str, collection: str, dim: int, ntotal: int, token: str | None = None) -> MilvusStore:
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


class MilvusBackend(StoreBackend):
    """Each build's vectors in a collection named after the build."""

    kind = "milvus"

    def __init__(self, uri: str, token: str | None = None, lite_default: bool = False) -> None:
        self.uri = uri
        self.token = token
        self.lite_default = lite_default  # the milvus-lite file in the index directory

    @classmethod
    def from_settings(cls, settings: Settings) -> MilvusBackend:
        return cls(milvus_uri(settings), settings.milvus_token, lite_default=not settings.milvus_uri)

    def create(self, build_dir: Path, vectors: np.ndarray, labels: Callable[[], RowLabels]) -> StoreInfo:
        collection = collection_name(build_dir.name)
        MilvusStore.create(self.uri, collection, vectors, self.token, labels=labels()).close()
        uri_kind = "lite" if is_lite(self.uri) else "server"
        return StoreInfo("milvus", {"uri_kind": uri_kind}, collection=collection)

    def open(self, build_dir: Path, info: StoreInfo, dim: int, ntotal: int) -> MilvusStore:
        if not info.collection:
            raise IndexStateError(f"the index manifest in {build_dir} names no Milvus collection; rebuild it")
        return MilvusStore.open(self.uri, info.collection, dim, ntotal, self.token)

    def drop_except(self, keep: Sequence[str]) -> None:
        MilvusStore.drop_except(self.uri, keep, token=self.token)

    def holds_leftovers(self) -> bool:
        # Only the index directory's own milvus-lite file: a server may serve other indexes.
        return self.lite_default and Path(self.uri).exists()
