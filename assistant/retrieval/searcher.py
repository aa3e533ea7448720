"""Hybrid retrieval: dense (FAISS) and lexical (BM25 over jieba tokens), fused by rank.

Results are units, not chunks: a long unit's windows collapse to their best rank.
Fusion is weighted reciprocal rank (RRF, assistant/retrieval/fusion.py); its weights and
constant were chosen on the evaluation set (see evals/README.md for the measurements), not guessed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from assistant.core.errors import ConfigError, choice_error
from assistant.core.records import Unit
from assistant.index.build import LoadedIndex, lexical_words
from assistant.index.embeddings import Embedder
from assistant.index.filters import RowFilter, make_filter
from assistant.retrieval import glossary
from assistant.retrieval.fusion import FusionParams, fuse
from assistant.retrieval.lexical import add_words, simplify, tokenize

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[str, ...] = ("hybrid", "dense", "lexical")


@dataclass(frozen=True)
class Passage:
    unit: Unit
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    dense_score: float | None = None

    @property
    def doc_id(self) -> str:
        return self.unit.doc_id

    @property
    def unit_id(self) -> str:
        return self.unit.unit_id


def rescored(passages: Sequence[Passage], extra: Callable[[Passage], float]) -> tuple[Passage, ...]:
    """The passages with ``extra(passage)`` added to each score, best first (a stable sort)."""
    return tuple(sorted((replace(p, score=p.score + extra(p)) for p in passages), key=lambda p: -p.score))


@dataclass(frozen=True)
class SearchResult:
    passages: tuple[Passage, ...]
    query_tokens: tuple[str, ...]
    expansions: tuple[str, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)
    query_vector: np.ndarray | None = None  # the dense query, reused to score sentences


def _rank_units(rows: Sequence[tuple[int, float]], chunk_keys: Sequence[tuple[str, str]]) -> list[tuple[tuple[str, str], float]]:
    """Chunk rows (best first) to units (best first), a unit keeping its best row."""
    seen: dict[tuple[str, str], float] = {}
    for row, score in rows:
        key = chunk_keys[row]
        if key not in seen:
            seen[key] = score
    return list(seen.items())


class HybridSearcher:
    def __init__(self, index: LoadedIndex, embedder: Embedder, params: FusionParams | None = None) -> None:
        self.index = index
        self.embedder = embedder
        self.params = params or FusionParams()
        # Looked up in the index's columns, not built here: a million entries at 1M passages.
        self.units = index.records.unit_map
        self.chunk_keys = index.records.chunk_keys
        # Questions are tokenised as the saved passages were (see index.lexical_words).
        add_words(lexical_words())
        self.bm25 = index.lexical
        self.labels = index.records.row_labels()

    def _dense(self, vector: np.ndarray, depth: int, row_filter: RowFilter | None) -> list[tuple[int, float]]:
        # The filter goes into the store's search: the depth best admitted rows come back.
        scores, rows = self.index.vectors.search(vector[None, :], min(depth, self.index.vectors.ntotal), row_filter)
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        doc: str | None = None,
        section: str | None = None,
        mode: Mode = "hybrid",
        lexical_extra: str = "",
        expand: bool = True,
        tokens: Sequence[str] | None = None,
    ) -> SearchResult:
        """Rank units for ``query``. ``lexical_extra`` adds context words (an earlier turn).

        ``tokens``, when given, are the lexical query already analysed (glossary terms and
        context included): the question is then not tokenized a second time.
        """
        if mode not in MODES:
            raise choice_error("retrieval mode", mode, MODES)
        if k < 1:
            raise ConfigError(f"k must be at least 1, got {k}")
        timings: dict[str, float] = {}
        params = self.params
        row_filter = make_filter(self.labels, doc, section)
        expansions = tuple(glossary.expand(query)) if expand and tokens is None else ()
        if tokens is None:
            tokens = tokenize(query)
            for term in expansions:
                tokens.extend(tokenize(term))
            tokens.extend(tokenize(lexical_extra))
        tokens = list(tokens)
        query_vector = None

        dense_units: list[tuple[tuple[str, str], float]] = []
        lexical_units: list[tuple[tuple[str, str], float]] = []
        if mode in ("hybrid", "dense"):
            start = time.perf_counter()
            # Glossary terms are not added here: measured, they lift dense-only MRR
            # (0.72 -> 0.77) but not the fused ranking, and they blur the similarity
            # that refusals rely on (evals/README.md).
            query_vector = self.embedder.query_vector(simplify(query))
            dense_units = _rank_units(self._dense(query_vector, params.depth, row_filter), self.chunk_keys)
            timings["dense"] = (time.perf_counter() - start) * 1000
        if mode in ("hybrid", "lexical"):
            start = time.perf_counter()
            mask = None if row_filter is None else row_filter.mask
            lexical_units = _rank_units(self.bm25.search(tokens, params.depth, mask), self.chunk_keys)
            timings["lexical"] = (time.perf_counter() - start) * 1000

        dense_rank = {key: rank for rank, (key, _) in enumerate(dense_units, 1)}
        dense_score = dict(dense_units)
        lexical_rank = {key: rank for rank, (key, _) in enumerate(lexical_units, 1)}
        ranked = fuse([key for key, _ in dense_units], [key for key, _ in lexical_units], params)[:k]
        passages = tuple(
            Passage(
                unit=self.units[key],
                score=score,
                dense_rank=dense_rank.get(key),
                lexical_rank=lexical_rank.get(key),
                dense_score=dense_score.get(key),
            )
            for key, score in ranked
        )
        return SearchResult(passages, tuple(tokens), expansions, timings, query_vector)

