"""Choose the fusion weights and refusal thresholds from measurements, not guesses.

Uses the set's dev/test split (each item's "split"); picks the fusion weights on dev and
reports both halves, so the recorded figures are not tuned on the data they describe.
Refusals are tuned separately, by evals/tune_answerability.py.
Usage: python evals/tune_fusion.py [--set evals/qa.jsonl]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

from assistant.retrieval.conversation import resolve
from assistant.retrieval.searcher import FusionParams
from assistant.answering.service import Assistant, detect_lang


def fuse(dense: list[str], lexical: list[str], p: FusionParams) -> list[str]:
    scores: dict[str, float] = defaultdict(float)
    for rank, key in enumerate(dense[: p.depth], 1):
        scores[key] += p.dense_weight / (p.rrf_k + rank)
    for rank, key in enumerate(lexical[: p.depth], 1):
        scores[key] += p.lexical_weight / (p.rrf_k + rank)
    return sorted(scores, key=lambda k: -scores[k])


def metrics(rows: list[dict], ranked_key: str) -> dict[str, float]:
    hits1 = hits5 = rr = 0.0
    for r in rows:
        ranked = r[ranked_key][:5]
        gold = set(r["gold"])
        ranks = [i for i, u in enumerate(ranked, 1) if u in gold]
        hits1 += bool(ranks and ranks[0] == 1)
        hits5 += bool(ranks)
        rr += 1 / ranks[0] if ranks else 0
    n = max(len(rows), 1)
    return {"hit@1": hits1 / n, "hit@5": hits5 / n, "mrr": rr / n, "n": len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", default="evals/qa.jsonl")
    args = parser.parse_args()
    items = [json.loads(line) for line in Path(args.set).read_text(encoding="utf-8").splitlines() if line.strip()]
    assistant = Assistant.open()
    s = assistant.searcher
    rows = []
    for item in items:
        r = resolve(item["question"], item.get("history", []))
        full = s.search(r.dense_query, 50, mode="dense")
        lex = s.search(r.dense_query, 50, mode="lexical", lexical_extra=r.lexical_extra)
        lex_plain = s.search(r.dense_query, 50, mode="lexical", lexical_extra=r.lexical_extra, expand=False)
        rows.append(
            {
                **item,
                "split": item["split"],
                "dense": [p.unit_id for p in full.passages],
                "dense_scores": [p.dense_score for p in full.passages],
                "lexical": [p.unit_id for p in lex.passages],
                "lexical_plain": [p.unit_id for p in lex_plain.passages],
                "detected": detect_lang(item["question"]),
            }
        )
    answerable = [r for r in rows if r["gold"]]
    grid = [
        FusionParams(rrf_k=k, dense_weight=1.0, lexical_weight=w)
        for k, w in itertools.product((5, 10, 20, 40, 60), (0.0, 0.3, 0.5, 0.7, 1.0, 1.5))
    ]
    best, best_score = None, -1.0
    for p in grid:
        for r in answerable:
            r["fused"] = fuse(r["dense"], r["lexical"], p)
        dev = metrics([r for r in answerable if r["split"] == "dev"], "fused")
        score = dev["mrr"]
        if score > best_score:
            best, best_score = p, score
    print(f"best on dev: {best}  (dev MRR {best_score:.3f})")
    for r in answerable:
        r["fused"] = fuse(r["dense"], r["lexical"], best)
    for split in ("dev", "test", "all"):
        subset = [r for r in answerable if split == "all" or r["split"] == split]
        print(split, {k: metrics(subset, k) for k in ("dense", "lexical", "fused")})
    by_lang = defaultdict(list)
    for r in answerable:
        by_lang[r["lang"]].append(r)
    print("per language (all; hit@5 of fused / dense / lexical / lexical without glossary):")
    for lang, subset in sorted(by_lang.items()):
        keys = ("fused", "dense", "lexical", "lexical_plain")
        print(" ", lang, {k: round(metrics(subset, k)["hit@5"], 3) for k in keys}, len(subset))
    no_glossary = FusionParams(best.rrf_k, best.dense_weight, best.lexical_weight, best.depth)
    for r in answerable:
        r["fused_plain"] = fuse(r["dense"], r["lexical_plain"], no_glossary)
    foreign = [r for r in answerable if r["lang"] != "zh"]
    print("non-Chinese items, fused with / without glossary:", metrics(foreign, "fused"), metrics(foreign, "fused_plain"))
    # Top-1 dense similarity of answerable vs unanswerable questions.
    ans = [r["dense_scores"][0] for r in rows if r["gold"]]
    una = [r["dense_scores"][0] for r in rows if not r["gold"]]
    q = statistics.quantiles
    print("top similarity answerable p5/p50:", round(q(ans, n=20)[0], 3), round(statistics.median(ans), 3))
    print("top similarity unanswerable min/p50/max:", round(min(una), 3), round(statistics.median(una), 3), round(max(una), 3))
    json.dump(rows, open("/tmp/tune_rows.json", "w"), ensure_ascii=False)
    print("langid accuracy:", sum(r["detected"] == r["lang"] for r in rows) / len(rows))


if __name__ == "__main__":
    sys.exit(main())
