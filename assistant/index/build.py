"""The on-disk index: vectors (in the configured store), chunk and unit records, and a manifest.

Layout under ``settings.index_dir``::

    current -> builds/<id>      symlink, swapped atomically when a build completes
    builds/<id>/manifest.json   embedder id and dimension, corpus hash, parser version,
                                build time, FAISS type, sha256 of every other file
    builds/<id>/vectors.faiss   one row per chunk, L2-normalised (inner product = cosine);
                                with the Milvus store, a collection per build instead
    builds/<id>/records.json, units.*, chunks.*, corpus.text
                                the documents, units and chunks (one chunk per vector row),
                                stored column by column (:mod:`assistant.index.columns`)
    builds/<id>/lexical.*       the BM25 index over the chunks (bm25s: .npy arrays + JSON),
                                so a start loads it instead of tokenising every passage
    cache.sqlite                the embedding cache shared by all builds

Nothing here is a pickle: JSON, FAISS's own format, NumPy's ``.npy`` (loaded with
``allow_pickle=False``) and SQLite. A reader resolves
``current`` once, so a build finishing mid-read never mixes two indexes. The vectors go
through :mod:`assistant.index.stores`, whose backend creates, opens and drops them.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from assistant.core.config import Settings
from assistant.core.errors import IndexStateError, choice_error
from assistant.core.fileio import fsync_dir, write_atomic
from assistant.core.records import Document
from assistant.core.runtime import gc_paused
from assistant.index.cache import EmbeddingCache
from assistant.index.chunking import CHUNKER_VERSION, Chunk, chunk_corpus
from assistant.index.columns import RECORD_FILES, IndexRecords, write_records
from assistant.index.embeddings import Embedder, make_embedder
from assistant.index.filters import row_labels
from assistant.index.stores import StoreBackend, StoreInfo, VectorStore, backend_files, store_backend, stores_to_clean
from assistant.retrieval.lexical import LEXICAL_FILES, BM25Index, add_words, tokenizer_fingerprint

#: 2: the BM25 index is saved with the build (format 1 rebuilt it at every start).
#: 3: documents, units and chunks stored column by column (format 2: documents.json and
#: chunks.jsonl, a JSON record per unit and per chunk).
INDEX_FORMAT = 3
RebuildPolicy = Literal["auto", "always", "never"]
REBUILD_POLICIES: tuple[str, ...] = ("auto", "always", "never")
#: Above this many texts to embed, a stale index is not rebuilt behind the user's back.
AUTO_REBUILD_MAX_NEW = 2000
#: The files every build keeps locally, whichever store holds its vectors.
LOCAL_FILES = (*RECORD_FILES, *LEXICAL_FILES.values())
#: A build's data files (hashed into its manifest), with each store.
DATA_FILES = (*backend_files("faiss"), *LOCAL_FILES)
MILVUS_DATA_FILES = (*backend_files("milvus"), *LOCAL_FILES)


@dataclass(frozen=True)
class IndexManifest:
    format: int
    embedder: str
    dim: int
    corpus_hash: str
    parser_version: str
    built_at: str
    n_chunks: int
    n_units: int
    faiss_type: str  # "flat-ip", "ivf-flat-ip" or "milvus": the dense index actually built
    files: dict[str, str]
    store: str = "faiss"
    #: Search parameters of an approximate index (IVF nlist and nprobe).
    store_params: dict = field(default_factory=dict)
    #: recall@10 of the approximate index against exact search, measured at build time.
    recall_at_10: float | None = None
    #: The Milvus collection holding this build's vectors (store "milvus").
    collection: str | None = None
    #: How the saved BM25 index tokenised (``lexical.tokenizer_fingerprint``).
    lexical_tokenizer: str = ""
    #: How the chunks were made (``chunking.CHUNKER_VERSION``).
    chunker_version: str = ""


@dataclass(frozen=True)
class LoadedIndex:
    path: Path
    manifest: IndexManifest
    vectors: VectorStore  # the store's own class: ntotal, d, search, reconstruct_n
    records: IndexRecords  # documents, units and chunks (one chunk per vector row)
    lexical: BM25Index  # one row per chunk, as the vectors

    @property
    def chunks(self) -> Sequence[Chunk]:
        return self.records.chunks

    @property
    def documents(self) -> Sequence[Document]:
        return self.records.documents


def parser_version() -> str:
    from assistant.ingest.corpus import PARSER_VERSION

    return PARSER_VERSION


def lexical_words() -> tuple[str, ...]:
    """The words jieba is taught before tokenising, at build and at query time alike."""
    from assistant.retrieval import glossary

    return glossary.chinese_terms()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index directory (two `assistant index` runs, or app + CLI)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def _write_errors(index_dir: Path) -> Iterator[None]:
    """A full or read-only disk while building is a plain ``IndexStateError``, not a traceback.

    The build writes into its own directory and swaps ``current`` last, so whatever failed,
    the previous index is still the one in use.
    """
    try:
        yield
    except OSError as exc:
        # NumPy reports a short write (the BM25 arrays on a full disk) without an errno.
        short_write = exc.errno is None and "requested and" in str(exc) and "written" in str(exc)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT) or short_write:
            why = f"the disk holding {index_dir} is full"
        elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            why = f"{index_dir} cannot be written ({exc.strerror})"
        else:
            raise
        raise IndexStateError(
            f"the index was not rebuilt: {why}; the previous index (if any) is unchanged. "
            "Free some space and run `assistant index` again."
        ) from exc
    except RuntimeError as exc:
        if "write_index" not in str(exc):  # FAISS reports a failed fwrite (full disk) this way
            raise
        free_kb = shutil.disk_usage(index_dir).free // 1024
        raise IndexStateError(
            f"the index was not rebuilt: the vectors could not be written to {index_dir} ({free_kb} kB free: "
            "is the disk full?); the previous index (if any) is unchanged. Free some space and run `assistant index` again."
        ) from exc


# --- building ---------------------------------------------------------------------------------


def _progress_bar(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="chunk", file=sys.stderr, disable=total < 64 or None)


def build_index(
    settings: Settings,
    embedder: Embedder | None = None,
    documents: Sequence[Document] | None = None,
) -> Path:
    """Parse the corpus (unless given), embed what the cache lacks, write and swap in."""
    from assistant.ingest.corpus import corpus_hash, load_documents

    embedder = embedder or make_embedder(settings.embedder)
    index_dir = settings.index_dir
    with _build_lock(index_dir), _write_errors(index_dir):
        docs = list(documents) if documents is not None else load_documents(settings)
        chash = corpus_hash(settings)
        chunks = chunk_corpus(docs, embedder.count_tokens, embedder.max_tokens)
        if not chunks:
            raise IndexStateError("the corpus has no units to index; add a document with `assistant add PATH`")
        cache = EmbeddingCache(index_dir / "cache.sqlite")
        with _progress_bar(len(chunks), "embedding") as bar:

            def embed_missing(texts: list[str]) -> np.ndarray:
                return embedder.embed(texts, "passage", progress=bar.update)

            vectors, _ = cache.embed_with_cache(
                [c.embed_text for c in chunks], embedder.id, embedder.dim, embed_missing
            )
        add_words(lexical_words())
        lexical = BM25Index.build([c.embed_text for c in chunks])
        backend = store_backend(settings)
        build_dir = new_build_dir(index_dir)
        try:
            info = backend.create(build_dir, vectors, lambda: row_labels(chunks, docs))
            files = write_build_files(build_dir, chunks, docs, lexical, backend.files)
            manifest = _manifest(settings, embedder, chash, chunks, docs, info, files)
            publish_build(index_dir, build_dir, manifest)
        except BaseException:
            shutil.rmtree(build_dir, ignore_errors=True)
            _drop_unused([backend], keep=_current_collections(index_dir))
            raise
        _remove_old_builds(index_dir, keep=build_dir)
        _drop_unused(stores_to_clean(settings), keep=_current_collections(index_dir))
        return build_dir


def _manifest(
    settings: Settings,
    embedder: Embedder,
    chash: str,
    chunks: Sequence[Chunk],
    docs: Sequence[Document],
    info: StoreInfo,
    files: dict[str, str],
) -> IndexManifest:
    return IndexManifest(
        format=INDEX_FORMAT,
        embedder=embedder.id,
        dim=embedder.dim,
        corpus_hash=chash,
        parser_version=parser_version(),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        n_chunks=len(chunks),
        n_units=sum(len(d.units) for d in docs),
        faiss_type=info.kind,
        files=files,
        store=settings.store,
        store_params=info.params,
        recall_at_10=info.recall_at_10,
        collection=info.collection,
        lexical_tokenizer=tokenizer_fingerprint(lexical_words()),
        chunker_version=CHUNKER_VERSION,
    )


def new_build_dir(index_dir: Path) -> Path:
    build_dir = index_dir / "builds" / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    build_dir.mkdir(parents=True)
    return build_dir


def write_build_files(
    build_dir: Path,
    chunks: Sequence[Chunk],
    documents: Sequence[Document],
    lexical: BM25Index,
    store_files: Sequence[str] = (),
) -> dict[str, str]:
    """Write a build's local data files; name -> sha256 of those and of ``store_files``, the
    vector files its store already wrote there."""
    lexical.save(build_dir)
    write_records(build_dir, documents, chunks)
    names = (*store_files, *LOCAL_FILES)
    return {name: _sha256(build_dir / name) for name in names}


def publish_build(index_dir: Path, build_dir: Path, manifest: IndexManifest) -> None:
    """Write the manifest last, then make the build the current one (readers see old or new)."""
    write_atomic(build_dir / "manifest.json", json.dumps(asdict(manifest), indent=2).encode("utf-8"))
    fsync_dir(build_dir)
    _swap_current(index_dir, build_dir)


def _current_collections(index_dir: Path) -> list[str]:
    build = current_build(index_dir)
    if build is None:
        return []
    try:
        collection = read_manifest(build).collection
    except IndexStateError:
        return []
    return [collection] if collection else []


def _drop_unused(backends: Sequence[StoreBackend], keep: list[str]) -> None:
    """Old builds' collections go with their files (a reader holds the current one)."""
    for backend in backends:
        try:
            backend.drop_except(keep)
        except Exception as exc:  # noqa: BLE001 - cleanup must not fail a finished build
            print(f"warning: could not drop old {backend.kind} collections: {exc}", file=sys.stderr)


