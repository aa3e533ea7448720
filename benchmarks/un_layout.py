"""Reading UN-layout documents: units against gold, per document and per language.

Generates the test set (tests/un_layout.py: English with one scanned page, French and
Chinese PDFs, 40+ pages, plus a Word document with automatic numbering and footnotes),
reads each through the same path as `assistant add` (``corpus.read_document``) and reports
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
from common import OUT, ROOT, write_json  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
import un_layout  # noqa: E402

from assistant.corpus import read_document  # noqa: E402


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
        exact = sum(s.exact for s in mine)
        total = sum(s.text_units for s in mine)
        by_lang[lang] = {"documents": len(mine), "pages": sum(s.pages for s in mine), "exact_share": exact / total if total else None}
        print(f"{lang}: {len(mine)} documents, {by_lang[lang]['pages']} pages, exact {exact}/{total} = {exact / total:.1%}")
    total_pages = sum(s.pages for s, _ in scores)
    exact = sum(s.exact for s, _ in scores)
    units = sum(s.text_units for s, _ in scores)
    print(f"all: {len(scores)} documents, {total_pages} pages, exact {exact}/{units} = {exact / units:.1%}")
    for s, _ in scores:
        for line in s.mismatches[:5]:
            print(f"  {s.name} mismatch {line}")
    write_json(OUT / "un_layout.json", {"documents": rows, "by_language": by_lang, "pages": total_pages,
                                         "exact_share": exact / units})
    return 0


def _row(s: "un_layout.Score", seconds: float) -> dict:
    row = dataclasses.asdict(s)
    row["document"] = row.pop("name")
    row["units"] = row.pop("gold_units")
    row["exact_share"] = s.exact_share
    row["read_seconds"] = round(seconds, 2)
    row["mismatches"] = list(s.mismatches[:20])
    return row


if __name__ == "__main__":
    raise SystemExit(main())
