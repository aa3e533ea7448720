"""Reading UN-layout documents: units against gold, per document and per language.

Generates the test set (tests/un_layout.py: English with one scanned page, French and
Chinese PDFs, 40+ pages, plus a Word document with automatic numbering and footnotes),
reads each through the same path as `assistant add` (``parse.read_document``) and reports
exact units, header/footer and footnote leaks, footnotes as units, heading paths, page-1
metadata and OCR character accuracy. Writes benchmarks/out/un_layout.json.

    .venv/bin/python benchmarks/un_layout.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_json

sys.path.insert(0, str(ROOT / "tests"))
import un_layout

from assistant.ingest.parse import read_document


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write the generated documents here (default: a temp dir)")
    args = parser.parse_args()
    out_dir = args.keep or Path(tempfile.mkdtemp(prefix="un-layout-"))
    made = un_layout.standard_set(out_dir)
    scores = []
    for path, gold in made:
        start = time.perf_counter()
        doc = read_document(path, lang=gold.lang, doc_id=gold.name)
        seconds = time.perf_counter() - start
        s = un_layout.score(doc, gold)
        scores.append((s, seconds))
        crossing = gold.crossing
        print(f"{gold.name}: crossing page breaks: {sum('(' in u for u in crossing)} sub-items, "
              f"{sum(u.isdigit() for u in crossing)} paragraphs, {sum(u.startswith('fn') for u in crossing)} footnotes; "
              f"scanned pages {list(gold.scanned_pages)}")
    rows = [_row(s, sec) for s, sec in scores]
    print(f"{'document':10} {'lang':4} {'pages':>5} {'units':>5} {'exact':>7} {'extra':>5} {'hdr/ftr':>7} "
          f"{'fn leak':>7} {'fn units':>8} {'headings':>8} {'metadata':>8} {'ocr acc':>7} {'read s':>6}")
    for r in rows:
        print(f"{r['document']:10} {r['lang']:4} {r['pages']:>5} {r['units']:>5} {r['exact_share']:>7.1%} "
              f"{len(r['extra_units']):>5} {len(r['furniture_leaks']):>7} {len(r['footnote_leaks']):>7} "
              f"{r['footnotes_found']:>3}/{r['footnotes_gold']:<4} {r['sections_right']:>3}/{r['sections_gold']:<4} "
              f"{sum(r['metadata'].values())}/{len(r['metadata']):<6} "
              f"{'' if r['ocr_accuracy'] is None else format(r['ocr_accuracy'], '.1%'):>7} {r['read_seconds']:>6.1f}")
    langs = sorted({r["lang"] for r in rows})
    by_lang = {}
    for lang in langs:
        mine = [s for s, _ in scores if s.lang == lang]
        by_lang[lang] = summary = _totals(mine)
        print(f"{lang}: {summary['documents']} documents, {summary['pages']} pages, exact {summary['exact']}/"
              f"{summary['text_units']} = {summary['exact_share']:.1%}, leaks {summary['leaks']}, footnotes "
              f"{summary['footnotes']}, headings {summary['headings']}, metadata {summary['metadata']}, "
              f"OCR {summary['ocr_accuracy'] if summary['ocr_accuracy'] is None else format(summary['ocr_accuracy'], '.1%')}")
    overall = _totals([s for s, _ in scores])
    print(f"all: {overall['documents']} documents, {overall['pages']} pages, exact {overall['exact']}/"
          f"{overall['text_units']} = {overall['exact_share']:.1%}, leaks {overall['leaks']}, OCR "
          f"{overall['ocr_accuracy'] if overall['ocr_accuracy'] is None else format(overall['ocr_accuracy'], '.1%')}")
    for s, _ in scores:
        for line in s.mismatches[:5]:
            print(f"  {s.name} mismatch {line}")
    path = write_json("un_layout.json", {"documents": rows, "by_language": by_lang, "all": overall})
    print(f"wrote {path}")
    return 0


def _totals(scores: list[un_layout.Score]) -> dict:
    exact, units = sum(s.exact for s in scores), sum(s.text_units for s in scores)
    ocr = [(s.ocr_accuracy, s.ocr_units) for s in scores if s.ocr_accuracy is not None]
    return {
        "documents": len(scores),
        "pages": sum(s.pages for s in scores),
        "exact": exact,
        "text_units": units,
        "exact_share": exact / units if units else None,
        "leaks": sum(len(s.furniture_leaks) + len(s.footnote_leaks) for s in scores),
        "footnotes": f"{sum(s.footnotes_found for s in scores)}/{sum(s.footnotes_gold for s in scores)}",
        "headings": f"{sum(s.sections_right for s in scores)}/{sum(s.sections_gold for s in scores)}",
        "metadata": f"{sum(sum(s.metadata.values()) for s in scores)}/{sum(len(s.metadata) for s in scores)}",
        "ocr_accuracy": sum(a * n for a, n in ocr) / sum(n for _, n in ocr) if ocr else None,
    }


def _row(s: un_layout.Score, seconds: float) -> dict:
    row = dataclasses.asdict(s)
    row["document"] = row.pop("name")
    row["units"] = row.pop("gold_units")
    row["exact_share"] = s.exact_share
    row["read_seconds"] = round(seconds, 2)
    row["mismatches"] = list(s.mismatches[:20])
    return row


if __name__ == "__main__":
    raise SystemExit(main())
