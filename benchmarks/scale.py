"""The scaling curve: build time, memory and search latency at 10k, 100k and 1M passages.

Synthetic passages, so the curve does not wait on embedding:

- text (the lexical side): multilingual passages drawn from the shipped paper's own
  vocabulary (Chinese words, written without spaces so jieba has to segment them) and the
  glossary's English, French, Spanish, Russian and Arabic terms; Zipf-like word
  frequencies, 60% Chinese passages, 40-160 characters;
- vectors (the dense side): unit vectors of the real dimension (384, e5-small) drawn around
  2,000 random centres (cosine ~0.65 to their centre), because real embeddings cluster by
  topic; uniformly random vectors have no neighbours worth the name and would measure
  only HNSW's worst case (``--uniform`` measures that too).

Each size runs in its own process so peak memory is that size's. Per size: the exact
(flat), IVF-Flat (what the assistant builds above EXACT_SEARCH_MAX) and, from
``--hnsw-min``, HNSW dense indexes (build, memory, single-query latency p50/p95, recall@10
against exact at several nprobe / efSearch), BM25 (build, latency), the hybrid fusion as the
assistant runs it (``HybridSearcher.search`` with the automatically chosen store), and,
up to ``--ask-max``, the whole ``Assistant.ask`` with the real e5 model embedding each
question (answer stage included).

    python benchmarks/scale.py                       # 10k 100k 1M, writes benchmarks/out/scale.json
    python benchmarks/scale.py --sizes 10000 100000  # a quicker curve
    python benchmarks/scale.py --one 100000          # one size, JSON to stdout
    python benchmarks/scale.py --startup --sizes 100000 1000000 --output startup.json
                                                     # start-up to first answer from a saved build
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, Timer, loadavg, median_spread, peak_rss_mb, rss_mb, summary, time_asks, write_json

DIM = 384
PASSAGES_PER_DOC = 100


# --- synthetic data ---------------------------------------------------------------------------


def vocabulary() -> tuple[list[str], list[str]]:
    """Chinese words of the shipped paper, and the glossary's other-language words."""
    from assistant.core.config import Settings
    from assistant.core.text import has_han
    from assistant.ingest.corpus import load_documents
    from assistant.retrieval.lexical import tokenize

    zh: set[str] = set()
    for doc in load_documents(Settings(corpus_dir=ROOT / "corpus", index_dir=ROOT / "index")):
        for unit in doc.units:
            zh.update(t for t in tokenize(unit.text) if has_han(t))
    other: set[str] = set()
    lines = (ROOT / "assistant" / "data" / "glossary.tsv").read_text(encoding="utf-8").splitlines()[1:]
    for line in lines:
        for cell in line.split("\t")[1:]:
            for term in cell.split("|"):
                other.update(w for w in term.strip().split() if len(w) > 2)
    return sorted(zh), sorted(other)


