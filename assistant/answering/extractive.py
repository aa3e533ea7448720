"""The extractive answer: the fact first, then the verbatim evidence, or an honest refusal.

No language model is needed. The answer is built from the best units in four steps:

1. the sentences that answer, chosen by meaning (e5 similarity of each sentence to the
   question) plus shared words, so an English question about a Chinese paragraph quotes
   the right sentence;
2. their context: a quoted sub-item brings the lead-in that gives it its meeting and
   year, and a quoted lead-in ("2018 年，工作组第八次会议建议各国应：") brings its sub-items;
3. the short answer, when the question asks for a kind of fact: a span of the quoted
   text in the reader's language, with its paragraph (``Ecuador (2019) — para. 38``);
4. for readers of another language, the glossary's equivalents of the terms in each quote.

Every quote is a verbatim substring of the unit it cites (``Answer.validate``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from assistant.answering.counts import asked_counts
from assistant.answering.dates import months_named, title_date
from assistant.answering.facts import (
    LISTABLE,
    Fact,
    FactKind,
    answering_kinds,
    asks_where_too,
    find_fact,
    has_candidate,
    joined,
    states,
)
from assistant.answering.question import QuestionAnalysis
from assistant.answering.sentences import UnitSentences, sentences_of
from assistant.core import i18n
from assistant.core.records import Unit
from assistant.retrieval import glossary
from assistant.retrieval.lexical import tokenize
from assistant.retrieval.ordinals import meeting_ordinals
from assistant.retrieval.searcher import Passage, rescored

CitationRole = Literal["evidence", "context"]


@dataclass(frozen=True)
class Citation:
    doc_id: str
    unit_id: str
    quote: str
    #: "context" quotes are there to be read with the evidence (a sub-item's lead-in):
    #: they are shown and cited, but do not claim to answer the question.
    role: CitationRole = "evidence"
    terms: tuple[tuple[str, str], ...] = ()  # glossary terms in the quote: (Chinese, reader's language)


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
    short_answer: str | None = None  # the fact line, when the question asks for one and the evidence states it
    fact: Fact | None = None
    reference: str | None = None  # the unit id the question pointed at directly
    context: tuple[Unit, ...] = ()  # units quoted for context that retrieval did not return
    signals: dict[str, float] = field(default_factory=dict)  # what the answerability decision saw

    @property
    def context_quotes(self) -> frozenset[str]:
        """Quotes cited as context only (a sub-item's lead-in, a list the answer does not rest on)."""
        evidence = {c.quote for c in self.citations if c.role == "evidence"}
        return frozenset(c.quote for c in self.citations if c.role == "context" and c.quote not in evidence)

    def validate(self) -> None:
        """Every citation points at a retrieved or context unit and quotes it verbatim."""
        units = {(p.doc_id, p.unit_id): p.unit for p in self.passages}
        units.update({(u.doc_id, u.unit_id): u for u in self.context})
        for c in self.citations:
            unit = units.get((c.doc_id, c.unit_id))
            if unit is None:
                raise AssertionError(f"citation {c.doc_id}:{c.unit_id} is not among the retrieved passages")
            if c.quote not in unit.text:
                raise AssertionError(f"quote for {c.unit_id} is not verbatim: {c.quote!r}")


#: Weight of shared words against e5 similarity when choosing a sentence. Chosen on the
#: dev half of evals/qa.jsonl by evals/tune_answerability.py (see evals/README.md).
LEXICAL_WEIGHT = 0.3
#: A second sentence of the same unit is quoted when it scores this close to the best.
SECOND_SENTENCE_MARGIN = 0.02
#: A lead-in brings at most this many of its sub-items.
MAX_SUBITEMS = 8


def _overlap(sentence: str, query_tokens: set[str]) -> float:
    total = sum(len(t) for t in query_tokens) or 1
    return sum(len(t) for t in set(tokenize(sentence)) & query_tokens) / total


def rank_sentences(
    sentences: UnitSentences | None, unit: Unit, query_vector: np.ndarray | None, query_tokens: set[str]
) -> list[tuple[float, float, str]]:
    """(score, similarity, sentence) best first: e5 similarity plus weighted word overlap."""
    texts = sentences.sentences if sentences is not None else sentences_of(unit)
    if sentences is not None and query_vector is not None:
        similarity = sentences.vectors @ query_vector
    else:
        similarity = np.zeros(len(texts), dtype=np.float32)
    scored = [(float(s) + LEXICAL_WEIGHT * _overlap(t, query_tokens), float(s), t) for t, s in zip(texts, similarity)]
    # Ties (no vectors, no shared words) keep document order: the first sentence states the topic.
    order = sorted(range(len(scored)), key=lambda i: (-scored[i][0], i))
    return [scored[i] for i in order]


def _top(ranked: Sequence[tuple[float, float, str]], unit: Unit, limit: int) -> list[str]:
    """The best ranked sentence and, if close enough, the next ones, in document order."""
    chosen = [ranked[0]] + [r for r in ranked[1:limit] if r[0] >= ranked[0][0] - SECOND_SENTENCE_MARGIN]
    keep = {t for _, _, t in chosen}
    return [t for t in sentences_of(unit) if t in keep]


def best_sentences(
    unit: Unit, query_tokens: set[str], limit: int = 2, sentences: UnitSentences | None = None, query_vector: np.ndarray | None = None
) -> list[str]:
    """The unit's answering sentences, in document order."""
    return _top(rank_sentences(sentences, unit, query_vector, query_tokens), unit, limit)


@dataclass(frozen=True)
class Choice:
    sentences: list[str]  # to quote, in document order
    similarity: float  # of the best sentence
    fact_sentence: str | None = None  # where the asked-for fact is to be read first


def choose_sentences(
    unit: Unit,
    query_tokens: set[str],
    sentences: UnitSentences | None,
    query_vector: np.ndarray | None,
    fact_kind: FactKind | None = None,
    predicate: set[str] | None = None,
    several: bool = False,
) -> Choice:
    """The sentences to quote from ``unit`` and, for a fact question, the one that states the fact.

    The fact sentence is the most similar of those that can state a fact of the kind asked
    (the answering sentence of "which year" has a year; of "when", a day if any sentence
    gives one, else a year), with the question's own words other than its topic ("加入",
    "最近") counting: several sentences of a paragraph share its topic ("蓝心运动"), and
    only the predicate tells which of them answers. A question asking for ``several``
    countries or bodies quotes every sentence that names one, so its answer can list them all.
    """
    ranked = rank_sentences(sentences, unit, query_vector, query_tokens)
    chosen = _top(ranked, unit, limit=2)
    fact_sentence = None
    for kind in answering_kinds(fact_kind) if fact_kind is not None else ():
        scored = [
            (similarity + LEXICAL_WEIGHT * _overlap(t, predicate or set()), t)
            for _, similarity, t in ranked
            if states(kind, t)
        ]
        if scored:
            fact_sentence = max(scored, key=lambda pair: pair[0])[1]
            listed = {t for _, t in scored} if several and kind in LISTABLE else set()
            chosen = [t for t in sentences_of(unit) if t in {*chosen, fact_sentence, *listed}]
            break
    return Choice(chosen, ranked[0][1], fact_sentence)


#: A later passage is cited too when both retrievers rank it this high. On the 293-item
#: set before the sentence rerank (citation precision / answers citing gold / answer-point
#: coverage): depth 1 0.78/0.78/0.74, depth 2 0.72/0.80/0.76, depth 3 0.63/0.81/0.78. With
#: the rerank, on the dev half of the 644-item set: depth 2 0.753/0.911/0.871, depth 1
#: 0.811/0.898/0.856 (24 of the 33 corroborating citations were not gold): depth 1.
CORROBORATION_DEPTH = 1


def lift_fact_holders(passages: Sequence[Passage], kind: FactKind, given: str, ctx: UnitContext, weight: float) -> tuple[Passage, ...]:
    """The passages with ``weight`` added to those holding a candidate of ``kind`` (other than
    what the question names, ``given``), in the unit, in its lead-in (a sub-item's year) or in
    a footnote it carries (the resolution behind a named instrument).

    A frequency is not lifted: the paper states one in a single paragraph (37, "每年"), which
    would then answer every "how often" question, labour inspections included."""
    if kind == "frequency":
        return tuple(passages)

    def lift(p: Passage) -> float:
        if p.unit.kind == "header":
            # A title block answers for its own meeting only (``own_statement``), and one that was
            # found for the document's name in the question ("Who issued the guidance note on fair
            # recruitment?") not for what it asks: "Where was the 2019 World Day held?" is not Vienna.
            return -weight
        if _notes_holding(p.unit, kind, given, ctx):
            return weight
        # A holder of the kind asked first: "¿Desde cuándo existen?" is answered by "自 2000 年以来"
        # before a bare year, "who" by a person before a body.
        lead_in = ctx.parent(p.unit)
        texts = (p.unit.text,) if lead_in is None else (p.unit.text, lead_in.text)
        if any(states(answering_kinds(kind)[0], text, given) for text in texts):
            return weight
        return weight / 2 if any(has_candidate(kind, text, given) for text in texts) else 0.0

    return rescored(passages, lift)


def asked_meetings(analysis: QuestionAnalysis) -> tuple[str, ...]:
    """The meetings a question names by ordinal, as the paper writes them ("第六次"); a follow-up's
    from its topic when it names none ("What did it identify at that meeting…?")."""
    found = meeting_ordinals(analysis.text) or (meeting_ordinals(analysis.lexical_extra) if analysis.is_followup else [])
    return tuple(dict.fromkeys(found))


def lift_meeting_holders(passages: Sequence[Passage], meetings: Sequence[str], ctx: UnitContext, weight: float) -> tuple[Passage, ...]:
    """The passages with ``weight`` added to those that, in the unit or its lead-in, name a meeting the
    question names by ordinal: "What did the sixth meeting recommend?" is para. 17 (第六次会议), which
    the words "sixth meeting" cannot reach lexically and e5 does not tell from para. 18 (第八次)."""

    def names(p: Passage) -> bool:
        lead_in = ctx.parent(p.unit)
        text = p.unit.text + (lead_in.text if lead_in is not None else "")
        return any(f"{m}会议" in re.sub(r"\s+", "", text) for m in meetings)

    return rescored(passages, lambda p: weight if names(p) else 0.0)


# What a UN document's title block is there to state: its meeting's dates and city, its symbols;
# and what its opening paragraph says of it: the meeting it serves, who prepared it.
TITLE_BLOCK_KINDS: frozenset[FactKind] = frozenset({"date", "year", "time", "place", "symbol", "agenda item"})
OPENING_KINDS: frozenset[FactKind] = frozenset({"ordinal", "organisation", "person", "author"})


# The provisional agenda, which a UN title block marks with a note giving its symbol ("临时议程*").
_AGENDA = re.compile(r"议程|\bagenda\b|ordre du jour|programa provisional|orden del día|повестк|جدول الأعمال", re.IGNORECASE)


def agenda_notes(question: str, header: Unit | None, ctx: UnitContext) -> tuple[Unit, ...]:
    """The notes of the title block when the question names the provisional agenda: the note on
    "临时议程*" gives the agenda's symbol (CTOC/COP/WG.4/2019/1), not this document's."""
    return ctx.notes(header) if header is not None and _AGENDA.search(question) else ()


def own_statement(
    kind: FactKind, given: str, header: Unit | None, opening: Unit | None, notes: Sequence[Unit] = ()
) -> Unit | None:
    """Where a document states a fact of ``kind`` about itself or its meeting: its title block
    (``header``), one of its title block's ``notes`` (``agenda_notes``) or, for the meeting it serves
    and who prepared it, its ``opening`` paragraph ("本背景文件由秘书处编写，旨在便利…工作组第九次会议开展讨论");
    None if none does."""
    if header is not None and kind in TITLE_BLOCK_KINDS:
        if has_candidate(kind, header.text, given):
            return header
        holding = [note for note in notes if kind in NOTE_KINDS and has_candidate(kind, note.text, given)]
        if holding:
            return holding[0]
    if opening is not None and kind in OPENING_KINDS and has_candidate(kind, opening.text, given):
        return opening
    return None


# A meeting or session, in the words a question uses for one.
_MEETING = re.compile(r"会议|\bmeeting|\bsession|réunion|reuni[oó]n|sesi[oó]n|совещани|заседани|сесси|اجتماع|الدورة", re.IGNORECASE)


def names_its_meeting(question: str, opening: Unit | None, header: Unit | None = None) -> bool:
    """Whether the question names the meeting the document was written for: by its ordinal ("Where is
    the ninth meeting held?" when the opening paragraph says "工作组第九次会议"), or by the month and
    year its title block gives ("the meeting in September 2019"). It asks about that meeting."""
    if opening is not None:
        text = re.sub(r"\s+", "", opening.text)
        if any(f"{ordinal}会议" in text for ordinal in meeting_ordinals(question)):
            return True
    held = title_date(header.text) if header is not None else None
    return held is not None and bool(_MEETING.search(question)) and held in months_named(question)


def title_block_first(passages: Sequence[Passage], block: Unit) -> tuple[Passage, ...]:
    """A question about the document itself or its meeting ("这次会议在哪个城市举行？") is answered
    from where the document states it (``own_statement``), found or not among ``passages``: the
    meeting of 2018 in para. 18 is not this meeting."""
    if not passages:
        return tuple(passages)
    found = next((p for p in passages if p.unit == block), Passage(block, 0.0))
    rest = [p for p in passages if p.unit != block]
    return (replace(found, score=passages[0].score), *rest)


def cite_fact_notes(draft: Draft, unit: Unit, kind: FactKind, given: str, ctx: UnitContext) -> None:
    """When neither ``unit`` nor its lead-in holds a candidate of ``kind``, cite as context the
    footnotes it carries that do (made evidence if the fact is read from them)."""
    if not _holds(unit, kind, given, ctx):
        for note in _notes_holding(unit, kind, given, ctx):
            draft.add_context(note)
            draft.cite(note, note.text, "context")


def _holds(unit: Unit, kind: FactKind, given: str, ctx: UnitContext) -> bool:
    lead_in = ctx.parent(unit)
    return has_candidate(kind, unit.text, given) or (lead_in is not None and has_candidate(kind, lead_in.text, given))


# A UN document gives the reference of what a paragraph names in a footnote: "根据《预防犯罪准则》¹"
# with footnote 1 "经济及社会理事会第 2002/13 号决议，附件", a study with its authors. A year,
# number or place in a footnote is the publication's ("《2001 年国际法委员会年鉴》"), not
# the event's the paragraph speaks of, so only these kinds are read from footnotes.
NOTE_KINDS: frozenset[FactKind] = frozenset({"symbol", "author", "editor"})


def _notes_holding(unit: Unit, kind: FactKind, given: str, ctx: UnitContext) -> tuple[Unit, ...]:
    if kind not in NOTE_KINDS:
        return ()
    return tuple(note for note in ctx.notes(unit) if has_candidate(kind, note.text, given))


def answer_units(passages: Sequence[Passage], max_units: int = 3) -> list[Passage]:
    """The top passage, plus later ones both retrievers rank highly."""
    chosen = [passages[0]]
    for p in passages[1:max_units]:
        if (p.dense_rank or 99) <= CORROBORATION_DEPTH and (p.lexical_rank or 99) <= CORROBORATION_DEPTH:
            chosen.append(p)
    return chosen


def is_lead_in(unit: Unit) -> bool:
    return _introduces_list(unit.text)


def _introduces_list(text: str) -> bool:
    return text.rstrip().endswith(("：", ":"))


@dataclass(frozen=True)
class UnitContext:
    """How a unit sits among its neighbours: its lead-in, for a lead-in its sub-items, and its footnotes."""

    parent: Callable[[Unit], Unit | None]
    children: Callable[[Unit], tuple[Unit, ...]]
    doc_lang: Callable[[Unit], str]
    notes: Callable[[Unit], tuple[Unit, ...]] = lambda unit: ()  # the footnotes a unit carries


@dataclass(frozen=True)
class Draft:
    """The citations of an answer in reading order, before it is written out."""

    citations: list[Citation] = field(default_factory=list)
    context: list[Unit] = field(default_factory=list)

    def cite(self, unit: Unit, quote: str, role: CitationRole = "evidence") -> None:
        for i, c in enumerate(self.citations):
            if (c.doc_id, c.unit_id, c.quote) == (unit.doc_id, unit.unit_id, quote):
                if role == "evidence" and c.role == "context":
                    self.citations[i] = Citation(c.doc_id, c.unit_id, c.quote, "evidence")
                return
        self.citations.append(Citation(unit.doc_id, unit.unit_id, quote, role))

    def add_context(self, unit: Unit) -> None:
        if unit not in self.context:
            self.context.append(unit)


def lead_in_sentences(parent: Unit) -> list[str]:
    """What of a lead-in a sub-item needs: its meeting and year, and the sentence that opens the list.

    A short lead-in is quoted whole; of a long one (paragraph 2 introduces its questions
    after several sentences), the first sentence with a year or meeting, and the last.
    """
    sentences = list(sentences_of(parent))
    if len(sentences) <= 2:
        return [parent.text]
    dated = next((s for s in sentences if has_candidate("year", s) or has_candidate("ordinal", s)), None)
    return [s for s in sentences if s in (dated, sentences[-1])]


def quote_unit(
    draft: Draft,
    unit: Unit,
    sentences: Sequence[str],
    ctx: UnitContext,
    whole: bool = False,
    subitems: CitationRole = "evidence",
    answering: Callable[[Unit, Sequence[Unit]], Sequence[Unit]] | None = None,
) -> None:
    """Cite ``sentences`` of ``unit`` with the lead-in before a sub-item and the sub-items after a lead-in.

    A lead-in's sub-items are the content of an open question ("what did the 2018 meeting
    recommend?") but only the setting of a fact that the lead-in states (its year): the
    caller says which, through ``subitems``. When the quoted sentences of the lead-in are
    complete without its list ("in 2015 the Working Group discussed recruitment fees and
    found them a key area"), the list is context whatever the caller says: the quote that
    introduces the list ("…adopted the following recommendations:") is what makes it evidence.
    ``answering(lead_in, sub_items)``, given, picks the sub-items that answer; the others are context.
    """
    parent = ctx.parent(unit)
    if parent is not None:
        draft.add_context(parent)
        for sentence in lead_in_sentences(parent):
            draft.cite(parent, sentence, "context")
    quoted = [unit.text] if whole else list(sentences)
    for sentence in quoted:
        draft.cite(unit, sentence)
    if is_lead_in(unit):
        role: CitationRole = subitems if any(_introduces_list(s) for s in quoted) else "context"
        children = ctx.children(unit)[:MAX_SUBITEMS]
        evidence = set(answering(unit, children)) if answering is not None and role == "evidence" and children else set(children)
        for child in children:
            draft.add_context(child)
            draft.cite(child, child.text, role if child in evidence else "context")


def with_terms(citations: Sequence[Citation], lang: str, ctx: UnitContext, units: Mapping[tuple[str, str], Unit]) -> tuple[Citation, ...]:
    """Each Chinese quote with the glossary's equivalents of its terms, for a reader of ``lang``."""
    out = []
    for c in citations:
        unit = units[(c.doc_id, c.unit_id)]
        terms = glossary.equivalents(c.quote, lang) if ctx.doc_lang(unit) == "zh" else ()
        out.append(Citation(c.doc_id, c.unit_id, c.quote, c.role, terms))
    return tuple(out)


def short_answer_line(fact: Fact, lang: str) -> str:
    shown = fact.display
    if fact.context_year and fact.kind != "year" and fact.context_year not in shown:
        shown = f"{shown} ({fact.context_year})"
    return f"{shown} — {i18n.cite_label(fact.unit_id, lang)}"


def locate_fact(analysis: QuestionAnalysis, draft: Draft, first: str | None = None) -> Fact | None:
    """The asked-for fact in the quoted evidence: the ``first`` quote, then evidence, then context."""
    if analysis.fact_kind is None:
        return None
    # A list ("which countries") is read in the text's order; one fact from the sentence chosen for it first.
    ordered = sorted(draft.citations, key=lambda c: (not analysis.several and c.quote != first, c.role != "evidence"))
    evidence = [(c.unit_id, c.quote) for c in ordered]
    fact = find_fact(
        analysis.fact_kind, evidence, analysis.anchors, analysis.lang, analysis.countries, analysis.several, analysis.topic_terms,
        asked_counts(analysis.text) if analysis.fact_kind == "quantity" else (),
    )
    if fact is not None and asks_where_too(analysis.text, analysis.fact_kind):
        same_unit = [(u, s) for u, s in evidence if u == fact.unit_id]
        place = find_fact("place", same_unit, analysis.anchors, analysis.lang)
        if place is not None:
            fact = replace(fact, display=joined([fact.display, place.display], analysis.lang, enumeration=False))
    if fact is not None:
        # The sentence that states the fact is evidence, even when it came in as context.
        for i, c in enumerate(draft.citations):
            if c.unit_id == fact.unit_id and fact.span in c.quote and c.role == "context":
                draft.citations[i] = Citation(c.doc_id, c.unit_id, c.quote, "evidence")
    return fact


def render(lang: str, citations: Sequence[Citation], short: str | None, intro: str) -> str:
    lines = [short] if short else []
    lines.append(intro)
    for c in citations:
        lines.append(f"{c.quote} [{i18n.cite_label(c.unit_id, lang)}]")
        if c.terms:
            pairs = "; ".join(f"{zh} = {eq}" for zh, eq in c.terms)
            lines.append(f"    ({i18n.text('terms', lang)}: {pairs})")
    return "\n".join(lines)


def refusal_text(lang: str, passages: Sequence[Passage], note: tuple[str, dict[str, str]] | None = None) -> str:
    """"The documents do not say", why when a rule decided (``note``: a string key and its fields, "unit"
    for the paragraph it speaks of: "The documents never mention 2020", "Para. 37 gives this kind of fact
    for another event"), and the closest paragraphs."""
    lines = [i18n.text("refusal", lang)]
    if note is not None:
        key, values = note
        unit = values.get("unit") or (passages[0].unit_id if passages else "")
        why = i18n.text(key, lang, **{**values, "label": i18n.cite_label(unit, lang) if unit else ""})
        lines.append(why[:1].upper() + why[1:])  # "Para. 37 gives …"
    if passages:
        lines.append(i18n.text("closest", lang))
        lines.extend(f"- {i18n.cite_label(p.unit_id, lang)}" for p in passages[:3])
    return "\n".join(lines)
