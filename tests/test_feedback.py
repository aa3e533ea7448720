"""The feedback log: one JSON line per feedback, whole lines only, even under races or a full disk."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import threading
from pathlib import Path

import pytest

from assistant.core.errors import AssistantError
from assistant.web import feedback
from assistant.web.feedback import FeedbackError, FeedbackRecord, read_feedback, record_feedback


def _record(i: int = 0, **changes: object) -> FeedbackRecord:
    values: dict[str, object] = dict(
        question=f"问题 {i}：哪些因素会增加脆弱性？",
        answer=f"根据文件：\n答案 {i} [第2(b)段]",
        rating="helpful" if i % 2 == 0 else "not_helpful",
        citations=("wg-tip-2019-prevention:2(b)",),
        comment=f"comment {i}",
        lang="zh",
    )
    values.update(changes)
    return FeedbackRecord(**values)  # type: ignore[arg-type]


def test_a_record_is_one_json_line_with_every_field(tmp_path: Path) -> None:
    path = tmp_path / "fb" / "feedback.jsonl"
    record_feedback(path, _record(0, comment="line one\nline two"))
    raw = path.read_bytes()
    assert raw.count(b"\n") == 1 and raw.endswith(b"\n")
    (stored,) = read_feedback(path)
    assert stored["question"] == "问题 0：哪些因素会增加脆弱性？"
    assert stored["answer"] == "根据文件：\n答案 0 [第2(b)段]"
    assert stored["rating"] == "helpful"
    assert stored["citations"] == ["wg-tip-2019-prevention:2(b)"]
    assert stored["comment"] == "line one\nline two"
    assert stored["lang"] == "zh"
    assert "T" in str(stored["time"])  # ISO 8601
    assert "问题" in raw.decode("utf-8")  # readable, not \\u-escaped


def test_records_are_appended_never_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    record_feedback(path, _record(0))
    first = path.read_bytes()
    record_feedback(path, _record(1))
    assert path.read_bytes().startswith(first)
    assert [r["comment"] for r in read_feedback(path)] == ["comment 0", "comment 1"]


def test_an_unknown_rating_is_refused_with_the_valid_values() -> None:
    with pytest.raises(AssistantError, match="helpful, not_helpful"):
        _record(0, rating="meh")


def test_a_huge_comment_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    record_feedback(path, _record(0, comment="x" * 100_000))
    assert len(read_feedback(path)[0]["comment"]) == feedback.MAX_COMMENT_CHARS


def test_threads_writing_at_once_leave_only_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    n_threads, per_thread = 16, 25
    long_answer = "长" * 5000  # bigger than a pipe buffer: interleaving would show

    def work(t: int) -> None:
        for j in range(per_thread):
            record_feedback(path, _record(t * 1000 + j, answer=long_answer))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(n_threads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    parsed = [json.loads(line) for line in lines[:-1]]  # every line parses
    assert len(parsed) == n_threads * per_thread
    assert {p["comment"] for p in parsed} == {f"comment {t * 1000 + j}" for t in range(n_threads) for j in range(per_thread)}


def _process_worker(path: str, start: int, count: int) -> None:
    for j in range(count):
        record_feedback(path, _record(start + j, answer="a" * 20000))


def test_processes_writing_at_once_leave_only_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_process_worker, args=(str(path), p * 100, 20)) for p in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    parsed = [json.loads(line) for line in path.read_bytes().splitlines()]
    assert len(parsed) == 120
    assert len({p["comment"] for p in parsed}) == 120


def test_a_full_disk_gives_a_clear_error_and_keeps_earlier_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "feedback.jsonl"
    record_feedback(path, _record(0))
    record_feedback(path, _record(1))
    before = path.read_bytes()
    real_write = os.write

    def half_then_full(fd: int, data: bytes) -> int:
        real_write(fd, data[: len(data) // 2])  # the disk filled up mid-record
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(feedback.os, "write", half_then_full)
    with pytest.raises(FeedbackError, match="disk .* is full"):
        record_feedback(path, _record(2))
    monkeypatch.undo()
    assert path.read_bytes() == before  # the torn half-line was cut off again
    record_feedback(path, _record(3))  # and the log still works afterwards
    assert [r["comment"] for r in read_feedback(path)] == ["comment 0", "comment 1", "comment 3"]


def test_a_short_write_counts_as_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "feedback.jsonl"
    record_feedback(path, _record(0))
    before = path.read_bytes()
    real_write = os.write
    monkeypatch.setattr(feedback.os, "write", lambda fd, data: real_write(fd, data[:10]))
    with pytest.raises(FeedbackError, match="full"):
        record_feedback(path, _record(1))
    monkeypatch.undo()
    assert path.read_bytes() == before


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_the_real_enospc_of_dev_full_is_reported_plainly() -> None:
    with pytest.raises(FeedbackError, match="full"):
        record_feedback("/dev/full", _record(0))


def test_an_unwritable_location_is_reported_plainly(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(FeedbackError, match="feedback was not saved"):
        record_feedback(blocker / "feedback.jsonl", _record(0))


def test_a_torn_last_line_from_a_crash_is_skipped_when_reading(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    record_feedback(path, _record(0))
    with open(path, "ab") as fh:
        fh.write(b'{"question": "cut of')
    assert [r["comment"] for r in read_feedback(path)] == ["comment 0"]
    record_feedback(path, _record(1))  # starts on a new line, so it is not lost
    assert [r["comment"] for r in read_feedback(path)] == ["comment 0", "comment 1"]
