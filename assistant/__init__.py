"""Question answering over UN documents on trafficking in persons, cited by paragraph.

The public API is these four names; everything else is reached through them or lives in
a stage's subpackage (docs/architecture.md). Importing the package does no work: the
names are resolved on first use, and models, indexes and corpora load when an
``Assistant`` is opened.

    from assistant import Assistant
    answer = Assistant.open().ask("What are carrier sanctions?")
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Answer", "Assistant", "AssistantError", "Settings"]

_HOMES = {
    "Assistant": "assistant.answering.service",
    "Answer": "assistant.answering.extractive",
    "Settings": "assistant.core.config",
    "AssistantError": "assistant.core.errors",
}

if TYPE_CHECKING:
    from assistant.answering.extractive import Answer
    from assistant.answering.service import Assistant
    from assistant.core.config import Settings
    from assistant.core.errors import AssistantError


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    return getattr(import_module(home), name)
