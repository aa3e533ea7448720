"""A whole run: the set through ``Assistant.ask``, scored, with its configuration, as ``results.json``.

Every item goes through exactly the code path a user's question takes (``ask`` with the
item's history, the language detected, not given), in one process, so what is measured
is what ships. The run record carries what is needed to reproduce it: embedder, k, fusion
parameters, answerability model, index, the set's path and sha256, git commit, time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.errors import ConfigError
from assistant.evaluation.baseline import run_baseline
from assistant.evaluation.dataset import EvalItem, check_gold, load_set
from assistant.evaluation.metrics import compute_metrics
from assistant.evaluation.scoring import ItemResult, score_answer

if TYPE_CHECKING:  # heavy imports stay out of import time
    from assistant.answering.extractive import Answer
    from assistant.answering.service import Assistant
    from assistant.core.records import Unit


def corpus_units(assistant: Assistant) -> dict[tuple[str, str], Unit]:
    from assistant.index.chunking import units_by_key

    return units_by_key(assistant.documents)


def run_item(
    assistant: Assistant, item: EvalItem, k: int | None = None, units: Mapping[tuple[str, str], Unit] | None = None
) -> tuple[ItemResult, Answer]:
    units = units if units is not None else corpus_units(assistant)
    started = time.perf_counter()
    answer = assistant.ask(item.question, item.history, k=k)
    latency = (time.perf_counter() - started) * 1000
    return score_answer(item, answer, latency, units), answer


def run_set(
    assistant: Assistant,
    items: Sequence[EvalItem],
    k: int | None = None,
    *,
    progress: bool = False,
    on_answer: Callable[[EvalItem, Answer], None] | None = None,
) -> tuple[ItemResult, ...]:
    """Every item through ``Assistant.ask``; ``on_answer`` sees each raw Answer (the gate validates them)."""
    from tqdm import tqdm

    units = corpus_units(assistant)
    results = []
    for item in tqdm(items, desc="evaluating", unit="q", file=sys.stderr, disable=not progress):
        result, answer = run_item(assistant, item, k, units)
        if on_answer is not None:
            on_answer(item, answer)
        results.append(result)
    return tuple(results)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def git_commit(cwd: Path) -> str | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd, capture_output=True, text=True, timeout=5, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}{'-dirty' if dirty else ''}" if head else None


def run_config(assistant: Assistant, set_path: Path, k: int) -> dict[str, Any]:
    from assistant.core.config import project_root

    manifest = assistant.index.manifest
    return {
        "embedder": assistant.embedder.id,
        "k": k,
        "fusion": dataclasses.asdict(assistant.searcher.params),
        "answerability": assistant.answerability.to_json() if assistant.answerability else None,
        "index": {
            "corpus_hash": manifest.corpus_hash,
            "embedder": manifest.embedder,
            "parser_version": manifest.parser_version,
            "built_at": manifest.built_at,
            "n_units": manifest.n_units,
            "n_chunks": manifest.n_chunks,
        },
        "set": {"path": str(set_path), "sha256": file_sha256(set_path)},
        "git_commit": git_commit(project_root()),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def evaluate(
    assistant: Assistant,
    set_path: str | Path,
    k: int | None = None,
    *,
    baseline: bool = False,
    progress: bool = False,
    on_answer: Callable[[EvalItem, Answer], None] | None = None,
) -> dict[str, Any]:
    """Load, check, run and score a set: the ``results.json`` document."""
    set_path = Path(set_path)
    items = load_set(set_path)
    check_gold(items, corpus_units(assistant).keys(), str(set_path))
    k = k or assistant.settings.k
    results = run_set(assistant, items, k, progress=progress, on_answer=on_answer)
    run: dict[str, Any] = {
        "config": run_config(assistant, set_path, k),
        "metrics": compute_metrics(results),
        "results": [r.to_json() for r in results],
    }
    if baseline:
        run["baseline"] = run_baseline(assistant, items, results, k, progress=progress)
    return run


def write_json(run: Mapping[str, Any], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def read_json(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"results file {path} does not exist") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path} is not a results file ({exc})") from None
    if not isinstance(run, dict) or not isinstance(run.get("metrics"), dict) or not isinstance(run.get("results"), list):
        raise ConfigError(f"{path} is not a results file (no 'metrics' and 'results')")
    return run
