"""Direct references to a unit ("paragraph 25", "第17(a)段", "note de bas de page 3").

A paragraph id is a language-independent address: UN documents number their paragraphs
identically in all six languages, so "párrafo 16 e)" and "第16(e)段" name the same unit.
A reference is a lookup, not a search: the unit is answered as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Sub-item letters as the six language versions print them: Latin (a)…(p) in English,
# French and Spanish (Russian versions use the same Latin letters; Cyrillic look-alikes
# are accepted), and the abjad order in Arabic: (أ) (ب) (ج) (د) (هـ) (و) …
_ARABIC_LETTERS = dict(zip("أبجدهوزحطيكلمنسع", "abcdefghijklmnop"))
_CYRILLIC_LOOKALIKES = str.maketrans("абсдеорх", "abcdeopx")
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

_LETTER = r"[a-pа-пأبجدهوزحطيكلمنسع]"
# "16(e)", "16 (e)", "16 e)", "16（e）", "16(هـ)"; the letter must be bracketed or
# followed by ")" so that "paragraph 16 explains" is not read as 16(e).
_SUB = rf"(?:\s*[\(（]\s*({_LETTER})ـ?\s*[\)）]|\s+({_LETTER})ـ?\s*\))?"

_PARAGRAPH_WORDS = (
    r"sub-?paragraphs?|paragraphs?|paras?\.?|§|alinéas?|paragraphe|par\.|apartados?|incisos?|párrafos?|parrafos?|párr\.|"
    r"подпункт[а-я]*|пункт[а-я]*|п\.|الفقرة الفرعية|الفقرة|فقرة"
)
_ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_FOOTNOTE_WORDS = (
    r"foot-?notes?|notes?\s+de\s+bas\s+de\s+page|notas?\s+(?:al\s+pie|a\s+pie\s+de\s+página)|"
    r"notes?|nota|сноск[а-я]*|примечани[а-я]*|الحاشية|حاشية"
)

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # "第15段(b)项" puts the letter after 段.
    ("paragraph", re.compile(rf"第\s*(\d+)\s*段{_SUB}\s*项?", re.IGNORECASE)),
    ("paragraph", re.compile(rf"第\s*(\d+){_SUB}\s*段", re.IGNORECASE)),
    ("paragraph", re.compile(rf"第\s*([零一二两三四五六七八九十百]+){_SUB}\s*段", re.IGNORECASE)),
    # A question that is nothing but an id: "18 b)", "16(e)", "25".
    ("paragraph", re.compile(rf"^\s*(\d{{1,3}}){_SUB}\s*[?？.。]?\s*$", re.IGNORECASE)),
    ("footnote", re.compile(r"脚注\s*(\d+|\*)")),
    ("paragraph", re.compile(rf"(?<![\w])(?:{_PARAGRAPH_WORDS})\s*(?:n[°º]\s*|№\s*|رقم\s*)?(\d+){_SUB}(?![\d/])", re.IGNORECASE)),
    ("footnote", re.compile(rf"(?<![\w])(?:{_FOOTNOTE_WORDS})\s*(?:n[°º]\s*|№\s*|رقم\s*)?(\d+|\*)(?![\d/])", re.IGNORECASE)),
)

# "paragraph 2 of article 10", "párrafo 2 del artículo 9", "пункт 2 статьи 9": a paragraph
# of a treaty the paper quotes, not one of the paper's own.
_OF_TREATY = re.compile(
    r"\s*(?:of|in|de|del|de la|du|из|من)\s+(?:\S+\s+){0,2}?"
    r"(?:articles?|art\.|l['’]article|artículos?|protocol[eo]?|convention|convención|resolution|résolution|resolución|"
    r"стать[а-я]*|протокол[а-я]*|конвенци[а-я]*|المادة|البروتوكول|الاتفاقية)"
    r"|\s+(?:стать[а-я]*|протокол[а-я]*|конвенци[а-я]*)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class UnitReference:
    unit_id: str  # canonical: "25", "16(e)", "fn3", "fn*"
    written: str  # the words the reader used


def _letter(raw: str | None) -> str | None:
    if not raw:
        return None
    raw = raw.casefold()
    return _ARABIC_LETTERS.get(raw) or raw.translate(_CYRILLIC_LOOKALIKES)


def chinese_numeral(written: str) -> int:
    """十二 -> 12, 二十 -> 20, 一百零五 -> 105 (up to 九百九十九)."""
    total, current = 0, 0
    for ch in written:
        if ch in _ZH_DIGITS:
            current = _ZH_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def _arabic_number(written: str) -> str:
    """"12" or "十二" -> "12"; a footnote's "*" stays."""
    return written if written.isdigit() or written == "*" else str(chinese_numeral(written))


def find_reference(question: str) -> UnitReference | None:
    """The first unit the question points at, or None. Numbers are read in Western or Arabic-Indic digits."""
    text = question.translate(_ARABIC_DIGITS)
    found: list[tuple[int, UnitReference]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if kind == "paragraph" and _OF_TREATY.match(text, match.end()):
                continue
            number = _arabic_number(match.group(1))
            if kind == "footnote":
                unit_id = f"fn{number}"
            else:
                letter = _letter(match.group(2) or match.group(3))
                unit_id = f"{int(number)}({letter})" if letter else str(int(number))
            found.append((match.start(), UnitReference(unit_id, match.group(0).strip())))
    if not found:
        return None
    return min(found, key=lambda pair: pair[0])[1]


def _address(unit_id: str) -> tuple[str, int, str]:
    m = re.fullmatch(r"(fn)?(\d+)(?:\(([a-z]+)\))?", unit_id)
    if not m:
        return ("other", 0, unit_id)
    return ("fn" if m.group(1) else "para", int(m.group(2)), m.group(3) or "")


def nearest_ids(unit_id: str, pool: Sequence[str], n: int = 3) -> list[str]:
    """The ids in ``pool`` closest to a missing ``unit_id``: same kind, nearest number, then nearest letter."""
    kind, number, letter = _address(unit_id)
    same_kind = [u for u in pool if _address(u)[0] == kind] or list(pool)

    def distance(u: str) -> tuple[int, int, int]:
        k, num, let = _address(u)
        letter_gap = abs(ord(let[:1] or "`") - ord(letter[:1] or "`"))
        return (abs(num - number), letter_gap, len(u))

    return sorted(same_kind, key=distance)[:n]