def _swap_current(index_dir: Path, build_dir: Path) -> None:
    link = index_dir / "current"
    tmp = index_dir / f".current.{uuid.uuid4().hex}"
    os.symlink(Path("builds") / build_dir.name, tmp)
    os.replace(tmp, link)  # rename(2) over the old symlink: readers see old or new, never neither
    fsync_dir(index_dir)


def _remove_old_builds(index_dir: Path, keep: Path) -> None:
    for path in (index_dir / "builds").iterdir():
        if path.resolve() != keep.resolve():
            shutil.rmtree(path, ignore_errors=True)


# --- loading ----------------------------------------------------------------------------------


def current_build(index_dir: Path) -> Path | None:
    link = index_dir / "current"
    if not link.is_symlink() and not link.exists():
        return None
    target = link.resolve()
    return target if target.is_dir() else None


def read_manifest(build: Path) -> IndexManifest:
    path = build / "manifest.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return IndexManifest(**raw)
    except (OSError, ValueError, TypeError) as exc:
        raise IndexStateError(f"the index manifest {path} is unreadable ({exc}); rebuild with `assistant index`") from exc


def stale_reason(settings: Settings, embedder: Embedder) -> str | None:
    """Why the current index cannot serve ``embedder`` on today's corpus, or None if it can."""
    from assistant.ingest.corpus import corpus_hash

    build = current_build(settings.index_dir)
    if build is None:
        return "there is no index yet"
    manifest = read_manifest(build)
    if manifest.format != INDEX_FORMAT:
        return f"the index format is {manifest.format}, this version reads {INDEX_FORMAT}"
    if manifest.embedder != embedder.id:
        return f"the index was built with embedder {manifest.embedder!r}, the settings ask for {embedder.id!r}"
    if manifest.store != settings.store:
        return f"the index keeps its vectors in {manifest.store!r}, the settings ask for {settings.store!r}"
    if manifest.parser_version != parser_version():
        return "the paragraph parser changed since the index was built"
    if manifest.corpus_hash != corpus_hash(settings):
        return "the corpus changed since the index was built"
    if manifest.lexical_tokenizer != tokenizer_fingerprint(lexical_words()):
        return "the lexical tokenizer (stopwords, glossary, jieba) changed since the index was built"
    if manifest.chunker_version != CHUNKER_VERSION:
        return "the way passages are chunked changed since the index was built"
    return None


