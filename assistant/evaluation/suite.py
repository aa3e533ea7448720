"""The answer-quality suite: a question set run through ``Assistant.ask``, then scored.

Every item goes through exactly the code path a user's question takes (``ask`` with the
item's history, the language detected, not given), in one process, so what is measured
is what ships. Scoring is plain functions over frozen records, so each metric can be
tested on hand-computed examples without a model. Like sentence-transformers'
``InformationRetrievalEvaluator`` for the ranking metrics, plus what an answering
assistant adds: citations, verbatim quotes, refusals, languages.

Set format: see ``evals/README.md``. A gold id without ``doc:`` names a unit of the
shipped paper (:data:`DEFAULT_DOC`); ``"doc:unit"`` names a unit of any other document.

``--baseline`` adds the recipe a user would otherwise reach for (LangChain's
``RecursiveCharacterTextSplitter`` on the raw file, same embedder, FAISS, top chunks),
scored at an equal budget of returned characters: see :func:`run_baseline`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import re
import unicodedata
import subprocess
import sys
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.records import LANGS
from assistant.core.errors import ConfigError
from assistant.core.langtags import un_lang

if TYPE_CHECKING:  # heavy imports stay out of import time
    from assistant.answering.extractive import Answer
    from assistant.core.records import Document, Unit
    from assistant.index.embeddings import Embedder
    from assistant.answering.service import Assistant

DEFAULT_DOC = "wg-tip-2019-prevention"
REQUIRED_KEYS: tuple[str, ...] = ("id", "lang", "kind", "question", "gold")
CUTOFFS: tuple[int, ...] = (1, 3, 5)
SPLITS: tuple[str, ...] = ("dev", "test")
_WS = re.compile(r"\s+")

#: Metrics the CI gate holds at or above a floor (evals/thresholds.json "min").
HEADLINE_MIN: tuple[str, ...] = (
    "hit@1",
    "hit@5",
    "mrr",
    "ndcg@5",
    "recall@5",
    "citation_precision",
    "gold_citation_rate",
    "answer_point_coverage",
    "refusal_accuracy",
    "cross_lingual_agreement",
    "reference_accuracy",
    "short_answer_accuracy",
    "followup_accuracy",
)
#: Metrics the CI gate holds at or below a ceiling (evals/thresholds.json "max").
HEADLINE_MAX: tuple[str, ...] = ("false_refusal_rate",)


class EvalSetError(ConfigError):
    """A question-set line the suite cannot use; the message names the file and line."""


def compact(text: str) -> str:
    """Text with all white space removed: PDF-extracted lines break anywhere."""
    return _WS.sub("", text)


# --- the question set ---------------------------------------------------------------------


@dataclass(frozen=True)
class EvalItem:
    id: str
    lang: str
    kind: str
    question: str
    gold: tuple[str, ...]  # unit refs as written in the set ("16(e)" or "doc:unit")
    answer_points: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    group: str | None = None
    line: int = 0
    fact: tuple[str, ...] = ()  # acceptable forms of the short answer (kind "fact")
    split: str | None = None  # "dev" (tuning allowed) or "test" (reported only)
    near_miss: bool | None = None  # unanswerable: about a detail of a topic the paper covers

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


def parse_unit_ref(ref: str, default_doc: str = DEFAULT_DOC) -> tuple[str, str]:
    """``"16(e)"`` -> (default_doc, "16(e)"); ``"other-doc:s2.p3"`` -> ("other-doc", "s2.p3")."""
    doc, sep, unit = ref.partition(":")
    return (doc, unit) if sep else (default_doc, ref)


def unit_ref(doc_id: str, unit_id: str, default_doc: str = DEFAULT_DOC) -> str:
    """The set's spelling of a unit: bare for the shipped paper, ``doc:unit`` otherwise."""
    return unit_id if doc_id == default_doc else f"{doc_id}:{unit_id}"


