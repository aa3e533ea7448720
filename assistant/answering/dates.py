"""Dates in a cited sentence, and dates written as the reader's language writes them.

The paper writes "2019 年 9 月 9 日至 11 日" and "7 月 30 日"; a guidance note added in
another language writes "15 March 2021", "March 15, 2021", "15 de marzo de 2021", "15 mars
2021" or "15 марта 2021 года". A reader gets "9–11 September 2019", "30 juillet", "2021年3月15日".
"""

from __future__ import annotations

import re

from assistant.core.text import has_han

# "7 月 30 日", or a month alone ("9 月"): a question asking which month is answered by either.
_DAY_MONTH = re.compile(r"(?<!\d)(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")
# Month names as UN documents write dates in each language ("30 July", "30 juillet", "30 تموز/يوليه").
MONTHS = {
    "en": "January February March April May June July August September October November December".split(),
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(),
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split(),
    "ru": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split(),
    "ar": (
        "كانون الثاني/يناير|شباط/فبراير|آذار/مارس|نيسان/أبريل|أيار/مايو|حزيران/يونيه|"
        "تموز/يوليه|آب/أغسطس|أيلول/سبتمبر|تشرين الأول/أكتوبر|تشرين الثاني/نوفمبر|كانون الأول/ديسمبر"
    ).split("|"),
}
# A month with its year and no day ("август 2017 года") takes the nominative, not the genitive of a date.
_MONTHS_NOMINATIVE_RU = "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь".split()
MONTH_WORDS = frozenset(m.casefold() for names in MONTHS.values() for m in names)
_MONTH_NUMBER = {name.casefold(): i for lang in ("en", "fr", "es", "ru") for i, name in enumerate(MONTHS[lang], 1)}
_MONTH_NAME = "|".join(sorted(map(re.escape, _MONTH_NUMBER), key=len, reverse=True))
# A month as a question names it, in any case form: "September", "septembre", "septiembre",
# "в сентябре", "أيلول/سبتمبر" or "سبتمبر" alone, "9月". English, French, Spanish and Arabic as the
# dates above write them; Russian by its stem (a question says "в сентябре", not "сентября"), and
# the Arabic spellings UN documents do not use but readers do.
_MONTH_STEMS_RU = (
    r"январ\w*", r"феврал\w*", r"март\w*", r"апрел\w*", r"ма[йяею]", r"июн\w*",
    r"июл\w*", r"август\w*", r"сентябр\w*", r"октябр\w*", r"ноябр\w*", r"декабр\w*",
)
_ARABIC_TOO = {5: "يونيو", 6: "يوليو"}  # June and July as readers spell them beside يونيه and يوليه
_MONTH_STEMS = tuple(
    "|".join([*(MONTHS[lang][i].lower() for lang in ("en", "fr", "es")), *MONTHS["ar"][i].split("/"), ru])
    + (f"|{_ARABIC_TOO[i]}" if i in _ARABIC_TOO else "")
    for i, ru in enumerate(_MONTH_STEMS_RU)
)
_MONTH_IN_QUESTION = [re.compile(rf"(?<!\w)(?:{stems})(?!\w)", re.IGNORECASE) for stems in _MONTH_STEMS]
_HAN_MONTH = re.compile(r"(?<!\d)(\d{1,2})\s*月")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


# A day always; the year when given.
_DATE_LATIN = re.compile(
    rf"(?<!\d)(\d{{1,2}})\s+(?:de\s+)?({_MONTH_NAME})\b(?:,?\s+(?:de\s+)?((?:19|20)\d\d))?"
    rf"|\b({_MONTH_NAME})\s+(\d{{1,2}}),?\s+((?:19|20)\d\d)",
    re.IGNORECASE,
)
# "2019 年 9 月 9 日至 11 日": a year that comes with its days is answered with the whole date
# (a meeting's dates); with a month alone ("2017 年 8 月") it stays the year asked for.
_MONTH_YEAR = re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月(?!\s*\d{1,2}\s*日)")
_FULL_DATE = re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日(?:\s*至\s*(\d{1,2})\s*日)?")


