"""Render the measured tables of benchmarks/RESULTS.md from benchmarks/out/*.json.

The tables go between ``<!-- tables:start -->`` and ``<!-- tables:end -->``; the prose
around them (analysis, closing note) is written by hand and left alone.

    python benchmarks/render.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, ROOT

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
START, END = "<!-- tables:start -->", "<!-- tables:end -->"


def _load(name: str) -> dict | None:
    path = OUT / name
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _ms(d: dict | None, key: str = "p50") -> str:
    return "–" if not d else f"{d[key]:.1f}"


def _ms_cpu(d: dict | None) -> str:
    if not d:
        return "–"
    return f"{d['p50']:.1f} / {d['p95']:.1f} ({d.get('cpu_p50', float('nan')):.1f} / {d.get('cpu_p95', float('nan')):.1f})"


def _ms_spread(d: dict | None) -> str:
    return "–" if not d else f"{d['median']:.1f} ({d['min']:.1f}–{d['max']:.1f})"


def machine_section(m: dict) -> list[str]:
    return [
        f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory_gib']} GiB; Python {m['python']}; {m['os']}",
        "- packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v),
        "",
    ]


def paper_section(p: dict, title: str = "The shipped paper (98 units)") -> list[str]:
    out = [f"### {title}", "", f"Command: `{p['command'].replace(str(ROOT) + '/', '')}`", ""]
    e5 = p["embedders"].get("e5", {}).get("summary")
    if e5 and "warm_ask_p50_ms" in e5:
        loads = [r["load"][0] for r in p["embedders"]["e5"]["warm"]]
        out += [
            "| warm `ask` (e5, retrieval + extractive answer) | median of runs (min–max) |",
            "|---|---|",
            f"| p50 wall ms | {_ms_spread(e5['warm_ask_p50_ms'])} |",
            f"| p95 wall ms | {_ms_spread(e5['warm_ask_p95_ms'])} |",
            f"| p50 / p95 CPU ms | {e5['warm_ask_cpu_p50_ms']['median']:.1f} / {e5['warm_ask_cpu_p95_ms']['median']:.1f} |",
            f"| stage dense (query embedding + FAISS) p50 / p95 ms"
            f" | {e5['dense_p50_ms']['median']:.1f} / {e5['dense_p95_ms']['median']:.1f} |",
            f"| stage lexical (jieba + BM25) p50 / p95 ms | {e5['lexical_p50_ms']['median']:.1f} / {e5['lexical_p95_ms']['median']:.1f} |",
            f"| stage answer (fusion, refusal checks, sentence choice) p50 / p95 ms"
            f" | {e5['answer_p50_ms']['median']:.1f} / {e5['answer_p95_ms']['median']:.1f} |",
            f"| peak RSS of the serving process MB | {_ms_spread(e5['warm_peak_rss_mb'])} |",
            f"| `assistant ask` one question, process wall s | {_ms_spread(e5['cli_ask_s'])} |",
            f"| load average (1 min) during the warm runs | {', '.join(f'{x:.1f}' for x in loads)} |",
            "",
        ]
    out += [
        "| embedder | build s, wall (min–max) | build s, CPU | passages/s (wall)"
        " | build peak RSS MB | cold start to first answer s | serving peak RSS MB | load (1 min) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, per in p["embedders"].items():
        s = per["summary"]
        loads = sorted({round(r["load"][0], 1) for r in per["builds"] + per["cold"]})
        out.append(
            f"| {name} | {_ms_spread(s['build_s'])} | {s['build_cpu_s']['median']:.1f} | {s['passages_per_s']['median']:.1f} | "
            f"{s['build_peak_rss_mb']['median']:.0f} | {_ms_spread(s['cold_start_s'])} | {s['serve_peak_rss_mb']['median']:.0f} | "
            f"{loads[0]}–{loads[-1]} |"
        )
    return out + [""]


def _approx_row(r: dict, key: str, label: str, param: str) -> str:
    """One approximate index's table row: recall@10 and latency for each value of its search parameter."""
    by_value = r[key]
    return (
        f"| {r['n']:,} | {label} {r[key + '_params']} | {r[key + '_build_s']:.0f} ({r[key + '_build_cpu_s']:.0f}) | "
        + ", ".join(f"{param} {k}: {v['recall_at_10']:.3f}" for k, v in by_value.items())
        + " | "
        + ", ".join(f"{param} {k}: {_ms_cpu(v['search_ms'])}" for k, v in by_value.items())
        + " |"
    )


