"""Load test of the web chat: N concurrent gradio_client clients for a fixed time, over loopback.

Starts ``app.py`` in its own process on 127.0.0.1 (a free port; nothing leaves the machine),
then N client threads ask a mix of questions (the paper's discussion questions in Chinese
and English, follow-ups carrying their history, unanswerable ones, hostile payloads, an
over-long question) until the time is up. Records per-request latency (p50/p95), errors
(exceptions, error messages in the chat, missing answers) and the app's resident memory
at start, during and at the end of the run.

    python benchmarks/load_web.py                                # 50 clients, 120 s, fake embedder
    python benchmarks/load_web.py --embedder e5                  # the real bundled model
    python benchmarks/load_web.py --clients 10 --duration 10     # the smoke version

Writes a JSON report (``--json``) and the figures to ``benchmarks/RESULTS-load.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import start_app as start_app_process
from common import stop_app

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent

QUESTIONS = [
    "哪些因素会增加个人或社区对贩运人口的脆弱性？",
    "国家边境管理当局为预防贩运人口做出了哪些切实的贡献？",
    "民间社会在预防贩运人口的国家努力中发挥何种作用？",
    "禁止向雇员收取征聘费的建议是哪一年提出的？",
    "什么是蓝心运动？",
    "What factors increase the vulnerability of individuals or communities to trafficking?",
    "What are carrier sanctions?",
    "How do consular and diplomatic officials help prevent trafficking in persons?",
    "What role does the private sector play in preventing trafficking?",
    "Quel est le rôle de la société civile dans la prévention de la traite ?",
    "2023年世界打击贩运人口行为日的主题是什么？",  # unanswerable
    "Who won the 2018 World Cup?",  # unanswerable
    "<img src=x onerror=alert(1)><script>alert(2)</script> border management?",
    "'; DROP TABLE units; -- {0} %s",
    "贩运" * 3000,  # over the length limit: truncated with a notice
]
FOLLOW_UPS = ["那2015年呢？", "And what about academia?", "那边境管理当局呢？"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux), in MB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far, from /proc (Linux)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _text(message: dict[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def start_app(embedder: str, work: Path) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ)
    port = free_port()
    if embedder == "fake":
        shutil.copytree(ROOT / "corpus", work / "corpus")
        env.update(ASSISTANT_CORPUS_DIR=str(work / "corpus"), ASSISTANT_INDEX_DIR=str(work / "index"))
    env.update(
        ASSISTANT_EMBEDDER=embedder,
        ASSISTANT_FEEDBACK_PATH=str(work / "feedback.jsonl"),
        ASSISTANT_ALLOW_UPLOADS="0",
        GRADIO_SERVER_NAME="127.0.0.1",  # loopback only
        GRADIO_SERVER_PORT=str(port),
    )
    return start_app_process(env, port, timeout=240)


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.requests = 0

    def ok(self, seconds: float) -> None:
        with self.lock:
            self.requests += 1
            self.latencies.append(seconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.requests += 1
            self.errors.append(what[:300])


def client_loop(url: str, index: int, stop_at: float, stats: Stats, barrier: threading.Barrier) -> None:
    from gradio_client import Client

    rng = random.Random(index)
    try:
        # A browser waits on the event stream as long as it takes (gradio sends heartbeats); the
        # client's default read timeout would count queueing under load as an error.
        client = Client(url, verbose=False, httpx_kwargs={"timeout": 180})
    except Exception as exc:
        stats.error(f"client {index}: connect: {type(exc).__name__}: {exc}")
        return
    try:
        barrier.wait(timeout=120)
    except threading.BrokenBarrierError:
        pass
    history: list[str] = []
    chat: list[dict[str, Any]] = []
    while time.perf_counter() < stop_at:
        if history and len(history) < 3 and rng.random() < 0.4:
            question = rng.choice(FOLLOW_UPS)
        else:
            question = rng.choice(QUESTIONS)
            history, chat = [], []  # a new conversation
        lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in question) else "en"
        started = time.perf_counter()
        try:
            final = client.predict(question, history, chat, lang, api_name="/ask")
        except Exception as exc:
            stats.error(f"client {index}: {type(exc).__name__}: {exc}")
            history, chat = [], []
            continue
        elapsed = time.perf_counter() - started
        chat, history = final[0], final[2]
        last = _text(chat[-1]) if chat else ""
        if not chat or chat[-1]["role"] != "assistant" or "answer error" in last or "pending" in last:
            stats.error(f"client {index}: bad reply to {question[:40]!r}: {last[:200]}")
        elif history[-1:] != [question]:
            stats.error(f"client {index}: history is not this session's")
        else:
            stats.ok(elapsed)
    try:
        client.close()
    except Exception:
        pass


def run(embedder: str = "fake", clients: int = 50, duration: float = 120.0) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="load-web-"))
    t0 = time.perf_counter()
    server, url = start_app(embedder, work)
    startup_s = time.perf_counter() - t0
    samples: list[tuple[float, float]] = []
    load_samples: list[tuple[float, float]] = []  # (seconds, 1-minute load average), beside the RSS samples
    try:
        # Warm up (first requests import lazily, compile regexes, fill gradio's caches), then measure.
        from gradio_client import Client

        warm = Client(url, verbose=False)
        for q in QUESTIONS[:4]:
            warm.predict(q, [], [], "en", api_name="/ask")
        warm.close()
        rss_start = rss_mb(server.pid)
        # The load clients share the app's cores: how much CPU each side used during the run.
        app_cpu_start, clients_cpu_start = cpu_seconds(server.pid), time.process_time()
        load_start = os.getloadavg()[0]
        stats = Stats()
        barrier = threading.Barrier(clients)
        began = time.perf_counter()
        stop_at = began + duration + 5.0  # clients connect first (a few seconds for 50), then ask for `duration`
        threads = [threading.Thread(target=client_loop, args=(url, i, stop_at, stats, barrier), daemon=True) for i in range(clients)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads) and time.perf_counter() < stop_at + 60:
            now = round(time.perf_counter() - began, 1)
            samples.append((now, round(rss_mb(server.pid), 1)))
            load_samples.append((now, round(os.getloadavg()[0], 2)))
            time.sleep(5)
        hung = sum(t.is_alive() for t in threads)
        wall = time.perf_counter() - began
        rss_end = rss_mb(server.pid)
        app_cpu, clients_cpu = cpu_seconds(server.pid) - app_cpu_start, time.process_time() - clients_cpu_start
        load_end = os.getloadavg()[0]
        alive = server.poll() is None
    finally:
        stop_app(server)
        shutil.rmtree(work, ignore_errors=True)
    lat = stats.latencies
    # Growth is judged on the second half of the run: the first minutes fill caches and arenas.
    half = [r for t, r in samples if t >= wall / 2]
    return {
        "embedder": embedder,
        "clients": clients,
        "duration_s": duration,
        "wall_s": round(wall, 1),
        "startup_s": round(startup_s, 1),
        "requests": stats.requests,
        "answered": len(lat),
        "errors": len(stats.errors) + hung,
        "error_samples": stats.errors[:10] + ([f"{hung} client(s) hung"] if hung else []),
        "throughput_rps": round(len(lat) / wall, 1) if wall else 0.0,
        "p50_ms": round(statistics.median(lat) * 1000, 1) if lat else None,
        "p95_ms": round(pct(lat, 0.95) * 1000, 1) if lat else None,
        "max_ms": round(max(lat) * 1000, 1) if lat else None,
        "rss_start_mb": round(rss_start, 1),
        "rss_end_mb": round(rss_end, 1),
        "rss_max_mb": round(max([r for _, r in samples] + [rss_end]), 1),
        "rss_second_half_growth_mb": round(half[-1] - half[0], 1) if len(half) >= 2 else 0.0,
        "rss_second_half_growth_pct": round(100 * (half[-1] - half[0]) / half[0], 1) if len(half) >= 2 else 0.0,
        "rss_samples": samples,
        "load_samples": load_samples,
        "load_1min_median": round(statistics.median(avg for _, avg in load_samples), 2) if load_samples else None,
        "malloc_arena_max": os.environ.get("MALLOC_ARENA_MAX"),
        "app_alive_at_end": alive,
        "app_cpu_s": round(app_cpu, 1),
        "load_clients_cpu_s": round(clients_cpu, 1),
        "load_clients_cpu_share": round(clients_cpu / max(app_cpu + clients_cpu, 1e-9), 2),
        "load_1min_start_end": [round(load_start, 2), round(load_end, 2)],
    }


def write_markdown(report: dict[str, Any], path: Path) -> None:
    """Keep one section per (embedder, clients, duration) in RESULTS-load.md, newest figures."""
    key = f"## {report['embedder']} embedder, {report['clients']} clients, {report['duration_s']:.0f} s"
    body = "\n".join(
        [
            key,
            "",
            f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} CPUs, loopback, app in its own process.",
            "",
            "| requests answered | errors | throughput | p50 | p95 | max | RSS start → end (max) | RSS growth, 2nd half |",
            "|---|---|---|---|---|---|---|---|",
            f"| {report['answered']} | {report['errors']} | {report['throughput_rps']} req/s | {report['p50_ms']} ms | "
            f"{report['p95_ms']} ms | {report['max_ms']} ms | {report['rss_start_mb']} → {report['rss_end_mb']} MB "
            f"({report['rss_max_mb']} MB) | {report['rss_second_half_growth_mb']} MB |",
            "",
        ]
    )
    header = (
        "# Web load test\n\nProduced by `benchmarks/load_web.py` (the `load` test: `make test-load`). "
        "Each client asks a mix of discussion questions, follow-ups with history, unanswerable "
        "questions, hostile payloads and an over-long question, back to back, for the whole run.\n\n"
    )
    text = path.read_text(encoding="utf-8") if path.exists() else header
    sections = text.split("\n## ")
    kept = [s for s in sections[1:] if not ("## " + s).startswith(key)]
    path.write_text(sections[0].rstrip("\n") + "\n\n" + "".join("## " + s.rstrip("\n") + "\n\n" for s in kept) + body, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedder", default="fake", help="fake (default: the pipeline without a model) or e5 (the real model)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of asking")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "out" / "load_web.json")
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "RESULTS-load.md")
    args = parser.parse_args()
    report = run(args.embedder, args.clients, args.duration)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    write_markdown(report, args.results)
    print(json.dumps({k: v for k, v in report.items() if k not in ("rss_samples", "load_samples")}, ensure_ascii=False, indent=2))
    return 0 if report["errors"] == 0 and report["answered"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
