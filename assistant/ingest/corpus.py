"""The corpus: source files plus ``manifest.json``, parsed into ``Document`` records.

The manifest is the source of truth for metadata (title, language, symbol, meeting
details): the parser supplies units, and guesses only what the manifest leaves out. That is
how the shipped paper keeps ``symbol = None`` although its text prints
``CTOC/COP/WG.4/2019/1`` (the agenda's symbol, in a footnote).

Adding is all-or-nothing: every file is read and parsed before anything is written, files
are placed with temp file + ``os.replace`` and the manifest is replaced atomically last, so
a failure leaves the corpus directory byte-identical.

One file to one ``Document`` is :mod:`assistant.ingest.parse`; finding a document or a
paragraph among parsed documents is :mod:`assistant.ingest.lookup`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.core.config import Settings
from assistant.core.errors import CorpusError, DocumentError
from assistant.core.fileio import write_atomic
from assistant.core.records import LANGS, Document
from assistant.ingest.parse import apply_entry, check_doc_id, check_lang, default_doc_id, document_from_read
from assistant.ingest.readers import parse_bytes, read_bytes, source_type_for

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
# Part of corpus_hash: bump when parsing changes what units a file yields, so indexes
# built with the old parser are seen as stale.
PARSER_VERSION = "2"  # 2: layout-aware PDF reading
# Manifest fields copied into Document.meta (in this order), when set.
META_FIELDS: tuple[str, ...] = ("body", "date", "place", "agenda_item", "agenda_symbol", "original_lang")
_ENTRY_FIELDS: tuple[str, ...] = (
    "doc_id", "path", "title", "lang", "source_type", *META_FIELDS[:4], "symbol", "agenda_symbol",
    "original_lang", "parallel_of", "sha256", "ocr_units", "ocr_file",
)


# --- manifest -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ManifestEntry:
    """One manifest record. Unknown keys are kept in ``extra`` and written back unchanged."""

    doc_id: str
    path: str
    title: str | None = None
    lang: str | None = None
    source_type: str | None = None
    symbol: str | None = None
    parallel_of: str | None = None
    sha256: str | None = None
    meta: tuple[tuple[str, str], ...] = ()
    extra: tuple[tuple[str, Any], ...] = ()
    ocr_units: tuple[str, ...] = ()  # units read by OCR from scanned pages
    ocr_file: str | None = None  # what OCR recognised on them, stored beside the file (ocr.dump_recognised)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        meta = dict(self.meta)
        values = dataclasses.asdict(self)
        for name in _ENTRY_FIELDS:
            if name in META_FIELDS:
                if name in meta:
                    out[name] = meta[name]
            elif name == "ocr_units":
                if self.ocr_units:
                    out[name] = list(self.ocr_units)
            elif name == "ocr_file":
                if self.ocr_file:
                    out[name] = self.ocr_file
            else:
                out[name] = values[name]
        out.update(dict(self.extra))
        return out

    @classmethod
    def from_json(cls, raw: object, where: str) -> ManifestEntry:
        if not isinstance(raw, dict):
            raise CorpusError(f"{where}: each entry of 'documents' must be an object")
        for key in ("doc_id", "path"):
            if not isinstance(raw.get(key), str) or not raw[key]:
                raise CorpusError(f"{where}: entry without a {key!r}: {json.dumps(raw, ensure_ascii=False)[:120]}")
        for key in ("title", "lang", "source_type", "symbol", "parallel_of", "sha256", "ocr_file", *META_FIELDS):
            if raw.get(key) is not None and not isinstance(raw[key], str):
                raise CorpusError(f"{where}: {raw['doc_id']}: {key!r} must be a string or null")
        if raw.get("lang") is not None and raw["lang"] not in LANGS:
            raise CorpusError(f"{where}: {raw['doc_id']}: unknown lang {raw['lang']!r}; valid values: {', '.join(LANGS)}")
        ocr_units = raw.get("ocr_units", [])
        if not isinstance(ocr_units, list) or not all(isinstance(u, str) for u in ocr_units):
            raise CorpusError(f"{where}: {raw['doc_id']}: 'ocr_units' must be a list of unit ids")
        known = set(_ENTRY_FIELDS)
        return cls(
            doc_id=raw["doc_id"],
            path=raw["path"],
            title=raw.get("title"),
            lang=raw.get("lang"),
            source_type=raw.get("source_type"),
            symbol=raw.get("symbol"),
            parallel_of=raw.get("parallel_of"),
            sha256=raw.get("sha256"),
            meta=tuple((k, raw[k]) for k in META_FIELDS if raw.get(k) is not None),
            extra=tuple((k, v) for k, v in raw.items() if k not in known),
            ocr_units=tuple(ocr_units),
            ocr_file=raw.get("ocr_file"),
        )


@dataclass(frozen=True)
class Manifest:
    version: int = MANIFEST_VERSION
    entries: tuple[ManifestEntry, ...] = ()

    def entry(self, doc_id: str) -> ManifestEntry | None:
        return next((e for e in self.entries if e.doc_id == doc_id), None)

    @property
    def doc_ids(self) -> tuple[str, ...]:
        return tuple(e.doc_id for e in self.entries)

    def to_bytes(self) -> bytes:
        obj = {"version": self.version, "documents": [e.to_json() for e in self.entries]}
        return (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def load_manifest(corpus_dir: str | os.PathLike[str], *, missing_ok: bool = False) -> Manifest:
    """Read and check ``manifest.json``; with ``missing_ok`` a missing one is an empty manifest."""
    cdir = Path(corpus_dir)
    mpath = cdir / MANIFEST_NAME
    if not mpath.is_file():
        if missing_ok:
            return Manifest()
        if not cdir.is_dir():
            raise CorpusError(f"corpus directory {cdir} does not exist (set ASSISTANT_CORPUS_DIR or create it)")
        raise CorpusError(f"no {MANIFEST_NAME} in {cdir}; add documents with `assistant add FILE`")
    try:
        raw = json.loads(mpath.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{mpath} is not valid JSON ({exc}); restore it from version control") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("documents"), list):
        raise CorpusError(f"{mpath} must be an object with a 'documents' list")
    version = raw.get("version", MANIFEST_VERSION)
    if version != MANIFEST_VERSION:
        raise CorpusError(f"{mpath} has version {version!r}; this assistant reads version {MANIFEST_VERSION}")
    entries = tuple(ManifestEntry.from_json(e, str(mpath)) for e in raw["documents"])
    seen: set[str] = set()
    for e in entries:
        if e.doc_id in seen:
            raise CorpusError(f"{mpath}: doc_id {e.doc_id!r} appears twice")
        seen.add(e.doc_id)
        entry_file(cdir, e)  # checks the path stays inside the corpus directory
        if e.ocr_file:
            entry_file(cdir, e, e.ocr_file)
    return Manifest(version=version, entries=entries)


def manifest_stamp(corpus_dir: str | os.PathLike[str]) -> tuple[int, int, int] | None:
    """Inode, size and mtime of ``manifest.json`` (None when there is none): the manifest is
    only ever replaced, never edited in place, so an unchanged stamp means a manifest read
    earlier is still the current one."""
    try:
        st = (Path(corpus_dir) / MANIFEST_NAME).stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def entry_file(corpus_dir: Path, entry: ManifestEntry, path: str | None = None) -> Path:
    """The entry's file (or ``path``, e.g. its OCR record) in the corpus directory; never outside it."""
    rel = Path(path or entry.path)
    if rel.is_absolute() or ".." in rel.parts:
        raise CorpusError(f"manifest entry {entry.doc_id!r}: path {str(rel)!r} must be relative to the corpus directory")
    return corpus_dir / rel


