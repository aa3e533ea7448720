"""The suite over a corpus with a user's added document: the shipped paper plus an English note.

Trainers add guidance documents, often in English, and then ask about them in any language.
This copies the shipped corpus to a temporary directory, adds ``evals/added/`` (as
``assistant add`` does), builds the index with the bundled model and runs
``evals/qa_added.jsonl`` through ``Assistant.ask``, scored by the suite's own code. Items
about the note cite it as ``ilo-fair-recruitment:N``; items about the paper check that the
note does not crowd it out; the unanswerable ones are about the note's topics.

Usage: python evals/run_added.py [--output results.json]   (about a minute; nothing is tuned here)
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from assistant.answering.service import Assistant
from assistant.core.config import Settings
from assistant.evaluation.run import evaluate, write_json
from assistant.ingest.corpus import add_documents

ROOT = Path(__file__).resolve().parent.parent
SET = ROOT / "evals" / "qa_added.jsonl"
NOTE = ROOT / "evals" / "added" / "ilo-fair-recruitment.md"
SHOWN = (
    ("hit@1", "hit@1"),
    ("citation_precision", "citation precision"),
    ("gold_citation_rate", "answers citing gold"),
    ("short_answer_accuracy", "short answer states the fact"),
    ("refusal_accuracy", "unanswerable refused"),
    ("false_refusal_rate", "false refusals"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="also write the run's results.json here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="assistant-added-") as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(ROOT / "corpus", corpus)
        settings = Settings(corpus_dir=corpus, index_dir=Path(tmp) / "index")
        add_documents(settings, [NOTE], doc_id="ilo-fair-recruitment")
        run = evaluate(Assistant.open(settings), SET)
    if args.output:
        write_json(run, args.output)
    by_split = run["metrics"]["by_split"]
    print("| metric | all | dev | test |\n|---|---|---|---|")
    for key, label in SHOWN:
        cells = [run["metrics"]["overall"].get(key), by_split["dev"].get(key), by_split["test"].get(key)]
        print(f"| {label} | " + " | ".join("n/a" if v is None else f"{v:.3f}" for v in cells) + " |")


if __name__ == "__main__":
    main()