def _str_list(record: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = record.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise EvalSetError(f"{where}: {key!r} must be a list of strings, got {json.dumps(value, ensure_ascii=False)[:80]}")
    return tuple(value)


def parse_item(line: str, where: str, line_no: int = 0) -> EvalItem:
    """One set line to an item, or an :class:`EvalSetError` saying what is wrong with it."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EvalSetError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(record, dict):
        raise EvalSetError(f"{where}: expected a JSON object, got {type(record).__name__}")
    missing = [k for k in REQUIRED_KEYS if k not in record]
    if missing:
        raise EvalSetError(f"{where}: missing key{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}")
    for key in ("id", "lang", "kind", "question"):
        if not isinstance(record[key], str) or not record[key].strip():
            raise EvalSetError(f"{where}: {key!r} must be a non-empty string")
    try:
        lang = un_lang(record["lang"])  # BCP-47 tags (zh-Hant, en-GB …) count under their UN language
    except ConfigError as exc:
        raise EvalSetError(f"{where}: {exc}") from None
    group = record.get("group")
    if group is not None and not isinstance(group, str):
        raise EvalSetError(f"{where}: 'group' must be a string")
    split = record.get("split")
    if split is not None and split not in SPLITS:
        raise EvalSetError(f"{where}: unknown split {split!r}; valid values: {', '.join(SPLITS)}")
    near_miss = record.get("near_miss")
    if near_miss is not None and not isinstance(near_miss, bool):
        raise EvalSetError(f"{where}: 'near_miss' must be true or false")
    return EvalItem(
        id=record["id"],
        lang=lang,
        kind=record["kind"],
        question=record["question"],
        gold=_str_list(record, "gold", where),
        answer_points=_str_list(record, "answer_points", where),
        history=_str_list(record, "history", where),
        group=group,
        line=line_no,
        fact=_str_list(record, "fact", where),
        split=split,
        near_miss=near_miss,
    )


def parse_set(lines: Iterable[str], source: str = "<set>") -> tuple[EvalItem, ...]:
    items: list[EvalItem] = []
    first_line: dict[str, int] = {}
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        item = parse_item(line, f"{source} line {line_no}", line_no)
        if item.id in first_line:
            raise EvalSetError(f"{source} line {line_no}: id {item.id!r} already used on line {first_line[item.id]}")
        first_line[item.id] = line_no
        items.append(item)
    if not items:
        raise EvalSetError(f"{source}: no questions in the set")
    return tuple(items)


def load_set(path: str | Path) -> tuple[EvalItem, ...]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvalSetError(f"question set {path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise EvalSetError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    return parse_set(text.splitlines(), str(path))


def check_gold(items: Sequence[EvalItem], known: Collection[tuple[str, str]], source: str = "<set>") -> None:
    """A gold id the corpus lacks would silently score as a miss: name it instead."""
    for item in items:
        for ref in item.gold:
            if parse_unit_ref(ref) not in known:
                raise EvalSetError(
                    f"{source} line {item.line}: gold unit {ref!r} of {item.id!r} is not in the indexed corpus"
                )


# --- per-item results ---------------------------------------------------------------------


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
    def from_json(cls, record: Mapping[str, Any]) -> "ItemResult":
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in record.items() if k in fields}
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


def score_answer(item: EvalItem, answer: "Answer", latency_ms: float, units: Mapping[tuple[str, str], "Unit"]) -> ItemResult:
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


def corpus_units(assistant: "Assistant") -> dict[tuple[str, str], "Unit"]:
    from assistant.index.chunking import units_by_key

    return units_by_key(assistant.documents)


def run_item(
    assistant: "Assistant", item: EvalItem, k: int | None = None, units: Mapping[tuple[str, str], "Unit"] | None = None
) -> tuple[ItemResult, "Answer"]:
    units = units if units is not None else corpus_units(assistant)
    started = time.perf_counter()
    answer = assistant.ask(item.question, item.history, k=k)
    latency = (time.perf_counter() - started) * 1000
    return score_answer(item, answer, latency, units), answer


def run_set(
    assistant: "Assistant",
    items: Sequence[EvalItem],
    k: int | None = None,
    *,
    progress: bool = False,
    on_answer: Callable[[EvalItem, "Answer"], None] | None = None,
) -> tuple[ItemResult, ...]:
    """Every item through ``Assistant.ask``; ``on_answer`` sees each raw Answer (the gate validates them)."""
    from tqdm import tqdm

    units = corpus_units(assistant)
    results = []
    for item in tqdm(items, desc="evaluating", unit="q", file=sys.stderr, disable=not progress):
        result, answer = run_item(assistant, item, k, units)
        if on_answer is not None:
            on_answer(item, answer)
        results.append(result)
    return tuple(results)


# --- metrics ------------------------------------------------------------------------------


def first_hit_rank(ranked: Sequence[str], gold: Collection[str]) -> int | None:
    """1-based rank of the first relevant unit, None when none was returned."""
    return next((i for i, ref in enumerate(ranked, 1) if ref in gold), None)


def hit_at_k(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """1 if any gold unit is among the top ``k``, else 0 (the question can be answered from them)."""
    return float(any(ref in gold for ref in ranked[:k]))


def reciprocal_rank(ranked: Sequence[str], gold: Collection[str]) -> float:
    """1/rank of the first gold unit among what was returned (0 if none): MRR@k averaged."""
    rank = first_hit_rank(ranked, gold)
    return 0.0 if rank is None else 1.0 / rank


def ndcg_at_k(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """Binary-relevance nDCG: DCG = sum over relevant ranks i <= k of 1/log2(i+1), divided by
    the DCG of an ideal list that puts min(|gold|, k) gold units first. Rewards finding all
    gold units of a multi-unit question, and finding them early."""
    gold = set(gold)
    if not gold:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 1) for i, ref in enumerate(ranked[:k], 1) if ref in gold)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(gold), k) + 1))
    return dcg / ideal


def recall_at_k(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """Share of the gold units found in the top ``k`` (all of them are needed for a "multi" item)."""
    gold = set(gold)
    if not gold:
        return 0.0
    return len(gold & set(ranked[:k])) / len(gold)


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: the ceil(p/100 * n)-th smallest value (an observed latency)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def _folded(text: str) -> str:
    """Case-, accent- and white-space-insensitive, Simplified Chinese: "Équateur" meets "equateur"."""
    from assistant.retrieval.lexical import simplify

    decomposed = unicodedata.normalize("NFKD", simplify(text).casefold())
    return compact("".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def fact_correct(r: ItemResult) -> bool:
    """The short-answer line states one of the item's accepted forms of the fact."""
    return not r.refused and r.short_answer is not None and any(_folded(f) in _folded(r.short_answer) for f in r.fact)


def citation_precision(results: Sequence[ItemResult]) -> float | None:
    """Micro precision of citations: cited units that are gold / all cited units, over the
    answerable items that were answered (a unit cited by two quotes counts once)."""
    cited = gold = 0
    for r in results:
        if r.answerable and not r.refused:
            cited += len(r.citations)
            gold += len(set(r.citations) & set(r.gold))
    return gold / cited if cited else None


def cross_lingual_agreement(
    results: Sequence[ItemResult], involving: Callable[[ItemResult], bool] | None = None
) -> tuple[float | None, int]:
    """Share of same-question pairs in different languages whose top-1 unit is the same.

    Pairs are formed within each ``group`` between items of different languages (a group
    needs items in at least two). ``involving`` restricts the pairs to those with at least
    one item it accepts (per-language and per-kind breakdowns). Returns (share, n pairs).
    """
    groups: dict[str, list[ItemResult]] = {}
    for r in results:
        if r.group:
            groups.setdefault(r.group, []).append(r)
    agree = total = 0
    for members in groups.values():
        if len({m.lang for m in members}) < 2:
            continue
        for a, b in itertools.combinations(members, 2):
            if a.lang == b.lang or (involving is not None and not (involving(a) or involving(b))):
                continue
            total += 1
            agree += bool(a.passages) and bool(b.passages) and a.passages[0] == b.passages[0]
    return (agree / total if total else None), total


def summarize(
    results: Sequence[ItemResult],
    all_results: Sequence[ItemResult] | None = None,
    involving: Callable[[ItemResult], bool] | None = None,
    cutoffs: Sequence[int] = CUTOFFS,
) -> dict[str, float | int | None]:
    """All metrics for one slice of the results; ``None`` where the slice has nothing to measure.

    - hit@k, mrr, ndcg@5, recall@5: retrieval, over answerable items only (a refused
      answer still has its passages; refusal is scored separately).
    - citation_precision: see :func:`citation_precision`.
    - gold_citation_rate: share of answered answerable items citing at least one gold unit.
    - verbatim_quote_rate: share of all quotes that are substrings of the unit they cite
      (must be 1.0); validate_failures counts answers whose ``Answer.validate()`` failed.
    - answer_point_coverage: share of answer points of answerable items covered by the
      answer's cited units (see :func:`point_covered`; a refusal covers none).
    - refusal_accuracy: share of unanswerable items refused; false_refusal_rate: share of
      answerable items refused.
    - cross_lingual_agreement: see :func:`cross_lingual_agreement`.
    - latency_p50_ms / latency_p95_ms: wall time of ``ask``, nearest-rank percentiles.
    """
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    answered = [r for r in answerable if not r.refused]
    out: dict[str, float | int | None] = {
        "n_items": len(results),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
    }
    for k in cutoffs:
        out[f"hit@{k}"] = _mean(hit_at_k(r.passages, r.gold, k) for r in answerable)
    out["mrr"] = _mean(reciprocal_rank(r.passages, r.gold) for r in answerable)
    out["ndcg@5"] = _mean(ndcg_at_k(r.passages, r.gold, 5) for r in answerable)
    out["recall@5"] = _mean(recall_at_k(r.passages, r.gold, 5) for r in answerable)
    out["citation_precision"] = citation_precision(results)
    out["gold_citation_rate"] = _mean(float(bool(set(r.citations) & set(r.gold))) for r in answered)
    n_quotes = sum(r.n_quotes for r in results)
    out["verbatim_quote_rate"] = sum(r.n_verbatim for r in results) / n_quotes if n_quotes else None
    out["n_quotes"] = n_quotes
    out["validate_failures"] = sum(r.validate_error is not None for r in results)
    points = [c for r in answerable for c in (r.points_covered if not r.refused else (False,) * len(r.answer_points))]
    out["answer_point_coverage"] = _mean(float(c) for c in points)
    out["refusal_accuracy"] = _mean(float(r.refused) for r in unanswerable)
    out["false_refusal_rate"] = _mean(float(r.refused) for r in answerable)
    share, pairs = cross_lingual_agreement(all_results if all_results is not None else results, involving)
    out["cross_lingual_agreement"] = share
    out["n_cross_lingual_pairs"] = pairs
    references = [r for r in answerable if r.kind == "reference"]
    out["reference_accuracy"] = _mean(float(not r.refused and r.passages[:1] == r.gold[:1]) for r in references)
    facts = [r for r in answerable if r.fact]
    out["short_answer_accuracy"] = _mean(float(fact_correct(r)) for r in facts)
    out["short_answer_given"] = _mean(float(r.short_answer is not None and not r.refused) for r in facts)
    followups = [r for r in answerable if r.kind == "xfollowup"]
    out["followup_accuracy"] = _mean(float(not r.refused and bool(set(r.citations) & set(r.gold))) for r in followups)
    near = [r for r in unanswerable if r.near_miss]
    out["near_miss_refusal_accuracy"] = _mean(float(r.refused) for r in near)
    latencies = [r.latency_ms for r in results]
    out["latency_p50_ms"] = percentile(latencies, 50)
    out["latency_p95_ms"] = percentile(latencies, 95)
    return out


def compute_metrics(results: Sequence[ItemResult]) -> dict[str, Any]:
    """Overall, per kind, per language (cross-lingual pairs: those involving the slice) and per split
    (dev: what tuning may look at; test: what is reported; pairs within the split)."""
    by_kind = {}
    for kind in dict.fromkeys(r.kind for r in results):
        subset = [r for r in results if r.kind == kind]
        by_kind[kind] = summarize(subset, results, lambda r, kind=kind: r.kind == kind)
    by_lang = {}
    for lang in [l for l in LANGS if any(r.lang == l for r in results)]:
        subset = [r for r in results if r.lang == lang]
        by_lang[lang] = summarize(subset, results, lambda r, lang=lang: r.lang == lang)
    by_split = {}
    for split in [s for s in SPLITS if any(r.split == s for r in results)]:
        subset = [r for r in results if r.split == split]
        by_split[split] = summarize(subset, subset)
    return {"overall": summarize(results), "by_kind": by_kind, "by_lang": by_lang, "by_split": by_split}


# --- thresholds (the CI gate) ------------------------------------------------------------


def thresholds_from(overall: Mapping[str, Any], step: float = 0.02) -> dict[str, dict[str, float]]:
    """Floors just under today's values (rounded down to ``step``), ceilings just over.

    Written once from a measurement and raised when the system improves; never lowered to
    make a regression pass.
    """
    eps = 1e-9
    floors = {m: round(math.floor(overall[m] / step + eps) * step, 4) for m in HEADLINE_MIN if overall.get(m) is not None}
    ceilings = {m: round(math.ceil(overall[m] / step - eps) * step, 4) for m in HEADLINE_MAX if overall.get(m) is not None}
    return {"min": floors, "max": ceilings}


def check_thresholds(overall: Mapping[str, Any], thresholds: Mapping[str, Mapping[str, float]]) -> list[str]:
    """Human-readable failures, empty when every metric is on the right side of its bound."""
    failures = []
    for metric, floor in thresholds.get("min", {}).items():
        value = overall.get(metric)
        if value is None or value < floor:
            failures.append(f"{metric} = {value} is below its threshold {floor}")
    for metric, ceiling in thresholds.get("max", {}).items():
        value = overall.get(metric)
        if value is None or value > ceiling:
            failures.append(f"{metric} = {value} is above its threshold {ceiling}")
    return failures


# --- the baseline: the plain LangChain recipe ------------------------------------------------


def contains_unit(unit_compact: str, text_compact: str, min_run: int = 30) -> bool:
    """Whether a retrieved text "contains" a unit, both without white space.

    Rule: some run of ``min(30, ceil(len(unit)/2))`` consecutive characters of the unit
    occurs in the text, i.e. 30 consecutive characters of a long unit, or half of a unit
    shorter than 60 characters. This is generous to the baseline on purpose: a 500-char
    chunk that ends with the first line of a paragraph gets credit for the paragraph.
    """
    if not unit_compact or not text_compact:
        return False
    run = min(min_run, math.ceil(len(unit_compact) / 2))
    if len(text_compact) < run:
        return False
    grams = {text_compact[i : i + run] for i in range(len(text_compact) - run + 1)}
    return any(unit_compact[i : i + run] in grams for i in range(len(unit_compact) - run + 1))


@dataclass(frozen=True)
class BaselineChunk:
    doc_id: str
    text: str
    compact: str
    units: frozenset[tuple[str, str]]  # units the whole chunk contains


def raw_corpus_texts(corpus_dir: Path) -> list[tuple[str, str]]:
    """(doc_id, raw text) for every manifest entry: the file as a user would load it.

    Text files (txt, md) are decoded as they are; for html, pdf and docx the text a
    loader would extract (the readers' blocks, joined by blank lines).
    """
    from assistant.ingest.corpus import _entry_file, load_manifest
    from assistant.ingest.readers import decode_text, parse_bytes, source_type_for

    out = []
    for entry in load_manifest(corpus_dir).entries:
        path = _entry_file(Path(corpus_dir), entry)
        data = path.read_bytes()
        source_type = entry.source_type or source_type_for(path)
        if source_type in ("txt", "md"):
            text = decode_text(data, path)[0]
        else:
            text = "\n\n".join(b.text for b in parse_bytes(data, path, source_type).blocks)  # type: ignore[arg-type]
        out.append((entry.doc_id, text))
    return out


class BaselineRetriever:
    """RecursiveCharacterTextSplitter(500, 50) chunks of the raw files in a FAISS IndexFlatIP."""

    def __init__(
        self,
        chunks: Sequence[BaselineChunk],
        embedder: "Embedder",
        units: Mapping[tuple[str, str], "Unit"],
        cache_path: Path | None = None,
    ):
        import numpy as np

        from assistant.index.stores import load_faiss

        faiss = load_faiss()
        self.chunks = tuple(chunks)
        self.embedder = embedder
        self._unit_compact = {key: compact(u.text) for key, u in units.items()}
        texts = [c.text for c in self.chunks]
        if cache_path is not None:  # the index's embedding cache: a re-run embeds nothing
            from assistant.index.cache import EmbeddingCache

            vectors, _ = EmbeddingCache(cache_path).embed_with_cache(
                texts, embedder.id, embedder.dim, lambda missing: embedder.embed(missing, "passage")
            )
        else:
            vectors = embedder.embed(texts, "passage")
        self.index = faiss.IndexFlatIP(embedder.dim)
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    @classmethod
    def build(
        cls,
        raw_texts: Sequence[tuple[str, str]],
        documents: Sequence["Document"],
        embedder: "Embedder",
        chunk_size: int = 500,
        chunk_overlap: int = 50,
        cache_path: Path | None = None,
    ) -> "BaselineRetriever":
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
        doc_units = {d.doc_id: [((d.doc_id, u.unit_id), compact(u.text)) for u in d.units] for d in documents}
        chunks = []
        for doc_id, text in raw_texts:
            for piece in splitter.split_text(text):
                c = compact(piece)
                units = frozenset(key for key, uc in doc_units.get(doc_id, []) if contains_unit(uc, c))
                chunks.append(BaselineChunk(doc_id, piece, c, units))
        units = {(d.doc_id, u.unit_id): u for d in documents for u in d.units}
        return cls(chunks, embedder, units, cache_path)

    def rank(self, query: str) -> list[int]:
        """Every chunk row, best first."""
        vector = self.embedder.query_vector(query)[None, :]
        _, rows = self.index.search(vector, len(self.chunks))
        return [int(r) for r in rows[0] if r >= 0]

    def units_within(self, ranked: Sequence[int], budget: int) -> set[tuple[str, str]]:
        """Units contained in the ranked chunks read in order, cut after ``budget`` characters
        (white space not counted; the chunk that crosses the budget is clipped)."""
        found: set[tuple[str, str]] = set()
        left = budget
        for row in ranked:
            if left <= 0:
                break
            chunk = self.chunks[row]
            if len(chunk.compact) <= left:
                found |= chunk.units
            else:
                piece = chunk.compact[:left]
                found |= {key for key in chunk.units if contains_unit(self._unit_compact[key], piece)}
            left -= len(chunk.compact)
        return found


@dataclass(frozen=True)
class BaselineItem:
    id: str
    lang: str
    kind: str
    gold: tuple[str, ...]
    budgets: tuple[int, ...]  # our top-n units' characters, n = 1..k
    ours_rank: int | None  # smallest n with a gold unit in our top n
    baseline_rank: int | None  # smallest n with a gold unit in the baseline's first budgets[n-1] chars
    ours_recall: float  # gold share in our top k
    baseline_recall: float  # gold share within budgets[k-1]
    topk_rank: int | None  # rank of the first chunk containing gold, top-k whole chunks (no budget)
    topk_recall: float
    topk_chars: int
    chunks: tuple[int, ...]  # the baseline's top-k chunk rows

    def to_json(self) -> dict[str, Any]:
        record = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in record.items()}