def synthetic_texts(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    zh, other = vocabulary()
    zh_p = 1.0 / np.arange(1, len(zh) + 1) ** 0.9
    zh_p /= zh_p.sum()
    ot_p = 1.0 / np.arange(1, len(other) + 1) ** 0.9
    ot_p /= ot_p.sum()
    rng.shuffle(zh_p)
    rng.shuffle(ot_p)
    texts: list[str] = []
    is_zh = rng.random(n) < 0.6
    lengths = rng.integers(15, 45, n)
    zh_draw = rng.choice(len(zh), size=int(lengths.sum()), p=zh_p)
    ot_draw = rng.choice(len(other), size=int(lengths.sum()), p=ot_p)
    pos = 0
    for i in range(n):
        m = int(lengths[i])
        if is_zh[i]:
            texts.append("".join(zh[j] for j in zh_draw[pos : pos + m // 2]) + "。")
        else:
            texts.append(" ".join(other[j] for j in ot_draw[pos : pos + m]) + ".")
        pos += m
    return texts


def synthetic_vectors(n: int, dim: int = DIM, seed: int = 0, uniform: bool = False, centres: int = 2000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    if uniform:
        for lo in range(0, n, 100_000):
            block = rng.standard_normal((min(100_000, n - lo), dim)).astype(np.float32)
            out[lo : lo + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
        return out
    c = rng.standard_normal((centres, dim)).astype(np.float32)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    for lo in range(0, n, 100_000):
        m = min(100_000, n - lo)
        block = c[rng.integers(0, centres, m)] + rng.standard_normal((m, dim)).astype(np.float32) * 0.06
        out[lo : lo + m] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def query_vectors(vectors: np.ndarray, n: int, seed: int = 1) -> np.ndarray:
    """Near the data, never a stored row: a perturbed row, like a question near its passage."""
    rng = np.random.default_rng(seed)
    q = vectors[rng.integers(0, len(vectors), n)] + rng.standard_normal((n, vectors.shape[1])).astype(np.float32) * 0.06
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def synthetic_records(texts: list[str]) -> tuple[list, list]:
    """Synthetic documents (100 passages each) and their chunks, one chunk per passage."""
    from assistant.core.records import Document, Unit
    from assistant.index.chunking import Chunk

    docs = []
    chunks = []
    for d, lo in enumerate(range(0, len(texts), PASSAGES_PER_DOC)):
        doc_id = f"synthetic-{d:05d}"
        section = (f"{d % 7 + 1}. 第{d % 7 + 1}节",)
        units = tuple(
            Unit(doc_id, str(i + 1), "paragraph", text, section, order=i)
            for i, text in enumerate(texts[lo : lo + PASSAGES_PER_DOC])
        )
        docs.append(Document(doc_id, f"Synthetic {d}", "zh", "txt", units))
        chunks.extend(Chunk(doc_id, u.unit_id, 0, section[0], f"{section[0]}\n{u.text}") for u in units)
    return docs, chunks


def synthetic_index(texts: list[str], store: object, lexical: object):
    """A LoadedIndex over synthetic documents, the given vector store and BM25 index."""
    from assistant.index.build import IndexManifest, LoadedIndex
    from assistant.index.columns import IndexRecords

    docs, chunks = synthetic_records(texts)
    manifest = IndexManifest(1, "synthetic", DIM, "", "", "", len(chunks), len(chunks), "", {})
    return LoadedIndex(Path("/nonexistent"), manifest, store, IndexRecords.of(docs, chunks), lexical)  # type: ignore[arg-type]


class VectorQueries:
    """A stand-in embedder that hands out precomputed query vectors (no model in the curve)."""

    id = "synthetic"
    dim = DIM

    def __init__(self, queries: np.ndarray) -> None:
        self.queries = queries
        self.i = 0

    def query_vector(self, text: str) -> np.ndarray:
        self.i += 1
        return self.queries[self.i % len(self.queries)]


def questions(n: int, seed: int = 2) -> list[str]:
    """Question-like strings from the same vocabulary (Chinese and other languages)."""
    rng = np.random.default_rng(seed)
    zh, other = vocabulary()
    out = []
    for i in range(n):
        if i % 2 == 0:
            out.append("".join(zh[j] for j in rng.integers(0, len(zh), 4)) + "是什么？")
        else:
            out.append("What about " + " ".join(other[j] for j in rng.integers(0, len(other), 3)) + "?")
    return out


# --- one size ---------------------------------------------------------------------------------


def _latencies(fn, items, warm: int = 3) -> dict:
    """Wall-clock p50/p95 and, beside them, this process's CPU time per call.

    Other work shares this machine: CPU ms is what a call costs, wall ms what it took here.
    """
    for x in items[:warm]:
        fn(x)
    wall, cpu = [], []
    for x in items:
        c = time.process_time()
        t = time.perf_counter()
        fn(x)
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return {**summary(wall), "cpu_p50": summary(cpu)["p50"], "cpu_p95": summary(cpu)["p95"]}


def run_one(n: int, args: argparse.Namespace) -> dict:
    import faiss

    from assistant.index.stores import FaissStore, StoreInfo
    from assistant.index.stores import faiss as stores

    res: dict = {"n": n, "load_start": loadavg(), "faiss_threads": faiss.omp_get_max_threads()}
    with Timer() as t:
        texts = synthetic_texts(n)
        vectors = synthetic_vectors(n, uniform=args.uniform)
    res["generate_s"] = round(t.seconds, 2)
    res["rss_after_generate_mb"] = rss_mb()
    nq = args.queries
    qv = query_vectors(vectors, nq)

    # Dense: exact.
    before = rss_mb()
    with Timer() as t:
        flat = faiss.IndexFlatIP(DIM)
        flat.add(vectors)
    res["flat_build_s"] = round(t.seconds, 3)
    res["flat_build_cpu_s"] = round(t.cpu, 3)
    faiss.omp_set_num_threads(1)  # one question at a time runs on one thread (see assistant.index.stores.faiss)
    res["flat_build_rate"] = round(n / max(t.seconds, 1e-9))
    res["flat_mem_mb"] = round(rss_mb() - before, 1)
    res["flat_search_ms"] = (_latencies(lambda q: flat.search(q[None, :], 50), list(qv)))
    _, truth = flat.search(qv, 10)

    # Dense: HNSW, at several efSearch.
    if n >= args.hnsw_min:
        before = rss_mb()
        faiss.omp_set_num_threads(os.cpu_count() or 1)
        with Timer() as t:
            hnsw = faiss.IndexHNSWFlat(DIM, stores.HNSW_M, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efConstruction = stores.HNSW_EF_CONSTRUCTION
            hnsw.add(vectors)
        faiss.omp_set_num_threads(1)
        res["hnsw_params"] = {"M": stores.HNSW_M, "efConstruction": stores.HNSW_EF_CONSTRUCTION}
        res["hnsw_build_s"] = round(t.seconds, 2)
        res["hnsw_build_cpu_s"] = round(t.cpu, 2)
        res["hnsw_build_rate"] = round(n / max(t.seconds, 1e-9))
        res["hnsw_mem_mb"] = round(rss_mb() - before, 1)
        res["hnsw"] = {}
        for ef in (16, 32, 64, 128, 256):
            hnsw.hnsw.efSearch = ef
            _, found = hnsw.search(qv, 10)
            recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, found)]))
            lat = (_latencies(lambda q: hnsw.search(q[None, :], 50), list(qv)))
            res["hnsw"][str(ef)] = {"recall_at_10": round(recall, 4), "search_ms": lat}
        hnsw.hnsw.efSearch = stores.HNSW_EF_SEARCH
        del hnsw

    # Dense: IVF-Flat, what the assistant builds above EXACT_SEARCH_MAX (nprobe tuned at build).
    ivf = None
    if n >= args.ivf_min:
        faiss.omp_set_num_threads(os.cpu_count() or 1)
        with Timer() as t:
            ivf, ivf_info = stores.make_ivf_index(vectors, measure_recall=True)
        faiss.omp_set_num_threads(1)
        res["ivf_build_s"] = round(t.seconds, 2)
        res["ivf_build_cpu_s"] = round(t.cpu, 2)
        res["ivf_params"] = ivf_info.params
        res["ivf"] = {}
        for nprobe in (1, 4, 16, 64):
            ivf.nprobe = nprobe
            _, found = ivf.search(qv, 10)
            recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, found)]))
            res["ivf"][str(nprobe)] = {"recall_at_10": round(recall, 4),
                                       "search_ms": _latencies(lambda q: ivf.search(q[None, :], 50), list(qv))}
        ivf.nprobe = ivf_info.params["nprobe"]
    res["load_after_dense"] = loadavg()

    # The store the assistant would choose at this size, as the fusion uses it.
    if n > stores.EXACT_SEARCH_MAX and ivf is not None:
        chosen = FaissStore(ivf, ivf_info)
        del flat
    else:
        chosen = FaissStore(flat, StoreInfo("flat-ip"))
    res["chosen_store"] = chosen.info.kind
    res["served_params"] = chosen.info.params
    gc.collect()

    # Lexical and fusion: BM25 built as `assistant index` builds it (tokenising every passage).
    from assistant.index.build import lexical_words
    from assistant.retrieval.lexical import BM25Index, add_words, tokenize
    from assistant.retrieval.searcher import HybridSearcher

    before = rss_mb()
    with Timer() as t:
        add_words(lexical_words())
        lexical = BM25Index.build([c.embed_text for c in synthetic_records(texts)[1]])
    index = synthetic_index(texts, chosen, lexical)
    del texts
    gc.collect()
    searcher = HybridSearcher(index, VectorQueries(qv))  # type: ignore[arg-type]
    res["lexical_build_s"] = round(t.seconds, 2)
    res["lexical_build_cpu_s"] = round(t.cpu, 2)
    res["lexical_build_rate"] = round(n / max(t.seconds, 1e-9))
    res["lexical_mem_mb"] = round(rss_mb() - before, 1)
    qs = questions(nq)
    token_lists = [tokenize(q) for q in qs]
    res["lexical_search_ms"] = (_latencies(lambda toks: searcher.bm25.search(toks, 50), token_lists))
    res["dense_search_ms"] = (_latencies(lambda q: searcher.search(q, 5, mode="dense"), qs))
    res["fusion_search_ms"] = (_latencies(lambda q: searcher.search(q, 5, mode="hybrid"), qs))
    stages: dict[str, list[float]] = {"dense": [], "lexical": []}
    for q in qs:
        r = searcher.search(q, 5)
        for key in stages:
            stages[key].append(r.timings_ms.get(key, 0.0))
    res["fusion_stage_ms"] = {k: summary(v) for k, v in stages.items()}
    res["load_after_lexical"] = loadavg()

    # The whole ask, with the real model embedding the question (the answer stage included).
    if n <= args.ask_max:
        from assistant.answering.service import Assistant
        from assistant.core.config import Settings
        from assistant.index.embeddings import E5Embedder

        e5 = E5Embedder()
        searcher.embedder = e5
        assistant = Assistant.__new__(Assistant)
        assistant.settings = Settings()
        assistant.answerer = None
        assistant.index = index
        assistant.embedder = e5
        from assistant.answering.refusal import AnswerabilityModel
        from assistant.answering.sentences import SentenceIndex

        assistant.answerability = AnswerabilityModel.shipped(e5.id)
        assistant.sentences = SentenceIndex(e5)
        assistant.rerank_weight = 0.0  # sentence vectors of 1M synthetic passages are not the point here
        assistant.searcher = searcher  # the one built above: BM25 is not built twice
        with Timer() as t:
            assistant.warm_up()
            _ = assistant.corpus_text
        res["ask_warm_up_s"] = round(t.seconds, 2)
        totals, cpus, stage = time_asks(assistant, qs[: args.ask_queries])
        res["ask_ms"] = {**summary(totals), "cpu_p50": summary(cpus)["p50"], "cpu_p95": summary(cpus)["p95"]}
        res["ask_stage_ms"] = {k: summary(v) for k, v in stage.items()}
        res["load_after_ask"] = loadavg()
    res["peak_rss_mb"] = peak_rss_mb()
    return res


