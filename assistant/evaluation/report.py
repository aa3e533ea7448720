"""The evaluation report: Markdown and HTML pages with PNG charts, from a results document.

It reads only the ``results.json`` shape (``assistant.evaluation.run.evaluate``), so a report
can be rebuilt from a stored run without the model. Questions and document text are
untrusted input: everything taken from them is HTML-escaped in both pages (Markdown
renderers pass raw HTML through).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: (key, label, higher is better) for the rate metrics shown in charts and tables.
RATE_METRICS: tuple[tuple[str, str, bool], ...] = (
    ("hit@1", "hit@1", True),
    ("hit@3", "hit@3", True),
    ("hit@5", "hit@5", True),
    ("mrr", "MRR", True),
    ("ndcg@5", "nDCG@5", True),
    ("recall@5", "recall@5 (all gold)", True),
    ("citation_precision", "citation precision", True),
    ("citation_recall", "citation recall (gold units cited)", True),
    ("gold_citation_rate", "answers citing gold", True),
    ("verbatim_quote_rate", "verbatim quotes", True),
    ("answer_point_coverage", "answer-point coverage", True),
    ("refusal_accuracy", "refusal accuracy (unanswerable)", True),
    ("false_refusal_rate", "false refusals (answerable)", False),
    ("cross_lingual_agreement", "cross-lingual top-1 agreement", True),
    ("reference_accuracy", "direct references answered with their unit", True),
    ("short_answer_accuracy", "short answer states the fact", True),
    ("followup_accuracy", "cross-language follow-ups cite gold", True),
    ("near_miss_refusal_accuracy", "near-miss unanswerable refused", True),
)
#: The columns of the per-kind and per-language heatmaps and tables.
SLICE_METRICS: tuple[tuple[str, str, bool], ...] = (
    ("hit@1", "hit@1", True),
    ("hit@5", "hit@5", True),
    ("mrr", "MRR", True),
    ("recall@5", "recall@5", True),
    ("citation_precision", "cit. prec.", True),
    ("gold_citation_rate", "cites gold", True),
    ("answer_point_coverage", "points", True),
    ("false_refusal_rate", "false refusal", False),
    ("refusal_accuracy", "refusal acc.", True),
    ("cross_lingual_agreement", "x-lingual", True),
)
BASELINE_METRICS: tuple[str, ...] = ("hit@1", "hit@3", "hit@5", "mrr", "recall@5")


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def fmt_delta(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:+d}" if isinstance(value, int) else f"{value:+.3f}"


# --- failures -------------------------------------------------------------------------------


def failure_reasons(result: Mapping[str, Any]) -> list[str]:
    """Why an item counts as a failure; empty when it does not.

    Answerable: no gold unit in the top k, a refusal, or an answer citing no gold unit.
    Unanswerable: an answer instead of a refusal. Any item: a quote that is not verbatim.
    """
    reasons = []
    gold = set(result["gold"])
    if gold:
        if not gold & set(result["passages"]):
            reasons.append("gold not retrieved")
        if result["refused"]:
            reasons.append("refused")
        elif not gold & set(result["citations"]):
            reasons.append("cites no gold unit")
    elif not result["refused"]:
        reasons.append("answered an unanswerable question")
    if result.get("validate_error") or result.get("n_verbatim", 0) != result.get("n_quotes", 0):
        reasons.append("quote not verbatim")
    return reasons


def failures(run: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], list[str]]]:
    return [(r, why) for r in run["results"] if (why := failure_reasons(r))]


# --- charts ------------------------------------------------------------------------------------


def _plt():
    import matplotlib

    matplotlib.use("Agg")  # no display here, and never a window from a CLI run
    import matplotlib.pyplot as plt

    return plt


def chart_overall(overall: Mapping[str, Any], path: Path) -> Path:
    plt = _plt()
    rows = [(label, value, better) for key, label, better in RATE_METRICS if (value := overall.get(key)) is not None]
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(rows) + 1.2))
    labels = [r[0] for r in rows][::-1]
    values = [r[1] for r in rows][::-1]
    colors = ["#2b7bba" if r[2] else "#d9822b" for r in rows][::-1]
    bars = ax.barh(labels, values, color=colors)
    for bar, value in zip(bars, values):
        ax.text(value + 0.01, bar.get_y() + bar.get_height() / 2, f"{value:.3f}", va="center", fontsize=9)
    ax.set_xlim(0, 1.1)
    ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_title(f"All metrics, {overall.get('n_items')} questions (orange: lower is better)", fontsize=11)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def chart_slices(slices: Mapping[str, Mapping[str, Any]], title: str, path: Path) -> Path:
    """A heatmap, one row per kind or language, value in each cell, grey where n/a."""
    import numpy as np

    plt = _plt()
    names = list(slices)
    cols = SLICE_METRICS
    grid = np.full((len(names), len(cols)), np.nan)
    for i, name in enumerate(names):
        for j, (key, _, better) in enumerate(cols):
            value = slices[name].get(key)
            if value is not None:
                grid[i, j] = value if better else 1 - value  # colour says good/bad
    fig, ax = plt.subplots(figsize=(1.0 * len(cols) + 2.4, 0.48 * len(names) + 1.6))
    cmap = plt.get_cmap("RdYlGn").with_extremes(bad="#dddddd")
    ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0, vmax=1, aspect="auto")
    for i, name in enumerate(names):
        for j, (key, _, _) in enumerate(cols):
            value = slices[name].get(key)
            ax.text(j, i, "n/a" if value is None else f"{value:.2f}", ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(cols)), [label for _, label, _ in cols], rotation=35, ha="right", fontsize=9)
    ax.set_yticks(range(len(names)), [f"{n} (n={slices[n].get('n_items')})" for n in names], fontsize=9)
    ax.set_title(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def chart_baseline(metrics: Mapping[str, Mapping[str, Any]], path: Path) -> Path:
    import numpy as np

    plt = _plt()
    series = [
        ("ours (units)", metrics["ours"], "#2b7bba"),
        ("baseline, same characters", metrics["baseline"], "#d9822b"),
        ("baseline, top-k whole chunks", metrics["baseline_topk"], "#bbbbbb"),
    ]
    x = np.arange(len(BASELINE_METRICS))
    width = 0.27
    fig, ax = plt.subplots(figsize=(9, 4.6))
    for n, (label, values, color) in enumerate(series):
        heights = [values.get(m) or 0.0 for m in BASELINE_METRICS]
        chars = values.get("mean_chars")
        bars = ax.bar(x + (n - 1) * width, heights, width, label=f"{label} (~{chars:.0f} chars)", color=color)
        for bar, h in zip(bars, heights):
            ax.text(bar.get_x() + bar.get_width() / 2, h + 0.01, f"{h:.2f}", ha="center", fontsize=8)
    ax.set_xticks(x, list(BASELINE_METRICS))
    ax.set_ylim(0, 1.08)
    ax.set_title(f"Retrieval vs the plain LangChain recipe ({metrics['ours'].get('n')} answerable questions)", fontsize=11)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def chart_latency(latencies: Sequence[float], overall: Mapping[str, Any], path: Path) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.hist(latencies, bins=40, color="#2b7bba")
    for key, style in (("latency_p50_ms", "--"), ("latency_p95_ms", ":")):
        value = overall.get(key)
        if value is not None:
            ax.axvline(value, color="black", linestyle=style, label=f"{key[8:11]} {value:.0f} ms")
    ax.set_xlabel("ask() wall time, ms")
    ax.set_ylabel("questions")
    ax.set_title("Latency per question", fontsize=11)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# --- tables as rows ------------------------------------------------------------------------------


def _slice_rows(slices: Mapping[str, Mapping[str, Any]]) -> tuple[list[str], list[list[str]]]:
    header = ["", "n", "answerable", *[label for _, label, _ in SLICE_METRICS]]
    rows = [
        [name, fmt(m.get("n_items")), fmt(m.get("n_answerable")), *[fmt(m.get(key)) for key, _, _ in SLICE_METRICS]]
        for name, m in slices.items()
    ]
    return header, rows


def _split_rows(splits: Mapping[str, Mapping[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Metrics down, halves across: tuning looked at dev only, test is what is reported."""
    header = ["", *splits]
    return header, [[label, *[fmt(m.get(key)) for m in splits.values()]] for key, label, _ in RATE_METRICS]