def load_index(settings: Settings, embedder: Embedder, verify: bool = True) -> LoadedIndex:
    build = current_build(settings.index_dir)
    if build is None:
        raise IndexStateError(f"no index in {settings.index_dir}; build it with `assistant index`")
    manifest = read_manifest(build)
    if manifest.embedder != embedder.id or manifest.dim != embedder.dim:
        raise IndexStateError(
            f"the index was built with {manifest.embedder!r} (dim {manifest.dim}), not {embedder.id!r}; "
            "rebuild it with `assistant index`"
        )
    if manifest.store != settings.store:
        raise IndexStateError(
            f"the index keeps its vectors in {manifest.store!r}, not {settings.store!r}; rebuild it with `assistant index`"
        )
    if manifest.format != INDEX_FORMAT:
        raise IndexStateError(
            f"the index format is {manifest.format}, this version reads {INDEX_FORMAT}; rebuild it with `assistant index`"
        )
    backend = store_backend(settings)
    checks = _FileChecks(build, (*backend.files, *LOCAL_FILES) if verify else (), manifest)
    info = StoreInfo(manifest.faiss_type, manifest.store_params, manifest.recall_at_10, manifest.collection)

    def open_store() -> VectorStore:
        checks.require(backend.files)  # the store's files are opened only once they are verified
        return backend.open(build, info, manifest.dim, manifest.n_chunks)

    with checks, gc_paused(), ThreadPoolExecutor(max_workers=1) as opener:
        try:
            # The vectors open on a thread of their own (FAISS reads 1.5 GB at 1M passages
            # mostly without the GIL) while this thread reads our own formats, which are
            # hashed meanwhile: a tampered one is at worst unparseable, and refused below.
            opened = opener.submit(open_store)
            records = IndexRecords.read(build)
            lexical = BM25Index.load(build)
            # Work every start needs anyway, done while the threads run: jieba's dictionary
            # for the questions' tokens (0.6 s) and the refusal check's corpus text.
            add_words(lexical_words())
            _ = records.corpus_text
            vectors = opened.result()
        except (OSError, EOFError, ValueError, TypeError, KeyError, RuntimeError) as exc:
            checks.require(checks.names)  # a checksum mismatch is the clearer reason
            raise IndexStateError(f"the index in {build} cannot be read ({exc}); rebuild it with `assistant index`") from exc
        checks.require(checks.names)
    if vectors.ntotal != records.n_chunks or vectors.d != manifest.dim or len(lexical) != records.n_chunks:
        raise IndexStateError(f"the index in {build} is inconsistent; rebuild it with `assistant index`")
    return LoadedIndex(build, manifest, vectors, records, lexical)


