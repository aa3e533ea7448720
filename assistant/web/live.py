"""The assistant a running server answers with, replaced (never mutated) when the corpus changes."""

from __future__ import annotations

import threading

from assistant.answering.service import Assistant


class LiveAssistant:
    """Shared by the web chat and the HTTP API of one process: an add or a removal made
    through either is seen by both. Requests in flight keep the ``Assistant`` they started
    with, which stays valid: a rebuilt index lives in a new directory."""

    def __init__(self, assistant: Assistant) -> None:
        self._assistant = assistant
        self._lock = threading.Lock()

    def get(self) -> Assistant:
        return self._assistant

    def refresh(self) -> Assistant:
        with self._lock:
            old = self._assistant
            from assistant.index.build import stale_reason

            stale = stale_reason(old.settings, old.embedder) is not None
            self._assistant = Assistant.open(old.settings, embedder=old.embedder, rebuild="always" if stale else "auto")
            return self._assistant
