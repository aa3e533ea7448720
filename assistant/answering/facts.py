"""Short answers: the one fact a question asks for, taken from the cited text only.

A delegate asking "which year" wants "2013", then the evidence. The fact is a span of
the cited sentence (a year, a number, a resolution or document symbol, an article, a
country, an organisation, a person), shown in the reader's language: digits and
symbols as they are, countries through pycountry's localized ISO 3166 names, the
paper's organisations and terms through the glossary. Nothing is added from outside
the sentence; when the sentence holds no such span, there is no short answer.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

from assistant.answering import counts, dates
from assistant.answering.names import countries_zh, country_name, term_in
from assistant.answering.references import chinese_numeral
from assistant.core.text import HAN, has_han
from assistant.retrieval import glossary
from assistant.retrieval.lexical import simplify

FactKind = Literal[
    "date", "year", "time", "since", "ordinal", "share", "frequency", "quantity", "symbol", "article", "country", "place",
    "organisation", "author", "editor", "person", "agenda item",
]

# What a question asks for, per language. Order matters: "which year" is a year even
# though it contains "which"; "who coordinates" is answered by an organisation or a person.
_ASKS: tuple[tuple[FactKind, re.Pattern[str]], ...] = (
    # The agenda item a document is submitted under ("临时议程项目 2"), before "which item" reads as anything else.
    ("agenda item", re.compile(
        r"议程项目|哪[一个]?项议程|\bagenda item|\bitem of the (?:provisional )?agenda|\bpoint (?:de|à) l'ordre du jour|"
        r"\btema del programa|\bpunto del orden del día|\bпункт\w* (?:предварительной )?повестки|"
        r"(?:أي|ما) (?:هو )?البند|بند (?:من )?جدول الأعمال",
        re.IGNORECASE)),
    ("date", re.compile(
        r"哪一天|哪天|几月几日|什么日子|哪几天|什么日期|which day|what day|(?:what|which) dates?|what are the dates|"
        r"quel jour|quelle date|quelles dates|qué fechas|какие даты|ما (?:هي )?تواريخ|"
        r"哪一?个月|几月|which month|what month|quel mois|qué mes|в каком месяце|какой месяц|أي شهر|"
        r"qué día|qué fecha|какого числа|какой день|в какой день|какую дату|أي يوم|ما تاريخ|في أي تاريخ|ما هو اليوم|"
        # "What is the date of …": the date named, not "to date" (so far).
        r"日期|\bthe dates?\b|\bla date\b|\bles dates\b|\bla fecha\b|\blas fechas\b|\bдат[аыу]\b|ما (?:هو|هي) تاريخ",
        re.IGNORECASE)),
    # "Since when": the year something began ("从 2014 年起"), else any year.
    ("since", re.compile(
        r"从什么时候|从何时|自何时|从哪一?年|自哪一?年|\bsince when\b|\bsince what year\b|\bdepuis quand\b|"
        r"\bdepuis quelle année|desde cuándo|desde qué año|с какого года|с каких пор|с какого времени|منذ متى|منذ أي عام",
        re.IGNORECASE)),
    ("year", re.compile(
        r"哪一?年|何年|几年|年份|"
        r"\bwhat year\b|\bwhich year\b|\bquelle année|\ben quelle année|"
        r"qué año|в каком году|(?:за|с|до|от) как(?:ой|ого) год|какого года|في أي عام|في أي سنة|ما هو العام|في عام كم",
        re.IGNORECASE)),
    # A bare "when": a day when the text gives one ("World Day" is 30 July), else the year.
    ("time", re.compile(
        # "When", "quand", "когда" also join clauses ("What should workers have access to when
        # their rights are violated?"): they ask for a time at the head of the question only.
        r"什么时候|什么时间|何时|cuándo|متى|"
        r"^\W*(?:(?:and|so|but|et|y|pero|mais|и|а|но)\s+)?(?:when|quand|cuando|когда)\b|"
        r"\b(?:when|quand|cuando|когда)\W*$|"  # "…, and when?", "campagne Cœur bleu quand lancée"
        r"\b(?:when|quand|cuando)\b(?!\s+(?:the|their|its|it|they|there|a|an|he|she|we|you|les?|la|l'|il|elle|ils|"
        r"elles|on|une?|des|leurs?|ses|son|sa|ces|cette|se|los|las|el|sus?|hay)\b)",
        re.IGNORECASE)),
    ("ordinal", re.compile(
        r"第几[届次]|哪一[届次]|which (?:session|meeting|congress)|quel(?:le)? (?:session|réunion|congrès)|"
        r"qué (?:período de sesiones|reunión|congreso)|какое (?:совещание|сессия)|какой (?:конгресс|сессии)|"
        r"на как(?:ом|ой) (?:совещании|заседании|сессии|конгрессе)|"
        r"أي (?:دورة|اجتماع|مؤتمر)",
        re.IGNORECASE)),
    # A share is answered by a percentage, not by a count ("58%", not "12 countries").
    ("share", re.compile(
        r"百分之多少|百分之几|百分比|多大比例|比例是多少|what (?:percentage|proportion|share|per ?cent)|"
        r"quel(?:le)? (?:pourcentage|proportion|part)|qué (?:porcentaje|proporción)|"
        r"какой процент|какая доля|какова доля|сколько процентов|ما (?:هي )?نسبة",
        re.IGNORECASE)),
    # How often: "every year", "twice a year", not a count ("58 countries").
    ("frequency", re.compile(
        r"多久[^？?，,。]{0,6}一次|每隔多久|多长时间[^？?，,。]{0,6}一次|多频繁|频率|how often|how frequently|à quelle fréquence|"
        r"con qué frecuencia|cada cuánto|как часто|с какой периодичностью|كم مرة|بأي وتيرة",
        re.IGNORECASE)),
    ("quantity", re.compile(
        r"(?<!号是)(?<!号)多少|(?<![第哪])几[个名次项家国种]|how many|how much|combien|cuánt|cuant[oa]s|сколько|كم عدد|كم\b|"
        # How long, what amount: a number answers these too.
        r"多长|多久|多大|how long|how large|how big|how high|what amount|quel(?:le)? (?:montant|durée)|"
        r"quel(?:le)? est (?:le montant|la durée)|cuál es (?:el monto|la duración)|"
        # "What is the number of …", "le nombre de", "каково количество", "ما عدد".
        r"\bwhat(?: is|'s) the number of\b|\bquel est le nombre\b|\bcuál es el número de\b|"
        r"каково (?:число|количество)|какое количество|ما (?:هو )?عدد|"
        r"qué (?:cantidad|monto)|"
        r"какова (?:сумма|продолжительность)|каков (?:размер|объ[её]м|срок)|"
        r"как долго|ما مقدار|ما حجم|ما مدة",
        re.IGNORECASE)),
    ("article", re.compile(
        r"第几条|哪一?条|which article|what article|quel article|quels articles|qué artículo|cuál artículo|"
        r"какая статья|какой стать|какие стать|в какой стать|أي مادة|ما (?:هي )?المادة|أية مادة",
        re.IGNORECASE)),
    ("symbol", re.compile(
        # "Which resolution …", not "which body adopted resolution 68/192" (a body is asked for).
        r"哪[一个]?[项个]?[^？?，,]{0,8}决议|什么决议|第几号决议|文号|文件号|编号|symbol|"
        # UN French and Spanish name a document's symbol "cote" and "signatura".
        r"\bcote\b|\bsignatura\b|"
        r"\b(?:which|what)\b"
        r"(?!\s+(?:body|bodies|organi[sz]ations?|organs?|countr(?:y|ies)|(?:member )?states?|year|month|day|meeting|session)\b)"
        r"[^?.]{0,40}\bresolution|"
        r"\bquelle\b(?!\s+(?:organisation|instance|année|réunion|session)\b)[^?.]{0,40}\brésolution|"
        r"\bqué\b(?!\s+(?:órgano|organismo|organización|año|país|reunión)\b)[^?.]{0,40}\bresolución|"
        r"\bкак(?:ая|ой|ую)\b(?!\s+(?:организаци|орган|стран|год))[^?.]{0,40}\bрезолюци|"
        r"أي[^؟?.]{0,40}قرار|ما هو (?:ال)?قرار|"
        r"quelle résolution|la cote|qué resolución|cuál resolución|signatura|какая резолюция|какой резолюци|"
        r"условн\w* обозначени|шифр|أي قرار|ما القرار|رمز (?:ال)?وثيقة|ما (?:هو )?رمز",
        re.IGNORECASE)),
    ("country", re.compile(
        r"哪一?个?国家|哪些国家|哪国|哪一国|which country|what country|which countries|quel pays|quels pays|"
        r"qué país|cuál país|qué países|какая страна|какой стран|какие стран|أي بلد|أي دولة|"
        r"ما (?:هو |هي )?(?:البلد|الدولة|البلدان|الدول)\b|"
        r"哪国政府|哪个政府|which government|what government|quel gouvernement|qué gobierno|какое правительство|أي حكومة|"
        r"\bwhich (?:member )?states?\b|\bquels? États?(?: membres?)?\b|\bqué Estados?(?: miembros?)?\b|"
        r"\bкакое государство|\bкакие государства|"
        r"أي دولة عضو",
        re.IGNORECASE)),
    # A city, or where a meeting is held; a bare "where" often asks which paragraph, so it is not enough.
    ("place", re.compile(
        r"哪[个座一]?城市|在哪里?(?:举行|发布|签署|通过)|在哪儿举行|在何地|在什么地方|什么地方[开举]|"
        r"which city|what city|in what city|"
        r"where (?:is|was|will|are|were|does|did)\b[^?]{0,80}\b(?:held|take place|taking place|meet|issued|signed|adopted)|"
        r"quelle ville|où (?:se tient|se tiendra|s'est tenue|a lieu|aura lieu|se réunit)|où\b[^?]{0,80}\b(?:publiée?|signée?|adoptée?)s?\b|"
        r"qué ciudad|dónde (?:se celebra|se celebró|se celebrará|tiene lugar|se reúne|se publicó|se firmó|se aprobó)|"
        r"в каком городе|какой город|где (?:проходит|пройдет|состоится|проводится|состоялось|проходило)|"
        r"где\b[^?]{0,80}\b(?:опубликован|подписан|принят)|"
        r"أي مدينة|أين (?:يعقد|يُعقد|ستعقد|عقد|عُقد|تعقد|تُعقد|نُشر|نشر|وُقع|اعتُمد)|"
        # "Where?" alone, a follow-up to "when": the place of what was just asked about.
        r"^\W*(?:and |et |y |и |а |و)?(?:where|où|dónde|где|أين|在哪里?|在哪儿|哪里)\W*$",
        re.IGNORECASE)),
    # Before "organisation": "是由谁联合主编的" asks for editors, not for whoever acts.
    ("editor", re.compile(
        r"主编|编辑|合编|\bedit(?:ed|or|ors)\b|\béditeurs? scientifiques?|\bdirigé|\bsous la direction|"
        r"\bedit(?:ó|aron|ad[oa]s?|ores)\b|\bédité|\bredact|под редакц|редактор|редактировал|\bحرر|المحرر",
        re.IGNORECASE)),
    ("author", re.compile(
        r"作者|谁写|谁撰写|谁著|\bwho wrote\b|\bauthors?\b|\bwritten by\b|\bauteurs?\b|\bécrit\b|\brédigé|"
        r"\bautor(?:es|a)?\b|\bescribi|\bescrito\b|\bавтор|\bнаписал|مؤلف|\bكتب",
        re.IGNORECASE)),
    ("organisation", re.compile(
        r"(?:哪一?个?|哪些)(?:机构|组织|部门)|由谁|which organi[sz]ation|what organi[sz]ation|which bod(?:y|ies)|"
        r"which agenc(?:y|ies)|which office|what bod(?:y|ies)|which organs?|quelle organisation|quel organisme|quel bureau|"
        r"quelle instance|quel organe|quelle entité|qué organización|qué organismo|qué órgano|qué entidad|qué oficina|"
        r"which entit(?:y|ies)|what entit(?:y|ies)|какое учреждение|أي كيان|"
        r"какая организация|какой орган|какая инстанция|какое ведомство|какая структура|"
        r"أي منظمة|أي جهة|أي هيئة|أي مكتب|ما هي الجهة|ما الجهة|الجهة التي|(?:ما )?(?:هي )?الهيئة التي|"
        r"哪家|which publisher|quel éditeur|qué editorial|"
        # Bodies by their type: "Which social media companies …", "Quel ministère équatorien …".
        r"哪些?(?:公司|企业|法院|部委|大学|非政府组织)|哪个部|"
        r"\bwhich (?:\w+ ){0,2}(?:compan(?:y|ies)|firms?|courts?|ministr(?:y|ies)|NGOs?|universit(?:y|ies))\b|"
        r"\bquel(?:le)?s? (?:entreprises?|sociétés?|tribunaux|tribunal|juridictions?|ministères?|ONG|universités?)\b|"
        r"\bqué (?:empresas?|compañías?|tribunales|tribunal|ministerios?|ONG|universidades?)\b|"
        r"\bкак(?:ие|ая|ой|ое) (?:компани|фирм|суд|министерств|НПО|университет)|"
        r"(?:أي|ما أسماء|ما هي) (?:ال)?(?:شركات?|محاكم|محكمة|وزارة|جامعات?)",
        re.IGNORECASE)),
    ("person", re.compile(
        r"\bwhich (?:\w+ ){0,2}(?:ambassadors?|ministers?|experts?|officials?|judges?)\b|"
        r"\bquel(?:le)?s? (?:ambassadeurs?|ministres?|experts?|juges?)\b|\bqué (?:embajador(?:es)?|ministros?|expertos?|jueces|juez)\b|"
        r"\bкак(?:ой|ие) (?:посол|послы|министр|эксперт|судья|судьи)|(?:أي|ما أسماء) (?:ال)?(?:سفير|وزير|خبير|قاض)|"
        r"谁|\bwho\b|\bwhom\b|\bqui\b|quién|quiénes|\bкто\b|\bкем\b|من هو|من هي|من الذي|من هم|"
        # Arabic "من" opening a question is "who" ("من ينسق…؟"), unless it is "from where / which".
        r"^\W*من (?!أين|أي\b|أية\b|حيث)",
        re.IGNORECASE)),
)


_ASKS_PLACE = dict(_ASKS)["place"]
# "Which countries …", "哪些机构": every one the cited paragraph names, not the first.
_SEVERAL = re.compile(
    r"哪些|\bwhich (?:countries|organi[sz]ations|bodies|agencies|governments)\b|\bquel(?:le)?s\b|"
    r"\bqué (?:países|organizaciones|organismos|gobiernos)\b|\bcuáles\b|\bкакие\b|"
    r"(?:البلدان|الدول|المنظمات|الجهات|الحكومات)\b",
    re.IGNORECASE,
)
#: Kinds of which a paragraph may name several, all of them answering "which … (plural)".
LISTABLE: frozenset[FactKind] = frozenset({"country", "organisation"})


def asks_for_several(question: str) -> bool:
    return bool(_SEVERAL.search(simplify(question)))


def joined(parts: Sequence[str], lang: str, enumeration: bool = True) -> str:
    """Facts listed as the reader's language lists them: "墨西哥、厄瓜多尔", "Mexico, Ecuador", "2019年9月9日，维也纳"."""
    if lang == "zh":
        return ("、" if enumeration else "，").join(parts)
    return ("، " if lang == "ar" else ", ").join(parts)