def _overall_rows(overall: Mapping[str, Any]) -> list[list[str]]:
    rows = [[label, fmt(overall.get(key))] for key, label, _ in RATE_METRICS]
    rows += [
        [
            "questions (answerable / unanswerable)",
            f"{overall.get('n_items')} ({overall.get('n_answerable')} / {overall.get('n_unanswerable')})",
        ],
        ["quotes checked", fmt(overall.get("n_quotes"))],
        ["Answer.validate() failures", fmt(overall.get("validate_failures"))],
        ["cross-lingual pairs", fmt(overall.get("n_cross_lingual_pairs"))],
        ["latency p50 / p95 (ms)", f"{fmt(overall.get('latency_p50_ms'), 1)} / {fmt(overall.get('latency_p95_ms'), 1)}"],
    ]
    return rows


def _baseline_rows(metrics: Mapping[str, Mapping[str, Any]]) -> tuple[list[str], list[list[str]]]:
    header = ["metric", "ours", "baseline (same characters)", "difference", "baseline (top-k whole chunks)"]
    ours, base, topk = metrics["ours"], metrics["baseline"], metrics["baseline_topk"]
    rows = []
    for m in BASELINE_METRICS:
        a, b = ours.get(m), base.get(m)
        rows.append([m, fmt(a), fmt(b), fmt_delta(a - b if a is not None and b is not None else None), fmt(topk.get(m))])
    rows.append(
        ["mean characters returned", fmt(ours.get("mean_chars"), 0), fmt(base.get("mean_chars"), 0), "", fmt(topk.get("mean_chars"), 0)]
    )
    rows.append(["citations, refusals", "see above", "n/a", "n/a", "n/a"])
    return header, rows


