"""Per-item scoring: what one answer returned, and the facts about it the metrics aggregate.

Frozen records and plain functions, so each judgement (an answer point covered, a short
answer stating the fact) can be tested on hand-made examples without a model.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.evaluation.dataset import EvalItem, unit_ref
from assistant.evaluation.ranking import first_hit_rank

if TYPE_CHECKING:  # heavy imports stay out of import time
    from assistant.answering.extractive import Answer
    from assistant.core.records import Unit

_WS = re.compile(r"\s+")


def compact(text: str) -> str:
    """Text with all white space removed: PDF-extracted lines break anywhere."""
    return _WS.sub("", text)


@dataclass(frozen=True)
class ItemResult:
    id: str
    lang: str
    kind: str
    question: str
    gold: tuple[str, ...]
    passages: tuple[str, ...]  # unit refs, ranked
    citations: tuple[str, ...]  # distinct cited unit refs, in citation order
    refused: bool
    answer: str
    latency_ms: float
    hit_rank: int | None  # 1-based rank of the first gold unit among passages
    group: str | None = None
    history: tuple[str, ...] = ()
    answer_points: tuple[str, ...] = ()
    points_covered: tuple[bool, ...] = ()
    n_quotes: int = 0
    n_verbatim: int = 0
    validate_error: str | None = None
    refusal_reason: str | None = None
    passage_chars: tuple[int, ...] = ()  # white-space-free characters of each passage
    split: str | None = None
    near_miss: bool | None = None
    fact: tuple[str, ...] = ()
    short_answer: str | None = None
    context_citations: tuple[str, ...] = ()  # units quoted as context (a sub-item's lead-in), not as evidence
    signals: dict[str, float] = dataclasses.field(default_factory=dict)  # the answerability decision's inputs

    @property
    def answerable(self) -> bool:
        return bool(self.gold)

    @property
    def refusal_correct(self) -> bool:
        return self.refused != self.answerable

    def to_json(self) -> dict[str, Any]:
        record = dataclasses.asdict(self)
        for key, value in record.items():
            if isinstance(value, tuple):
                record[key] = list(value)
        record["latency_ms"] = round(self.latency_ms, 2)
        return record

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> ItemResult:
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in record.items() if k in fields}
        return cls(**values)


def point_covered(point: str, lang: str, cited_texts: Sequence[str], gold_cited: bool) -> bool:
    """Whether one answer point is in the answer's evidence.

    Chinese points are verbatim source text (evals/README.md): the point, converted to
    Simplified and without white space, must occur in the white-space-free concatenated
    text of the cited units. Points in other languages are hand-written facts about a
    Chinese source, so no string test is meaningful: they count as covered when the
    answer cites a gold unit.
    """
    if lang == "zh":
        from assistant.retrieval.lexical import simplify

        haystack = compact(simplify("".join(cited_texts)))
        return compact(simplify(point)) in haystack
    return gold_cited


def _folded(text: str) -> str:
    """Case-, accent- and white-space-insensitive, Simplified Chinese: "Équateur" meets "equateur"."""
    from assistant.retrieval.glossary import fold
    from assistant.retrieval.lexical import simplify

    return compact(fold(simplify(text)))


def fact_correct(r: ItemResult) -> bool:
    """The short-answer line states one of the item's accepted forms of the fact."""
    return not r.refused and r.short_answer is not None and any(_folded(f) in _folded(r.short_answer) for f in r.fact)


def score_answer(item: EvalItem, answer: Answer, latency_ms: float, units: Mapping[tuple[str, str], Unit]) -> ItemResult:
    """One item's record: what came back, and the per-item facts the metrics aggregate."""
    passages = tuple(unit_ref(p.doc_id, p.unit_id) for p in answer.passages)
    cited_keys = list(dict.fromkeys((c.doc_id, c.unit_id) for c in answer.citations if c.role == "evidence"))
    citations = tuple(unit_ref(d, u) for d, u in cited_keys)
    context_citations = tuple(
        dict.fromkeys(unit_ref(c.doc_id, c.unit_id) for c in answer.citations if c.role == "context")
    )
    gold = set(item.gold)
    n_verbatim = 0
    for c in answer.citations:
        unit = units.get((c.doc_id, c.unit_id))
        n_verbatim += unit is not None and bool(c.quote) and c.quote in unit.text
    try:
        answer.validate()
        validate_error = None
    except AssertionError as exc:
        validate_error = str(exc)
    cited_texts = [units[k].text for k in cited_keys if k in units]
    gold_cited = bool(gold & set(citations))
    covered = tuple(point_covered(p, item.lang, cited_texts, gold_cited) for p in item.answer_points)
    return ItemResult(
        id=item.id,
        lang=item.lang,
        kind=item.kind,
        question=item.question,
        gold=item.gold,
        passages=passages,
        citations=citations,
        refused=answer.refused,
        answer=answer.text,
        latency_ms=latency_ms,
        hit_rank=first_hit_rank(passages, gold),
        group=item.group,
        history=item.history,
        answer_points=item.answer_points,
        points_covered=covered,
        n_quotes=len(answer.citations),
        n_verbatim=n_verbatim,
        validate_error=validate_error,
        refusal_reason=answer.refusal_reason,
        passage_chars=tuple(len(compact(p.unit.text)) for p in answer.passages),
        split=item.split,
        near_miss=item.near_miss,
        fact=item.fact,
        short_answer=answer.short_answer,
        context_citations=context_citations,
        signals=dict(answer.signals),
    )
