"""Weighted reciprocal-rank fusion, on hand-computed examples (the searcher and evals/tune_fusion.py share it)."""

from __future__ import annotations

import pytest

from assistant.retrieval.fusion import FusionParams, fuse


def test_scores_are_weighted_reciprocal_ranks_summed_over_both_sides():
    params = FusionParams(rrf_k=10, dense_weight=1.0, lexical_weight=1.5)
    fused = dict(fuse(["a", "b"], ["b", "c"], params))
    assert fused["a"] == pytest.approx(1 / 11)
    assert fused["b"] == pytest.approx(1 / 12 + 1.5 / 11)
    assert fused["c"] == pytest.approx(1.5 / 12)
    assert [key for key, _ in fuse(["a", "b"], ["b", "c"], params)] == ["b", "c", "a"]


def test_equal_scores_keep_dense_order_then_lexical_only_keys():
    params = FusionParams(rrf_k=10, dense_weight=1.0, lexical_weight=1.0)
    assert [key for key, _ in fuse(["a", "b"], ["c", "d"], params)] == ["a", "c", "b", "d"]


def test_each_side_is_read_to_the_depth_only():
    params = FusionParams(depth=1)
    assert [key for key, _ in fuse(["a", "b"], ["c", "d"], params)] == ["c", "a"]
    assert fuse([], [], params) == []
