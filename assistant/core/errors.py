"""Every error the assistant raises on purpose.

The CLI and the web app turn these into short plain messages; anything else is a bug.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: the message is meant for the user, as is."""


class ConfigError(AssistantError):
    """A setting or option has a value the assistant does not accept."""


class DocumentError(AssistantError):
    """A file cannot be read into a document; the message names the file and the reason."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class CorpusError(AssistantError):
    """The corpus directory or its manifest is missing, inconsistent or cannot be changed."""


class UnitNotFound(AssistantError):
    """A paragraph id that no document in the corpus has."""


class IndexStateError(AssistantError):
    """The index is missing, stale, corrupt or was built by another embedder."""


class EmbedderError(AssistantError):
    """An embedding backend cannot be loaded or used."""


class MissingDependency(AssistantError):
    """An optional package is needed for the requested feature and is not installed."""

    def __init__(self, package: str, feature: str, extra: str | None = None) -> None:
        hint = f"pip install '{package}'" if extra is None else f"pip install '.[{extra}]'"
        super().__init__(f"{feature} needs the package {package!r}, which is not installed ({hint}).")


class LLMError(AssistantError):
    """The optional language model could not be reached or answered unusably."""


def choice_error(what: str, value: object, valid: list[str] | tuple[str, ...]) -> ConfigError:
    """The error for a value outside a fixed set: it lists the valid ones."""
    return ConfigError(f"unknown {what} {value!r}; valid values: {', '.join(valid)}")
