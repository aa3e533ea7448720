"""Micro-batching of query embeddings: shared engine calls, each caller its own answer."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from assistant.index.batching import MicroBatcher
from assistant.index.embeddings import HashEmbedder


class SlowDoubler:
    """A stand-in engine: one call at a time (like e5's lock), 20 ms per call."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        self._lock = threading.Lock()

    def __call__(self, items: list[int]) -> list[int]:
        with self._lock:
            self.calls.append(list(items))
            time.sleep(0.02)
            return [2 * x for x in items]


def test_concurrent_callers_share_engine_calls_and_each_gets_its_own_result():
    engine = SlowDoubler()
    batcher = MicroBatcher(engine, max_batch=8)
    with ThreadPoolExecutor(24) as pool:
        results = list(pool.map(batcher, range(24)))
    assert results == [2 * x for x in range(24)]
    assert sorted(x for call in engine.calls for x in call) == list(range(24))  # each item embedded once
    assert len(engine.calls) < 24 and max(len(c) for c in engine.calls) <= 8
    assert batcher.batches == len(engine.calls) and batcher.items == 24


def test_a_lone_call_runs_at_once_without_waiting_for_company():
    engine = SlowDoubler()
    batcher = MicroBatcher(engine, window_s=120.0)  # a window nobody could sit out in a test
    done = threading.Event()

    def sequential() -> None:
        for x in range(5):
            assert batcher(x) == 2 * x
        done.set()

    threading.Thread(target=sequential, daemon=True).start()
    assert done.wait(timeout=30), "a lone call waited for the batching window"
    assert engine.calls == [[0], [1], [2], [3], [4]]


def test_a_failing_engine_call_fails_every_caller_of_that_batch_and_the_next_batch_runs():
    state = {"fail": True}

    def engine(items: list[int]) -> list[int]:
        time.sleep(0.01)
        if state["fail"]:
            raise RuntimeError("engine down")
        return items

    batcher = MicroBatcher(engine)

    def call(x: int) -> str:
        try:
            return str(batcher(x))
        except RuntimeError as exc:
            return str(exc)

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(call, range(6)))
    assert outcomes == ["engine down"] * 6
    state["fail"] = False
    assert batcher(7) == 7


def test_a_batch_with_the_wrong_number_of_results_is_an_error_not_a_mixup():
    batcher = MicroBatcher(lambda items: items[:-1] if len(items) > 0 else items)
    with pytest.raises(RuntimeError, match="gave 0 results"):
        batcher(1)


def test_query_vectors_asked_at_once_equal_query_vectors_asked_alone():
    questions = [f"问题 {i} 预防贩运人口 prevention {i * 7}" for i in range(40)]
    alone = [HashEmbedder().query_vector(q) for q in questions]
    shared = HashEmbedder()
    with ThreadPoolExecutor(16) as pool:
        together = list(pool.map(shared.query_vector, questions))
    assert all(np.array_equal(a, b) for a, b in zip(alone, together))
    assert shared._query_batcher.items == 40


def test_a_query_longer_than_the_model_reads_is_cut_to_its_longest_fitting_prefix():
    embedder = HashEmbedder()  # counts len(text) + 2 tokens, reads max_tokens = 512
    long = "边境管理和承运人制裁" * 300
    cut = embedder.within_limit(long)
    assert long.startswith(cut) and embedder.count_tokens(cut) <= embedder.max_tokens < embedder.count_tokens(long[: len(cut) + 1])
    assert np.array_equal(embedder.query_vector(long), embedder.embed([cut], "query")[0])
    assert embedder.within_limit("短问题") == "短问题"