def _stored_ocr(corpus_dir: Path, entry: ManifestEntry) -> bytes | None:
    """The entry's stored OCR record; None when it has none or it is gone (OCR then runs again)."""
    if not entry.ocr_file:
        return None
    try:
        return entry_file(corpus_dir, entry, entry.ocr_file).read_bytes()
    except OSError:
        return None


# --- loading ------------------------------------------------------------------------------


def load_documents(settings: Settings) -> list[Document]:
    """Every manifest entry parsed, in manifest order (the shipped paper first).

    Each file's sha256 is checked against the manifest: a missing or changed file is a
    ``CorpusError`` that names it and says how to fix it.
    """
    cdir = Path(settings.corpus_dir)
    manifest = load_manifest(cdir)
    docs: list[Document] = []
    for entry in manifest.entries:
        fpath = entry_file(cdir, entry)
        if not fpath.is_file():
            raise CorpusError(
                f"{fpath} (document {entry.doc_id!r}) is listed in {MANIFEST_NAME} but missing; "
                f"restore the file or remove its entry from {cdir / MANIFEST_NAME}"
            )
        try:
            data = read_bytes(fpath, max_file_mb=max(settings.max_file_mb, 1 + fpath.stat().st_size // (1024 * 1024)))
        except DocumentError as exc:
            raise CorpusError(f"document {entry.doc_id!r}: {exc}") from None
        digest = hashlib.sha256(data).hexdigest()
        if entry.sha256 and digest != entry.sha256:
            raise CorpusError(
                f"{fpath} (document {entry.doc_id!r}) has changed since it was added (sha256 mismatch); "
                f"restore the original file, or remove its entry from {cdir / MANIFEST_NAME} and add it again "
                "with `assistant add`"
            )
        source_type = entry.source_type or source_type_for(fpath)
        result = parse_bytes(
            data, fpath, source_type, max_file_mb=settings.max_file_mb, lang=entry.lang,  # type: ignore[arg-type]
            recognised=_stored_ocr(cdir, entry),
        )
        doc = document_from_read(result, doc_id=entry.doc_id, lang=entry.lang, title=entry.title)
        docs.append(apply_entry(doc, entry))
    return docs


def corpus_hash(settings: Settings) -> str:
    """sha256 over the parser version, the manifest and every listed file's bytes.

    Cheap (no parsing): the index stores it and compares to see whether it is stale.
    """
    cdir = Path(settings.corpus_dir)
    mpath = cdir / MANIFEST_NAME
    h = hashlib.sha256()
    h.update(f"parser:{PARSER_VERSION}\n".encode())
    try:
        h.update(mpath.read_bytes())
    except FileNotFoundError:
        raise CorpusError(f"no {MANIFEST_NAME} in {cdir}; add documents with `assistant add FILE`") from None
    for entry in load_manifest(cdir).entries:
        fpath = entry_file(cdir, entry)
        h.update(f"\n{entry.doc_id}\n{entry.path}\n".encode())
        try:
            with open(fpath, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
        except FileNotFoundError:
            h.update(b"<missing>")
        stored = _stored_ocr(cdir, entry)
        if stored is not None:  # the recognised text of scanned pages is part of what is parsed
            h.update(hashlib.sha256(stored).digest())
    return h.hexdigest()


# --- adding -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pending:
    source: Path
    data: bytes
    sha256: str
    doc: Document
    entry: ManifestEntry
    already_present: bool
    ocr_record: bytes | None = None


@dataclass
class _Plan:
    """The manifest as it will be once the files being added are placed (nothing written yet)."""

    cdir: Path
    entries: list[ManifestEntry]
    by_sha: dict[str, ManifestEntry]
    used_names: set[str]  # file names taken in the corpus directory

    @classmethod
    def of(cls, cdir: Path, manifest: Manifest) -> _Plan:
        entries = list(manifest.entries)
        used = {Path(e.path).name for e in entries} | {Path(e.ocr_file).name for e in entries if e.ocr_file}
        return cls(cdir, entries, {e.sha256: e for e in entries if e.sha256}, used)

    def take_name(self, name: str, data: bytes) -> bool:
        """Claim ``name`` for ``data`` unless another file has it."""
        if name in self.used_names or _occupied(self.cdir / name, data):
            return False
        self.used_names.add(name)
        return True

    def add(self, entry: ManifestEntry) -> None:
        self.entries.append(entry)
        if entry.sha256:
            self.by_sha[entry.sha256] = entry


def add_documents(
    settings: Settings,
    paths: Sequence[str | os.PathLike[str]],
    *,
    lang: str | None = None,
    parallel_of: str | None = None,
    doc_id: str | None = None,
) -> list[Document]:
    """Add files to the corpus, all or nothing; returns their documents in argument order.

    Re-adding a file already in the corpus (same bytes) is a no-op that returns the stored
    document. A different file under an existing doc_id is refused. Another language
    version of a corpus document is linked through ``parallel_of``, given explicitly or found
    by the same printed document symbol.
    """
    _check_add_args(paths, lang, doc_id)
    manifest = load_manifest(_corpus_dir_for_adding(settings), missing_ok=True)
    docs, _ = add_to_manifest(settings, manifest, paths, lang=lang, parallel_of=parallel_of, doc_id=doc_id)
    return docs


def add_to_manifest(
    settings: Settings,
    manifest: Manifest,
    paths: Sequence[str | os.PathLike[str]],
    *,
    lang: str | None = None,
    parallel_of: str | None = None,
    doc_id: str | None = None,
) -> tuple[list[Document], Manifest]:
    """:func:`add_documents` onto a manifest already read: the documents, and the manifest
    as written (``manifest`` itself when every file was already there). A caller adding many
    files one by one passes each call's manifest to the next instead of reading it again."""
    _check_add_args(paths, lang, doc_id)
    cdir = _corpus_dir_for_adding(settings)
    if parallel_of is not None and manifest.entry(parallel_of) is None:
        raise CorpusError(
            f"--parallel-of {parallel_of!r}: no such document in the corpus; known: {', '.join(manifest.doc_ids) or '(none)'}"
        )
    # Read, check and parse everything; nothing is written until all files passed.
    plan = _Plan.of(cdir, manifest)
    pending = [_plan_file(settings, plan, Path(p), lang=lang, parallel_of=parallel_of, doc_id=doc_id) for p in paths]
    new = [p for p in pending if not p.already_present]
    if not new:
        return [p.doc for p in pending], manifest
    updated = Manifest(version=manifest.version, entries=tuple(plan.entries))
    _commit(cdir, new, updated)
    return [p.doc for p in pending], updated


def _check_add_args(paths: Sequence[object], lang: str | None, doc_id: str | None) -> None:
    if not paths:
        raise CorpusError("no files given to add")
    check_lang(lang)
    if doc_id is not None:
        check_doc_id(doc_id)
        if len(paths) != 1:
            raise CorpusError(f"--doc-id names one document, but {len(paths)} files were given")


def _corpus_dir_for_adding(settings: Settings) -> Path:
    cdir = Path(settings.corpus_dir)
    if cdir.exists() and not cdir.is_dir():
        raise CorpusError(f"corpus directory {cdir} is not a directory")
    return cdir


def _plan_file(
    settings: Settings, plan: _Plan, src: Path, *, lang: str | None, parallel_of: str | None, doc_id: str | None
) -> _Pending:
    """One file read, checked and parsed, and its manifest entry added to ``plan``."""
    source_type = source_type_for(src)
    data = read_bytes(src, max_file_mb=settings.max_file_mb)
    digest = hashlib.sha256(data).hexdigest()
    did = doc_id or default_doc_id(src, digest)
    existing = next((e for e in plan.entries if e.doc_id == did), None)
    same_content = plan.by_sha.get(digest)
    if existing is not None and existing.sha256 != digest:
        raise CorpusError(
            f"{src}: the corpus already has a different document with id {did!r}; choose another id with --doc-id"
        )
    if same_content is not None and (doc_id is None or same_content.doc_id == did):
        # Already in the corpus: parse it to return it, write nothing.
        result = parse_bytes(
            data, src, source_type, max_file_mb=settings.max_file_mb, lang=same_content.lang,
            recognised=_stored_ocr(plan.cdir, same_content),
        )
        doc = document_from_read(result, doc_id=same_content.doc_id, lang=same_content.lang, title=same_content.title)
        return _Pending(src, data, digest, apply_entry(doc, same_content), same_content, True)
    if same_content is not None:
        raise CorpusError(f"{src}: the same file is already in the corpus as {same_content.doc_id!r}")
    result = parse_bytes(data, src, source_type, max_file_mb=settings.max_file_mb, lang=lang)
    doc = document_from_read(result, doc_id=did, lang=lang, title=None)
    symbol, link = _parallel_link(plan.entries, src, doc, parallel_of)
    ocr_record = result.layout.ocr_record if result.layout is not None else None
    name, ocr_name = _file_names(plan, src, did, data, ocr_record)
    entry = ManifestEntry(
        doc_id=did,
        path=name,
        title=doc.title,
        lang=doc.lang,
        source_type=doc.source_type,
        symbol=symbol,
        parallel_of=link,
        sha256=digest,
        meta=doc.meta,
        extra=(("encoding", result.encoding),) if result.encoding else (),
        ocr_units=doc.ocr_units,
        ocr_file=ocr_name,
    )
    plan.add(entry)
    return _Pending(src, data, digest, apply_entry(doc, entry), entry, False, ocr_record)


def _parallel_link(
    entries: Sequence[ManifestEntry], src: Path, doc: Document, parallel_of: str | None
) -> tuple[str | None, str | None]:
    """The document's own symbol and the corpus document it is a language version of."""
    symbol = doc.symbol
    if symbol and any(e.meta and dict(e.meta).get("agenda_symbol") == symbol for e in entries):
        symbol = None  # the agenda's symbol printed in a footnote, not this paper's own
    link = _parallel_root(entries, parallel_of) if parallel_of else None
    if link is None and symbol:
        match = next((e for e in entries if e.symbol == symbol and e.lang != doc.lang), None)
        link = _parallel_root(entries, match.doc_id) if match else None
    if link is not None:
        clash = next((e for e in entries if (e.doc_id == link or e.parallel_of == link) and e.lang == doc.lang), None)
        if clash is not None:
            raise CorpusError(
                f"{src}: {link!r} already has a {doc.lang!r} version ({clash.doc_id!r}); "
                "give the right --lang or leave out --parallel-of"
            )
    return symbol, link


def _file_names(plan: _Plan, src: Path, did: str, data: bytes, ocr_record: bytes | None) -> tuple[str, str | None]:
    """The names the file (and its OCR record) get in the corpus directory: the source's own
    name, else one made from the doc id."""
    cdir = plan.cdir
    name = src.name
    if not plan.take_name(name, data):
        name = f"{did}{src.suffix.lower()}"
        if not plan.take_name(name, data):
            raise CorpusError(f"{src}: a file named {name!r} is already in {cdir}; give another --doc-id")
    ocr_name = f"{name}.ocr.json" if ocr_record else None
    if ocr_name and not plan.take_name(ocr_name, ocr_record or b""):
        raise CorpusError(f"{src}: a file named {ocr_name!r} is already in {cdir}; give another --doc-id")
    return name, ocr_name


def _occupied(path: Path, data: bytes) -> bool:
    """A file is in the way unless it holds exactly these bytes: then it is the unlisted copy an
    interrupted add (killed between placing the file and replacing the manifest) left behind."""
    if not path.exists():
        return False
    try:
        return not path.is_file() or path.stat().st_size != len(data) or path.read_bytes() != data
    except OSError:
        return True


def _parallel_root(entries: Iterable[ManifestEntry], doc_id: str) -> str:
    """Parallel versions all point at one document (the first added), never at a chain."""
    by_id = {e.doc_id: e for e in entries}
    seen: set[str] = set()
    while by_id.get(doc_id) is not None and by_id[doc_id].parallel_of and doc_id not in seen:
        seen.add(doc_id)
        doc_id = by_id[doc_id].parallel_of  # type: ignore[assignment]
    return doc_id


def _commit(cdir: Path, new: list[_Pending], manifest: Manifest) -> None:
    """Place the new files, then replace the manifest; on any failure undo what was placed."""
    created_dir = not cdir.exists()
    placed: list[Path] = []
    try:
        cdir.mkdir(parents=True, exist_ok=True)
        files = [(p.entry.path, p.data) for p in new]
        files += [(p.entry.ocr_file, p.ocr_record) for p in new if p.entry.ocr_file and p.ocr_record]
        for rel, data in files:
            target = cdir / rel

            def refuse_if_occupied(target: Path = target, data: bytes = data) -> None:
                if _occupied(target, data):
                    raise CorpusError(f"{target} appeared while adding; try again")

            write_atomic(target, data, before_replace=refuse_if_occupied)
            placed.append(target)
        write_atomic(cdir / MANIFEST_NAME, manifest.to_bytes())
    except BaseException as exc:
        for target in placed:
            try:
                os.unlink(target)
            except FileNotFoundError:
                pass
        if created_dir:
            try:
                cdir.rmdir()
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise CorpusError(f"could not write to the corpus directory {cdir} ({exc}); nothing was added") from None
        raise


# --- removing and replacing ----------------------------------------------------------------


def remove_document(settings: Settings, doc_id: str) -> ManifestEntry:
    """Take a document out of the corpus: the manifest is replaced atomically first, then its
    file is deleted (a crash in between leaves an unlisted file, which nothing reads).

    Other language versions that pointed at it now point at the first of them that remains.
    The index is stale afterwards (the corpus hash changed), so the next ``ensure_index``
    rebuilds it without the document's units.
    """
    cdir = Path(settings.corpus_dir)
    manifest = load_manifest(cdir)
    entry = manifest.entry(doc_id)
    if entry is None:
        known = ", ".join(manifest.doc_ids) or "(none)"
        raise CorpusError(f"no document {doc_id!r} in the corpus (known: {known})")
    if len(manifest.entries) == 1:
        raise CorpusError(f"{doc_id!r} is the only document; add another before removing it")
    rest = [e for e in manifest.entries if e.doc_id != doc_id]
    orphans = [e.doc_id for e in rest if e.parallel_of == doc_id]
    root = orphans[0] if orphans else None
    rest = [
        dataclasses.replace(e, parallel_of=None if e.doc_id == root else root) if e.doc_id in orphans else e
        for e in rest
    ]
    _write_manifest(cdir, Manifest(version=manifest.version, entries=tuple(rest)))
    _unlink_quietly(entry_file(cdir, entry))
    return entry


def replace_document(
    settings: Settings, doc_id: str, path: str | os.PathLike[str], *, lang: str | None = None
) -> Document:
    """Put a new file in place of a document, keeping its id, language links and metadata.

    The new file is read and parsed first and placed under a fresh name; only then is the
    manifest replaced (atomically) and the old file deleted: at every moment the corpus is
    either the old version or the new one.
    """
    check_lang(lang)
    cdir = Path(settings.corpus_dir)
    manifest = load_manifest(cdir)
    old = manifest.entry(doc_id)
    if old is None:
        raise CorpusError(f"no document {doc_id!r} to replace (known: {', '.join(manifest.doc_ids) or '(none)'})")
    src = Path(path)
    source_type = source_type_for(src)
    data = read_bytes(src, max_file_mb=settings.max_file_mb)
    digest = hashlib.sha256(data).hexdigest()
    if digest == old.sha256:
        raise CorpusError(f"{src} is the file {doc_id!r} already has; nothing to replace")
    twin = next((e for e in manifest.entries if e.sha256 == digest), None)
    if twin is not None:
        raise CorpusError(f"{src}: the same file is already in the corpus as {twin.doc_id!r}")
    result = parse_bytes(data, src, source_type, max_file_mb=settings.max_file_mb)
    doc = document_from_read(result, doc_id=doc_id, lang=lang or old.lang, title=None)
    name = f"{doc_id}-{digest[:12]}{src.suffix.lower()}"
    entry = dataclasses.replace(
        old,
        path=name,
        title=doc.title,
        lang=doc.lang,
        source_type=doc.source_type,
        sha256=digest,
        extra=tuple((k, v) for k, v in old.extra if k != "encoding") + ((("encoding", result.encoding),) if result.encoding else ()),
    )
    entries = tuple(entry if e.doc_id == doc_id else e for e in manifest.entries)
    pending = _Pending(src, data, digest, apply_entry(doc, entry), entry, False)
    _commit(cdir, [pending], Manifest(version=manifest.version, entries=entries))
    if old.path != name:
        _unlink_quietly(entry_file(cdir, old))
    return pending.doc


def _write_manifest(cdir: Path, manifest: Manifest) -> None:
    try:
        write_atomic(cdir / MANIFEST_NAME, manifest.to_bytes())
    except OSError as exc:
        raise CorpusError(f"could not write {cdir / MANIFEST_NAME} ({exc}); the corpus is unchanged") from None


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
