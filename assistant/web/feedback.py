"""Delegates' feedback on answers: an append-only JSONL log that survives crashes and races.

Several web workers (threads, processes, replicas sharing a volume) append to the same file.
Each record is one line written by a single ``os.write`` on an ``O_APPEND`` descriptor while
holding an exclusive ``fcntl`` lock, then fsynced: lines never interleave, and a record is
either entirely on disk or not at all. When the disk is full, a partly written line is cut
off again (under the same lock) so the records already stored stay intact and the log stays
parseable; the caller gets a ``FeedbackError`` it can show to the user.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import stat
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal, cast

from assistant.core.errors import AssistantError, choice_error

Rating = Literal["helpful", "not_helpful"]
RATINGS: tuple[str, ...] = ("helpful", "not_helpful")
MAX_COMMENT_CHARS = 4000
MAX_FIELD_CHARS = 20000


class FeedbackError(AssistantError):
    """Feedback could not be stored; the message says why in plain words."""


@dataclass(frozen=True)
class FeedbackRecord:
    question: str
    answer: str
    rating: Rating
    citations: tuple[str, ...] = ()  # "doc_id:unit_id", as shown to the user
    comment: str = ""
    lang: str | None = None
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def __post_init__(self) -> None:
        if self.rating not in RATINGS:
            raise choice_error("rating", self.rating, RATINGS)

    def to_json_line(self) -> bytes:
        record = asdict(self)
        record["citations"] = list(self.citations)
        record["comment"] = self.comment[:MAX_COMMENT_CHARS]
        record["question"] = self.question[:MAX_FIELD_CHARS]
        record["answer"] = self.answer[:MAX_FIELD_CHARS]
        # ensure_ascii=False keeps Chinese readable; json escapes newlines, so one record = one line.
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        return (text + "\n").encode("utf-8", "replace")


def record_feedback(path: str | os.PathLike[str], record: FeedbackRecord) -> None:
    """Append one record durably; raise ``FeedbackError`` (nothing half-written) on failure."""
    target = Path(path)
    data = record.to_json_line()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as exc:
        raise FeedbackError(_describe(exc, target)) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            regular = stat.S_ISREG(os.fstat(fd).st_mode)
            size_before = os.fstat(fd).st_size if regular else 0
            if size_before and os.pread(fd, 1, size_before - 1) != b"\n":
                data = b"\n" + data  # a crash left a torn line: start ours on a fresh one
            try:
                written = os.write(fd, data)
                if written != len(data):
                    raise OSError(errno.ENOSPC, "short write")
                os.fsync(fd)
            except OSError as exc:
                if regular:
                    _cut_back(fd, size_before)
                raise FeedbackError(_describe(exc, target)) from exc
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _cut_back(fd: int, size: int) -> None:
    """Remove a partial line: we hold the lock, so nobody appended after us."""
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
    except OSError:
        pass


def _describe(exc: OSError, path: Path) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"feedback was not saved: the disk holding {path} is full (earlier feedback is intact)"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"feedback was not saved: {path} cannot be written ({exc.strerror})"
    return f"feedback was not saved: {exc.strerror or exc}"


def read_feedback(path: str | os.PathLike[str]) -> list[dict[str, object]]:
    """Every complete record, oldest first; a torn line (crash mid-write) is skipped."""
    target = Path(path)
    if not target.exists():
        return []
    records: list[dict[str, object]] = []
    for line in target.read_bytes().split(b"\n"):
        if not line.strip():
            continue
        try:
            obj = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(obj, dict):
            records.append(obj)
    return records


def filter_feedback(
    records: Sequence[dict[str, object]],
    *,
    rating: str | None = None,
    lang: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[dict[str, object]]:
    """Records matching every filter given, newest first; ``since``/``until`` are inclusive days (UTC)."""
    if rating is not None and rating not in RATINGS:
        raise choice_error("rating", rating, RATINGS)

    def day(record: dict[str, object]) -> date | None:
        try:
            return datetime.fromisoformat(str(record.get("time", ""))).date()
        except ValueError:
            return None

    kept = []
    for record in records:
        when = day(record)
        if rating is not None and record.get("rating") != rating:
            continue
        if lang is not None and record.get("lang") != lang:
            continue
        if (since is not None or until is not None) and when is None:
            continue
        if (since is not None and when < since) or (until is not None and when > until):  # type: ignore[operator]
            continue
        kept.append(record)
    return sorted(kept, key=lambda r: str(r.get("time", "")), reverse=True)


def eval_candidates(records: Sequence[dict[str, object]], default_doc: str) -> list[dict[str, object]]:
    """The "not helpful" answers as candidate eval items (see evals/README.md): the question,
    its language, and the units the answer cited as candidate gold, for an evaluator to
    check before appending them to a set. The same question asked twice gives one item."""
    items: dict[str, dict[str, object]] = {}
    for record in sorted(records, key=lambda r: str(r.get("time", ""))):
        question = str(record.get("question") or "").strip()
        if record.get("rating") != "not_helpful" or not question or question in items:
            continue
        gold = []
        for ref in cast("list[object]", record.get("citations") or []):
            doc, _, unit = str(ref).partition(":")
            gold.append(unit if doc == default_doc else str(ref))
        lang = str(record.get("lang") or "") or None
        digest = hashlib.sha256(question.encode("utf-8")).hexdigest()[:10]
        items[question] = {
            "id": f"feedback-{lang or 'xx'}-{digest}",
            "kind": "feedback",
            "lang": lang,
            "question": question,
            "gold": gold,
            "answer_points": [],
            "history": [],
            "comment": str(record.get("comment") or ""),
            "answer_given": str(record.get("answer") or ""),
            "time": record.get("time"),
        }
    return list(items.values())