def _baseline_lang_rows(by_lang: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> tuple[list[str], list[list[str]]]:
    header = ["lang", "n", "ours hit@5", "baseline hit@5", "difference", "ours MRR", "baseline MRR"]
    rows = []
    for lang, block in by_lang.items():
        a, b = block["ours"].get("hit@5"), block["baseline"].get("hit@5")
        rows.append(
            [
                lang,
                fmt(block["ours"].get("n")),
                fmt(a),
                fmt(b),
                fmt_delta(a - b if a is not None and b is not None else None),
                fmt(block["ours"].get("mrr")),
                fmt(block["baseline"].get("mrr")),
            ]
        )
    return header, rows


def _failure_rows(run: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    header = ["id", "kind", "lang", "question", "gold", "retrieved (ranked)", "cited", "refused", "why"]
    rows = []
    for r, why in failures(run):
        question = r["question"]
        if r.get("history"):
            question = f"{question}  (after: {' / '.join(r['history'])})"
        refused = "yes" if r["refused"] else "no"
        if r["refused"] and r.get("refusal_reason"):
            refused = f"yes: {r['refusal_reason']}"
        rows.append(
            [
                r["id"],
                r["kind"],
                r["lang"],
                question,
                ", ".join(r["gold"]) or "(none)",
                ", ".join(r["passages"]),
                ", ".join(r["citations"]) or "-",
                refused,
                "; ".join(why),
            ]
        )
    return header, rows


def _config_rows(config: Mapping[str, Any]) -> list[list[str]]:
    rows = []
    for key, value in config.items():
        rows.append([key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)])
    return rows


# --- Markdown ------------------------------------------------------------------------------------


def md_cell(text: object) -> str:
    """A table cell: HTML-escaped, pipes and Markdown emphasis characters neutralised."""
    out = html.escape(" ".join(str(text).split()), quote=False)
    for ch in ("\\", "|", "*", "_", "`", "[", "]"):
        out = out.replace(ch, "\\" + ch)
    return out


def md_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(run: Mapping[str, Any], charts: Mapping[str, str]) -> str:
    metrics = run["metrics"]
    parts = ["# Answer-quality report", ""]
    parts += [md_table(["metric", "value"], _overall_rows(metrics["overall"])), ""]
    parts += [f"![overall]({charts['overall']})", ""]
    parts += ["## Per kind", "", md_table(*_slice_rows(metrics["by_kind"])), "", f"![by kind]({charts['by_kind']})", ""]
    parts += ["## Per language", "", md_table(*_slice_rows(metrics["by_lang"])), "", f"![by language]({charts['by_lang']})", ""]
    if metrics.get("by_split"):
        parts += ["## Dev and test halves", "", md_table(*_split_rows(metrics["by_split"])), ""]
    baseline = run.get("baseline")
    if baseline:
        bm = baseline["metrics"]
        parts += [
            "## Ours vs the plain LangChain recipe, at an equal character budget",
            "",
            md_cell(
                "Baseline: RecursiveCharacterTextSplitter(500, 50) over the raw file, the same embedder, "
                "FAISS IndexFlatIP. For each question, its ranked chunks are read up to the characters "
                "(white space not counted) of our top 1, 3, 5 units; a chunk contains a unit when "
                f"{baseline['config']['contains']}."
            ),
            "",
            md_table(*_baseline_rows(bm["overall"])),
            "",
            md_table(*_baseline_lang_rows(bm["by_lang"])),
            "",
            f"![baseline]({charts['baseline']})",
            "",
        ]
    header, rows = _failure_rows(run)
    parts += [f"## Failures ({len(rows)})", "", md_table(header, rows) if rows else "None.", ""]
    parts += [f"![latency]({charts['latency']})", ""]
    parts += ["## Configuration", "", md_table(["", ""], _config_rows(run.get("config", {}))), ""]
    return "\n".join(parts)


# --- HTML ----------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:14px}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3} td.q{max-width:420px}
img{max-width:100%;border:1px solid #eee;margin:0.5em 0}
"""


def html_table(header: Sequence[str], rows: Sequence[Sequence[object]], wide_col: int | None = None) -> str:
    esc = html.escape
    out = ["<table>", "<tr>" + "".join(f"<th>{esc(str(h))}</th>" for h in header) + "</tr>"]
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            cls = ' class="q"' if i == wide_col else ""
            cells.append(f"<td{cls}>{esc(str(cell))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def render_html(run: Mapping[str, Any], charts: Mapping[str, str]) -> str:
    esc = html.escape
    metrics = run["metrics"]

    def img(key: str, alt: str) -> str:
        return f'<img src="{esc(charts[key])}" alt="{esc(alt)}">'

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Answer-quality report</title>',
        f"<style>{_CSS}</style></head><body>",
        "<h1>Answer-quality report</h1>",
        html_table(["metric", "value"], _overall_rows(metrics["overall"])),
        img("overall", "all metrics"),
        "<h2>Per kind</h2>",
        html_table(*_slice_rows(metrics["by_kind"])),
        img("by_kind", "metrics per kind"),
        "<h2>Per language</h2>",
        html_table(*_slice_rows(metrics["by_lang"])),
        img("by_lang", "metrics per language"),
    ]
    baseline = run.get("baseline")
    if baseline:
        bm = baseline["metrics"]
        parts += [
            "<h2>Ours vs the plain LangChain recipe, at an equal character budget</h2>",
            "<p>"
            + esc(
                "Baseline: RecursiveCharacterTextSplitter(500, 50) over the raw file, the same embedder, "
                "FAISS IndexFlatIP. For each question, its ranked chunks are read up to the characters "
                "(white space not counted) of our top 1, 3, 5 units; a chunk contains a unit when "
                f"{baseline['config']['contains']}."
            )
            + "</p>",
            html_table(*_baseline_rows(bm["overall"])),
            html_table(*_baseline_lang_rows(bm["by_lang"])),
            img("baseline", "ours vs baseline"),
        ]
    header, rows = _failure_rows(run)
    parts += [f"<h2>Failures ({len(rows)})</h2>", html_table(header, rows, wide_col=3) if rows else "<p>None.</p>"]
    parts += [img("latency", "latency histogram")]
    parts += ["<h2>Configuration</h2>", html_table(["", ""], _config_rows(run.get("config", {})))]
    parts += ["</body></html>", ""]
    return "\n".join(parts)


# --- the whole report ----------------------------------------------------------------------------


def write_report(run: Mapping[str, Any], out_dir: str | Path) -> list[Path]:
    """report.md, report.html and the PNG charts they link, in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    metrics = run["metrics"]
    charts = {
        "overall": chart_overall(metrics["overall"], out / "metrics_overall.png").name,
        "by_kind": chart_slices(metrics["by_kind"], "Per kind of question", out / "metrics_by_kind.png").name,
        "by_lang": chart_slices(metrics["by_lang"], "Per language", out / "metrics_by_lang.png").name,
        "latency": chart_latency([r["latency_ms"] for r in run["results"]], metrics["overall"], out / "latency.png").name,
    }
    if run.get("baseline"):
        charts["baseline"] = chart_baseline(run["baseline"]["metrics"]["overall"], out / "baseline.png").name
    md = out / "report.md"
    md.write_text(render_markdown(run, charts), encoding="utf-8")
    page = out / "report.html"
    page.write_text(render_html(run, charts), encoding="utf-8")
    return [md, page, *(out / name for name in charts.values())]
