"""Comparing two runs: the overall metrics side by side, and the items that flipped.

Reads the ``results.json`` shape only (see :mod:`assistant.evaluation.run`), so stored
runs compare without the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from assistant.evaluation.ranking import hit_at_k
from assistant.evaluation.scoring import ItemResult


@dataclass(frozen=True)
class Flip:
    id: str
    what: str  # "hit@5" or "refusal"
    direction: Literal["gained", "lost"]  # gained: B better
    question: str


def flips(a: Mapping[str, Any], b: Mapping[str, Any], k: int = 5) -> list[Flip]:
    """Items whose hit@5 or refusal correctness differs between runs A and B, both ways."""
    a_items = {r["id"]: ItemResult.from_json(r) for r in a["results"]}
    out = []
    for record in b["results"]:
        rb = ItemResult.from_json(record)
        ra = a_items.get(rb.id)
        if ra is None:
            continue
        if rb.answerable:
            ha, hb = hit_at_k(ra.passages, ra.gold, k), hit_at_k(rb.passages, rb.gold, k)
            if ha != hb:
                out.append(Flip(rb.id, f"hit@{k}", "gained" if hb > ha else "lost", rb.question))
        if ra.refusal_correct != rb.refusal_correct:
            out.append(Flip(rb.id, "refusal", "gained" if rb.refusal_correct else "lost", rb.question))
    return out


def metric_deltas(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[tuple[str, Any, Any, float | None]]:
    """(metric, A, B, B - A) for every overall metric either run has."""
    ma, mb = a["metrics"]["overall"], b["metrics"]["overall"]
    rows = []
    for name in dict.fromkeys([*ma, *mb]):
        va, vb = ma.get(name), mb.get(name)
        delta = vb - va if isinstance(va, (int, float)) and isinstance(vb, (int, float)) else None
        rows.append((name, va, vb, delta))
    return rows
