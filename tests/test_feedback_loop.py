"""Feedback for evaluators (listing, eval candidates) and conversation transcripts."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from assistant.cli import app
from assistant.evaluation.dataset import parse_item
from assistant.trainers.transcript import Turn, build_transcript, render_transcript
from assistant.web.feedback import FeedbackRecord, filter_feedback, read_feedback, record_feedback
from tests.conftest import PAPER_DOC


def write_log(path: Path) -> None:
    record_feedback(path, FeedbackRecord("q-old", "a", "not_helpful", (f"{PAPER_DOC}:25",), "", "en", time="2026-01-05T10:00:00+00:00"))
    record_feedback(
        path,
        FeedbackRecord("q-new", "a", "not_helpful", (f"{PAPER_DOC}:16(e)", "guide:s1.p1"), "no", "zh", time="2026-03-01T10:00:00+00:00"),
    )
    record_feedback(path, FeedbackRecord("q-new", "a", "not_helpful", (), "again", "zh", time="2026-03-02T10:00:00+00:00"))
    record_feedback(path, FeedbackRecord("q-ok", "a", "helpful", (), "", "en", time="2026-03-03T10:00:00+00:00"))


def test_filters_combine_and_the_newest_comes_first(tmp_path: Path):
    path = tmp_path / "fb.jsonl"
    write_log(path)
    records = read_feedback(path)
    assert [r["question"] for r in filter_feedback(records, rating="not_helpful")] == ["q-new", "q-new", "q-old"]
    assert [r["comment"] for r in filter_feedback(records, lang="zh", since=date(2026, 3, 2))] == ["again"]
    assert [r["question"] for r in filter_feedback(records, until=date(2026, 1, 5))] == ["q-old"]


def test_not_helpful_answers_become_candidate_eval_items(tmp_path: Path):
    path = tmp_path / "fb.jsonl"
    write_log(path)
    out = tmp_path / "candidates.jsonl"
    result = CliRunner().invoke(app, ["feedback", "export", "--to-eval", str(out)], env={"ASSISTANT_FEEDBACK_PATH": str(path)})
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines]
    assert [(i["question"], i["lang"], i["gold"]) for i in items] == [("q-old", "en", ["25"]), ("q-new", "zh", ["16(e)", "guide:s1.p1"])]
    for n, line in enumerate(lines, 1):  # what an evaluator appends is a valid set line
        assert parse_item(line, "candidates", n).gold


def test_a_transcript_quotes_the_corpus_and_marks_removed_documents(fake_assistant):
    unit = fake_assistant.unit("25", PAPER_DOC)
    turns = [Turn("What are carrier sanctions?", "Carriers … [para. 25]", "en", (f"{PAPER_DOC}:25", "gone-doc:3"))]
    t = build_transcript(fake_assistant, turns, today="2026-11-30")
    md = render_transcript(t, "md")
    assert "Date: 2026-11-30" in md and fake_assistant.document(PAPER_DOC).title in md
    assert all(f"> {line}" in md for line in unit.text.splitlines() if line.strip())
    assert "gone-doc (no longer in the corpus)" in md
    assert render_transcript(t, "docx")[:2] == b"PK"