def baseline_item(
    retriever: BaselineRetriever, item: EvalItem, result: ItemResult, k: int
) -> BaselineItem:
    """Score the baseline on one answerable item against our result at equal budgets.

    Budget ladder: B_n = white-space-free characters of our top n units (n = 1..k). Our
    rank is the first n whose top n units include gold; the baseline's is the first n
    whose first B_n characters of ranked chunks contain a gold unit (see
    :func:`contains_unit`). hit@n and MRR then mean the same thing on both sides. The
    baseline's query is the history and the question joined, as a plain chain would do.
    """
    gold_keys = {parse_unit_ref(ref) for ref in item.gold}
    budgets = tuple(itertools.accumulate(result.passage_chars[:k]))
    ranked = retriever.rank("\n".join((*item.history, item.question)))
    baseline_rank = None
    within: set[tuple[str, str]] = set()
    for n, budget in enumerate(budgets, 1):
        within = retriever.units_within(ranked, budget)
        if baseline_rank is None and within & gold_keys:
            baseline_rank = n
    top = ranked[:k]
    topk_units: list[set[tuple[str, str]]] = [set(retriever.chunks[r].units) for r in top]
    topk_rank = next((i for i, units in enumerate(topk_units, 1) if units & gold_keys), None)
    topk_found = set().union(*topk_units) if topk_units else set()
    return BaselineItem(
        id=item.id,
        lang=item.lang,
        kind=item.kind,
        gold=item.gold,
        budgets=budgets,
        ours_rank=result.hit_rank,
        baseline_rank=baseline_rank,
        ours_recall=recall_at_k(result.passages, item.gold, k),
        baseline_recall=len(within & gold_keys) / len(gold_keys),
        topk_rank=topk_rank,
        topk_recall=len(topk_found & gold_keys) / len(gold_keys),
        topk_chars=sum(len(retriever.chunks[r].compact) for r in top),
        chunks=tuple(top),
    )


