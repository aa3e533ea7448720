"""Names in the reader's language: countries through pycountry's localized ISO 3166
names, the paper's terms through the glossary; and back, from a name in a question to
the Chinese forms the corpus would use ("Équateur" -> 厄瓜多尔)."""

from __future__ import annotations

import gettext
import re
from functools import cache

from assistant.core.text import has_han
from assistant.retrieval import glossary

_POSIX_LOCALE = {"zh": "zh_CN", "fr": "fr", "es": "es", "ru": "ru", "ar": "ar"}


@cache
def countries_zh() -> dict[str, str]:
    """Chinese country name -> English ISO 3166 name, from pycountry's own translations."""
    import pycountry

    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for name in {country.name, getattr(country, "common_name", country.name)}:
            local = zh.gettext(name)
            if local != name and len(local) >= 2:
                names[local] = country.name
    return names


@cache
def _country_translator(lang: str) -> gettext.NullTranslations:
    import pycountry

    locale = _POSIX_LOCALE.get(lang)
    if locale is None:
        return gettext.NullTranslations()
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale], fallback=True)


def countries_named(word: str, lang: str) -> list[str]:
    """The Chinese names of the countries whose name in ``lang`` contains ``word`` ("Korea" -> 大韩民国, 朝鲜…)."""
    # Compared by stem: "России" is Россия, "Équateur" is équateur.
    stem = glossary.fold(word)[:5]
    if len(stem) < 4:
        return []
    return [zh for zh, words in _country_words(lang) if any(w.startswith(stem) for w in words)]


@cache
def _country_words(lang: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each country's Chinese name with the folded words of its name in ``lang``."""
    return tuple(
        (zh, tuple(re.findall(r"[^\W_]+", glossary.fold(country_name(english, lang)))))
        for zh, english in countries_zh().items()
    )


def chinese_forms(name: str, lang: str) -> frozenset[str]:
    """How the corpus would write a thing the question names: itself in Chinese, else its
    glossary or salient-term equivalents and the countries it names ("Équateur" -> 厄瓜多尔)."""
    if has_han(name):
        return frozenset({name})
    folded = glossary.fold(name)
    return (
        glossary.terms_of_word(folded, lang)
        | glossary.terms_of_word(folded, lang, "salient_terms")
        | frozenset(countries_named(name, lang))
    )


def country_forms(name: str, lang: str) -> frozenset[str]:
    """The Chinese names of the countries ``name`` names: itself if it is one, else by its words in ``lang``."""
    if has_han(name):
        return frozenset({name}) if name in countries_zh() else frozenset()
    return frozenset(countries_named(name, lang))


def country_name(english_name: str, lang: str) -> str:
    return _country_translator(lang).gettext(english_name)


def term_in(zh: str, lang: str) -> str:
    """A Chinese term in the reader's language, when the glossary has it; else the term itself."""
    if lang == "zh":
        return zh
    return glossary.preferred_names(lang).get(zh, zh)
