"""`assistant ingest`: many files, each added whole or rejected whole, embedded batch by batch, resumable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.core.errors import CorpusError
from assistant.index.build import load_index
from assistant.index.embeddings import HashEmbedder
from assistant.ingest.bulk import ingest, iter_files
from assistant.ingest.corpus import load_manifest


class CountingEmbedder(HashEmbedder):
    def __init__(self, fail_after: int | None = None) -> None:
        super().__init__()
        self.calls: list[int] = []
        self.fail_after = fail_after

    def embed(self, texts, kind, progress=None):  # type: ignore[no-untyped-def]
        if kind == "passage":
            if self.fail_after is not None and len(self.calls) >= self.fail_after:
                raise KeyboardInterrupt  # the user pressing Ctrl-C mid-run
            self.calls.append(len(texts))
        return super().embed(texts, kind, progress)

    @property
    def embedded(self) -> int:
        return sum(self.calls)


def _library(root: Path, n: int = 6) -> Path:
    lib = root / "library"
    (lib / "sub").mkdir(parents=True)
    for i in range(n):
        folder = lib / "sub" if i % 2 else lib
        (folder / f"guide-{i}.txt").write_text(
            f"Guide {i} on prevention\n\n"
            + "\n\n".join(f"{p}. Paragraph {p} of guide {i}: awareness raising, border control and victim support measure {i * 10 + p}."
                          for p in range(1, 6)),
            encoding="utf-8",
        )
    return lib


def test_directories_are_walked_for_known_types_in_a_stable_order(tmp_path):
    lib = _library(tmp_path)
    (lib / "notes.xyz").write_text("not a document", encoding="utf-8")
    (lib / ".hidden.txt").write_text("hidden", encoding="utf-8")
    files = [p.relative_to(lib).as_posix() for p in iter_files([lib])]
    assert files == ["guide-0.txt", "guide-2.txt", "guide-4.txt", "sub/guide-1.txt", "sub/guide-3.txt", "sub/guide-5.txt"]


def test_each_file_is_added_or_rejected_whole_and_the_summary_counts_them(settings, tmp_path):
    lib = _library(tmp_path)
    (lib / "empty.txt").write_text("", encoding="utf-8")  # rejected: no text
    (lib / "copy-of-0.txt").write_bytes((lib / "guide-0.txt").read_bytes())  # same bytes: skipped
    before = len(load_manifest(settings.corpus_dir).entries)
    emb = CountingEmbedder()
    report = ingest(settings, [lib], embedder=emb, batch_files=2, progress=False)
    assert len(report.added) == 6 and len(report.skipped) == 1 and len(report.rejected) == 1
    assert "empty.txt" in report.rejected[0].path and report.rejected[0].reason
    entries = load_manifest(settings.corpus_dir).entries
    assert len(entries) == before + 6
    assert not any("empty" in e.path for e in entries)  # nothing of a rejected file is left behind
    assert report.units == 6 * 5 + 6  # five paragraphs and a title/header unit each
    assert report.embedded == emb.embedded > 0


def test_embedding_streams_in_batches(settings, tmp_path):
    lib = _library(tmp_path, n=8)
    emb = CountingEmbedder()
    ingest(settings, [lib], embedder=emb, batch_files=2, progress=False)
    assert len(emb.calls) >= 4  # one flush per two files, not one call for the whole library
    assert max(emb.calls) <= 2 * 6  # a batch holds two files' chunks at most


def test_interrupted_ingest_resumes_without_redoing_work(settings, tmp_path):
    lib = _library(tmp_path, n=6)
    crashing = CountingEmbedder(fail_after=1)
    with pytest.raises(KeyboardInterrupt):
        ingest(settings, [lib], embedder=crashing, batch_files=2, progress=False)
    first_done = crashing.embedded
    added_before = len(load_manifest(settings.corpus_dir).entries)
    emb = CountingEmbedder()
    report = ingest(settings, [lib], embedder=emb, batch_files=2, progress=False)
    assert len(report.skipped) >= 2 and len(report.added) + len(report.skipped) == 6
    # the batch embedded before the interruption came from the cache
    assert emb.embedded + first_done == 6 * 6
    assert len(load_manifest(settings.corpus_dir).entries) == added_before + len(report.added)
    again = CountingEmbedder()
    rerun = ingest(settings, [lib], embedder=again, progress=False)
    assert len(rerun.skipped) == 6 and again.embedded == 0


def test_missing_path_is_refused_before_anything_is_added(settings, tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        ingest(settings, [tmp_path / "nope"], embedder=HashEmbedder(), progress=False)


def test_ingest_command_prints_the_summary_and_builds_the_index(settings, tmp_path):
    lib = _library(tmp_path, n=3)
    (lib / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    env = {
        "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
        "ASSISTANT_INDEX_DIR": str(settings.index_dir),
        "ASSISTANT_EMBEDDER": "fake",
    }
    result = CliRunner().invoke(app, ["ingest", str(lib)], env=env)
    assert result.exit_code == 0, result.output
    assert "added 3 documents" in result.output and "rejected 1" in result.output
    loaded = load_index(settings, HashEmbedder())
    assert len(loaded.documents) == 1 + 3
    manifest = json.loads((settings.corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    assert not any(d["path"].endswith(".pdf") for d in manifest["documents"])


def test_the_manifest_is_read_once_per_run_not_per_file(settings, tmp_path, monkeypatch):
    import assistant.ingest.corpus as corpus

    reads: list[str] = []
    real = corpus.load_manifest

    def counting(corpus_dir, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(str(corpus_dir))
        return real(corpus_dir, **kwargs)

    monkeypatch.setattr(corpus, "load_manifest", counting)
    report = ingest(settings, [_library(tmp_path)], embedder=HashEmbedder(), progress=False)
    assert len(report.added) == 6 and len(reads) == 1
    assert [e.doc_id for e in real(settings.corpus_dir).entries][-6:] == report.added


def test_a_manifest_replaced_by_another_process_mid_run_is_read_again(settings, tmp_path):
    from assistant.ingest.corpus import add_documents

    lib = _library(tmp_path, n=2)
    other = tmp_path / "other.txt"
    other.write_text("Other guide\n\n1. A paragraph on victim support added by another process.", encoding="utf-8")

    def add_other(path: Path, outcome: str) -> None:
        if not other.with_suffix(".done").exists():
            add_documents(settings, [other])
            other.with_suffix(".done").touch()

    ingest(settings, [lib], embedder=HashEmbedder(), progress=False, on_file=add_other)
    ids = [e.doc_id for e in load_manifest(settings.corpus_dir).entries]
    assert "other" in ids and "guide-0" in ids and "guide-1" in ids