def days(text: str, with_day: bool) -> list[tuple[int, str, str]]:
    """(position, verbatim span, "month/day" or "month") of each date in ``text``; only those
    naming a day when ``with_day`` ("when" is not answered by a month alone)."""
    if not has_han(text):
        return [(start, span, f"{month}/{day}") for start, span, _, month, day in _latin_dates(text)]
    return [
        (m.start(), m.group(0), "/".join(str(int(g)) for g in m.groups() if g))
        for m in _DAY_MONTH.finditer(text)
        if not with_day or m.group(2)
    ]


def _latin_dates(text: str) -> list[tuple[int, str, str | None, int, int]]:
    """(position, span, year, month, day) of each ``_DATE_LATIN`` date in ``text``."""
    found = []
    for m in _DATE_LATIN.finditer(text):
        day, month, year = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(5), m.group(4), m.group(6))
        found.append((m.start(), m.group(0), year, _MONTH_NUMBER[month.casefold()], int(day)))
    return found


def whole_date(sentence: str, position: int, month_year: bool = False) -> tuple[str, str] | None:
    """The date with its year around ``position`` (a year or a day found there) as (span, value),
    the value "year/month/first[/last]"; with ``month_year`` (a question asking when, or which month),
    a month and year without a day too: "2017 年 8 月" is "year/month"."""
    for m in _FULL_DATE.finditer(sentence):
        if m.start() <= position < m.end():
            return m.group(0), "/".join(str(int(g)) for g in m.groups() if g)
    for start, span, year, month, day in _latin_dates(sentence):
        if year and start <= position < start + len(span):
            return span, f"{year}/{month}/{day}"
    for m in _MONTH_YEAR.finditer(sentence) if month_year else ():
        if m.start() <= position < m.end():
            return m.group(0), f"{m.group(1)}/{int(m.group(2))}"
    return None


def day_words(value: str, lang: str) -> str:
    """A "month/day" or "month" value as the reader's language writes it: "30 July", "7月30日"."""
    month, _, day = value.partition("/")
    if lang == "zh":
        return f"{month}月{day}日" if day else f"{month}月"
    name = MONTHS.get(lang, MONTHS["en"])[int(month) - 1]
    if not day:
        return name
    return f"{day} de {name}" if lang == "es" else f"{day} {name}"


def date_words(value: str, lang: str) -> str:
    """A "year/month/first[/last]" or "year/month" date as the reader's language writes dates:
    "9–11 September 2019", "August 2017"."""
    if value.count("/") == 1:
        year, month = value.split("/")
        if lang == "zh":
            return f"{year}年{int(month)}月"
        name = (_MONTHS_NOMINATIVE_RU if lang == "ru" else MONTHS.get(lang, MONTHS["en"]))[int(month) - 1]
        return f"{name} de {year}" if lang == "es" else f"{name} {year}" + (" года" if lang == "ru" else "")
    year, month, first, *rest = value.split("/")
    last = rest[0] if rest else None
    if lang == "zh":
        return f"{year}年{int(month)}月{int(first)}日" + (f"至{int(last)}日" if last else "")
    span = f"{int(first)}" + (f"–{int(last)}" if last else "")
    name = MONTHS.get(lang, MONTHS["en"])[int(month) - 1]
    if lang == "es":
        return f"{span} de {name} de {year}"
    return f"{span} {name} {year}" + (" года" if lang == "ru" else "")


def months_named(text: str) -> list[tuple[int, int]]:
    """(year, month) pairs a question names ("in September 2019", "в сентябре 2019 года",
    "2019年9月"): each month named with each year named, as a question rarely names more than one."""
    months = {i for i, pattern in enumerate(_MONTH_IN_QUESTION, 1) if pattern.search(text)}
    months |= {int(m.group(1)) for m in _HAN_MONTH.finditer(text) if 1 <= int(m.group(1)) <= 12}
    return [(int(year), month) for year in _YEAR.findall(text) for month in sorted(months)]


def title_date(text: str) -> tuple[int, int] | None:
    """The (year, month) of the first full date in ``text`` (a title block's "2019 年 9 月 9 日至 11 日")."""
    m = _FULL_DATE.search(text)
    if m:
        return int(m.group(1)), int(m.group(2))
    return next(((int(year), month) for _, _, year, month, _ in _latin_dates(text) if year), None)
