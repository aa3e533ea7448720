"""A persistent embedding cache keyed by embedder id and text.

Rebuilding after adding one document then embeds only that document. SQLite gives
atomic, concurrent-safe writes with no pickle: vectors are stored as raw float32 bytes.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from assistant.core.errors import IndexStateError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    embedder TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (embedder, text_sha256)
)
"""


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    def __init__(self, path: Path, write_batch: int = 256) -> None:
        self.path = path
        self.write_batch = write_batch

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, timeout=30)
            try:
                with conn:  # one transaction: committed on success, rolled back on error
                    conn.execute(_SCHEMA)
                    yield conn
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:  # full disk, read-only or damaged file: say so, no traceback
            if "full" in str(exc):
                why = f"the disk holding {self.path} is full; free some space"
            else:
                why = f"{self.path} cannot be used ({exc}); it is only a cache: delete it"
            raise IndexStateError(f"the embedding cache failed: {why}, then run `assistant index` again") from exc

    def _found(self, conn: sqlite3.Connection, keys: Sequence[str], embedder_id: str, dim: int) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            batch = list(keys[start : start + 500])
            marks = ",".join("?" * len(batch))
            rows = conn.execute(
                f"SELECT text_sha256, vector FROM embeddings WHERE embedder = ? AND text_sha256 IN ({marks})",
                [embedder_id, *batch],
            )
            for key, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32)
                if vector.shape == (dim,):  # a row of the wrong size is treated as missing
                    found[key] = vector
        return found

    def count_missing(self, texts: Sequence[str], embedder_id: str, dim: int) -> int:
        keys = {_key(t) for t in texts}
        with self._connect() as conn:
            return len(keys) - len(self._found(conn, list(keys), embedder_id, dim))

    def embed_with_cache(
        self,
        texts: Sequence[str],
        embedder_id: str,
        dim: int,
        embed_missing: Callable[[list[str]], np.ndarray],
    ) -> tuple[np.ndarray, int]:
        """All vectors for ``texts``; only texts not seen before are embedded.

        Returns the matrix and how many texts had to be embedded.
        """
        keys = [_key(t) for t in texts]
        out = np.zeros((len(texts), dim), dtype=np.float32)
        with self._connect() as conn:
            found = self._found(conn, keys, embedder_id, dim)
        unique_missing: dict[str, int] = {}
        for i, key in enumerate(keys):
            if key not in found:
                unique_missing.setdefault(key, i)
        order = list(unique_missing.values())
        # Stored batch by batch, so an interrupted build keeps what it already paid for.
        for start in range(0, len(order), self.write_batch):
            part = order[start : start + self.write_batch]
            vectors = np.asarray(embed_missing([texts[i] for i in part]), dtype=np.float32)
            with self._connect() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                    [(embedder_id, keys[i], vectors[j].tobytes()) for j, i in enumerate(part)],
                )
            for j, i in enumerate(part):
                found[keys[i]] = vectors[j]
        for i, key in enumerate(keys):
            out[i] = found[key]
        return out, len(unique_missing)
