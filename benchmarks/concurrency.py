"""Throughput with N concurrent clients: the library (threads sharing one ``Assistant``),
the CLI (N ``assistant ask`` processes at once) and the web app (``web_sessions.py``).

    python benchmarks/concurrency.py                          # library 1 2 4 8, CLI 1 2 4, web 1 5 20
    python benchmarks/concurrency.py --web 0                  # skip the web app

Writes ``benchmarks/out/concurrency.json`` (web runs also ``web_sessions_<N>.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, ROOT, loadavg, peak_rss_mb, summary, write_json


def _questions() -> list[str]:
    rows = [json.loads(x) for x in (ROOT / "evals" / "qa.jsonl").read_text(encoding="utf-8").splitlines() if x]
    return [r["question"] for r in rows if not r.get("history")]


def library(settings, clients: list[int], per_client: int, repeat: int = 1, batching: str = "on") -> list[dict]:
    """Per client count, ``repeat`` runs; the row gives the median run (by answers/s) and all runs.

    ``batching="both"`` alternates runs with query micro-batching on and off (off: batches
    of one, each question its own engine call as before batching) in the same process, so
    the comparison sees the same machine load; one row per client count and setting.
    """
    from assistant.answering.service import Assistant
    from assistant.index.batching import MicroBatcher

    a = Assistant.open(settings, rebuild="never")
    batched = a.embedder._query_batcher
    single = MicroBatcher(lambda texts: list(a.embedder.embed(texts, "query")), max_batch=1)
    qs = _questions()
    out = []
    settings_to_run = ["on", "off"] if batching == "both" else [batching]
    for n in clients:
        runs: dict[str, list[dict]] = {setting: [] for setting in settings_to_run}
        for _ in range(repeat):
            for setting in settings_to_run:  # interleaved: both settings see the same load
                a.embedder.__dict__["_query_batcher"] = batched if setting == "on" else single
                runs[setting].append(_library_run(a, qs, n, per_client))
        for setting, setting_runs in runs.items():
            rates = [r["answers_per_s"] for r in setting_runs]
            p50s = [r["latency_ms"]["p50"] for r in setting_runs]
            median_run = sorted(setting_runs, key=lambda r: r["answers_per_s"])[len(setting_runs) // 2]
            row = {"clients": n, "batching": setting, "questions": n * per_client, **median_run,
                   "answers_per_s_runs": rates, "latency_p50_ms_median": statistics.median(p50s), "runs": setting_runs}
            print("library", {k: v for k, v in row.items() if k != "runs"}, file=sys.stderr, flush=True)
            out.append(row)
    return out


def _library_run(a, qs: list[str], n: int, per_client: int) -> dict:
    latencies: list[float] = []

    def client(i: int) -> None:
        for j in range(per_client):
            q = qs[(i * per_client + j) % len(qs)]
            s = time.perf_counter()
            a.ask(q)
            latencies.append((time.perf_counter() - s) * 1000)

    load = loadavg()
    started = time.perf_counter()
    with ThreadPoolExecutor(n) as pool:
        list(pool.map(client, range(n)))
    wall = time.perf_counter() - started
    return {"wall_s": round(wall, 2), "answers_per_s": round(n * per_client / wall, 2),
            "latency_ms": summary(latencies), "load": load}


def cli(env: dict, clients: list[int]) -> list[dict]:
    exe = str(Path(sys.executable).parent / "assistant")
    qs = _questions()
    out = []
    for n in clients:
        load = loadavg()
        started = time.perf_counter()
        procs = [subprocess.Popen([exe, "ask", qs[i], "--json"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for i in range(n)]
        ends = []
        for p in procs:
            p.wait()
            ends.append(time.perf_counter() - started)
            if p.returncode != 0:
                raise RuntimeError(p.stderr.read().decode()[-1000:])
        wall = time.perf_counter() - started
        row = {"clients": n, "wall_s": round(wall, 2), "answers_per_s": round(n / wall, 3),
               "per_process_s": summary([e * 1000 for e in ends]), "load": load}
        print("cli", row, file=sys.stderr, flush=True)
        out.append(row)
    return out


def web(sessions: list[int], embedder: str) -> list[dict]:
    out = []
    for n in sessions:
        path = OUT / f"web_sessions_{n}.json"
        load = loadavg()
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "web_sessions.py"), "--sessions", str(n),
                        "--embedder", embedder, "--client", "sse", "--output", str(path), "--deadline", "240"],
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not path.exists():
            out.append({"sessions": n, "error": "no output"})
            continue
        d = json.loads(path.read_text(encoding="utf-8"))
        row = {"sessions": n, "turns": d.get("turns_completed"), "errors": len(d.get("errors", [])),
               "mixed": len(d.get("mixed", [])), "wall_s": d.get("wall_s"),
               "answers_per_s": round(d.get("turns_completed", 0) / max(d.get("wall_s", 1), 1e-9), 2),
               "ttft_median_ms": d.get("ttft_median_ms"), "ttft_p95_ms": d.get("ttft_p95_ms"),
               "full_median_ms": d.get("full_median_ms"), "full_p95_ms": d.get("full_p95_ms"), "load": load}
        print("web", row, file=sys.stderr, flush=True)
        out.append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--library", type=int, nargs="*", default=[1, 2, 4, 8])
    parser.add_argument("--per-client", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=1, help="library runs per client count (medians reported)")
    parser.add_argument("--batching", choices=["on", "off", "both"], default="on",
                        help="query micro-batching in the library runs; both: alternate, same process")
    parser.add_argument("--cli", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--web", type=int, nargs="*", default=[1, 5, 20])
    args = parser.parse_args()

    from assistant.core.config import Settings
    from assistant.index.build import ensure_index

    work = Path(tempfile.mkdtemp(prefix="bench-conc-"))
    shutil.copytree(ROOT / "corpus", work / "corpus")
    (work / "index").mkdir()
    if (ROOT / "index" / "cache.sqlite").exists():
        shutil.copy(ROOT / "index" / "cache.sqlite", work / "index" / "cache.sqlite")
    settings = Settings(corpus_dir=work / "corpus", index_dir=work / "index", embedder=args.embedder)
    ensure_index(settings, policy="always")
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir), "ASSISTANT_INDEX_DIR": str(settings.index_dir),
           "ASSISTANT_EMBEDDER": args.embedder}
    result = {"command": " ".join(sys.argv)}
    result["library"] = library(settings, args.library, args.per_client, args.repeat, args.batching) if args.library else []
    result["library_peak_rss_mb"] = peak_rss_mb()
    write_json("concurrency.json", result)
    result["cli"] = cli(env, args.cli) if args.cli else []
    write_json("concurrency.json", result)
    result["web"] = web([n for n in args.web if n > 0], args.embedder) if args.web else []
    print(write_json("concurrency.json", result))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