# --- start-up to first answer -------------------------------------------------------------------


def write_synthetic_build(n: int, root: Path) -> dict:
    """A corpus directory and a current index build of ``n`` synthetic passages, as
    `assistant index` leaves them (vectors, BM25, chunks, documents, checksummed manifest).

    The corpus files exist so the start-up's staleness check hashes real bytes; the build
    is written directly (not parsed from them) so the curve does not wait on embedding.
    """
    from assistant.core.config import Settings
    from assistant.index.build import (
        INDEX_FORMAT,
        IndexManifest,
        lexical_words,
        new_build_dir,
        parser_version,
        publish_build,
        write_build_files,
    )
    from assistant.index.embeddings import E5Embedder
    from assistant.index.stores import FaissStore
    from assistant.ingest.corpus import corpus_hash
    from assistant.retrieval.lexical import BM25Index, add_words, tokenizer_fingerprint

    res: dict = {}
    texts = synthetic_texts(n)
    docs, chunks = synthetic_records(texts)
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index", embedder="e5")
    settings.corpus_dir.mkdir(parents=True)
    entries = []
    for doc in docs:
        name = f"{doc.doc_id}.txt"
        (settings.corpus_dir / name).write_text("\n\n".join(u.text for u in doc.units), encoding="utf-8")
        entries.append({"doc_id": doc.doc_id, "path": name, "title": doc.title, "lang": "zh", "source_type": "txt"})
    (settings.corpus_dir / "manifest.json").write_text(json.dumps({"version": 1, "documents": entries}), encoding="utf-8")
    with Timer() as t:
        store = FaissStore.build(synthetic_vectors(n))
    res["dense_build_s"] = round(t.seconds, 1)
    with Timer() as t:
        add_words(lexical_words())
        lexical = BM25Index.build([c.embed_text for c in chunks])
    res["lexical_build_s"], res["lexical_build_cpu_s"] = round(t.seconds, 1), round(t.cpu, 1)
    build_dir = new_build_dir(settings.index_dir)
    store.save(build_dir / "vectors.faiss")
    files = write_build_files(build_dir, chunks, docs, lexical, ("vectors.faiss",))
    e5 = E5Embedder()
    manifest = IndexManifest(
        format=INDEX_FORMAT, embedder=e5.id, dim=e5.dim, corpus_hash=corpus_hash(settings),
        parser_version=parser_version(), built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        n_chunks=len(chunks), n_units=len(chunks), faiss_type=store.info.kind, files=files,
        store_params=store.info.params, recall_at_10=store.info.recall_at_10,
        lexical_tokenizer=tokenizer_fingerprint(lexical_words()),
    )
    publish_build(settings.index_dir, build_dir, manifest)
    res["served_store"] = store.info.kind
    res["index_files_mb"] = {name: round((build_dir / name).stat().st_size / 1e6, 1) for name in files}
    return res


