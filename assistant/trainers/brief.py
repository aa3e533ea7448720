"""Topic briefs for trainers: the paper's own paragraphs on one topic, ready to hand out.

A brief is retrieval plus the paper's structure, never new prose: the relevant
paragraphs verbatim with their ids, the paper's discussion questions (2(a)-2(p)) and
guidance resources (section 四) that bear on the topic, and a summary made only of
cited sentences. Everything shown is a verbatim substring of a unit (``Brief.validate``).

Why not simply the top-k hits: fused rank scores say nothing about relevance (rank 12
always scores the same), and e5 similarities here sit in a narrow band (0.74-0.79 for
the whole paper on an English topic), so neither separates on-topic paragraphs from the
rest. The selection therefore asks for evidence in the unit's own text: the topic's
Chinese terms (from the glossary, or the topic itself when it is Chinese) or enough of
their character bigrams ("招聘费" still counts for 征聘费). Retrieval finds candidates
and orders them; it only decides alone when the topic has no distinctive terms.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.answering.extractive import Citation
from assistant.core.records import Document, Unit
from assistant.core.text import HAN_CHAR, HAN_RUN
from assistant.index.chunking import split_sentences
from assistant.retrieval import glossary
from assistant.retrieval.lexical import STOPWORDS, simplify, tokenize

if TYPE_CHECKING:
    from assistant.answering.service import Assistant

QUESTIONS_HEADING = "供讨论的问题"  # section 二: the paper's questions for the Working Group
GUIDANCE_HEADING = "应对工作指南"  # section 四: its third heading level names a guidance resource

SEARCH_K = 12  # candidates from hybrid retrieval (the paper has ~100 units)
TERM_K = 8  # candidates per Chinese term of the topic
MAX_PARAGRAPHS = 12
GENERIC_SHARE = 0.3  # a term or bigram found in more units than this says nothing about a topic
PARTIAL = 0.5  # share of a term's distinctive bigrams that counts as evidence
RETRIEVAL_ONLY_RATIO = 0.5  # no distinctive terms: keep hits scoring at least this share of the top
RELATED_SHARE = 0.05  # a term of the core paragraphs relates questions/resources if this rare
SUMMARY_SENTENCES = 6
SUMMARY_CHARS = 700  # about one printed page of Chinese with its citation labels

_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)
_TITLE = re.compile(r"《[^》]*》")


# --- records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BriefParagraph:
    unit: Unit
    evidence: float  # 1.0: a topic term in the text; 0.5-1: most of its bigrams; 0: retrieval only
    score: float  # fused retrieval score (0 when found by the term scan alone)
    context: bool = False  # a lead-in shown because one of its sub-items is relevant


@dataclass(frozen=True)
class SectionGroup:
    doc_id: str
    section: tuple[str, ...]
    paragraphs: tuple[BriefParagraph, ...]


@dataclass(frozen=True)
class Resource:
    unit: Unit
    title: str  # the resource's heading in the paper (its third section level)
    direct: bool  # names the topic; False: shares a rare term with the brief's core paragraphs


@dataclass(frozen=True)
class DiscussionQuestion:
    unit: Unit
    direct: bool  # names the topic; False: shares a rare term with the brief's core paragraphs


@dataclass(frozen=True)
class Brief:
    topic: str
    lang: str  # the framing language (labels); excerpts stay in the source language
    documents: tuple[Document, ...]  # the documents the brief quotes, for the sources list
    terms: tuple[str, ...]  # Chinese terms the selection looked for
    summary: tuple[Citation, ...]
    groups: tuple[SectionGroup, ...]
    questions: tuple[DiscussionQuestion, ...]
    resources: tuple[Resource, ...]

    @property
    def paragraphs(self) -> tuple[BriefParagraph, ...]:
        return tuple(p for g in self.groups for p in g.paragraphs)

    @property
    def cited_units(self) -> tuple[Unit, ...]:
        """Every unit the brief quotes or names, once, in document order."""
        units: dict[tuple[str, str], Unit] = {}
        for p in self.paragraphs:
            units[(p.unit.doc_id, p.unit.unit_id)] = p.unit
        for q in self.questions:
            units[(q.unit.doc_id, q.unit.unit_id)] = q.unit
        for r in self.resources:
            units[(r.unit.doc_id, r.unit.unit_id)] = r.unit
        doc_rank = {d.doc_id: i for i, d in enumerate(self.documents)}
        return tuple(sorted(units.values(), key=lambda u: (doc_rank.get(u.doc_id, 99), u.order)))

    def validate(self, assistant: Assistant) -> None:
        """Every unit exists in the corpus with this very text; every summary quote is verbatim."""
        for unit in self.cited_units:
            real = assistant.unit(unit.unit_id, unit.doc_id)
            if real.text != unit.text:
                raise AssertionError(f"{unit.unit_id}: text differs from the corpus")
        cited = {(u.doc_id, u.unit_id) for u in self.cited_units}
        for c in self.summary:
            if (c.doc_id, c.unit_id) not in cited:
                raise AssertionError(f"summary cites {c.unit_id}, which the brief does not show")
            if c.quote not in assistant.unit(c.unit_id, c.doc_id).text:
                raise AssertionError(f"summary quote for {c.unit_id} is not verbatim: {c.quote!r}")


# --- the paper's structure -------------------------------------------------------------------


def is_question(unit: Unit) -> bool:
    """A discussion question: a sub-item of the paragraph that opens section 二."""
    return unit.kind == "subitem" and bool(unit.section) and QUESTIONS_HEADING in unit.section[0]


def resource_title(unit: Unit) -> str | None:
    if len(unit.section) >= 3 and GUIDANCE_HEADING in unit.section[0]:
        return unit.section[2]
    return None


def citable(unit: Unit) -> bool:
    """A unit a brief or quiz may quote: a paragraph, sub-item or passage, never a header or footnote."""
    return unit.kind in ("paragraph", "subitem", "passage")


def _in_main_body(unit: Unit) -> bool:
    """Paragraphs the brief lists under their sections (questions and resources have their own lists)."""
    if not citable(unit) or resource_title(unit) is not None:
        return False
    return not (unit.section and QUESTIONS_HEADING in unit.section[0])


# --- topic terms and textual evidence --------------------------------------------------------


def _bigrams(text: str) -> set[str]:
    out: set[str] = set()
    for run in HAN_RUN.findall(text):
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    return out


class Evidence:
    """How strongly a unit's own text mentions the topic's Chinese terms.

    A term found whole scores 1. Otherwise the share of its distinctive bigrams found
    (bigrams in fewer than ``GENERIC_SHARE`` of the units): 征聘费 in "招聘费" scores 0.5
    through 聘费, while 管制 alone (in "不受管制") is a third of 边界管制 and does not count.
    """

    def __init__(self, units: Sequence[Unit], strict: Iterable[str], loose: Iterable[str] = ()) -> None:
        texts = [simplify(u.text) for u in units if citable(u)]
        n = max(1, len(texts))
        bigram_sets = [_bigrams(t) for t in texts]
        self._generic_bigrams = {
            b for b in set().union(*bigram_sets) if sum(b in s for s in bigram_sets) > GENERIC_SHARE * n
        } if bigram_sets else set()

        def distinctive(term: str) -> bool:
            return sum(term in t for t in texts) <= GENERIC_SHARE * n

        self.strict = tuple(t for t in dict.fromkeys(strict) if len(t) >= 2 and distinctive(t))
        self.loose = tuple(t for t in dict.fromkeys(loose) if len(t) >= 2 and distinctive(t) and t not in self.strict)
        # A longer glossary term containing a topic term is another term: 需求 (demand) inside
        # 需求评估工具包 (needs assessment toolkit) is no evidence about demand.
        self._masks = tuple(
            sorted(
                (zh for zh in glossary.chinese_terms() if zh not in self.terms and any(t in zh for t in self.terms)),
                key=len,
                reverse=True,
            )
        )

    @property
    def terms(self) -> tuple[str, ...]:
        return self.strict + self.loose

    def __bool__(self) -> bool:
        return bool(self.strict or self.loose)

    def _partial(self, term: str, text: str, text_bigrams: set[str]) -> float:
        if term in text:
            return 1.0
        grams = _bigrams(term)
        if len(grams) < 2:
            return 0.0
        found = {g for g in grams & text_bigrams if g not in self._generic_bigrams}
        return len(found) / len(grams)

    def score(self, text: str) -> float:
        text = simplify(text)
        for longer in self._masks:
            text = text.replace(longer, "□")
        grams = _bigrams(text)
        best = 0.0
        for term in self.strict:
            best = max(best, self._partial(term, text, grams))
            if best == 1.0:
                return best
        for term in self.loose:  # related terms count only when found whole, and a little less
            if term in text:
                best = max(best, 0.75)
        return best if best >= PARTIAL else 0.0


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _stem(word: str) -> str:
    return word if len(word) <= 4 else word[: max(4, len(word) - 3)]


def topic_terms(topic: str) -> tuple[list[str], list[str]]:
    """(strict, loose) Chinese terms for a topic.

    Strict: the glossary's exact matches, and for a Chinese topic its own words. Loose:
    glossary terms sharing one *distinctive* word with the topic ("border controls" ->
    边境管理当局 "border management authorities"; "Blue Heart" -> 蓝心运动); a word is
    distinctive when at most three glossary entries use it, so "trafficking", "persons" or
    "prevention" relate nothing.
    """
    strict = list(glossary.expand(topic))
    han = "".join(HAN_RUN.findall(simplify(topic)))
    if han:
        if len(han) <= 8:
            strict.append(han)
        strict.extend(t for t in tokenize(topic) if HAN_CHAR.search(t) and len(t) >= 2 and t not in STOPWORDS)
    words = {_stem(w) for w in _WORDS.findall(_fold(topic)) if len(w) >= 3 and w not in STOPWORDS}
    entries: dict[str, list[str]] = {}  # topic word -> glossary entries using it
    for term in glossary.terms():
        for w in words:
            if any(len(stem) >= 4 and (w.startswith(stem) or stem.startswith(w)) for stem in term.stems):
                users = entries.setdefault(w, [])
                if term.zh not in users:
                    users.append(term.zh)
    loose = [zh for w in sorted(entries) if len(entries[w]) <= 3 for zh in entries[w] if zh not in strict]
    return list(dict.fromkeys(strict)), loose


# --- selection -------------------------------------------------------------------------------


def _doc_units(assistant: Assistant, doc: str | None) -> list[Unit]:
    docs = [assistant.document(doc)] if doc else list(assistant.documents)
    return [u for d in docs for u in d.units]


def select_paragraphs(
    assistant: Assistant, topic: str, evidence: Evidence, doc: str | None = None
) -> list[BriefParagraph]:
    units = _doc_units(assistant, doc)
    scores: dict[tuple[str, str], float] = {}
    for p in assistant.search(topic, SEARCH_K, doc=doc).passages:
        scores[(p.doc_id, p.unit_id)] = p.score
    for term in evidence.strict:
        for p in assistant.search(term, TERM_K, doc=doc).passages:
            key = (p.doc_id, p.unit_id)
            scores[key] = max(scores.get(key, 0.0), p.score)
    by_key = {(u.doc_id, u.unit_id): u for u in units}
    top = max(scores.values(), default=0.0)

    chosen: dict[tuple[str, str], BriefParagraph] = {}
    if evidence:
        for unit in units:  # the whole scan: retrieval misses wording the glossary does not know
            if not _in_main_body(unit):
                continue
            e = evidence.score(unit.text)
            if e > 0:
                key = (unit.doc_id, unit.unit_id)
                chosen[key] = BriefParagraph(unit, e, scores.get(key, 0.0))
    if not chosen:  # no distinctive term in any paragraph: the strongest retrieval hits decide
        for key, score in sorted(scores.items(), key=lambda kv: -kv[1])[:6]:
            hit = by_key.get(key)
            if hit is not None and _in_main_body(hit) and score >= RETRIEVAL_ONLY_RATIO * top:
                chosen[key] = BriefParagraph(hit, 0.0, score)

    # A short subsection most of whose paragraphs are on topic is one argument: quote it whole
    # (border controls, travel documents and carrier sanctions in 23-25).
    by_section: dict[tuple[str, tuple[str, ...]], list[Unit]] = {}
    for unit in units:
        if _in_main_body(unit) and len(unit.section) >= 2:
            by_section.setdefault((unit.doc_id, unit.section), []).append(unit)
    for members in by_section.values():
        inside = [u for u in members if (u.doc_id, u.unit_id) in chosen]
        if len(members) <= 4 and len(inside) >= 2 and len(inside) * 2 >= len(members):
            for u in members:
                key = (u.doc_id, u.unit_id)
                if key not in chosen:
                    chosen[key] = BriefParagraph(u, 0.0, scores.get(key, 0.0))

    ranked = sorted(chosen.values(), key=lambda p: (-p.evidence, -p.score, p.unit.order))[:MAX_PARAGRAPHS]
    present = {(p.unit.doc_id, p.unit.unit_id) for p in ranked}
    for para in list(ranked):  # a sub-item reads as half a sentence without its lead-in
        if para.unit.parent:
            key = (para.unit.doc_id, para.unit.parent)
            if key not in present and key in by_key:
                ranked.append(BriefParagraph(by_key[key], 0.0, scores.get(key, 0.0), context=True))
                present.add(key)
    return ranked


def related_terms(paragraphs: Sequence[BriefParagraph], evidence: Evidence, units: Sequence[Unit]) -> tuple[str, ...]:
    """Rare glossary terms of the core paragraphs: how a question or resource relates indirectly.

    Corruption's core paragraph 26 speaks of 公共部门 (public sector), which is what
    question 2(h) asks about without saying 腐败. The terms come from the sentences that
    name the topic in paragraphs that name it whole (or, with no topic terms, from the
    three best retrieved), outside 《titles》; a term must be rare in the document (at
    most ``RELATED_SHARE`` of its units) to carry any meaning.
    """
    core = [
        s for p in paragraphs if p.evidence >= 1.0 and not p.context for s in _sentences(p.unit) if evidence.score(s) > 0
    ]
    if not core:
        core = [p.unit.text for p in sorted(paragraphs, key=lambda p: -p.score) if not p.context][:3]
    core = [_TITLE.sub("《》", simplify(t)) for t in core]  # words inside an instrument's name say nothing
    texts = [simplify(u.text) for u in units if citable(u)]
    limit = RELATED_SHARE * max(1, len(texts))
    found = []
    for zh in glossary.chinese_terms():
        if len(zh) < 2 or zh in evidence.terms:
            continue
        if any(zh in t for t in core) and sum(zh in t for t in texts) <= limit:
            found.append(zh)
    return tuple(t for t in found if not any(t != o and t in o for o in found))


def _relation(text: str, evidence: Evidence, related: Sequence[str]) -> str | None:
    if evidence and evidence.score(text) > 0:
        return "direct"
    if any(t in simplify(text) for t in related):
        return "related"
    return None


def select_questions(
    units: Sequence[Unit], evidence: Evidence, related: Sequence[str]
) -> list[DiscussionQuestion]:
    out = []
    for unit in units:
        if is_question(unit):
            relation = _relation(unit.text, evidence, related)
            if relation is not None:
                out.append(DiscussionQuestion(unit, relation == "direct"))
    return out


def select_resources(units: Sequence[Unit], evidence: Evidence, related: Sequence[str]) -> list[Resource]:
    out = []
    for unit in units:
        title = resource_title(unit)
        if title is not None:
            relation = _relation(f"{title}\n{unit.text}", evidence, related)
            if relation is not None:
                out.append(Resource(unit, title, relation == "direct"))
    return out


# --- the summary -----------------------------------------------------------------------------


def _sentences(unit: Unit) -> list[str]:
    return [s.strip() for s in split_sentences(unit.text) if s.strip()]


def summarise(paragraphs: Sequence[BriefParagraph], evidence: Evidence, query_tokens: Iterable[str] = ()) -> tuple[Citation, ...]:
    """The best sentence or two of the strongest paragraphs, in document order, each cited.

    Sentences naming a topic term come first; then query-word overlap; then the earlier
    sentence. A lead-in shown only for context contributes nothing of its own.
    """
    tokens = {t for t in query_tokens if len(t) >= 2}
    picked: list[tuple[Unit, int, str]] = []
    used = 0
    for p in sorted((p for p in paragraphs if not p.context), key=lambda p: (-p.evidence, -p.score, p.unit.order)):
        if len(picked) >= SUMMARY_SENTENCES or used >= SUMMARY_CHARS:
            break
        sentences = _sentences(p.unit)
        scored = []
        for i, s in enumerate(sentences):
            e = evidence.score(s) if evidence else 0.0
            overlap = sum(len(t) for t in set(tokenize(s)) & tokens)
            scored.append((e, overlap, -i, s))
        scored.sort(reverse=True)
        take = [scored[0]] + [x for x in scored[1:2] if x[0] > 0 and len(picked) + 1 < SUMMARY_SENTENCES]
        for _, _, neg_i, s in take:
            if used + len(s) > SUMMARY_CHARS and picked:
                break
            picked.append((p.unit, -neg_i, s))
            used += len(s)
    picked.sort(key=lambda x: (x[0].order, x[1]))
    return tuple(Citation(u.doc_id, u.unit_id, s) for u, _, s in picked)


# --- the whole brief -------------------------------------------------------------------------


def default_lang(topic: str) -> str:
    """Framing follows the topic's language when the brief has a label set for it, else English."""
    from assistant.ingest.langid import detect_language

    lang = detect_language(topic) if topic.strip() else "en"
    return lang if lang in BRIEF_LANGS else "en"