def _rank_metrics(ranks: Sequence[int | None], recalls: Sequence[float], chars: Sequence[float]) -> dict[str, Any]:
    out: dict[str, Any] = {"n": len(ranks)}
    for k in CUTOFFS:
        out[f"hit@{k}"] = _mean(float(r is not None and r <= k) for r in ranks)
    out["mrr"] = _mean(0.0 if r is None else 1.0 / r for r in ranks)
    out["recall@5"] = _mean(recalls)
    out["mean_chars"] = _mean(chars)
    return out


def baseline_metrics(items: Sequence[BaselineItem]) -> dict[str, Any]:
    """ours / baseline at equal budget / baseline's top-k whole chunks, overall and per slice."""

    def block(subset: Sequence[BaselineItem]) -> dict[str, Any]:
        return {
            "ours": _rank_metrics([i.ours_rank for i in subset], [i.ours_recall for i in subset], [i.budgets[-1] if i.budgets else 0 for i in subset]),
            "baseline": _rank_metrics([i.baseline_rank for i in subset], [i.baseline_recall for i in subset], [i.budgets[-1] if i.budgets else 0 for i in subset]),
            "baseline_topk": _rank_metrics([i.topk_rank for i in subset], [i.topk_recall for i in subset], [i.topk_chars for i in subset]),
        }

    return {
        "overall": block(items),
        "by_kind": {kind: block([i for i in items if i.kind == kind]) for kind in dict.fromkeys(i.kind for i in items)},
        "by_lang": {lang: block([i for i in items if i.lang == lang]) for lang in LANGS if any(i.lang == lang for i in items)},
    }


