"""A question analysed once: what retrieval, the refusal decision and the answer all read.

Language, lexical tokens with the glossary's Chinese terms, the kind of fact asked for,
a direct reference to a unit, and the earlier turn a follow-up refers to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answering.facts import FactKind, asked_kind, asks_for_several
from assistant.answering.names import country_forms
from assistant.answering.references import UnitReference, find_reference
from assistant.core.text import has_han
from assistant.retrieval import glossary, lexical
from assistant.retrieval.conversation import ResolvedQuery, is_elliptical, resolve, speaks_of_itself
from assistant.retrieval.lexical import STOPWORDS, simplify, tokenize
from assistant.retrieval.ordinals import meeting_ordinals


@dataclass(frozen=True)
class QuestionAnalysis:
    text: str  # this turn, cleaned
    lang: str
    search_text: str  # what the embedder sees: with a follow-up's topic
    lexical_extra: str  # the earlier turn, for BM25
    is_followup: bool
    tokens: tuple[str, ...]  # lexical tokens of the turn, glossary terms and topic included
    terms: tuple[str, ...]  # Chinese terms the turn names (the glossary's, or its own Chinese words)
    fact_kind: FactKind | None
    reference: UnitReference | None
    words: tuple[str, ...] = ()  # the turn's own Chinese content words
    names: tuple[str, ...] = ()  # named things: places, people, organisations (as written)
    self_reference: bool = False  # speaks (or its topic spoke) of the document itself or of the meeting it was written for
    several: bool = False  # asks for every country or body, not one ("哪些国家", "which agencies")
    topic_terms: tuple[str, ...] = ()  # a follow-up's topic's glossary terms, in Chinese: where its answer sits

    @property
    def predicate(self) -> frozenset[str]:
        """The turn's own Chinese words that are not the glossary's terms: what it asks of its topic."""
        topic = set(glossary.chinese_terms())
        return frozenset(w for w in self.words if w not in topic)

    @property
    def countries(self) -> frozenset[str]:
        """The countries the turn names, as the corpus writes them (in Chinese)."""
        return frozenset(zh for name in self.names for zh in country_forms(name, self.lang))

    @property
    def anchors(self) -> tuple[str, ...]:
        """What the turn names, to look for in a cited sentence: the answer sits near it and is not it."""
        return self.terms + tuple(re.findall(r"\d+(?:/\d+)*", self.text))


# A capitalised word inside a sentence names something ("Korea", "Interpol", "Palermo").
# "l'Équateur": after an elided article too.
_CAPITALISED = re.compile(r"(?:(?<=[\w,;:] )|(?<=\w['’]))[A-ZÀ-ÖØ-ÞА-ЯЁ][\w'’-]+")


# Capitalised, but not names: months (English, Russian) and the like.
_MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь "
    "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split()
)


def named_things(text: str) -> tuple[str, ...]:
    """Places, people and organisations the question names: jieba's name tags in Chinese, capitals elsewhere."""
    if has_han(text):
        return tuple(w for w, flag in lexical.tag(simplify(text)) if flag[:2] in ("ns", "nr", "nt", "nz") and len(w) >= 2)
    return tuple(dict.fromkeys(w for w in _CAPITALISED.findall(text) if w.casefold() not in _MONTHS))


def analyse(text: str, lang: str, history: Sequence[str] = ()) -> QuestionAnalysis:
    resolved = resolve(text, history, lang)
    expansions = glossary.expand(text)
    tokens = tokenize(text)
    for term in expansions:
        tokens.extend(tokenize(term))
    # The earlier turn's words, and its terms in Chinese: after "What is the Blue Heart
    # Campaign?", "Qui la coordonne ?" must still find 蓝心运动 lexically.
    for context in (resolved.lexical_extra, *glossary.expand(resolved.lexical_extra)):
        tokens.extend(tokenize(context))
    # "the sixth meeting", "sexta reunión": the paper's 第六次会议, which BM25 cannot reach from the words.
    for source in (text, resolved.lexical_extra):
        if not has_han(source):
            for ordinal in meeting_ordinals(source):
                tokens.extend(tokenize(f"{ordinal}会议"))
    own_chinese = [t for t in tokenize(simplify(text)) if len(t) >= 2 and t not in STOPWORDS and has_han(t)]
    terms = tuple(dict.fromkeys([*expansions, *own_chinese]))
    return QuestionAnalysis(
        text=text,
        lang=lang,
        search_text=resolved.dense_query,
        lexical_extra=resolved.lexical_extra,
        is_followup=resolved.is_followup,
        tokens=tuple(tokens),
        terms=terms,
        fact_kind=_kind_asked(text, resolved, own_chinese),
        reference=find_reference(text),
        words=tuple(dict.fromkeys(own_chinese)),
        names=named_things(text),
        # "Where?" after "What is the date of this meeting?" still asks about this meeting.
        self_reference=speaks_of_itself(resolved.lexical_extra if resolved.is_followup else text),
        several=asks_for_several(text),
        topic_terms=_outermost(glossary.named_terms(resolved.lexical_extra, "zh")) if resolved.is_followup else (),
    )


def _outermost(terms: Sequence[str]) -> tuple[str, ...]:
    """The terms not inside a longer one: a topic on 教育促进正义倡议 is not also about 教育 (education)."""
    return tuple(t for t in terms if not any(t != other and t in other for other in terms))


def _paper_terms(text: str) -> tuple[str, ...]:
    """The paper's terms the text names, in Chinese, the outermost ones."""
    if has_han(text):
        simplified = simplify(text)
        return _outermost([t for t in glossary.chinese_terms() if t in simplified])
    return _outermost(glossary.expand(text))


def _kind_asked(text: str, resolved: ResolvedQuery, own_chinese: Sequence[str]) -> FactKind | None:
    """The kind of fact asked. A follow-up that only swaps in another thing ("And the Legislative Guide?",
    "那立法指南呢？", "What about Ecuador?") asks its topic's kind of it; one that names something else to
    ask of it ("那2018年的主题呢？": a theme) does not."""
    kind = asked_kind(text)
    if kind is not None or not (resolved.is_followup and is_elliptical(text)):
        return kind
    swapped = [*_paper_terms(text), *named_things(text)]
    other = [w for w in own_chinese if not any(w in t for t in swapped)]
    return asked_kind(resolved.lexical_extra) if swapped and not other else None


def own_terms(analysis: QuestionAnalysis) -> tuple[str, ...]:
    """The paper's terms (in Chinese) a follow-up names that its topic did not: what it swaps in
    ("And the Legislative Guide?", "那立法指南呢？" after a question on the Model Law)."""
    return tuple(t for t in _paper_terms(analysis.text) if not any(t in old or old in t for old in analysis.topic_terms))
