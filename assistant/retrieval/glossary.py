"""A bridge from UN terminology in five languages to the Chinese wording of the corpus.

BM25 cannot match "carrier sanctions" against 承运人处罚; the team's glossary
(``data/glossary.tsv``: zh, en, fr, es, ru, ar; variants separated by ``|``) can. Terms
match by word stems, so "recruitment fee" finds "recruitment fees" and Russian
"перевозчиков" finds "перевозчики".

A second table in the same format, ``data/salient_terms.tsv``, names things (countries,
organisations, offices, budgets) whose absence from the corpus means it cannot answer a
question about them; the refusal logic uses it, retrieval does not.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from assistant.core.text import has_han

LANG_COLUMNS = ("en", "fr", "es", "ru", "ar")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Term:
    zh: str
    lang: str
    stems: tuple[str, ...]
    exact: bool = False


def _fold(text: str) -> str:
    """Case- and accent-insensitive (Arabic diacritics too), so 'Cœur' meets 'coeur'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe").replace("æ", "ae"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Arabic writes "and", "by", "for", "as" onto the next word: "باليوم" is "by" + "اليوم" (the day),
# "للاتجار" is "for" + "الاتجار". Stripped before an article, so the glossary's "اليوم العالمي" matches.
_ARABIC_PROCLITIC = re.compile(r"^(?:[وف]?[بكل]|[وف])(?=ال)")
_ARABIC_LIL = re.compile(r"^[وف]?لل")  # "for the": لـ + الـ, written لل


def _is_arabic(word: str) -> bool:
    return "\u0600" <= word[0] <= "\u06ff"


def _words(text: str) -> list[str]:
    """Folded words, an Arabic word without the conjunction or preposition written onto it."""
    return [
        _ARABIC_PROCLITIC.sub("", _ARABIC_LIL.sub("ال", w)) if _is_arabic(w) else w for w in _WORD.findall(_fold(text))
    ]


def _stem(word: str) -> str:
    # A crude prefix stem: long enough to stay specific, short enough to absorb endings.
    if _is_arabic(word) and word.startswith("ال") and len(word) > 4:
        # Stemmed after the article: "المد" would make "المدني" (civil) match "المدارس" (schools).
        return "ال" + _stem(word[2:])
    return word if len(word) <= 4 else word[: max(4, len(word) - 3)]


Table = Literal["glossary", "salient_terms"]


@cache
def _table(table: Table) -> tuple[dict[str, tuple[str, ...]], ...]:
    """Each row as language -> its variants, in the table's order; rows without Chinese are skipped."""
    text = resources.files("assistant").joinpath(f"data/{table}.tsv").read_text(encoding="utf-8")
    out = []
    for row in csv.DictReader(text.splitlines(), delimiter="\t"):
        variants = {k: tuple(v.strip() for v in (value or "").split("|") if v.strip()) for k, value in row.items() if k}
        if variants.get("zh"):
            out.append(variants)
    return tuple(out)


@cache
def rows(table: Table = "glossary") -> tuple[dict[str, str], ...]:
    """Each row's first (preferred) variant per language, e.g. {"zh": "承运人处罚", "en": "carrier sanctions", …}."""
    return tuple({lang: v[0] for lang, v in row.items() if v} for row in _table(table))


@cache
def variants(table: Table = "glossary") -> dict[str, tuple[str, ...]]:
    """Each Chinese term's names in every language of the table (its own Chinese ones included)."""
    return {row["zh"][0]: tuple(v for names in row.values() for v in names) for row in _table(table)}


@cache
def terms(table: Table = "glossary") -> tuple[Term, ...]:
    out: list[Term] = []
    for row in _table(table):
        zh = row["zh"][0]
        for lang in LANG_COLUMNS:
            for variant in row.get(lang, ()):
                words = _words(variant)
                if words:
                    # Names ("Interpol", "EU") match whole words only: as stems they
                    # would match "interdire" and "Europe".
                    stems = tuple(words) if table == "salient_terms" else tuple(_stem(w) for w in words)
                    out.append(Term(zh, lang, stems, exact=table == "salient_terms"))
    return tuple(out)


@cache
def chinese_terms() -> tuple[str, ...]:
    return tuple(sorted({t.zh for t in terms()}))


def _matches(term: Term, words: list[str]) -> bool:
    stems, n = term.stems, len(term.stems)
    for start in range(len(words) - n + 1):
        if term.exact:
            if all(words[start + i] == stems[i] for i in range(n)):
                return True
        elif all(words[start + i].startswith(stems[i]) for i in range(n)):
            return True
    return False


#: Question words at least this long are read through a one-letter slip ("carier", "sanctons").
_MIN_CORRECTED = 6


@cache
def _spelling(table: Table) -> tuple[frozenset[str], tuple[str, ...]]:
    """The table's words (folded), as a set to look up and a list to search for near spellings."""
    words = {w for lang in LANG_COLUMNS for w in vocabulary(lang, table)}
    return frozenset(words), tuple(sorted(w for w in words if len(w) >= _MIN_CORRECTED))


