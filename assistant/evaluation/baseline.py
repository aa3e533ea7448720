"""The baseline: the plain LangChain recipe a user would otherwise reach for, with its own index.

``RecursiveCharacterTextSplitter`` on the raw corpus files, the same embedder, FAISS
``IndexFlatIP``, top chunks; scored against our answers at an equal budget of returned
characters (see :func:`baseline_item`), on the answerable items only.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.records import LANGS
from assistant.evaluation.dataset import EvalItem, parse_unit_ref
from assistant.evaluation.ranking import CUTOFFS, mean, recall_at_k
from assistant.evaluation.scoring import ItemResult, compact

if TYPE_CHECKING:  # heavy imports stay out of import time
    from assistant.answering.service import Assistant
    from assistant.core.records import Document, Unit
    from assistant.index.embeddings import Embedder


def contains_unit(unit_compact: str, text_compact: str, min_run: int = 30) -> bool:
    """Whether a retrieved text "contains" a unit, both without white space.

    Rule: some run of ``min(30, ceil(len(unit)/2))`` consecutive characters of the unit
    occurs in the text, i.e. 30 consecutive characters of a long unit, or half of a unit
    shorter than 60 characters. This is generous to the baseline on purpose: a 500-char
    chunk that ends with the first line of a paragraph gets credit for the paragraph.
    """
    if not unit_compact or not text_compact:
        return False
    run = min(min_run, math.ceil(len(unit_compact) / 2))
    if len(text_compact) < run:
        return False
    grams = {text_compact[i : i + run] for i in range(len(text_compact) - run + 1)}
    return any(unit_compact[i : i + run] in grams for i in range(len(unit_compact) - run + 1))


@dataclass(frozen=True)
class BaselineChunk:
    doc_id: str
    text: str
    compact: str
    units: frozenset[tuple[str, str]]  # units the whole chunk contains


def raw_corpus_texts(corpus_dir: Path) -> list[tuple[str, str]]:
    """(doc_id, raw text) for every manifest entry: the file as a user would load it.

    Text files (txt, md) are decoded as they are; for html, pdf and docx the text a
    loader would extract (the readers' blocks, joined by blank lines).
    """
    from assistant.ingest.corpus import entry_file, load_manifest
    from assistant.ingest.readers import decode_text, parse_bytes, source_type_for

    out = []
    for entry in load_manifest(corpus_dir).entries:
        path = entry_file(Path(corpus_dir), entry)
        data = path.read_bytes()
        source_type = entry.source_type or source_type_for(path)
        if source_type in ("txt", "md"):
            text = decode_text(data, path)[0]
        else:
            text = "\n\n".join(b.text for b in parse_bytes(data, path, source_type).blocks)  # type: ignore[arg-type]
        out.append((entry.doc_id, text))
    return out


class BaselineRetriever:
    """RecursiveCharacterTextSplitter(500, 50) chunks of the raw files in a FAISS IndexFlatIP."""

    def __init__(
        self,
        chunks: Sequence[BaselineChunk],
        embedder: Embedder,
        units: Mapping[tuple[str, str], Unit],
        cache_path: Path | None = None,
    ):
        import numpy as np

        from assistant.index.stores import load_faiss

        faiss = load_faiss()
        self.chunks = tuple(chunks)
        self.embedder = embedder
        self._unit_compact = {key: compact(u.text) for key, u in units.items()}
        texts = [c.text for c in self.chunks]
        if cache_path is not None:  # the index's embedding cache: a re-run embeds nothing
            from assistant.index.cache import EmbeddingCache

            vectors, _ = EmbeddingCache(cache_path).embed_with_cache(
                texts, embedder.id, embedder.dim, lambda missing: embedder.embed(missing, "passage")
            )
        else:
            vectors = embedder.embed(texts, "passage")
        self.index = faiss.IndexFlatIP(embedder.dim)
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    @classmethod
    def build(
        cls,
        raw_texts: Sequence[tuple[str, str]],
        documents: Sequence[Document],
        embedder: Embedder,
        chunk_size: int = 500,
        chunk_overlap: int = 50,
        cache_path: Path | None = None,
    ) -> BaselineRetriever:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
        doc_units = {d.doc_id: [((d.doc_id, u.unit_id), compact(u.text)) for u in d.units] for d in documents}
        chunks = []
        for doc_id, text in raw_texts:
            for piece in splitter.split_text(text):
                c = compact(piece)
                contained = frozenset(key for key, uc in doc_units.get(doc_id, []) if contains_unit(uc, c))
                chunks.append(BaselineChunk(doc_id, piece, c, contained))
        units = {(d.doc_id, u.unit_id): u for d in documents for u in d.units}
        return cls(chunks, embedder, units, cache_path)

    def rank(self, query: str) -> list[int]:
        """Every chunk row, best first."""
        vector = self.embedder.query_vector(query)[None, :]
        _, rows = self.index.search(vector, len(self.chunks))
        return [int(r) for r in rows[0] if r >= 0]

    def units_within(self, ranked: Sequence[int], budget: int) -> set[tuple[str, str]]:
        """Units contained in the ranked chunks read in order, cut after ``budget`` characters
        (white space not counted; the chunk that crosses the budget is clipped)."""
        found: set[tuple[str, str]] = set()
        left = budget
        for row in ranked:
            if left <= 0:
                break
            chunk = self.chunks[row]
            if len(chunk.compact) <= left:
                found |= chunk.units
            else:
                piece = chunk.compact[:left]
                found |= {key for key in chunk.units if contains_unit(self._unit_compact[key], piece)}
            left -= len(chunk.compact)
        return found


@dataclass(frozen=True)
class BaselineItem:
    id: str
    lang: str
    kind: str
    gold: tuple[str, ...]
    budgets: tuple[int, ...]  # our top-n units' characters, n = 1..k
    ours_rank: int | None  # smallest n with a gold unit in our top n
    baseline_rank: int | None  # smallest n with a gold unit in the baseline's first budgets[n-1] chars
    ours_recall: float  # gold share in our top k
    baseline_recall: float  # gold share within budgets[k-1]
    topk_rank: int | None  # rank of the first chunk containing gold, top-k whole chunks (no budget)
    topk_recall: float
    topk_chars: int
    chunks: tuple[int, ...]  # the baseline's top-k chunk rows

    def to_json(self) -> dict[str, Any]:
        record = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in record.items()}


def baseline_item(
    retriever: BaselineRetriever, item: EvalItem, result: ItemResult, k: int
) -> BaselineItem:
    """Score the baseline on one answerable item against our result at equal budgets.

    Budget ladder: B_n = white-space-free characters of our top n units (n = 1..k). Our
    rank is the first n whose top n units include gold; the baseline's is the first n
    whose first B_n characters of ranked chunks contain a gold unit (see
    :func:`contains_unit`). hit@n and MRR then mean the same thing on both sides. The
    baseline's query is the history and the question joined, as a plain chain would do.
    """
    gold_keys = {parse_unit_ref(ref) for ref in item.gold}
    budgets = tuple(itertools.accumulate(result.passage_chars[:k]))
    ranked = retriever.rank("\n".join((*item.history, item.question)))
    baseline_rank = None
    within: set[tuple[str, str]] = set()
    for n, budget in enumerate(budgets, 1):
        within = retriever.units_within(ranked, budget)
        if baseline_rank is None and within & gold_keys:
            baseline_rank = n
    top = ranked[:k]
    topk_units: list[set[tuple[str, str]]] = [set(retriever.chunks[r].units) for r in top]
    topk_rank = next((i for i, units in enumerate(topk_units, 1) if units & gold_keys), None)
    topk_found = set().union(*topk_units) if topk_units else set()
    return BaselineItem(
        id=item.id,
        lang=item.lang,
        kind=item.kind,
        gold=item.gold,
        budgets=budgets,
        ours_rank=result.hit_rank,
        baseline_rank=baseline_rank,
        ours_recall=recall_at_k(result.passages, item.gold, k),
        baseline_recall=len(within & gold_keys) / len(gold_keys),
        topk_rank=topk_rank,
        topk_recall=len(topk_found & gold_keys) / len(gold_keys),
        topk_chars=sum(len(retriever.chunks[r].compact) for r in top),
        chunks=tuple(top),
    )


def _rank_metrics(ranks: Sequence[int | None], recalls: Sequence[float], chars: Sequence[float]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(ranks)}
    for k in CUTOFFS:
        out[f"hit@{k}"] = mean(float(r is not None and r <= k) for r in ranks)
    out["mrr"] = mean(0.0 if r is None else 1.0 / r for r in ranks)
    out["recall@5"] = mean(recalls)
    out["mean_chars"] = mean(chars)
    return out


def baseline_metrics(items: Sequence[BaselineItem]) -> dict[str, Any]:
    """ours / baseline at equal budget / baseline's top-k whole chunks, overall and per slice."""

    def block(subset: Sequence[BaselineItem]) -> dict[str, Any]:
        return {
            "ours": _rank_metrics(
                [i.ours_rank for i in subset], [i.ours_recall for i in subset], [i.budgets[-1] if i.budgets else 0 for i in subset]
            ),
            "baseline": _rank_metrics(
                [i.baseline_rank for i in subset], [i.baseline_recall for i in subset], [i.budgets[-1] if i.budgets else 0 for i in subset]
            ),
            "baseline_topk": _rank_metrics([i.topk_rank for i in subset], [i.topk_recall for i in subset], [i.topk_chars for i in subset]),
        }

    return {
        "overall": block(items),
        "by_kind": {kind: block([i for i in items if i.kind == kind]) for kind in dict.fromkeys(i.kind for i in items)},
        "by_lang": {lang: block([i for i in items if i.lang == lang]) for lang in LANGS if any(i.lang == lang for i in items)},
    }


def run_baseline(
    assistant: Assistant,
    items: Sequence[EvalItem],
    results: Sequence[ItemResult],
    k: int,
    *,
    progress: bool = False,
) -> dict[str, Any]:
    """The plain recipe on the answerable items: config, metrics and per-item records."""
    from tqdm import tqdm

    retriever = BaselineRetriever.build(
        raw_corpus_texts(assistant.settings.corpus_dir),
        assistant.documents,
        assistant.embedder,
        cache_path=Path(assistant.settings.index_dir) / "cache.sqlite",
    )
    by_id = {r.id: r for r in results}
    answerable = [item for item in items if item.answerable]
    scored = [
        baseline_item(retriever, item, by_id[item.id], k)
        for item in tqdm(answerable, desc="baseline", unit="q", file=sys.stderr, disable=not progress)
    ]
    return {
        "config": {
            "splitter": "langchain_text_splitters.RecursiveCharacterTextSplitter",
            "chunk_size": 500,
            "chunk_overlap": 50,
            "n_chunks": len(retriever.chunks),
            "embedder": assistant.embedder.id,
            "index": "faiss.IndexFlatIP",
            "query": "history and question joined by newlines",
            "budget": "white-space-free characters of our top-n units, n = 1..k",
            "contains": "min(30, ceil(len(unit)/2)) consecutive characters of the unit in the (clipped) chunk",
        },
        "metrics": baseline_metrics(scored),
        "results": [s.to_json() for s in scored],
    }
