"""The assistant's own words in the six UN languages: one string table, one lookup.

Every label, refusal, notice and heading that any surface shows (answers, the CLI, the web
chat, briefs and quizzes) is a key of ``assistant/data/strings.toml``, read by ``text``.
Excerpts are never translated: they are quoted in the source language. Only what the
assistant itself says follows the reader.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType

from assistant.core.errors import choice_error

UI_LANGS: tuple[str, ...] = ("zh", "en", "fr", "es", "ru", "ar")
STRINGS_FILE = "data/strings.toml"  # inside the package


@cache
def table() -> Mapping[str, Mapping[str, str]]:
    """Every string as key -> language -> template, read once; the file's sections only group keys."""
    raw = tomllib.loads(resources.files("assistant").joinpath(STRINGS_FILE).read_text(encoding="utf-8"))
    strings: dict[str, Mapping[str, str]] = {}
    for section, entries in raw.items():
        for key, texts in entries.items():
            # A shipped table that breaks these rules is a packaging bug: say where, at once.
            if key in strings:
                raise ValueError(f"{STRINGS_FILE}: the key {key!r} of [{section}] is defined twice")
            if not texts.get("en") or not set(texts) <= set(UI_LANGS):
                raise ValueError(f"{STRINGS_FILE}: {key!r} needs an English text and only languages of {UI_LANGS}")
            strings[key] = MappingProxyType(texts)
    return MappingProxyType(strings)


def has(key: str) -> bool:
    return key in table()


def text(key: str, lang: str | None, **values: object) -> str:
    """The string ``key`` in ``lang`` (English when it has no text in ``lang``), its ``{fields}`` filled from ``values``."""
    try:
        texts = table()[key]
    except KeyError:
        raise KeyError(f"no string {key!r} in the string table, assistant/{STRINGS_FILE}") from None
    template = texts.get(lang or "en") or texts["en"]
    return template.format(**values) if values else template


def check_lang(lang: str) -> str:
    if lang not in UI_LANGS:
        raise choice_error("language", lang, UI_LANGS)
    return lang


def cite_label(unit_id: str, lang: str) -> str:
    """``第16(e)段`` in Chinese, ``para. 16(e)`` in English, the same address in each language."""
    if unit_id.startswith("fn"):
        return text("cite_footnote", lang, number=unit_id[2:])
    if unit_id == "header":
        return text("cite_header", lang)
    return text("cite_paragraph", lang, unit=unit_id)
