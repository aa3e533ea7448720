"""The CI gate: headline metrics held at or above their floors (at or below their ceilings).

The bounds live in ``evals/thresholds.json``; ``tests/test_quality_gate.py`` applies them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: Metrics the CI gate holds at or above a floor (evals/thresholds.json "min").
HEADLINE_MIN: tuple[str, ...] = (
    "hit@1",
    "hit@5",
    "mrr",
    "ndcg@5",
    "recall@5",
    "citation_precision",
    "citation_recall",
    "gold_citation_rate",
    "answer_point_coverage",
    "refusal_accuracy",
    "cross_lingual_agreement",
    "reference_accuracy",
    "short_answer_accuracy",
    "followup_accuracy",
)
#: Metrics the CI gate holds at or below a ceiling (evals/thresholds.json "max").
HEADLINE_MAX: tuple[str, ...] = ("false_refusal_rate",)


def thresholds_from(overall: Mapping[str, Any], step: float = 0.02) -> dict[str, dict[str, float]]:
    """Floors just under today's values (rounded down to ``step``), ceilings just over.

    Written once from a measurement and raised when the system improves; never lowered to
    make a regression pass.
    """
    eps = 1e-9
    floors = {m: round(math.floor(overall[m] / step + eps) * step, 4) for m in HEADLINE_MIN if overall.get(m) is not None}
    ceilings = {m: round(math.ceil(overall[m] / step - eps) * step, 4) for m in HEADLINE_MAX if overall.get(m) is not None}
    return {"min": floors, "max": ceilings}


def check_thresholds(overall: Mapping[str, Any], thresholds: Mapping[str, Mapping[str, float]]) -> list[str]:
    """Human-readable failures, empty when every metric is on the right side of its bound."""
    failures = []
    for metric, floor in thresholds.get("min", {}).items():
        value = overall.get(metric)
        if value is None or value < floor:
            failures.append(f"{metric} = {value} is below its threshold {floor}")
    for metric, ceiling in thresholds.get("max", {}).items():
        value = overall.get(metric)
        if value is None or value > ceiling:
            failures.append(f"{metric} = {value} is above its threshold {ceiling}")
    return failures