def run_baseline(
    assistant: "Assistant",
    items: Sequence[EvalItem],
    results: Sequence[ItemResult],
    k: int,
    *,
    progress: bool = False,
) -> dict[str, Any]:
    """The plain recipe on the answerable items: config, metrics and per-item records."""
    from tqdm import tqdm

    retriever = BaselineRetriever.build(
        raw_corpus_texts(assistant.settings.corpus_dir),
        assistant.documents,
        assistant.embedder,
        cache_path=Path(assistant.settings.index_dir) / "cache.sqlite",
    )
    by_id = {r.id: r for r in results}
    answerable = [item for item in items if item.answerable]
    scored = [
        baseline_item(retriever, item, by_id[item.id], k)
        for item in tqdm(answerable, desc="baseline", unit="q", file=sys.stderr, disable=not progress)
    ]
    return {
        "config": {
            "splitter": "langchain_text_splitters.RecursiveCharacterTextSplitter",
            "chunk_size": 500,
            "chunk_overlap": 50,
            "n_chunks": len(retriever.chunks),
            "embedder": assistant.embedder.id,
            "index": "faiss.IndexFlatIP",
            "query": "history and question joined by newlines",
            "budget": "white-space-free characters of our top-n units, n = 1..k",
            "contains": "min(30, ceil(len(unit)/2)) consecutive characters of the unit in the (clipped) chunk",
        },
        "metrics": baseline_metrics(scored),
        "results": [s.to_json() for s in scored],
    }


