"""Micro-batching: calls that arrive together become one call over all their inputs.

The e5 engine embeds one batch at a time and costs far less per text in a batch of 32
than alone (benchmarks/RESULTS.md), so concurrent questions are embedded together.

No background thread: the first caller leads. It runs a batch of whatever is waiting,
and on finishing hands the lead to the oldest caller still waiting, whose batch holds
everything that arrived meanwhile. A lone question therefore runs at once. Only while
batches of more than one are forming (the engine is busy with concurrent questions)
does a leader wait up to ``window_s`` for more to arrive before running.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


class _Request(Generic[In, Out]):
    __slots__ = ("item", "done", "lead", "result", "error")

    def __init__(self, item: In) -> None:
        self.item = item
        self.done = threading.Event()
        self.lead = False  # set instead of a result: this caller runs the next batch
        self.result: Out | None = None
        self.error: BaseException | None = None


class MicroBatcher(Generic[In, Out]):
    """``batcher(item)`` returns ``fn([... item ...])[i]``, sharing ``fn`` calls between threads."""

    def __init__(self, fn: Callable[[list[In]], Sequence[Out]], max_batch: int = 32, window_s: float = 0.003) -> None:
        if max_batch < 1 or window_s < 0:
            raise ValueError(f"max_batch must be >= 1 and window_s >= 0, got {max_batch} and {window_s}")
        self._fn = fn
        self.max_batch = max_batch
        self.window_s = window_s
        self._cond = threading.Condition()
        self._pending: list[_Request[In, Out]] = []
        self._running = False
        self._last_batch = 0
        #: Sizes of the batches run so far, for tests and benchmarks (bounded: counts only).
        self.batches = 0
        self.items = 0

    def __call__(self, item: In) -> Out:
        request: _Request[In, Out] = _Request(item)
        with self._cond:
            self._pending.append(request)
            if self._running:
                self._cond.notify_all()  # a leader in its window may now have a full batch
            else:
                self._running = request.lead = True
        if not request.lead:
            request.done.wait()
            if not request.lead:
                return self._outcome(request)
        self._lead()
        return self._outcome(request)

    @staticmethod
    def _outcome(request: _Request[In, Out]) -> Out:
        if request.error is not None:
            raise request.error
        return request.result  # type: ignore[return-value]

    def _lead(self) -> None:
        with self._cond:
            if self._last_batch > 1 and self.window_s > 0:
                self._cond.wait_for(lambda: len(self._pending) >= self.max_batch, timeout=self.window_s)
            batch = self._pending[: self.max_batch]
            del self._pending[: self.max_batch]
            self._last_batch = len(batch)
        try:
            results = self._fn([r.item for r in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"a batch of {len(batch)} inputs gave {len(results)} results")
            for r, result in zip(batch, results):
                r.result = result
        except BaseException as exc:  # noqa: BLE001 - every caller of the batch gets the failure
            for r in batch:
                r.error = exc
        with self._cond:
            self.batches += 1
            self.items += len(batch)
            if self._pending:
                nxt = self._pending[0]
                nxt.lead = True
                nxt.done.set()
            else:
                self._running = False
        for r in batch:
            if not r.lead:
                r.done.set()