def startup_child(root: Path) -> dict:
    """One cold start in this fresh process: open the index as `Assistant.open` does, answer once."""
    started = time.perf_counter()
    from assistant.answering.service import Assistant
    from assistant.core.config import Settings
    from assistant.index.build import ensure_index
    from assistant.index.embeddings import E5Embedder

    stages = {"imports_s": time.perf_counter() - started}
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index", embedder="e5")
    e5 = E5Embedder()
    with Timer() as t:
        # The staleness check (corpus hash) on a thread, checksums on threads, the records, BM25
        # and jieba's dictionary meanwhile, then FAISS once its checksum passed.
        index = ensure_index(settings, e5, "never")
    stages["load_index_s"] = t.seconds
    with Timer() as t:
        assistant = Assistant(settings, index, e5)
    stages["searcher_s"] = t.seconds
    with Timer() as t:
        assistant.warm_up()  # e5, the language detector
    stages["warm_up_s"] = t.seconds
    with Timer() as t:
        answer = assistant.ask(questions(1)[0])
    stages["first_answer_s"] = t.seconds
    stages["to_first_answer_s"] = time.perf_counter() - started
    return {**{k: round(v, 2) for k, v in stages.items()}, "passages": len(answer.passages), "peak_rss_mb": peak_rss_mb()}


