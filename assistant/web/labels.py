"""Which words each component of the web chat shows: one mapping, component -> label key.

The layout makes every component that has words through ``Labels.make``, which gives it
its English text and records its key. Switching the interface language updates exactly
the components recorded, each from its own key: the outputs of the language switch and
their new texts are both read from this one mapping, so no two lists must line up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import gradio as gr

from assistant.core.i18n import text
from assistant.web.render import EXAMPLES


@dataclass(frozen=True)
class Text:
    """A component's words from the string table.

    ``prop`` says where they go: a field's or a tab's ``label``, a button's ``value``, or a
    Markdown component's value framed by ``markdown`` (``"## {}"``). ``placeholder`` is the
    key of a text box's placeholder; ``values`` fill the text's fields (the upload limit);
    ``refused_key`` is the key while the last answer is a refusal (the citation chips, which
    then offer the closest paragraphs).
    """

    key: str
    prop: Literal["label", "value", "markdown"] = "label"
    markdown: str = "{}"
    placeholder: str | None = None
    values: tuple[tuple[str, object], ...] = ()
    refused_key: str | None = None

    def props(self, lang: str, refused: bool = False) -> dict[str, Any]:
        """The component's keyword arguments for these words in ``lang``."""
        words = text(self.refused_key if refused and self.refused_key else self.key, lang, **dict(self.values))
        props: dict[str, Any] = {"label": words} if self.prop == "label" else {"value": self.markdown.format(words)}
        if self.placeholder:
            props["placeholder"] = text(self.placeholder, lang)
        return props

    def update(self, lang: str, refused: bool = False) -> Any:
        props = self.props(lang, refused)
        # A Markdown component takes its new text as a plain value.
        return props["value"] if self.prop == "markdown" else gr.update(**props)


@dataclass(frozen=True)
class Example:
    """An example question's button: the ``index``-th of the paper's questions in the interface language."""

    index: int

    def props(self, lang: str, refused: bool = False) -> dict[str, Any]:
        return {"value": EXAMPLES[lang][self.index]}

    def update(self, lang: str, refused: bool = False) -> Any:
        return gr.update(**self.props(lang, refused))


Words = Text | Example
C = TypeVar("C", bound=gr.blocks.Block)


class Labels:
    """The mapping component -> its words, filled while the layout is built."""

    def __init__(self) -> None:
        self._words: dict[gr.blocks.Block, Words] = {}

    def make(self, kind: type[C], words: Words, *args: Any, **kwargs: Any) -> C:
        """A new ``kind`` component showing ``words`` in English, recorded for relabelling."""
        component = kind(*args, **words.props("en"), **kwargs)
        self._words[component] = words
        return component

    def props(self, component: gr.blocks.Block, lang: str, refused: bool = False) -> dict[str, Any]:
        """One component's words in ``lang``, as keyword arguments for ``gr.update``."""
        return self._words[component].props(lang, refused)

    @property
    def components(self) -> list[gr.blocks.Block]:
        """Every component with words: the language switch's outputs, in the order of ``updates``."""
        return list(self._words)

    def updates(self, lang: str, refused: bool) -> list[Any]:
        """Each component's words in ``lang``; ``refused``: the last answer was a refusal."""
        return [words.update(lang, refused) for words in self._words.values()]
