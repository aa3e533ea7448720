"""Metrics over scored items: overall, per kind, per language and per split.

Every metric is defined in the docstring of :func:`summarize` (and the functions it
names); retrieval metrics count answerable items only. The ranking functions themselves
are in :mod:`assistant.evaluation.ranking`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from assistant.core.records import LANGS
from assistant.evaluation.dataset import SPLITS
from assistant.evaluation.ranking import (
    CUTOFFS,
    hit_at_k,
    mean,
    ndcg_at_k,
    percentile,
    recall_at_k,
    reciprocal_rank,
)
from assistant.evaluation.scoring import ItemResult, fact_correct


def citation_precision(results: Sequence[ItemResult]) -> float | None:
    """Micro precision of citations: cited units that are gold / all cited units, over the
    answerable items that were answered (a unit cited by two quotes counts once)."""
    cited = gold = 0
    for r in results:
        if r.answerable and not r.refused:
            cited += len(r.citations)
            gold += len(set(r.citations) & set(r.gold))
    return gold / cited if cited else None


def citation_recall(results: Sequence[ItemResult]) -> float | None:
    """Micro recall of evidence: gold units cited as evidence / all gold units, over the
    answerable items that were answered. Precision's counterweight: citing only the one
    sub-item that matches best raises precision and loses this when the list was the answer."""
    gold = hit = 0
    for r in results:
        if r.answerable and not r.refused:
            gold += len(set(r.gold))
            hit += len(set(r.citations) & set(r.gold))
    return hit / gold if gold else None


def cross_lingual_agreement(
    results: Sequence[ItemResult], involving: Callable[[ItemResult], bool] | None = None
) -> tuple[float | None, int]:
    """Share of same-question pairs in different languages whose top-1 unit is the same.

    Pairs are formed within each ``group`` between items of different languages (a group
    needs items in at least two). ``involving`` restricts the pairs to those with at least
    one item it accepts (per-language and per-kind breakdowns). Returns (share, n pairs).
    """
    groups: dict[str, list[ItemResult]] = {}
    for r in results:
        if r.group:
            groups.setdefault(r.group, []).append(r)
    agree = total = 0
    for members in groups.values():
        if len({m.lang for m in members}) < 2:
            continue
        for a, b in itertools.combinations(members, 2):
            if a.lang == b.lang or (involving is not None and not (involving(a) or involving(b))):
                continue
            total += 1
            agree += bool(a.passages) and bool(b.passages) and a.passages[0] == b.passages[0]
    return (agree / total if total else None), total


def refusal_accuracy(results: Sequence[ItemResult]) -> float | None:
    """Share of the unanswerable items that were refused."""
    return mean(float(r.refused) for r in results if not r.answerable)


def near_miss_refusal_accuracy(results: Sequence[ItemResult]) -> float | None:
    """Share of the unanswerable near misses (a detail of a topic the paper covers) refused."""
    return mean(float(r.refused) for r in results if not r.answerable and r.near_miss)


def false_refusal_rate(results: Sequence[ItemResult]) -> float | None:
    """Share of the answerable items that were refused."""
    return mean(float(r.refused) for r in results if r.answerable)


def summarize(
    results: Sequence[ItemResult],
    all_results: Sequence[ItemResult] | None = None,
    involving: Callable[[ItemResult], bool] | None = None,
    cutoffs: Sequence[int] = CUTOFFS,
) -> dict[str, float | int | None]:
    """All metrics for one slice of the results; ``None`` where the slice has nothing to measure.

    - hit@k, mrr, ndcg@5, recall@5: retrieval, over answerable items only (a refused
      answer still has its passages; refusal is scored separately).
    - citation_precision, citation_recall: see :func:`citation_precision`, :func:`citation_recall`.
    - gold_citation_rate: share of answered answerable items citing at least one gold unit.
    - verbatim_quote_rate: share of all quotes that are substrings of the unit they cite
      (must be 1.0); validate_failures counts answers whose ``Answer.validate()`` failed.
    - answer_point_coverage: share of answer points of answerable items covered by the
      answer's cited units (see :func:`assistant.evaluation.scoring.point_covered`; a
      refusal covers none).
    - refusal_accuracy: share of unanswerable items refused; false_refusal_rate: share of
      answerable items refused; near_miss_refusal_accuracy: share of near misses refused.
    - cross_lingual_agreement: see :func:`cross_lingual_agreement`.
    - reference_accuracy: direct references (kind ``reference``) answered with their unit.
    - short_answer_accuracy: items with a ``fact`` whose short answer states it (see
      :func:`assistant.evaluation.scoring.fact_correct`); short_answer_given: with any.
    - followup_accuracy: cross-language follow-ups (kind ``xfollowup``) answered citing gold.
    - latency_p50_ms / latency_p95_ms: wall time of ``ask``, nearest-rank percentiles.
    """
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    answered = [r for r in answerable if not r.refused]
    out: dict[str, float | int | None] = {
        "n_items": len(results),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
    }
    for k in cutoffs:
        out[f"hit@{k}"] = mean(hit_at_k(r.passages, r.gold, k) for r in answerable)
    out["mrr"] = mean(reciprocal_rank(r.passages, r.gold) for r in answerable)
    out["ndcg@5"] = mean(ndcg_at_k(r.passages, r.gold, 5) for r in answerable)
    out["recall@5"] = mean(recall_at_k(r.passages, r.gold, 5) for r in answerable)
    out["citation_precision"] = citation_precision(results)
    out["citation_recall"] = citation_recall(results)
    out["gold_citation_rate"] = mean(float(bool(set(r.citations) & set(r.gold))) for r in answered)
    n_quotes = sum(r.n_quotes for r in results)
    out["verbatim_quote_rate"] = sum(r.n_verbatim for r in results) / n_quotes if n_quotes else None
    out["n_quotes"] = n_quotes
    out["validate_failures"] = sum(r.validate_error is not None for r in results)
    points = [c for r in answerable for c in (r.points_covered if not r.refused else (False,) * len(r.answer_points))]
    out["answer_point_coverage"] = mean(float(c) for c in points)
    out["refusal_accuracy"] = refusal_accuracy(results)
    out["false_refusal_rate"] = false_refusal_rate(results)
    share, pairs = cross_lingual_agreement(all_results if all_results is not None else results, involving)
    out["cross_lingual_agreement"] = share
    out["n_cross_lingual_pairs"] = pairs
    references = [r for r in answerable if r.kind == "reference"]
    out["reference_accuracy"] = mean(float(not r.refused and r.passages[:1] == r.gold[:1]) for r in references)
    facts = [r for r in answerable if r.fact]
    out["short_answer_accuracy"] = mean(float(fact_correct(r)) for r in facts)
    out["short_answer_given"] = mean(float(r.short_answer is not None and not r.refused) for r in facts)
    followups = [r for r in answerable if r.kind == "xfollowup"]
    out["followup_accuracy"] = mean(float(not r.refused and bool(set(r.citations) & set(r.gold))) for r in followups)
    out["near_miss_refusal_accuracy"] = near_miss_refusal_accuracy(results)
    latencies = [r.latency_ms for r in results]
    out["latency_p50_ms"] = percentile(latencies, 50)
    out["latency_p95_ms"] = percentile(latencies, 95)
    return out


def _member(attribute: str, value: str) -> Callable[[ItemResult], bool]:
    return lambda r: getattr(r, attribute) == value


def compute_metrics(results: Sequence[ItemResult]) -> dict[str, Any]:
    """Overall, per kind, per language (cross-lingual pairs: those involving the slice) and per split
    (dev: what tuning may look at; test: what is reported; pairs within the split)."""
    by_kind = {}
    for kind in dict.fromkeys(r.kind for r in results):
        subset = [r for r in results if r.kind == kind]
        by_kind[kind] = summarize(subset, results, _member("kind", kind))
    by_lang = {}
    for lang in [code for code in LANGS if any(r.lang == code for r in results)]:
        subset = [r for r in results if r.lang == lang]
        by_lang[lang] = summarize(subset, results, _member("lang", lang))
    by_split = {}
    for split in [s for s in SPLITS if any(r.split == s for r in results)]:
        subset = [r for r in results if r.split == split]
        by_split[split] = summarize(subset, subset)
    return {"overall": summarize(results), "by_kind": by_kind, "by_lang": by_lang, "by_split": by_split}