def run_startup(n: int, runs: int, keep: Path | None = None) -> dict:
    """Build once, then ``runs`` cold starts, each in a new process (wall from spawn to exit).

    With ``keep``, the build is kept in ``keep/<n>`` and reused by the next run.
    """
    import shutil
    import tempfile

    root = keep / str(n) if keep else Path(tempfile.mkdtemp(prefix=f"bench-startup-{n}-"))
    try:
        res: dict = {"n": n, "load_start": loadavg()}
        if not (root / "index" / "current").exists():
            shutil.rmtree(root, ignore_errors=True)
            res.update(write_synthetic_build(n, root))
        gc.collect()
        starts = []
        for _ in range(runs):
            load = loadavg()
            began = time.perf_counter()
            out = subprocess.run([sys.executable, __file__, "--startup-child", str(root)], capture_output=True, text=True,
                                 check=False, env={**os.environ, "TQDM_DISABLE": "1"})
            wall = time.perf_counter() - began
            if out.returncode != 0:
                raise RuntimeError(out.stderr[-3000:])
            child = json.loads(out.stdout.strip().splitlines()[-1])
            starts.append({"process_wall_s": round(wall, 2), "load": load, **child})
            print(json.dumps(starts[-1]), file=sys.stderr, flush=True)
        res["starts"] = starts
        res["startup_median_s"] = median_spread([s["process_wall_s"] for s in starts])
        res["stage_median_s"] = {k: round(statistics.median(s[k] for s in starts), 2)
                                 for k in starts[0] if k.endswith("_s") and k != "process_wall_s"}
        return res
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--one", type=int, help="run one size in this process, print JSON")
    parser.add_argument("--queries", type=int, default=200, help="queries per latency measurement")
    parser.add_argument("--ask-queries", type=int, default=60)
    parser.add_argument("--ask-max", type=int, default=1_000_000, help="largest size to run the whole ask at")
    parser.add_argument("--hnsw-min", type=int, default=100_000, help="smallest size to build HNSW at (slow: 15 min at 1M here)")
    parser.add_argument("--ivf-min", type=int, default=100_000, help="smallest size to build IVF at")
    parser.add_argument("--uniform", action="store_true", help="uniformly random vectors (HNSW's worst case)")
    parser.add_argument("--output", default="scale.json")
    parser.add_argument("--startup", action="store_true",
                        help="measure only start-up to first answer (a saved build, --startup-runs cold starts) per size")
    parser.add_argument("--startup-runs", type=int, default=3)
    parser.add_argument("--startup-keep", type=Path, help="keep (and reuse) the start-up builds under this directory")
    parser.add_argument("--startup-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.startup_child:
        print(json.dumps(startup_child(args.startup_child)))
        return
    if args.startup:
        rows = []
        for n in args.sizes:
            rows.append(run_startup(n, args.startup_runs, args.startup_keep))
            write_json(args.output, {"command": " ".join(sys.argv), "startup": rows})
        print(write_json(args.output, {"command": " ".join(sys.argv), "startup": rows}))
        return
    if args.one:
        print(json.dumps(run_one(args.one, args)))
        return
    results = []
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n), "--queries", str(args.queries),
               "--ask-queries", str(args.ask_queries), "--ask-max", str(args.ask_max), "--hnsw-min", str(args.hnsw_min),
               "--ivf-min", str(args.ivf_min)]
        if args.uniform:
            cmd.append("--uniform")
        print(f"size {n}: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
        started = time.time()
        out = subprocess.run(cmd, capture_output=True, text=True, check=False, env={**os.environ, "TQDM_DISABLE": "1"})
        if out.returncode != 0:
            print(out.stderr[-3000:], file=sys.stderr)
            results.append({"n": n, "error": out.stderr[-500:]})
            continue
        row = json.loads(out.stdout.strip().splitlines()[-1])
        row["wall_s"] = round(time.time() - started, 1)
        results.append(row)
        print(json.dumps(row)[:600], file=sys.stderr, flush=True)
        write_json(args.output, {"command": " ".join(sys.argv), "uniform": args.uniform, "sizes": results})
    print(write_json(args.output, {"command": " ".join(sys.argv), "uniform": args.uniform, "sizes": results}))


if __name__ == "__main__":
    main()
