"""The sentences of each unit, embedded once, so the quoted sentence is chosen by meaning.

Word overlap cannot pick the answering sentence of a Chinese paragraph for an English or
Russian question (they share no words), so each sentence is scored by its e5 similarity
to the question, combined with the lexical overlap that still helps Chinese questions.
Vectors go through the index's embedding cache: the paper's few hundred sentences are
embedded on the first start after a build and read back on every later one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.core.records import Unit
from assistant.index.cache import EmbeddingCache
from assistant.index.chunking import split_sentences
from assistant.index.embeddings import Embedder
from assistant.retrieval.searcher import Passage, rescored

#: Weight of a passage's best sentence similarity against its fused rank score when the
#: retrieved passages are reordered. Chosen on the dev half of evals/qa.jsonl (hit@1 0.828
#: -> 0.862 at 2.0; 2.0-3.0 tie, 5.0 falls back to 0.852); the test half gave 0.788 -> 0.819.
RERANK_WEIGHT = 2.0

#: When a question names something a sub-item holds and its lead-in lacks, a sub-item is
#: evidence when its best sentence is this close to the best sub-item's similarity to the
#: question, else context: "what did the 2018 meeting recommend assessing?" is answered by
#: 18(a), not by all three. Chosen on the dev half of evals/qa.jsonl (evals/README.md).
SUBITEM_MARGIN = 0.01

#: Corpora up to this many units have every sentence embedded at start-up; larger ones
#: embed a unit's sentences when it is first cited and keep the most recent in memory.
EAGER_UNITS = 20_000
LAZY_CAPACITY = 50_000


@dataclass(frozen=True)
class UnitSentences:
    sentences: tuple[str, ...]
    vectors: np.ndarray  # one L2-normalised row per sentence


def sentences_of(unit: Unit) -> tuple[str, ...]:
    return tuple(s.strip() for s in split_sentences(unit.text) if s.strip()) or (unit.text,)


class SentenceIndex:
    def __init__(self, embedder: Embedder, cache_path: Path | None = None) -> None:
        self.embedder = embedder
        self.cache = EmbeddingCache(cache_path) if cache_path is not None else None
        self._units: OrderedDict[tuple[str, str], UnitSentences] = OrderedDict()
        self._lock = threading.Lock()

    def prepare(self, units: Sequence[Unit]) -> None:
        """Embed every sentence of a small corpus now, so no question pays for it."""
        if len(units) <= EAGER_UNITS:
            self._fill(units)

    def get(self, unit: Unit) -> UnitSentences:
        key = (unit.doc_id, unit.unit_id)
        found = self._units.get(key)
        if found is None:
            self._fill([unit])
            found = self._units[key]
        return found

    def _embed(self, texts: list[str]) -> np.ndarray:
        if self.cache is None:
            return self.embedder.embed(texts, "passage")
        vectors, _ = self.cache.embed_with_cache(
            texts, self.embedder.id, self.embedder.dim, lambda missing: self.embedder.embed(missing, "passage")
        )
        return vectors

    def _fill(self, units: Iterable[Unit]) -> None:
        todo = [u for u in units if (u.doc_id, u.unit_id) not in self._units]
        if not todo:
            return
        per_unit = [sentences_of(u) for u in todo]
        flat = [s for sentences in per_unit for s in sentences]
        vectors = self._embed(flat)
        with self._lock:
            start = 0
            for unit, sentences in zip(todo, per_unit):
                self._units[(unit.doc_id, unit.unit_id)] = UnitSentences(sentences, vectors[start : start + len(sentences)])
                start += len(sentences)
            while len(self._units) > max(LAZY_CAPACITY, EAGER_UNITS):
                self._units.popitem(last=False)

    def answering_items(
        self, lead: Unit, items: Sequence[Unit], terms: Sequence[str], query_vector: np.ndarray, margin: float = SUBITEM_MARGIN
    ) -> list[Unit]:
        """The sub-items of ``lead`` that answer a question naming ``terms`` (Chinese: the glossary's
        and its own words). A question that names nothing the lead-in lacks and a sub-item has asks
        for the whole list ("What did the Working Group recommend in 2013?"); one that does
        ("…建议各国进行自我评估以确定什么？") is answered by the sub-items within ``margin`` of the
        best one's similarity."""
        lead_text = "".join(lead.text.split())
        texts = ["".join(u.text.split()) for u in items]
        if not any(t not in lead_text and any(t in text for text in texts) for t in terms):
            return list(items)
        best = [self.best_similarity(u, query_vector) for u in items]
        top = max(best)
        return [u for u, similarity in zip(items, best) if similarity >= top - margin]

    def rerank(self, passages: Sequence[Passage], query_vector: np.ndarray, weight: float = RERANK_WEIGHT) -> tuple[Passage, ...]:
        """Reorder by fused score plus the best sentence's similarity: a unit whose one
        sentence says exactly what was asked beats one that is only about the topic."""
        return rescored(passages, lambda p: weight * self.best_similarity(p.unit, query_vector))

    def best_similarity(self, unit: Unit, query_vector: np.ndarray) -> float:
        """The similarity of ``unit``'s closest sentence to the question."""
        return float((self.get(unit).vectors @ query_vector).max())