def scale_section(rows: list[dict], title: str, command: str) -> list[str]:
    out = [
        f"### {title}",
        "",
        f"Commands: `{command.replace(str(ROOT) + '/', '')}`",
        "",
        "Latencies: wall p50 / p95 ms (CPU p50 / p95 ms of this process), one query at a time, 100-200 queries.",
        "",
        "| passages | flat build s | exact dense search | BM25 build s (CPU s) | BM25 search"
        " | hybrid search as served (dense + BM25 + fusion)"
        " | served store | whole `ask` (e5 embeds the question) | peak RSS MB | load (1 min) start→end |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "error" in r:
            out.append(f"| {r['n']:,} | error: {r['error'][:80]} |")
            continue
        load_end = r.get("load_after_ask") or r.get("load_after_lexical")
        served = r["chosen_store"] + (f" {r['served_params']}" if r.get("served_params") else "")
        out.append(
            f"| {r['n']:,} | {r['flat_build_s']:.2f} | {_ms_cpu(r['flat_search_ms'])} | "
            f"{r['lexical_build_s']:.0f} ({r['lexical_build_cpu_s']:.0f}) | {_ms_cpu(r['lexical_search_ms'])} | "
            f"{_ms_cpu(r['fusion_search_ms'])} | {served} | {_ms_cpu(r.get('ask_ms'))} | {r['peak_rss_mb']:.0f} | "
            f"{r['load_start'][0]:.1f}→{load_end[0]:.1f} |"
        )
    out.append("")
    out += [
        "Approximate dense indexes against exact search (recall@10; latency wall p50 / p95 ms, CPU in brackets):",
        "",
        "| passages | index | build s (CPU s) | recall@10 by parameter | latency by parameter |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        for key, label, param in (("hnsw", "HNSW", "ef"), ("ivf", "IVF-Flat", "nprobe")):
            if r.get(key):
                out.append(_approx_row(r, key, label, param))
    probe = _load("ivf_1m.json")
    if probe:
        np_ = probe["nprobe"]
        out.append(
            f"| {probe['n']:,} | IVF-Flat nlist {probe['nlist']} (`benchmarks/ivf.py {probe['n']} {probe['nlist']}`) | "
            f"{probe['build_s']:.0f} ({probe['build_cpu_s']:.0f}) | "
            + ", ".join(f"nprobe {k}: {v['recall_at_10']:.3f}" for k, v in np_.items())
            + " | "
            + ", ".join(f"nprobe {k}: {v['p50']:.2f} / {v['p95']:.2f}" for k, v in np_.items())
            + " |"
        )
    out.append("")
    stage_rows = [r for r in rows if "ask_stage_ms" in r]
    if stage_rows:
        out += [
            "Where a whole `ask` spends its time (wall p50 / p95 ms):",
            "",
            "| passages | dense (e5 query embedding + store) | lexical (jieba + BM25)"
            " | answer (language, fusion, refusal checks over the corpus text, sentences) |",
            "|---|---|---|---|",
        ]
        for r in stage_rows:
            st = r["ask_stage_ms"]
            out.append(
                f"| {r['n']:,} | {st['dense']['p50']:.1f} / {st['dense']['p95']:.1f} | "
                f"{st['lexical']['p50']:.1f} / {st['lexical']['p95']:.1f} | {st['answer']['p50']:.1f} / {st['answer']['p95']:.1f} |"
            )
        out.append("")
    return out


def concurrency_section(c: dict, title: str = "Concurrent clients") -> list[str]:
    out = [f"### {title}", "", f"Command: `{c['command'].replace(str(ROOT) + '/', '')}`", ""]
    if c.get("library"):
        out += [
            "Library (threads sharing one `Assistant`, e5):",
            "",
            "| clients | answers/s | latency p50 / p95 ms | load (1 min) |",
            "|---|---|---|---|",
        ]
        out += [
            f"| {r['clients']} | {r['answers_per_s']:.1f}"
            f" | {r['latency_ms']['p50']:.0f} / {r['latency_ms']['p95']:.0f} | {r['load'][0]:.1f} |"
            for r in c["library"]
        ]
        out.append("")
    if c.get("cli"):
        out += [
            "CLI (N `assistant ask` processes at once, each a cold start):",
            "",
            "| processes | answers/s | process wall p50 / p95 s | load (1 min) |",
            "|---|---|---|---|",
        ]
        out += [
            f"| {r['clients']} | {r['answers_per_s']:.2f}"
            f" | {r['per_process_s']['p50'] / 1000:.1f} / {r['per_process_s']['p95'] / 1000:.1f} | {r['load'][0]:.1f} |"
            for r in c["cli"]
        ]
        out.append("")
    if c.get("web"):
        out += [
            "Web app (`benchmarks/web_sessions.py --client sse`: N sessions x 3 turns at once, app in its own process):",
            "",
            "| sessions | turns | errors / mixed | answers/s | first token p50 / p95 ms | full answer p50 / p95 ms | load (1 min) |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in c["web"]:
            if "error" in r:
                out.append(f"| {r['sessions']} | error |")
                continue
            out.append(
                f"| {r['sessions']} | {r['turns']} | {r['errors']} / {r['mixed']} | {r['answers_per_s']:.1f} | "
                f"{r['ttft_median_ms']:.0f} / {r['ttft_p95_ms']:.0f}"
                f" | {r['full_median_ms']:.0f} / {r['full_p95_ms']:.0f} | {r['load'][0]:.1f} |"
            )
        out.append("")
    return out


def render() -> str:
    lines: list[str] = []
    paper, conc = _load("paper.json"), _load("concurrency.json")
    machine = (paper or conc or {}).get("machine")
    if machine:
        lines += ["### Machine", ""] + machine_section(machine)
    if paper:
        lines += paper_section(paper, "The shipped paper (98 units), quiet machine")
    loaded = _load("paper_loaded.json")
    if loaded:
        lines += paper_section(loaded, "The shipped paper (98 units), all three embedders, machine under load 6–13 (earlier run)")
    if conc:
        lines += concurrency_section(conc, "Concurrent clients, quiet machine")
    conc_loaded = _load("concurrency_loaded.json")
    if conc_loaded:
        lines += concurrency_section(conc_loaded, "Concurrent clients, machine under load 6–12 (earlier run)")
    rows, commands = [], []
    for name in ("scale_small.json", "scale_1m.json", "scale_1m_ivf.json", "scale.json"):
        data = _load(name)
        if data:
            rows += data["sizes"]
            commands.append(data["command"])
    if rows:
        # A size measured twice (1M: HNSW run, then IVF run): the later run's figures win,
        # the earlier run's HNSW measurements are kept.
        seen: dict[int, dict] = {}
        for r in rows:
            seen[r["n"]] = {**seen.get(r["n"], {}), **r}
        lines += scale_section(
            [seen[n] for n in sorted(seen)], "Scaling curve (synthetic passages, 384-d clustered unit vectors)", "` and `".join(commands)
        )
    uniform = _load("scale_uniform.json")
    if uniform:
        lines += scale_section(uniform["sizes"], "Uniformly random vectors (HNSW's worst case)", uniform["command"])
    return "\n".join(lines)


def main() -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else f"# Benchmark results\n\n{START}\n{END}\n"
    if START not in text:
        text += f"\n{START}\n{END}\n"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    RESULTS.write_text(f"{head}{START}\n{render()}\n{END}{tail}", encoding="utf-8")
    print(RESULTS)


if __name__ == "__main__":
    main()
