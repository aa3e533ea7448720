"""Whether the documents answer a question: a measured decision, not a similarity bar.

e5 similarities of questions the paper does not answer overlap those it does answer,
and their scale differs by language, so no single bar separates them. Two kinds of
signal decide instead:

- a rule with a reason anyone can check: the question names something salient (a
  number, an article, a meeting ordinal, a country or organisation) that the corpus
  never mentions;
- a logistic model over retrieval and answer signals (similarities and their margin,
  whether dense and lexical retrieval agree, how many of the question's terms the best
  paragraph holds, whether it holds the kind of fact asked for), trained on the dev
  half of evals/qa.jsonl by evals/tune_answerability.py and shipped as JSON.

The model belongs to the embedder it was trained with; for any other embedder only the
rule applies.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from assistant.answering.question import QuestionAnalysis
from assistant.retrieval import glossary
from assistant.retrieval.ordinals import meeting_ordinals
from assistant.retrieval.searcher import Passage

FEATURES: tuple[str, ...] = (
    "dense_top",
    "dense_margin",
    "agree",
    "lexical_first",
    "cross_lingual",
    "sentence_top",
    "term_coverage",
    "has_terms",
    "fact_asked",
    "fact_missing",
    "local_missing",
    "novel_words",
    "novel_names",
    "family_share",
    "fact_unanchored",
)

_NUMBER = re.compile(r"(?<![\d.])\d{1,4}(?![\d.])")
_ARTICLE = re.compile(
    r"(?:第\s*(\d+)\s*条|\b(?:article|art\.|artículo|articulo)\s*(\d+)|стать[яиею]\s*(\d+)|المادة\s*(\d+))",
    re.IGNORECASE,
)
def missing_salient_terms(question: str, corpus_text: str) -> list[str]:
    """Salient things the question names that the corpus never mentions.

    ``corpus_text`` is the whole corpus with whitespace removed. A question about
    "article 5 of the Protocol", "the 2020 World Day theme", "the seventh meeting" or
    "UNODC's budget" cannot be answered by a corpus that has no "第5条", no "2020", no
    "第七次" and no "预算", however similar its wording is to what the corpus does say.
    """
    from assistant.retrieval.lexical import simplify

    missing: list[str] = []
    articles = set()
    for match in _ARTICLE.finditer(question):
        number = next(g for g in match.groups() if g)
        articles.add(number)
        if f"第{number}条" not in corpus_text and f"article{number}" not in _folded_corpus(corpus_text):
            missing.append(match.group(0))
    for match in _NUMBER.finditer(question):
        number = match.group(0)
        if number not in articles and number not in corpus_text:
            missing.append(number)
    missing.extend(o for o in meeting_ordinals(question) if o not in corpus_text)
    simplified = simplify(question)
    named = {t.zh for t in glossary.terms("salient_terms") if t.zh in simplified}
    named.update(glossary.expand(question, "salient_terms"))
    missing.extend(sorted(zh for zh in named if not _term_in_text(zh, corpus_text, "salient_terms")))
    return list(dict.fromkeys(missing))


def _term_in_text(zh: str, text: str, table: glossary.Table = "glossary") -> bool:
    """Whether ``text`` (white space removed) names a term of ``table`` in any language: an added
    English guidance note says "International Labour Organization" where the paper writes 国际劳工组织."""
    if zh in text:
        return True
    folded = _folded_corpus(text)
    return any(name in folded for name in _spelled_out(table).get(zh, ()))


@lru_cache(maxsize=2)
def _spelled_out(table: glossary.Table) -> dict[str, tuple[str, ...]]:
    """Each term's names in every language, folded and without spaces as corpus text is, once per
    table rather than once per question. Abbreviations ("ILO") are left out: in a text without
    spaces "ilo" is also in "pilot"."""
    return {
        zh: tuple(folded for folded in (glossary.fold(re.sub(r"\s+", "", name)) for name in names) if len(folded) >= 5)
        for zh, names in glossary.variants(table).items()
    }


@dataclass(frozen=True)
class Evidence:
    """What the answer stage found, as the model sees it."""

    passages: tuple[Passage, ...]
    cross_lingual: bool
    sentence_top: float  # best sentence similarity to the question, 0 without dense vectors
    evidence_text: str  # the top unit with its lead-in: where the question's terms are looked for
    fact_found: bool
    fact_anchored: bool = False  # stated in a clause that names what the question names
    from_title_block: bool = False  # a fact of this meeting or paper, read from its own title block
    fact_checkable: bool = True  # whether the top unit lacking the fact means it is not stated (facts.absence_tells)
    unstated_event: str | None = None  # asked when/where/who of an event its fact's sentence does not name (events.py)
    fact_unit: str | None = None  # the unit the fact was read from


#: A passage counts as agreed on when both retrievers rank it this high.
AGREE_DEPTH = 2


@lru_cache(maxsize=32)
def _folded_corpus(corpus_text: str) -> str:
    """The corpus folded once, not once per question that names an article or a name (it can be
    large). The cited paragraphs of recent answers are folded here too: room for them beside it."""
    return glossary.fold(corpus_text)


def _name_in_corpus(name: str, lang: str, corpus_text: str) -> bool:
    """Whether the corpus mentions a thing the question names, through the glossary or country names."""
    from assistant.answering.names import chinese_forms
    from assistant.core.text import has_han
    if not has_han(name) and glossary.fold(name) in _folded_corpus(corpus_text):
        return True  # a Latin name the paper prints
    return any(_term_in_text(zh, corpus_text, "salient_terms") for zh in chinese_forms(name, lang))


def features(analysis: QuestionAnalysis, evidence: Evidence, corpus_text: str = "") -> dict[str, float]:
    passages = evidence.passages
    top = passages[0]
    dense = sorted((p.dense_score for p in passages if p.dense_score is not None), reverse=True)
    dense_top = dense[0] if dense else 0.0
    margin = dense[0] - dense[1] if len(dense) > 1 else 0.0
    terms = analysis.terms
    coverage = sum(_term_in_text(t, evidence.evidence_text) for t in terms) / len(terms) if terms else 0.0
    return {
        "dense_top": dense_top,
        "dense_margin": margin,
        "agree": float((top.dense_rank or 99) <= AGREE_DEPTH and (top.lexical_rank or 99) <= AGREE_DEPTH),
        "lexical_first": float(top.lexical_rank == 1),
        "cross_lingual": float(evidence.cross_lingual),
        "sentence_top": evidence.sentence_top,
        "term_coverage": coverage,
        "has_terms": float(bool(terms)),
        "fact_asked": float(analysis.fact_kind is not None),
        "fact_missing": float(analysis.fact_kind is not None and evidence.fact_checkable and not evidence.fact_found),
        # Numbers, years, ordinals and named things of the question that the cited
        # paragraphs lack, although the corpus has them elsewhere: "the 2016 theme" when
        # the paragraph lists 2017-2019, "the second meeting" beside the fifth.
        "local_missing": float(min(2, len(missing_salient_terms(analysis.text, evidence.evidence_text)))),
        # Words and names of the question that the whole corpus never uses: the detail
        # asked about is probably not there (a paraphrase also uses new words, so it is
        # a signal to weigh, not a rule).
        "novel_words": sum(w not in corpus_text for w in analysis.words) / len(analysis.words) if analysis.words else 0.0,
        "novel_names": float(min(2, sum(not _name_in_corpus(n, analysis.lang, corpus_text) for n in analysis.names))),
        # A question the paper answers tends to pull one paragraph and its sub-items to the top;
        # a near miss pulls loosely related paragraphs from all over.
        "family_share": sum(_family(p) == _family(top) for p in passages) / len(passages),
        # "How many members does the coordination group have?" finds a number, but in a
        # clause about something else: the fact kind is there, the thing asked about is not.
        "fact_unanchored": float(evidence.fact_found and not evidence.fact_anchored),
    }


def _family(p: Passage) -> tuple[str, str]:
    return (p.doc_id, p.unit_id.split("(")[0])


@dataclass(frozen=True)
class AnswerabilityModel:
    """Standardised logistic regression: P(answerable) = σ(b + Σ wᵢ (xᵢ − μᵢ) / σᵢ)."""

    embedder: str
    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float  # refuse below this probability (chosen on dev)

    def probability(self, values: Mapping[str, float]) -> float:
        z = self.intercept + sum(
            w * (values[n] - m) / (s or 1.0) for n, m, s, w in zip(self.names, self.mean, self.scale, self.coef)
        )
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def refuses(self, probability: float) -> bool:
        return probability < self.threshold

    def to_json(self) -> dict[str, object]:
        return {
            "embedder": self.embedder,
            "features": list(self.names),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "threshold": self.threshold,
        }

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> AnswerabilityModel:
        names = tuple(str(n) for n in record["features"])
        unknown = set(names) - set(FEATURES)
        if unknown:
            raise ValueError(f"answerability model uses unknown features: {', '.join(sorted(unknown))}")
        return cls(
            embedder=str(record["embedder"]),
            names=names,
            mean=tuple(float(v) for v in record["mean"]),
            scale=tuple(float(v) for v in record["scale"]),
            coef=tuple(float(v) for v in record["coef"]),
            intercept=float(record["intercept"]),
            threshold=float(record["threshold"]),
        )

    @classmethod
    def shipped(cls, embedder_id: str) -> AnswerabilityModel | None:
        """The model trained for this embedder, or None (then only the salient-term rule refuses)."""
        path = resources.files("assistant").joinpath("data/answerability.json")
        if not path.is_file():
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
        if tuple(record.get("features", ())) != FEATURES:
            # Features changed since the model was trained: refusing on a stale model
            # would be worse than the rule alone. evals/tune_answerability.py --write fixes it.
            logging.getLogger(__name__).warning("the shipped answerability model is stale; retrain it")
            return None
        model = cls.from_json(record)
        return model if model.embedder == embedder_id else None


@dataclass(frozen=True)
class Decision:
    reason: str | None  # why the documents do not answer; None: they do
    signals: dict[str, float]  # the model's inputs (and its probability), kept for the record
    # The reader's reason, when a rule refused: a string key (assistant/data/strings.toml) and its fields.
    note: tuple[str, dict[str, str]] | None = None


def decide(
    analysis: QuestionAnalysis, evidence: Evidence, corpus_text: str, model: AnswerabilityModel | None
) -> Decision:
    signals = features(analysis, evidence, corpus_text)
    missing = missing_salient_terms(analysis.text, corpus_text)
    signals["missing_salient"] = float(len(missing))
    if missing:
        terms = ", ".join(missing)
        return Decision(f"the documents never mention {terms}", signals, ("why_missing", {"terms": terms}))
    if evidence.from_title_block:
        # "When is this meeting?" read from the document's own title block is answerable by
        # construction, as a direct reference is: the question says where the answer is.
        signals["title_block"] = 1.0
        return Decision(None, signals)
    signals["event_unstated"] = float(evidence.unstated_event is not None)
    if evidence.unstated_event is not None:
        # "When did the General Assembly adopt resolution 68/192?" finds the day it designated.
        kind = analysis.fact_kind or "fact"
        article = "an" if kind[0] in "aeiou" else "a"
        reason = f"the closest sentence gives {article} {kind}, but does not say that anything was {evidence.unstated_event}"
        return Decision(reason, signals, ("why_event", {"unit": evidence.fact_unit or evidence.passages[0].unit_id}))
    if model is None:
        return Decision(None, signals)
    p = signals["answerability"] = model.probability(signals)
    if not model.refuses(p):
        return Decision(None, signals)
    weak = f"answerability {p:.2f} < {model.threshold:.2f}"
    if signals["fact_missing"]:
        # The model's heaviest reason, told to the reader: "How many universities take part?" after
        # para. 36, which is on the topic and names no number. As a rule of its own it held for 74
        # dev unanswerable items and 1 answerable one, but removing those easy items from the
        # model's training made it refuse plain questions ("What are carrier sanctions?").
        kind = analysis.fact_kind or "fact"
        return Decision(f"the closest paragraph gives no {kind} ({weak})", signals, ("why_no_fact", {"unit": evidence.passages[0].unit_id}))
    return Decision(f"the evidence is too weak ({weak})", signals)
