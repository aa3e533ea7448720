"""Adding many documents at once: streamed, per-file atomic, resumable.

``assistant add`` is all or nothing: right for a handful of files a person picked. A
library of thousands is different: one unreadable file must not throw away an hour of
work. ``ingest`` therefore adds each file whole or not at all (``corpus.add_to_manifest``
on that one file: its bytes and its manifest entry land together, or neither does) and goes
on, carrying the manifest from one file to the next rather than reading it per file;
the summary lists what was added, skipped (already in the corpus, same bytes) and
rejected (with the reason).

Memory stays bounded: files are read, parsed and embedded a batch at a time, and each
batch's vectors go straight into the embedding cache (SQLite) rather than piling up.
Interrupting is safe at any point. A rerun skips the files already added and finds their
vectors in the cache, so it only pays for what was not finished. The index is built once
at the end from the cache (no embedding left to do); its size in memory is the index's
own (rows x dim x 4 bytes for FAISS), not the ingestion's.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.core.config import Settings
from assistant.core.errors import AssistantError, CorpusError
from assistant.index.embeddings import Embedder
from assistant.ingest.readers import EXTENSIONS


@dataclass(frozen=True)
class Rejected:
    path: str
    reason: str


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)  # doc ids
    skipped: list[str] = field(default_factory=list)  # paths already in the corpus
    rejected: list[Rejected] = field(default_factory=list)
    units: int = 0
    embedded: int = 0  # passages embedded now (the rest came from the cache)

    @property
    def seen(self) -> int:
        return len(self.added) + len(self.skipped) + len(self.rejected)


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """The files to ingest: given files as they are, directories walked for known types."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and Path(name).suffix.lower() in EXTENSIONS:
                        yield Path(root) / name
        else:
            yield path


def ingest(
    settings: Settings,
    paths: Sequence[str | os.PathLike[str]],
    *,
    lang: str | None = None,
    embedder: Embedder | None = None,
    batch_files: int = 32,
    progress: bool | None = None,
    on_file: Callable[[Path, str], None] | None = None,
) -> IngestReport:
    """Add every file (per-file atomic) and embed them batch by batch into the cache."""
    from tqdm import tqdm

    from assistant.index.cache import EmbeddingCache
    from assistant.index.chunking import chunk_corpus
    from assistant.index.embeddings import make_embedder
    from assistant.ingest.corpus import add_to_manifest, load_manifest, manifest_stamp

    if not paths:
        raise CorpusError("no files or directories given to ingest")
    for raw in paths:
        if not Path(raw).exists():
            raise CorpusError(f"{raw}: no such file or directory")
    files = list(iter_files(paths))  # paths only: a list of names, not of contents
    embedder = embedder or make_embedder(settings.embedder)
    cache = EmbeddingCache(settings.index_dir / "cache.sqlite")
    report = IngestReport()
    batch: list = []

    def flush() -> None:
        if not batch:
            return
        chunks = chunk_corpus(batch, embedder.count_tokens, embedder.max_tokens)
        texts = [c.embed_text for c in chunks]
        _, embedded = cache.embed_with_cache(
            texts, embedder.id, embedder.dim, lambda missing: embedder.embed(missing, "passage")
        )
        report.embedded += embedded
        batch.clear()

    disable = (not sys.stderr.isatty()) if progress is None else not progress
    # The manifest is read once and carried from file to file (reading it per file is
    # quadratic over a large library); it is read again only if another process replaced it.
    stamp = manifest_stamp(settings.corpus_dir)
    manifest = load_manifest(settings.corpus_dir, missing_ok=True)
    with tqdm(total=len(files), desc="ingesting", unit="file", file=sys.stderr, disable=disable) as bar:
        for path in files:
            if manifest_stamp(settings.corpus_dir) != stamp:
                stamp = manifest_stamp(settings.corpus_dir)
                manifest = load_manifest(settings.corpus_dir, missing_ok=True)
            try:
                docs, updated = add_to_manifest(settings, manifest, [path], lang=lang)
            except AssistantError as exc:
                report.rejected.append(Rejected(str(path), str(exc)))
                outcome = "rejected"
            else:
                added = updated is not manifest
                manifest, stamp = updated, manifest_stamp(settings.corpus_dir)
                if added:
                    report.added.extend(d.doc_id for d in docs)
                    report.units += sum(len(d.units) for d in docs)
                    outcome = "added"
                else:
                    report.skipped.append(str(path))
                    outcome = "skipped"
                # Skipped files are embedded too: a run interrupted after adding a file
                # but before embedding it finishes the job now (cache hits cost nothing).
                batch.extend(docs)
            if on_file is not None:
                on_file(path, outcome)
            if len(batch) >= batch_files:
                flush()
            bar.update(1)
            bar.set_postfix(added=len(report.added), skipped=len(report.skipped), rejected=len(report.rejected))
        flush()
    return report