# --- a whole run --------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def git_commit(cwd: Path) -> str | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd, capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}{'-dirty' if dirty else ''}" if head else None


def run_config(assistant: "Assistant", set_path: Path, k: int) -> dict[str, Any]:
    from assistant.core.config import project_root

    manifest = assistant.index.manifest
    return {
        "embedder": assistant.embedder.id,
        "k": k,
        "fusion": dataclasses.asdict(assistant.searcher.params),
        "answerability": assistant.answerability.to_json() if assistant.answerability else None,
        "index": {
            "corpus_hash": manifest.corpus_hash,
            "embedder": manifest.embedder,
            "parser_version": manifest.parser_version,
            "built_at": manifest.built_at,
            "n_units": manifest.n_units,
            "n_chunks": manifest.n_chunks,
        },
        "set": {"path": str(set_path), "sha256": _sha256(set_path)},
        "git_commit": git_commit(project_root()),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def evaluate(
    assistant: "Assistant",
    set_path: str | Path,
    k: int | None = None,
    *,
    baseline: bool = False,
    progress: bool = False,
    on_answer: Callable[[EvalItem, "Answer"], None] | None = None,
) -> dict[str, Any]:
    """Load, check, run and score a set: the ``results.json`` document."""
    set_path = Path(set_path)
    items = load_set(set_path)
    check_gold(items, corpus_units(assistant).keys(), str(set_path))
    k = k or assistant.settings.k
    results = run_set(assistant, items, k, progress=progress, on_answer=on_answer)
    run: dict[str, Any] = {
        "config": run_config(assistant, set_path, k),
        "metrics": compute_metrics(results),
        "results": [r.to_json() for r in results],
    }
    if baseline:
        run["baseline"] = run_baseline(assistant, items, results, k, progress=progress)
    return run


def write_json(run: Mapping[str, Any], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def read_json(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"results file {path} does not exist") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path} is not a results file ({exc})") from None
    if not isinstance(run, dict) or not isinstance(run.get("metrics"), dict) or not isinstance(run.get("results"), list):
        raise ConfigError(f"{path} is not a results file (no 'metrics' and 'results')")
    return run


# --- comparing two runs --------------------------------------------------------------------


@dataclass(frozen=True)
class Flip:
    id: str
    what: str  # "hit@5" or "refusal"
    direction: str  # "gained" (B better) or "lost"
    question: str


def flips(a: Mapping[str, Any], b: Mapping[str, Any], k: int = 5) -> list[Flip]:
    """Items whose hit@5 or refusal correctness differs between runs A and B, both ways."""
    a_items = {r["id"]: ItemResult.from_json(r) for r in a["results"]}
    out = []
    for record in b["results"]:
        rb = ItemResult.from_json(record)
        ra = a_items.get(rb.id)
        if ra is None:
            continue
        if rb.answerable:
            ha, hb = hit_at_k(ra.passages, ra.gold, k), hit_at_k(rb.passages, rb.gold, k)
            if ha != hb:
                out.append(Flip(rb.id, f"hit@{k}", "gained" if hb > ha else "lost", rb.question))
        if ra.refusal_correct != rb.refusal_correct:
            out.append(Flip(rb.id, "refusal", "gained" if rb.refusal_correct else "lost", rb.question))
    return out


def metric_deltas(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[tuple[str, Any, Any, float | None]]:
    """(metric, A, B, B - A) for every overall metric either run has."""
    ma, mb = a["metrics"]["overall"], b["metrics"]["overall"]
    rows = []
    for name in dict.fromkeys([*ma, *mb]):
        va, vb = ma.get(name), mb.get(name)
        delta = vb - va if isinstance(va, (int, float)) and isinstance(vb, (int, float)) else None
        rows.append((name, va, vb, delta))
    return rows
