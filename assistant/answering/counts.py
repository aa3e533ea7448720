"""Counts in a cited sentence, how often something happens, and what a count counts.

"How many member agencies does the coordination group have?" finds "18 个国家" (18 countries)
in para. 38 and "How many articles does the Model Law contain?" "将近 1,500 项法院裁决" (court
decisions) in para. 50: the kind of fact is right, the thing counted is not. A question naming
what it counts ("how many countries", "多少个国家", "сколько статей") is answered only by a count
of that thing (``counts_the_thing``); with none in the evidence, the fact is missing, which the
answerability model weighs. A question naming nothing it counts takes any count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

QUANTITY = re.compile(
    r"(?:(将近|近|约|大约|超过|逾)\s*)?(?<![\d第./])(\d{1,3}(?:,\d{3})+|\d+)\s*(多)?\s*(?:个|项|名|次|家|种|国|所|起|人)"
)
# "将近 1,500 项", "100 多个": a count the paper gives as approximate stays approximate in every language.
ABOUT_WORDS: dict[str, dict[str, str]] = {
    "nearly": {"zh": "将近{n}", "en": "nearly {n}", "fr": "près de {n}", "es": "casi {n}", "ru": "почти {n}", "ar": "نحو {n}"},
    "about": {"zh": "约{n}", "en": "about {n}", "fr": "environ {n}", "es": "unos {n}", "ru": "около {n}", "ar": "حوالي {n}"},
    "over": {"zh": "{n}多", "en": "over {n}", "fr": "plus de {n}", "es": "más de {n}", "ru": "более {n}", "ar": "أكثر من {n}"},
}
ABOUT_OF = {"将近": "nearly", "近": "nearly", "约": "about", "大约": "about", "超过": "over", "逾": "over", "多": "over"}
# In a text written in another script (an added guidance note): a number before a word, "12 countries".
QUANTITY_LATIN = re.compile(r"(?<![\d./,-])(\d{1,3}(?:,\d{3})+|\d+)\s+([^\W\d_]{3,})")
# How often something happens, in the paper's Chinese or an added note's language.
FREQUENCY = re.compile(
    r"每(?:年|月|周|星期|天|日|季度|两年|三年)|一年[一两二三四]次|"
    r"\b(?:once|twice|thrice|(?:\d+|two|three|four|five|six) times) (?:a|per|each|every) (?:year|month|week|day)\b|"
    r"\b(?:annually|yearly|monthly|weekly|daily|quarterly|each year|"
    r"every (?:(?:two|three|four|five|\d+) )?(?:years?|months?|weeks?|days?))\b|"
    r"\b(?:une|deux|trois|quatre|\d+) fois par (?:an|mois|semaine|jour)\b|\b(?:chaque année|annuellement|tous les ans)\b|"
    r"\b(?:una vez|dos veces|tres veces|\d+ veces) (?:al|por) (?:año|mes|semana|día)\b|\b(?:cada año|anualmente)\b|"
    r"(?:дважды|трижды|(?:один|два|три|\d+) раза?) в (?:год|месяц|неделю|день)|ежегодно|ежемесячно|"
    r"(?:مرة|مرتين|\d+ مرات) (?:في|كل) (?:السنة|العام|الشهر|الأسبوع)|سنويا",
    re.IGNORECASE,
)
# The paper's own frequencies, for a reader of another language; an added note's stay verbatim.
FREQUENCY_WORDS: dict[str, dict[str, str]] = {
    "每年": {"en": "every year", "fr": "chaque année", "es": "cada año", "ru": "ежегодно", "ar": "كل عام"},
    "每月": {"en": "every month", "fr": "chaque mois", "es": "cada mes", "ru": "ежемесячно", "ar": "كل شهر"},
}


@dataclass(frozen=True)
class Counted:
    asked: re.Pattern[str]  # "how many X", in the six languages
    stated: re.Pattern[str]  # X after the number, in the paper's Chinese or a note's words


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


COUNTED: tuple[Counted, ...] = (
    Counted(
        _words(r"国家|\bcountr|\bstates?\b|\bpays\b|\bÉtats\b|\bpaíses\b|\bEstados\b|\bстран|\bгосударств|(?<!\w)(?:ال)?(?:بلد|دول)(?!ي)"),
        _words(r"^[^，。；]{0,20}?(?:国家|国|会员国|缔约国)|^\W*(?:countr|states|pays|États|países|Estados|стран|государств|بلد|دول)"),
    ),
    Counted(
        _words(
            r"(?<![国个])人(?![口权])|受害者|受害人|\bpeople\b|\bpersons\b|\bvictims\b|\bpersonnes\b|\bvictimes\b|"
            r"\bpersonas\b|\bvíctimas\b|\bчеловек|\bлюд|\bжертв|أشخاص|ضحايا|شخص"
        ),
        _words(r"^[^，。；]{0,20}?(?:人|名|受害者|受害人)|^\W*(?:people|persons|victims|personnes|victimes|personas|víctimas|человек|жертв)"),
    ),
    Counted(
        _words(
            r"裁决|判决|案件|案例|\bdecisions?\b|\bcases?\b|\bjudg(?:e)?ments?\b|\brulings?\b|\bdécisions?\b|\baffaires?\b|"
            r"\bsentencias?\b|\bcasos?\b|\bfallos?\b|\bрешени|\bдел\b|\bпостановлени|أحكام|قضايا|قرارات"
        ),
        _words(r"^[^，。；]{0,20}?(?:裁决|判决|案件|案例|案)|^\W*(?:decisions|cases|judgments|rulings|décisions|affaires|sentencias|casos)"),
    ),
    Counted(
        _words(r"多少条|几条|\barticles\b|\bartículos\b|\bстат[ейьи]|\bمواد"),
        _words(r"^[^，。；]{0,20}?条|^\W*(?:articles|artículos|стат|مواد)"),
    ),
    Counted(
        _words(
            r"机构|(?<!有)组织|成员|实体|\bagenc|\borgani[sz]ations\b|\bmembers\b|\bentities\b|\borganismes\b|\bmembres\b|"
            r"\borganismos\b|\borganizaciones\b|\bmiembros\b|\bорганизаци|\bчлен|\bучреждени|وكالات|منظمات|أعضاء|كيانات"
        ),
        _words(r"^[^，。；]{0,20}?(?:机构|组织|成员|实体)|^\W*(?:agenc|organi[sz]ations|members|entities|organismes|membres|организаци)"),
    ),
    Counted(
        _words(r"语言|语文|语种|\blanguages?\b|\blangues?\b|\bidiomas?\b|\blenguas?\b|\bязык|لغات|لغة"),
        _words(r"^[^，。；]{0,6}?(?:语言|语文|语种|文字)|^\W*(?:languages|langues|idiomas|lenguas|язык|لغات)"),
    ),
    # "How long did the campaign run?": a span of time, which "18 个国家" is not.
    Counted(
        _words(
            r"多长时间|多久|\bhow long\b|\btemps\b|\bdurée|\btiempo\b|\bвремени\b|\bduraci[óo]n|"
            r"сколько времени|как долго|продолжительн|من الوقت|مدة"
        ),
        _words(
            r"^[^，。；]{0,4}?(?:年|个月|周|星期|天|日|小时)|"
            r"^\W*(?:years?|months?|weeks?|days?|hours?|ans|mois|semaines|jours|años|meses|semanas|días|лет|год|месяц|недел|дн|سنوات|أشهر|أسابيع|أيام)"
        ),
    ),
    # "How much funding does it get?": a sum of money, which "18 个国家" is not.
    Counted(
        _words(
            r"资金|经费|钱|预算|费用|拨款|\bfund|\bmoney\b|\bbudget|\bcost|\bspen[dt]|\bfinanc|\bargent\b|\bfonds\b|\bco[uû]te|"
            r"\bdinero\b|\bfondos\b|\bpresupuest|\bcuesta|\bденег\b|\bсредств|\bбюджет|\bстоит|\bфинансир|تمويل|أموال|ميزانية|تكلفة|تكلف"
        ),
        _words(r"^[^，。；]{0,6}?(?:美元|欧元|元|英镑)|^\W*(?:dollars|euros|US\$|\$|€|долл|евро|دولار|يورو)"),
    ),
)


# "How many" and the words right after it: the thing counted ("How many countries do the court
# decisions come from?" counts countries, not decisions).
_HOW_MANY = re.compile(
    r"(?:多少|几)(.{0,8})|(多长时间|多久|\bhow long\b|\bcombien de temps\b|как долго)|"
    r"(?:\b(?:how many|how much|combien(?: d[e'])?|cu[áa]nt[oa]s?|сколько|number of|nombre d[e']|número de|"
    r"количеств\w*|числ[оа])|كم(?: عدد)?|عدد)\s*((?:\S+\s*){0,3})",
    re.IGNORECASE,
)


def asked_counts(question: str) -> tuple[Counted, ...]:
    """What a "how many" question counts, when it names it (none for "how many?" alone)."""
    found = _HOW_MANY.search(question)
    if found is None:
        return ()
    counted = found.group(1) or found.group(2) or found.group(3) or ""
    return tuple(c for c in COUNTED if c.asked.search(counted))


def counts_the_thing(text: str, position: int, asked: tuple[Counted, ...]) -> bool:
    """Whether the count whose number starts at ``position`` in ``text`` counts what the question
    asks about: the words after the number, up to the clause's end ("18 个国家", "将近 1,500 项关于
    贩运人口方面的法院裁决", "12 countries")."""
    after = re.sub(r"^[\d,.]+\s*", "", text[position : position + 40])
    return not asked or any(c.stated.search(after) for c in asked)
