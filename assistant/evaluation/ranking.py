"""Ranking metrics over one ranked list of unit refs and its gold set, plus the averages.

Plain functions on sequences, so the suite, the baseline and the tuning scripts
(``evals/tune_fusion.py``) score rankings with the same code.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence

CUTOFFS: tuple[int, ...] = (1, 3, 5)


def first_hit_rank(ranked: Sequence[str], gold: Collection[str]) -> int | None:
    """1-based rank of the first relevant unit, None when none was returned."""
    return next((i for i, ref in enumerate(ranked, 1) if ref in gold), None)


def hit_at_k(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """1 if any gold unit is among the top ``k``, else 0 (the question can be answered from them)."""
    return float(any(ref in gold for ref in ranked[:k]))


def reciprocal_rank(ranked: Sequence[str], gold: Collection[str]) -> float:
    """1/rank of the first gold unit among what was returned (0 if none): MRR@k averaged."""
    rank = first_hit_rank(ranked, gold)
    return 0.0 if rank is None else 1.0 / rank


def ndcg_at_k(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """Binary-relevance nDCG: DCG = sum over relevant ranks i <= k of 1/log2(i+1), divided by
    the DCG of an ideal list that puts min(|gold|, k) gold units first. Rewards finding all
    gold units of a multi-unit question, and finding them early."""
    gold = set(gold)
    if not gold:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 1) for i, ref in enumerate(ranked[:k], 1) if ref in gold)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(gold), k) + 1))
    return dcg / ideal


def recall_at_k(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """Share of the gold units found in the top ``k`` (all of them are needed for a "multi" item)."""
    gold = set(gold)
    if not gold:
        return 0.0
    return len(gold & set(ranked[:k])) / len(gold)


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: the ceil(p/100 * n)-th smallest value (an observed latency)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def mean(values: Iterable[float]) -> float | None:
    """The average, or None for no values (a slice with nothing to measure)."""
    values = list(values)
    return sum(values) / len(values) if values else None
