"""Choose the fusion weights from measurements, not guesses.

Uses the set's dev/test split (each item's "split"); picks the fusion weights on dev (MRR)
and reports both halves, so the recorded figures are not tuned on the data they describe.
The set loader, the fusion (assistant.retrieval.fusion.fuse) and the ranking metrics
(assistant.evaluation.ranking) are the code that ships. Refusals are tuned separately, by
evals/tune_answerability.py.
Usage: python evals/tune_fusion.py [--set evals/qa.jsonl] [--dump rows.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.answering.service import Assistant, detect_lang
from assistant.evaluation.dataset import EvalItem, load_set, unit_ref
from assistant.evaluation.ranking import hit_at_k, mean, reciprocal_rank
from assistant.retrieval.conversation import resolve
from assistant.retrieval.fusion import FusionParams, fuse
from assistant.retrieval.searcher import SearchResult

DEPTH = FusionParams().depth  # units taken from each retriever before fusion
GRID = [
    FusionParams(rrf_k=k, dense_weight=1.0, lexical_weight=w)
    for k, w in itertools.product((5, 10, 20, 40, 60), (0.0, 0.3, 0.5, 0.7, 1.0, 1.5))
]


@dataclass(frozen=True)
class Rankings:
    """One item's rankings from each retriever alone (unit refs, best first)."""

    item: EvalItem
    dense: tuple[str, ...]
    dense_scores: tuple[float, ...]
    lexical: tuple[str, ...]
    lexical_plain: tuple[str, ...]  # lexical without the glossary's expansions
    detected: str  # the language the assistant detects

    def fused(self, params: FusionParams, plain: bool = False) -> tuple[str, ...]:
        lexical = self.lexical_plain if plain else self.lexical
        return tuple(key for key, _ in fuse(self.dense, lexical, params))


def refs(result: SearchResult) -> tuple[str, ...]:
    return tuple(unit_ref(p.doc_id, p.unit_id) for p in result.passages)


def rank_items(assistant: Assistant, items: Sequence[EvalItem]) -> list[Rankings]:
    """Each item through the searcher's dense and lexical sides, as ``ask`` resolves it."""
    s = assistant.searcher
    rows = []
    for item in items:
        r = resolve(item.question, list(item.history))
        dense = s.search(r.dense_query, DEPTH, mode="dense")
        lexical = s.search(r.dense_query, DEPTH, mode="lexical", lexical_extra=r.lexical_extra)
        plain = s.search(r.dense_query, DEPTH, mode="lexical", lexical_extra=r.lexical_extra, expand=False)
        scores = tuple(p.dense_score for p in dense.passages if p.dense_score is not None)
        rows.append(Rankings(item, refs(dense), scores, refs(lexical), refs(plain), detect_lang(item.question)))
    return rows


Ranker = Callable[[Rankings], Sequence[str]]


def metrics(rows: Sequence[Rankings], ranked: Ranker) -> dict[str, float | None]:
    """hit@1, hit@5 and MRR@5 of one ranking over the rows."""
    lists = [(ranked(r)[:5], r.item.gold) for r in rows]
    return {
        "hit@1": mean(hit_at_k(top, gold, 1) for top, gold in lists),
        "hit@5": mean(hit_at_k(top, gold, 5) for top, gold in lists),
        "mrr": mean(reciprocal_rank(top, gold) for top, gold in lists),
        "n": len(rows),
    }


def fused_by(params: FusionParams) -> Ranker:
    return lambda r: r.fused(params)


def best_on_dev(answerable: Sequence[Rankings]) -> tuple[FusionParams, float]:
    """The grid's parameters with the highest dev MRR (the first of equals)."""
    dev = [r for r in answerable if r.item.split == "dev"]
    best, best_score = GRID[0], -1.0
    for params in GRID:
        score = metrics(dev, fused_by(params))["mrr"] or 0.0
        if score > best_score:
            best, best_score = params, score
    return best, best_score


def report(rows: Sequence[Rankings], best: FusionParams) -> None:
    answerable = [r for r in rows if r.item.gold]
    rankers: dict[str, Ranker] = {
        "dense": lambda r: r.dense,
        "lexical": lambda r: r.lexical,
        "fused": fused_by(best),
        "lexical_plain": lambda r: r.lexical_plain,
    }
    for split in ("dev", "test", "all"):
        subset = [r for r in answerable if split == "all" or r.item.split == split]
        print(split, {k: metrics(subset, rankers[k]) for k in ("dense", "lexical", "fused")})
    by_lang: dict[str, list[Rankings]] = defaultdict(list)
    for r in answerable:
        by_lang[r.item.lang].append(r)
    print("per language (all; hit@5 of fused / dense / lexical / lexical without glossary):")
    for lang, subset in sorted(by_lang.items()):
        keys = ("fused", "dense", "lexical", "lexical_plain")
        print(" ", lang, {k: round(metrics(subset, rankers[k])["hit@5"] or 0.0, 3) for k in keys}, len(subset))
    foreign = [r for r in answerable if r.item.lang != "zh"]
    plain = metrics(foreign, lambda r: r.fused(best, plain=True))
    print("non-Chinese items, fused with / without glossary:", metrics(foreign, rankers["fused"]), plain)
    # Top-1 dense similarity of answerable vs unanswerable questions.
    ans = [r.dense_scores[0] for r in rows if r.item.gold]
    una = [r.dense_scores[0] for r in rows if not r.item.gold]
    print("top similarity answerable p5/p50:", round(statistics.quantiles(ans, n=20)[0], 3), round(statistics.median(ans), 3))
    print("top similarity unanswerable min/p50/max:", round(min(una), 3), round(statistics.median(una), 3), round(max(una), 3))
    print("langid accuracy:", sum(r.detected == r.item.lang for r in rows) / len(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="evals/qa.jsonl")
    parser.add_argument("--dump", metavar="PATH", help="also write every item's rankings (JSON)")
    args = parser.parse_args()
    rows = rank_items(Assistant.open(), load_set(args.set))
    best, best_score = best_on_dev([r for r in rows if r.item.gold])
    print(f"best on dev: {best}  (dev MRR {best_score:.3f})")
    report(rows, best)
    if args.dump:
        Path(args.dump).write_text(json.dumps([dataclasses.asdict(r) for r in rows], ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
