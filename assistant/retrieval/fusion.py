"""Weighted reciprocal-rank fusion (RRF) of the dense and the lexical ranking.

The searcher ranks with :func:`fuse`, and ``evals/tune_fusion.py`` chooses
:class:`FusionParams` by calling the same function, so the shipped parameters were tuned
on the code that ships.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class FusionParams:
    # Chosen on the dev half of evals/qa.jsonl by evals/tune_fusion.py (MRR); see evals/README.md.
    rrf_k: int = 10
    dense_weight: float = 1.0
    lexical_weight: float = 1.5
    depth: int = 50  # candidates taken from each side before fusion


def fuse(dense: Sequence[Key], lexical: Sequence[Key], params: FusionParams) -> list[tuple[Key, float]]:
    """Keys best first, each with its score: the sum over both sides of weight / (rrf_k + rank).

    Each side's ranking is read to ``params.depth``. Equal scores keep the order in which the
    keys were first seen (the dense ranking's, then the lexical-only keys').
    """
    scores: dict[Key, float] = {}
    for rank, key in enumerate(dense[: params.depth], 1):
        scores[key] = scores.get(key, 0.0) + params.dense_weight / (params.rrf_k + rank)
    for rank, key in enumerate(lexical[: params.depth], 1):
        scores[key] = scores.get(key, 0.0) + params.lexical_weight / (params.rrf_k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])