def asks_where_too(question: str, kind: FactKind | None) -> bool:
    """"When and where is the meeting?": a question for a time that also asks for the place."""
    return kind in ("time", "date", "year") and bool(_ASKS_PLACE.search(simplify(question)))


def asked_kind(question: str) -> FactKind | None:
    """The kind of fact the question asks for, or None for an open question (in Traditional
    Chinese too: "哪個城市" is "哪个城市")."""
    question = simplify(question)
    for kind, pattern in _ASKS:
        if pattern.search(question):
            return kind
    return None


@dataclass(frozen=True)
class Fact:
    kind: FactKind
    span: str  # verbatim from the cited text
    display: str  # the fact in the reader's language
    unit_id: str
    context_year: str | None = None  # a year in the same sentence, for "Ecuador (2019)"
    anchored: bool = False  # the clause stating it also holds something the question names


_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*年(?!代)")
# A year something began from: "从 2014 年起", "自 2010 年以来", "2014 年开始", "since 2014", "depuis 2014".
_SINCE = re.compile(
    r"(?:从|自)\s*((?:19|20)\d\d)\s*年|(?<!\d)((?:19|20)\d\d)\s*年\s*(?:起|以来|开始)"
    r"|\b(?:since|from|depuis|desde|с|منذ)\s+((?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_YEAR_LATIN = re.compile(r"(?<![\d/.-])((?:19|20)\d\d)(?![\d/.-])")
_SHARE = re.compile(
    r"(?<![\d.])(\d+(?:\.\d+)?)\s*(?:%|％|per ?cent\b|pour cent\b|por ciento\b|процент|في المائة)|百分之(\d+(?:\.\d+)?)",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"第\s*(\d+)\s*条")
_ORDINAL = re.compile(r"第([一二三四五六七八九十]+)([届次])")
# A meeting (次: reunión, совещание) is feminine in Spanish and neuter in Russian; a session (届:
# período de sesiones, сессия) masculine in Spanish and feminine in Russian.
_ORDINAL_WORD: dict[str | tuple[str, str], str] = {
    "en": "{n}th", "fr": "{n}e", "es": "{n}.º", "ru": "{n}-я", "ar": "{n}",
    ("es", "次"): "{n}.ª", ("ru", "次"): "{n}-е",
}
# Before a body's name: the 13th Congress (Конгресс is masculine).
_BODY_ORDINAL = {"ru": "{n}-й"}
# Publishers and other bodies printed in full ("斯普林格出版社") that the glossary does not list.
# A publisher, foundation, institute or university by name: "该倡议的大学部分" (the initiative's university part) is none.
_BODY = re.compile(f"(?![该这此其])(?:(?!的)[{HAN}]){{2,10}}(?:出版社|基金会|研究所|大学)")
_RESOLUTION = re.compile(r"第\s*(\d{2,4}/\d{1,4})\s*号决议")
_SYMBOL = re.compile(r"\b[A-Z]{1,6}(?:/[A-Z0-9.]+){2,}\b")
_LATIN_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z]\.)*(?:\s+[A-Z][a-z]+)+\b")
# Kinds that ask for a person's role in a citation.
_ROLES: tuple[FactKind, ...] = ("author", "editor")
_EDITED = re.compile(r"主编|编辑|合编|\(eds?\.\)|\beds?\.|\(dir\.\)|\(comps?\.\)", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[；;。，,]")
_ORG_ENDINGS = ("办公室", "办事处", "秘书处", "小组", "理事会", "工作组", "委员会", "大会", "组织", "政府")

_AGENDA_ITEM = re.compile(
    r"议程项目\s*(\d+)|\bagenda item\s+(\d+)|\bpoint\s+(\d+)\s+de l'ordre du jour|\btema\s+(\d+)\s+del programa|"
    r"\bпункт\s+(\d+)\s+(?:предварительной )?повестки|البند\s+(\d+)\s+من جدول الأعمال",
    re.IGNORECASE,
)
_AGENDA_ITEM_WORD = {
    "zh": "议程项目 {n}", "en": "agenda item {n}", "fr": "point {n} de l'ordre du jour", "es": "tema {n} del programa",
    "ru": "пункт {n} повестки дня", "ar": "البند {n} من جدول الأعمال",
}
_ARTICLE_WORD = {"zh": "第{n}条", "en": "article {n}", "fr": "article {n}", "es": "artículo {n}", "ru": "статья {n}", "ar": "المادة {n}"}
_RESOLUTION_WORD = {
    "zh": "第{n}号决议", "en": "resolution {n}", "fr": "résolution {n}", "es": "resolución {n}",
    "ru": "резолюция {n}", "ar": "القرار {n}",
}
@cache
def _organisations() -> tuple[str, ...]:
    return tuple(sorted((zh for zh in glossary.chinese_terms() if zh.endswith(_ORG_ENDINGS)), key=len, reverse=True))


#: Who acts. In Chinese the paper names its bodies (a known list) and people; in an added
#: note's Latin script, "the employer" or "Governments" answer "who" as well as a capitalised name.
AGENT_KINDS: frozenset[FactKind] = frozenset({"person", "organisation", "author", "editor"})


def absence_tells(kind: FactKind, text: str) -> bool:
    """Whether finding no candidate of ``kind`` in ``text`` means the text does not state it:
    not so for who does something in a text without Chinese, whose agents may be common nouns."""
    return kind not in AGENT_KINDS or has_han(text)


def has_candidate(kind: FactKind, text: str, given: str = "") -> bool:
    """Whether ``text`` holds anything that could answer a question of ``kind`` (other than what it names, ``given``)."""
    return any(states(k, text, given) for k in answering_kinds(kind))


def states(kind: FactKind, text: str, given: str = "") -> bool:
    """Whether ``text`` holds a candidate of exactly ``kind`` (a day, not a year, for "time")."""
    return bool(_candidates(kind, text, given))


def _candidates(kind: FactKind, text: str, given: str) -> list[tuple[int, str, str]]:
    # What the question itself names is not its answer: "Who chairs the Working Group?"
    # is not answered by "the Working Group", "in 2018" not by 2018.
    return [s for s in _spans(kind, text) if s[1].replace(" ", "") not in given and s[2].removeprefix("res:") not in given]


def answering_kinds(kind: FactKind) -> tuple[FactKind, ...]:
    """The kinds that answer a question of ``kind``, preferred first. "Who" is answered by a
    person when the text names one, else by the body that acts; an author or editor question
    by any person when no citation role can be read, and an author question by a body when
    no person is named; "when" by a day, else a year."""
    if kind == "person":
        return ("person", "organisation")
    if kind == "author":  # a paper is written by a body ("本背景文件由秘书处编写") as often as by people
        return (kind, "person", "organisation")
    if kind in _ROLES:
        return (kind, "person")
    if kind == "time":
        return ("time", "year")
    if kind == "since":
        return ("since", "year")
    return (kind,)


def _spans(kind: FactKind, text: str) -> list[tuple[int, str, str]]:
    """(position, verbatim span, canonical value) of every candidate of ``kind`` in ``text``."""
    if kind == "since":
        return [(m.start(), m.group(0), next(g for g in m.groups() if g)) for m in _SINCE.finditer(text)]
    if kind == "year":
        return [(m.start(), m.group(0), m.group(1)) for m in _YEAR.finditer(text)] or [
            (m.start(), m.group(0), m.group(1)) for m in _YEAR_LATIN.finditer(text)
        ]
    if kind in ("date", "time"):  # "when" wants a day: a month alone does not answer it
        return dates.days(text, with_day=kind == "time")
    if kind == "ordinal":
        # "8次" (a meeting) or "13届" (a session, a congress): the noun decides the ordinal's gender.
        return [(m.start(), m.group(0), f"{chinese_numeral(m.group(1))}{m.group(2)}") for m in _ORDINAL.finditer(text)]
    if kind == "share":
        return [(m.start(), m.group(0), (m.group(1) or m.group(2)) + "%") for m in _SHARE.finditer(text)]
    if kind == "agenda item":
        return [(m.start(), m.group(0), next(g for g in m.groups() if g)) for m in _AGENDA_ITEM.finditer(text)]
    if kind == "frequency":
        return [(m.start(), m.group(0), m.group(0)) for m in counts.FREQUENCY.finditer(text)]
    if kind == "quantity":
        counted = [  # placed at the number, not at "将近": which count is nearest the question's words
            (m.start(2), m.group(0), f"{counts.ABOUT_OF[q]}:{m.group(2)}" if (q := m.group(1) or m.group(3)) else m.group(2))
            for m in counts.QUANTITY.finditer(text)
        ]
        if counted or has_han(text):
            return counted
        # Not a year ("in 2020 surveys"), a day of a month ("15 March") or a share ("58 per cent").
        return [
            (m.start(), m.group(0), m.group(1))
            for m in counts.QUANTITY_LATIN.finditer(text)
            if not _YEAR_LATIN.fullmatch(m.group(1))
            and m.group(2).casefold() not in dates.MONTH_WORDS
            and not _SHARE.match(text, m.start())
        ]
    if kind == "article":
        return [(m.start(), m.group(0), m.group(1)) for m in _ARTICLE.finditer(text)]
    if kind == "symbol":
        found: list[tuple[int, str, str]] = [(m.start(), m.group(0), "res:" + m.group(1)) for m in _RESOLUTION.finditer(text)]
        return found + [(m.start(), m.group(0), m.group(0)) for m in _SYMBOL.finditer(text)]
    if kind == "country":
        # "西班牙语" is the Spanish language, not Spain.
        return sorted(
            (m.start(), zh, english)
            for zh, english in countries_zh().items()
            for m in re.finditer(re.escape(zh) + "(?![语文人])", text)
        )
    if kind == "place":
        return _places(text)
    if kind == "organisation":
        found = [(m.start(), m.group(0), m.group(0)) for m in _BODY.finditer(text)]
        for zh in _organisations():
            start = text.find(zh)
            if start >= 0 and not any(s <= start < s + len(v) for s, v, _ in found):
                found.append((start, zh, zh))
        return sorted(_with_session(text, *body) for body in found)
    if kind == "person":
        return [(m.start(), m.group(0), m.group(0)) for m in _LATIN_NAME.finditer(text)]
    if kind in _ROLES:
        # A citation names its authors first and its editors before "主编" / "(eds.)":
        # a name's role is read from what follows it up to the clause's end.
        names = _spans("person", text)
        return [n for n in names if bool(_EDITED.search(_CLAUSE_END.split(text[n[0]:], 1)[0])) == (kind == "editor")]
    return []


def _places(text: str) -> list[tuple[int, str, str]]:
    """Cities and other places jieba tags in ``text`` that are not countries (those are the "country"
    kind); in a text of another script, the salient-term table's places by any of their names."""
    from assistant.retrieval.lexical import tag

    if not has_han(text):
        return sorted((m.start(), m.group(0), zh) for zh, pattern in _named_places() for m in pattern.finditer(text))
    found, position, after_country = [], 0, False
    for word, flag in tag(text):
        # A name right after its country is a place in it, whatever jieba takes it for: "瑞士巴塞尔" (nr).
        place = flag == "ns" or (after_country and flag in ("nr", "nrt", "nz"))
        if place and len(word) >= 2 and word not in countries_zh():
            found.append((position, word, word))
        after_country = word in countries_zh()
        position += len(word)
    return found


@cache
def _named_places() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The salient-term table's places that are not countries ("日内瓦"), each with a pattern
    matching any of its names ("Geneva", "Genève", "Ginebra", "Женева")."""
    from assistant.retrieval.lexical import tag

    places = []
    for zh, names in glossary.variants("salient_terms").items():
        if zh not in countries_zh() and all(flag == "ns" for _, flag in tag(zh)):
            latin = sorted((n for n in names if not has_han(n)), key=len, reverse=True)
            if latin:
                places.append((zh, re.compile(r"\b(?:" + "|".join(map(re.escape, latin)) + r")\b", re.IGNORECASE)))
    return tuple(places)


@cache
def _place_names(lang: str) -> dict[str, str]:
    """The salient-term table's name of each place in ``lang`` ("维也纳" -> "Vienna"), capitalised as names are."""
    return {
        zh: " ".join(w[:1].upper() + w[1:] for w in name.split(" "))
        for zh, name in glossary.preferred_names(lang, "salient_terms").items()
    }


def _display(kind: FactKind, value: str, lang: str) -> str:
    if kind == "quantity" and ":" in value:  # "nearly:1,500"
        about, count = value.split(":", 1)
        return counts.ABOUT_WORDS[about].get(lang, "{n}").format(n=count)
    if kind in ("date", "time"):
        return dates.day_words(value, lang)
    if kind == "ordinal" and lang != "zh":
        n, noun = int(value[:-1]), value[-1]
        if lang == "en":
            suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
            return f"{n}{suffix}"
        return _ORDINAL_WORD.get((lang, noun), _ORDINAL_WORD.get(lang, "{n}")).format(n=n)
    if kind == "article":
        return _ARTICLE_WORD.get(lang, _ARTICLE_WORD["en"]).format(n=value)
    if kind == "agenda item":
        return _AGENDA_ITEM_WORD.get(lang, _AGENDA_ITEM_WORD["en"]).format(n=value)
    if kind == "frequency":
        return counts.FREQUENCY_WORDS.get(value, {}).get(lang, value)
    if kind == "symbol" and value.startswith("res:"):
        return _RESOLUTION_WORD.get(lang, _RESOLUTION_WORD["en"]).format(n=value[4:])
    if kind == "country":
        return country_name(value, lang) if lang != "zh" else next(
            (zh for zh, en in countries_zh().items() if en == value), value
        )
    if kind == "organisation":
        if "|" not in value:
            return term_in(value, lang)
        session, session_zh, body = value.split("|")
        if lang in ("zh", "ar"):  # Arabic puts the ordinal after the name: the name alone
            return session_zh + body if lang == "zh" else term_in(body, lang)
        ordinal = _BODY_ORDINAL[lang].format(n=session) if lang in _BODY_ORDINAL else _display("ordinal", session + "届", lang)
        return f"{ordinal} {term_in(body, lang)}"
    if kind == "place" and lang != "zh":
        return _place_names(lang).get(value, value)
    return value


_SESSION = re.compile(r"第([一二三四五六七八九十]+)届\s*$")


def _with_session(text: str, start: int, span: str, value: str) -> tuple[int, str, str]:
    """A body with the session before it: "第十三届联合国预防犯罪和刑事司法大会" is the 13th Crime
    Congress (value "13|第十三届|联合国预防犯罪和刑事司法大会"), not the Congress in general."""
    session = _SESSION.search(text[:start])
    if session is None:
        return start, span, value
    number = chinese_numeral(session.group(1))
    return session.start(), text[session.start() : start + len(span)], f"{number}|{session.group(0).strip()}|{value}"


def _nearest(spans: list[tuple[int, str, str]], anchors: Sequence[int], text: str) -> tuple[tuple[int, str, str], bool]:
    """The candidate in the same clause as the question's own words, else the closest to them;
    and whether it shares a clause with them (the fact is "anchored")."""
    if not anchors:
        return spans[0], False
    clause = [0] * (len(text) + 1)
    for i, ch in enumerate(text):
        clause[i + 1] = clause[i] + bool(_CLAUSE_END.match(ch))
    anchor_clauses = {clause[a] for a in anchors}
    best = min(spans, key=lambda s: (clause[s[0]] not in anchor_clauses, min(abs(s[0] - a) for a in anchors), s[0]))
    return best, clause[best[0]] in anchor_clauses


def find_fact(
    kind: FactKind,
    evidence: Sequence[tuple[str, str]],
    anchor_terms: Sequence[str],
    lang: str,
    countries: Collection[str] = (),
    several: bool = False,
    topic_terms: Sequence[str] = (),
    counted: tuple[counts.Counted, ...] = (),
) -> Fact | None:
    """The fact of ``kind`` in the evidence, as (unit id, sentence) pairs best first.

    ``topic_terms`` (a follow-up's topic: "Who launched it?" after a question on 教育促进正义倡议)
    place the answer as the question's own terms do, but unlike them may be the answer.

    Within a sentence, the candidate nearest the question's words. The first sentence whose
    candidate shares a clause with them wins, else the first holding one: a later sentence's
    "成立于 2010 年" beside 蓝心运动 answers "when was the Blue Heart Campaign created", not the
    "2017 年 8 月" of another campaign launched within it. When the question names a country
    (``countries``, in Chinese) that some sentences mention, only those may answer: "In which
    month did Ecuador join?" is not answered by the month another country's campaign began. A
    question asking for ``several`` countries or bodies is answered by every one its paragraph names,
    and one naming what it ``counted`` only by a count of that (``counts.counts_the_thing``).
    """
    about = [(u, s) for u, s in evidence if any(c in s for c in countries)]
    evidence = about or evidence
    first = None
    for unit_id, sentence in evidence:
        fact = _fact_in(kind, unit_id, sentence, evidence, anchor_terms, lang, several, topic_terms, counted)
        if fact is not None and fact.anchored:
            return fact  # the later sentences need not be read
        first = first or fact
    return first


def _fact_in(
    kind: FactKind,
    unit_id: str,
    sentence: str,
    evidence: Sequence[tuple[str, str]],
    anchor_terms: Sequence[str],
    lang: str,
    several: bool,
    topic_terms: Sequence[str],
    counted: tuple[counts.Counted, ...] = (),
) -> Fact | None:
    # "Who" is a person when the sentence names one (authors, editors), else the body that acts.
    given = "".join(anchor_terms)
    for k in answering_kinds(kind):
        spans = [s for s in _candidates(k, sentence, given) if k != "quantity" or counts.counts_the_thing(sentence, s[0], counted)]
        if not spans:
            continue
        anchors = [m.start() for t in (*anchor_terms, *topic_terms) if t for m in re.finditer(re.escape(t), sentence)]
        (position, span, value), anchored = _nearest(spans, anchors, sentence)
        if k in _ROLES:  # every author, as the citation lists them
            first, last = spans[0], spans[-1]
            span = sentence[first[0] : last[0] + len(last[1])]
            value = ", ".join(name for _, name, _ in spans)
        year = None
        if k == "country":  # "Ecuador (2019)": when it joined, not just who
            years = _YEAR.findall(sentence)
            year = years[-1] if len(set(years)) == 1 else None
        if several and k in LISTABLE:
            values = [v for u, s in evidence if u == unit_id for _, _, v in _candidates(k, s, given)]
            if len(set(values)) > 1:
                shown = joined([_display(k, v, lang) for v in dict.fromkeys(values)], lang)
                return Fact(k, span, shown, unit_id, anchored=anchored)
        shown = span.replace(" ", "") if k == "ordinal" and lang == "zh" else _display(k, value, lang)
        if k in ("year", "date", "time", "since"):  # a year or day that comes with the rest of its date
            whole = dates.whole_date(sentence, position, month_year=kind in ("date", "time"))
            if whole is not None:
                span, shown = whole[0], dates.date_words(whole[1], lang)
        return Fact(k, span, shown, unit_id, year, anchored=anchored)
    return None