def _corrected(words: list[str], table: Table) -> list[str]:
    """Each word the table does not have, replaced by the table's word one edit away, if any."""
    from rapidfuzz import process
    from rapidfuzz.distance import DamerauLevenshtein

    known, candidates = _spelling(table)
    out = []
    for w in words:
        if len(w) >= _MIN_CORRECTED and w not in known:
            near = process.extractOne(w, candidates, scorer=DamerauLevenshtein.distance, score_cutoff=1)
            w = near[0] if near is not None else w
        out.append(w)
    return out


_KEY = 4  # a stem is at least this long unless its word is shorter


@cache
def _by_first_stem(table: Table) -> dict[str, tuple[int, ...]]:
    """Term positions (in ``terms(table)``) by the first letters of their first stem: a question
    is matched against the few terms that can start at one of its words, not against all."""
    index: dict[str, list[int]] = {}
    for i, term in enumerate(terms(table)):
        index.setdefault(term.stems[0][:_KEY], []).append(i)
    return {key: tuple(ids) for key, ids in index.items()}


def _matching(words: list[str], table: Table) -> list[Term]:
    """The terms of ``table`` that ``words`` contain, in the table's order."""
    index, every = _by_first_stem(table), terms(table)
    ids = {i for w in words for k in range(1, _KEY + 1) for i in index.get(w[:k], ()) if len(w) >= k}
    return [every[i] for i in sorted(ids) if len(every[i].stems) <= len(words) and _matches(every[i], words)]


def expand(question: str, table: Table = "glossary") -> list[str]:
    """The Chinese terms whose translations occur in ``question`` (a word misspelt by one letter
    still counts), longest match first."""
    words = _corrected(_words(question), table) if table == "glossary" else _words(question)
    if not words:
        return []
    found: dict[str, int] = {}
    for term in _matching(words, table):
        found[term.zh] = max(found.get(term.zh, 0), len(term.stems))
    return sorted(found, key=lambda zh: -found[zh])


def term_languages(question: str) -> frozenset[str]:
    """The languages whose glossary names ``question`` uses: "carrier sanctions" is English."""
    return frozenset(t.lang for t in _matching(_words(question), "glossary"))


@cache
def _longest_first() -> tuple[dict[str, str], ...]:
    return tuple(sorted(rows(), key=lambda r: -len(r["zh"])))


def equivalents(zh_text: str, lang: str, limit: int = 6) -> tuple[tuple[str, str], ...]:
    """The glossary terms in a Chinese text with their equivalents in ``lang``: a reading aid.

    Longest terms first and no overlaps, so 贩运人口受害者 is explained once, not also as
    贩运人口 and 受害者. In text order, at most ``limit``.
    """
    if lang == "zh":
        return ()
    return tuple((zh, row[lang]) for zh, row in _terms_in(zh_text, lang))[:limit]


def _terms_in(zh_text: str, lang: str) -> list[tuple[str, dict[str, str]]]:
    """The glossary rows with a ``lang`` equivalent whose Chinese term ``zh_text`` holds: longest
    first, without overlaps, in text order."""
    taken: list[tuple[int, int, str, dict[str, str]]] = []
    for row in _longest_first():
        zh = row["zh"]
        start = zh_text.find(zh)
        if start < 0 or not row.get(lang):
            continue
        end = start + len(zh)
        if not any(s < end and start < e for s, e, _, _ in taken):
            taken.append((start, end, zh, row))
    return [(zh, row) for _, _, zh, row in sorted(taken, key=lambda t: t[0])]


def named_terms(text: str, lang: str) -> list[str]:
    """The glossary terms ``text`` names (in any language), written in ``lang``: "蓝心运动由哪个机构协调？"
    names "Blue Heart Campaign" for an English reader, "Who coordinates the Blue Heart Campaign?" 蓝心运动."""
    from assistant.retrieval.lexical import simplify  # lexical imports this module

    zh_terms = [zh for zh, _ in _terms_in(simplify(text), lang)] if has_han(text) else expand(text)
    names = preferred_names(lang)
    return list(dict.fromkeys(names.get(zh, zh) for zh in zh_terms))


@cache
def preferred_names(lang: str, table: Table = "glossary") -> dict[str, str]:
    """Each Chinese term's first (preferred) equivalent in ``lang``, where the table has one."""
    return {row["zh"]: row[lang] for row in rows(table) if row.get(lang)}


@cache
def vocabulary(lang: str, table: Table = "glossary") -> dict[str, frozenset[str]]:
    """Folded word of a variant in ``lang`` -> the Chinese terms it belongs to."""
    words: dict[str, set[str]] = {}
    for row in _table(table):
        for variant in row.get(lang, ()):
            for word in _words(variant):
                words.setdefault(word, set()).add(row["zh"][0])
    return {w: frozenset(zh) for w, zh in words.items()}


def terms_of_word(folded: str, lang: str, table: Table = "glossary") -> frozenset[str]:
    """The Chinese terms with a word that is ``folded`` up to its ending ("России" ~ "россия")."""
    stem = _stem(folded)
    found: set[str] = set()
    for word, zh in vocabulary(lang, table).items():
        if len(word) > 2 and (word.startswith(stem) or folded.startswith(_stem(word))):
            found |= zh
    return frozenset(found)


def fold(text: str) -> str:
    return _fold(text)