class _FileChecks:
    """A build's files hashed against the manifest on threads while the caller reads them.

    hashlib releases the GIL on large blocks, so at 1M passages (about 2.5 GB of files) the
    hashing runs on both cores beside the parsing. The largest files start first.
    """

    def __init__(self, build: Path, names: Sequence[str], manifest: IndexManifest) -> None:
        self.build = build
        self.names = tuple(names)
        self.manifest = manifest
        self.pool = ThreadPoolExecutor(max_workers=max(1, min(len(names), os.cpu_count() or 1)))
        by_size = sorted(names, key=lambda n: -self._size(n))
        self.results = {name: self.pool.submit(self._ok, name) for name in by_size}

    def _size(self, name: str) -> int:
        try:
            return (self.build / name).stat().st_size
        except OSError:
            return 0

    def _ok(self, name: str) -> bool:
        path = self.build / name
        return path.exists() and _sha256(path) == self.manifest.files.get(name)

    def require(self, names: Sequence[str]) -> None:
        for name in names:
            if name in self.results and not self.results[name].result():
                raise IndexStateError(
                    f"index file {self.build / name} is missing or corrupt (checksum mismatch); "
                    "rebuild it with `assistant index`"
                )

    def __enter__(self) -> _FileChecks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _pending_embeddings(settings: Settings, embedder: Embedder) -> int:
    """How many chunks of today's corpus the cache lacks: the cost of a rebuild."""
    from assistant.ingest.corpus import load_documents

    chunks = chunk_corpus(load_documents(settings), embedder.count_tokens, embedder.max_tokens)
    cache = EmbeddingCache(settings.index_dir / "cache.sqlite")
    texts = [c.embed_text for c in chunks]
    return cache.count_missing(texts, embedder.id, embedder.dim)


def _load_unless_stale(settings: Settings, embedder: Embedder) -> tuple[LoadedIndex | None, str | None]:
    """The current index and None, or None and why it is stale.

    The staleness check (the corpus files' hash: 10k files at 1M passages) runs on a thread
    while the index loads; a stale index's load is wasted, or its error replaced by the
    reason (an old format's files cannot be read, and the reason says why).
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        staleness = pool.submit(stale_reason, settings, embedder)
        try:
            loaded: LoadedIndex | None = load_index(settings, embedder)
            error = None
        except IndexStateError as exc:
            loaded, error = None, exc
        reason = staleness.result()
    if reason is not None:
        return None, reason
    if error is not None:
        raise error
    return loaded, None


def ensure_index(
    settings: Settings,
    embedder: Embedder | None = None,
    policy: RebuildPolicy = "auto",
) -> LoadedIndex:
    """The current index, rebuilt first when it is missing or stale and that is cheap."""
    if policy not in REBUILD_POLICIES:
        raise choice_error("rebuild policy", policy, REBUILD_POLICIES)
    embedder = embedder or make_embedder(settings.embedder)
    if policy == "always":
        reason: str | None = "a rebuild was asked for"
    else:
        loaded, reason = _load_unless_stale(settings, embedder)
        if loaded is not None:
            return loaded
    if reason is not None:
        if policy == "never":
            raise IndexStateError(f"the index cannot be used: {reason}. Run `assistant index` to rebuild it.")
        pending = _pending_embeddings(settings, embedder) if policy == "auto" else 0
        if pending > AUTO_REBUILD_MAX_NEW:
            raise IndexStateError(
                f"the index is out of date ({reason}) and rebuilding it means embedding {pending} passages; "
                "run `assistant index` to rebuild it (it shows progress)."
            )
        print(f"Building the index: {reason}.", file=sys.stderr)
        build_index(settings, embedder)
    return load_index(settings, embedder)
