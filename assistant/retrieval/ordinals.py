"""Meeting ordinals as the paper writes them: "the sixth meeting", "sexta reunión", "шестое
совещание", "الاجتماع السادس" and "第六次会议" all name 第六次."""

from __future__ import annotations

import re

_ZH_NUMERALS = "一二三四五六七八九十"
_ZH_ORDINAL = re.compile(r"第([一二三四五六七八九十]+)次")
_MEETING = re.compile(r"meeting|session|réunion|reunion|reunión|sesión|совещани|сесси|اجتماع|دورة", re.IGNORECASE)
# Ordinal words (stems) per language, 1..12, for "the fourth meeting" and its translations.
_ORDINAL_WORDS: tuple[tuple[str, ...], ...] = (
    ("first", "premi", "primer", "перв", "الأول"),
    ("second", "deuxi", "segund", "втор", "الثاني"),
    ("third", "troisi", "tercer", "трет", "الثالث"),
    ("fourth", "quatri", "cuart", "четверт", "الرابع"),
    ("fifth", "cinqui", "quint", "пят", "الخامس"),
    ("sixth", "sixi", "sext", "шест", "السادس"),
    ("seventh", "septi", "séptim", "седьм", "السابع"),
    ("eighth", "huiti", "octav", "восьм", "الثامن"),
    ("ninth", "neuvi", "noven", "девят", "التاسع"),
    ("tenth", "dixi", "décim", "десят", "العاشر"),
    ("eleventh", "onzi", "undécim", "одиннадцат", "الحادي عشر"),
    ("twelfth", "douzi", "duodécim", "двенадцат", "الثاني عشر"),
)


def _zh_numeral(n: int) -> str:
    if n <= 10:
        return _ZH_NUMERALS[n - 1]
    return "十" + _ZH_NUMERALS[n - 11]


def meeting_ordinals(question: str) -> list[str]:
    """Meeting ordinals in the question, as the corpus would write them (第四次)."""
    found = [m.group(0) for m in _ZH_ORDINAL.finditer(question)]
    if _MEETING.search(question):
        words = re.findall(r"[^\W\d_]+|\d+(?:st|nd|rd|th|e|ª|º|-?я|-?й)", question.casefold())
        for n, stems in enumerate(_ORDINAL_WORDS, 1):
            if any(w.startswith(stem) for w in words for stem in stems[:4]) or stems[4] in question:
                found.append(f"第{_zh_numeral(n)}次")
        for w in words:
            digits = re.match(r"\d+", w)
            if digits and 0 < int(digits.group(0)) <= 12:
                found.append(f"第{_zh_numeral(int(digits.group(0)))}次")
    return found