BRIEF_LANGS: tuple[str, ...] = ("zh", "en")


def check_brief_lang(lang: str) -> str:
    from assistant.core.errors import choice_error

    if lang not in BRIEF_LANGS:
        raise choice_error("language", lang, BRIEF_LANGS)
    return lang


def make_brief(assistant: Assistant, topic: str, lang: str | None = None, doc: str | None = None) -> Brief:
    """The brief on ``topic``; ``lang`` (zh or en) sets the labels, excerpts stay verbatim."""
    from assistant.core.errors import ConfigError

    topic = " ".join(topic.split())
    if not topic:
        raise ConfigError("a brief needs a topic, e.g. 'recruitment fees' or 边界管制")
    lang = check_brief_lang(lang) if lang else default_lang(topic)
    strict, loose = topic_terms(topic)
    units = _doc_units(assistant, doc)
    evidence = Evidence(units, strict, loose)
    query_tokens = assistant.search(topic, 1, doc=doc).query_tokens
    paragraphs = select_paragraphs(assistant, topic, evidence, doc)
    summary = summarise(paragraphs, evidence, query_tokens)

    groups: list[SectionGroup] = []
    for p in sorted(paragraphs, key=lambda p: (_doc_rank(assistant, p.unit.doc_id), p.unit.order)):
        if groups and groups[-1].doc_id == p.unit.doc_id and groups[-1].section == p.unit.section:
            last = groups[-1]
            groups[-1] = SectionGroup(last.doc_id, last.section, last.paragraphs + (p,))
        else:
            groups.append(SectionGroup(p.unit.doc_id, p.unit.section, (p,)))
    related = related_terms(paragraphs, evidence, units)
    questions = select_questions(units, evidence, related)
    resources = select_resources(units, evidence, related)
    quoted = {p.unit.doc_id for p in paragraphs} | {q.unit.doc_id for q in questions} | {r.unit.doc_id for r in resources}
    documents = tuple(d for d in assistant.documents if d.doc_id in quoted)
    return Brief(topic, lang, documents, evidence.terms, summary, tuple(groups), tuple(questions), tuple(resources))


def _doc_rank(assistant: Assistant, doc_id: str) -> int:
    for i, d in enumerate(assistant.documents):
        if d.doc_id == doc_id:
            return i
    return math.inf  # type: ignore[return-value]
