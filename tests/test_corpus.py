"""The corpus: reading documents, the manifest, verified loading, atomic adds, parallel versions."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from assistant.core.config import Settings
from assistant.core.errors import ConfigError, CorpusError, DocumentError, UnitNotFound
from assistant.ingest import corpus as corpus_mod
from assistant.ingest.corpus import add_documents, corpus_hash, load_documents, load_manifest
from assistant.ingest.lookup import aligned_unit, find_unit, neighbours, normalize_unit_id
from assistant.ingest.parse import read_document

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "corpus"
FIXTURES = Path(__file__).parent / "fixtures"
PAPER = "wg-tip-2019-prevention"


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    cdir = tmp_path / "corpus"
    shutil.copytree(SHIPPED, cdir)
    return Settings(corpus_dir=cdir, index_dir=tmp_path / "index")


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


# --- read_document -------------------------------------------------------------------------


def test_read_document_splits_a_headed_file_into_passages() -> None:
    doc = read_document(FIXTURES / "notes.md")
    assert doc.doc_id == "notes"
    assert doc.source_type == "md"
    assert doc.lang == "en"
    assert doc.title == "Field notes on prevention"
    assert doc.unit_ids == ("s1.p1", "s2.p1", "s2.p2", "s3.p1", "s4.p1")
    assert doc.symbol is None and doc.parallel_of is None


def test_read_document_uses_un_structure_for_numbered_paragraphs() -> None:
    doc = read_document(FIXTURES / "parallel.fr.txt", doc_id="fr-test")
    assert doc.lang == "fr"
    assert {"1", "2", "2(a)", "2(b)", "3", "4"} <= set(doc.unit_ids)
    assert doc.symbol == "CTOC/COP/WG.4/2099/9"
    assert doc.title == "Mesures contre la traite dans des ports imaginaires — Document d'information établi par le Secrétariat"
    assert all(u.doc_id == "fr-test" for u in doc.units)


def test_a_markdown_note_with_numbered_paragraphs_is_cited_by_their_numbers(tmp_path: Path) -> None:
    # markdown-it reads "1." as an ordered list; the numbers are the paragraphs' ids, even
    # when a heading in between restarts the list at 3.
    note = tmp_path / "guide.md"
    note.write_text(
        "# Guidance note on recruitment\n\n## Introduction\n\n1. Issued by the ILO in Geneva.\n\n"
        "2. Fees remain widespread.\n\n## Recommendations\n\n3. States should inspect agencies twice a year.\n",
        encoding="utf-8",
    )
    doc = read_document(note)
    assert [u for u in doc.unit_ids if u != "header"] == ["1", "2", "3"]
    third = doc.unit("3")
    assert third is not None and third.text == "States should inspect agencies twice a year."


def test_read_document_overrides_language_and_title() -> None:
    doc = read_document(FIXTURES / "notes.md", lang="fr", title="Mon titre", doc_id="custom")
    assert (doc.lang, doc.title, doc.doc_id) == ("fr", "Mon titre", "custom")


def test_read_document_rejects_an_unknown_language() -> None:
    with pytest.raises(ConfigError, match="zh, en, fr, es, ru, ar"):
        read_document(FIXTURES / "notes.md", lang="de")


def test_doc_id_for_a_non_ascii_file_name_falls_back_to_a_content_hash(tmp_path: Path) -> None:
    p = tmp_path / "预防犯罪.txt"
    p.write_text("一些文字。\n\n更多的文字。", encoding="utf-8")
    assert read_document(p).doc_id.startswith("doc-")


# --- loading the shipped corpus --------------------------------------------------------------


def test_shipped_paper_metadata_comes_from_the_manifest(settings: Settings) -> None:
    (doc,) = load_documents(settings)
    assert doc.doc_id == PAPER
    assert doc.title == "涉及贩运人口的预防犯罪措施 — 秘书处编写的背景文件"
    assert doc.lang == "zh"
    assert doc.source_type == "txt"
    assert doc.symbol is None  # CTOC/COP/WG.4/2019/1 is the agenda's symbol
    meta = dict(doc.meta)
    assert meta["body"] == "贩运人口问题工作组"
    assert meta["agenda_item"] == "provisional agenda item 2"
    assert meta["agenda_symbol"] == "CTOC/COP/WG.4/2019/1"
    assert doc.unit("16(e)") is not None and doc.unit("56") is not None


def test_shipped_manifest_records_the_paper_hash() -> None:
    manifest = load_manifest(SHIPPED)
    entry = manifest.entry(PAPER)
    assert entry is not None
    assert entry.sha256 == hashlib.sha256((SHIPPED / entry.path).read_bytes()).hexdigest()


def test_tampered_file_is_refused_with_a_fix(settings: Settings) -> None:
    paper = settings.corpus_dir / "wg-tip-2019-crime-prevention-background.zh.txt"
    paper.write_bytes(paper.read_bytes() + b"\n57. injected")
    with pytest.raises(CorpusError) as exc:
        load_documents(settings)
    message = str(exc.value)
    assert paper.name in message and "changed" in message and "restore" in message


def test_missing_file_is_refused_with_a_fix(settings: Settings) -> None:
    (settings.corpus_dir / "wg-tip-2019-crime-prevention-background.zh.txt").unlink()
    with pytest.raises(CorpusError, match="missing; restore the file or remove its entry"):
        load_documents(settings)


def test_missing_manifest_says_how_to_start(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    with pytest.raises(CorpusError, match="assistant add"):
        load_documents(Settings(corpus_dir=tmp_path / "c"))


def test_manifest_path_must_stay_inside_the_corpus(settings: Settings) -> None:
    mpath = settings.corpus_dir / "manifest.json"
    raw = json.loads(mpath.read_text(encoding="utf-8"))
    raw["documents"][0]["path"] = "../../etc/passwd"
    mpath.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(CorpusError, match="relative to the corpus directory"):
        load_manifest(settings.corpus_dir)


def test_corpus_hash_is_stable_and_tracks_files_and_manifest(settings: Settings) -> None:
    first = corpus_hash(settings)
    assert first == corpus_hash(settings) and len(first) == 64
    paper = settings.corpus_dir / "wg-tip-2019-crime-prevention-background.zh.txt"
    original = paper.read_bytes()
    paper.write_bytes(original + b" ")
    assert corpus_hash(settings) != first
    paper.write_bytes(original)
    assert corpus_hash(settings) == first
    add_documents(settings, [FIXTURES / "notes.md"])
    assert corpus_hash(settings) != first


# --- adding --------------------------------------------------------------------------------


def test_add_copies_the_file_and_records_it(settings: Settings) -> None:
    (doc,) = add_documents(settings, [FIXTURES / "notes.md"])
    assert doc.doc_id == "notes" and len(doc.units) == 5
    stored = settings.corpus_dir / "notes.md"
    assert stored.read_bytes() == (FIXTURES / "notes.md").read_bytes()
    entry = load_manifest(settings.corpus_dir).entry("notes")
    assert entry is not None
    assert entry.sha256 == hashlib.sha256(stored.read_bytes()).hexdigest()
    assert (entry.lang, entry.source_type, entry.path) == ("en", "md", "notes.md")
    assert [d.doc_id for d in load_documents(settings)] == [PAPER, "notes"]
    assert not [p for p in settings.corpus_dir.iterdir() if p.name.endswith(".tmp")]


def test_add_keeps_the_shipped_entry_unchanged(settings: Settings) -> None:
    before = json.loads((settings.corpus_dir / "manifest.json").read_text(encoding="utf-8"))["documents"][0]
    add_documents(settings, [FIXTURES / "notes.md"])
    after = json.loads((settings.corpus_dir / "manifest.json").read_text(encoding="utf-8"))["documents"][0]
    assert after == before and list(after) == list(before)


def test_a_bad_file_leaves_the_corpus_byte_identical(settings: Settings, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    before = snapshot(settings.corpus_dir)
    with pytest.raises(DocumentError, match="empty"):
        add_documents(settings, [FIXTURES / "notes.md", FIXTURES / "parallel.en.txt", empty])
    assert snapshot(settings.corpus_dir) == before


def test_a_failed_manifest_write_removes_the_copied_files(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = corpus_mod.write_atomic

    def disk_full_at_the_manifest(path: Path, data: bytes, **kwargs) -> None:
        if path.name == "manifest.json":
            raise OSError(28, "No space left on device")
        real_write(path, data, **kwargs)

    monkeypatch.setattr(corpus_mod, "write_atomic", disk_full_at_the_manifest)
    before = snapshot(settings.corpus_dir)
    with pytest.raises(CorpusError, match="nothing was added"):
        add_documents(settings, [FIXTURES / "notes.md", FIXTURES / "parallel.en.txt"])
    assert snapshot(settings.corpus_dir) == before


def test_same_doc_id_with_other_content_is_refused(settings: Settings, tmp_path: Path) -> None:
    add_documents(settings, [FIXTURES / "notes.md"])
    other = tmp_path / "notes.md"
    other.write_text("# Other\n\nDifferent content entirely.", encoding="utf-8")
    before = snapshot(settings.corpus_dir)
    with pytest.raises(CorpusError, match="already has a different document with id 'notes'"):
        add_documents(settings, [other])
    assert snapshot(settings.corpus_dir) == before


def test_re_adding_the_same_file_is_a_no_op(settings: Settings) -> None:
    add_documents(settings, [FIXTURES / "notes.md"])
    before = snapshot(settings.corpus_dir)
    (doc,) = add_documents(settings, [FIXTURES / "notes.md"])
    assert doc.doc_id == "notes"
    assert snapshot(settings.corpus_dir) == before


def test_doc_id_option_needs_exactly_one_file(settings: Settings) -> None:
    with pytest.raises(CorpusError, match="one document"):
        add_documents(settings, [FIXTURES / "notes.md", FIXTURES / "parallel.en.txt"], doc_id="x")


def test_add_into_a_fresh_directory_creates_the_manifest(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=tmp_path / "new")
    add_documents(settings, [FIXTURES / "notes.md"], doc_id="field-notes")
    assert [d.doc_id for d in load_documents(settings)] == ["field-notes"]


# --- parallel versions ---------------------------------------------------------------------


def test_french_version_is_linked_by_its_printed_symbol(settings: Settings) -> None:
    add_documents(settings, [FIXTURES / "parallel.en.txt"])
    (fr,) = add_documents(settings, [FIXTURES / "parallel.fr.txt"])
    assert fr.parallel_of == "parallel-en"
    assert load_manifest(settings.corpus_dir).entry("parallel-fr").parallel_of == "parallel-en"  # type: ignore[union-attr]
    docs = load_documents(settings)
    unit = aligned_unit(docs, "parallel-en", "2(a)", "fr")
    assert unit is not None and unit.doc_id == "parallel-fr"
    assert "autorités portuaires" in unit.text
    back = aligned_unit(docs, "parallel-fr", "4", "en")
    assert back is not None and "shipping routes" in back.text
    assert aligned_unit(docs, "parallel-en", "2(a)", "es") is None
    assert aligned_unit(docs, "parallel-en", "99", "fr") is None


def test_parallel_of_can_be_declared(settings: Settings, tmp_path: Path) -> None:
    add_documents(settings, [FIXTURES / "parallel.en.txt"])
    # without the symbol line, only the declaration links them
    fr_text = (FIXTURES / "parallel.fr.txt").read_text(encoding="utf-8").replace("CTOC/COP/WG.4/2099/9\n", "")
    fr = tmp_path / "ports-fr.txt"
    fr.write_text(fr_text, encoding="utf-8")
    (doc,) = add_documents(settings, [fr], parallel_of="parallel-en")
    assert doc.parallel_of == "parallel-en" and doc.lang == "fr"
    assert aligned_unit(load_documents(settings), "ports-fr", "3", "en") is not None


def test_parallel_of_an_unknown_document_is_refused(settings: Settings) -> None:
    with pytest.raises(CorpusError, match="no such document.*wg-tip-2019-prevention"):
        add_documents(settings, [FIXTURES / "parallel.fr.txt"], parallel_of="nope")


def test_a_second_version_in_the_same_language_is_refused(settings: Settings, tmp_path: Path) -> None:
    add_documents(settings, [FIXTURES / "parallel.en.txt"])
    other = tmp_path / "other-en.txt"
    other.write_text((FIXTURES / "parallel.en.txt").read_text(encoding="utf-8") + "\n5. One more.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="already has a 'en' version"):
        add_documents(settings, [other], parallel_of="parallel-en")


def test_the_agenda_symbol_does_not_link_documents(settings: Settings, tmp_path: Path) -> None:
    # An English paper that prints the shipped paper's agenda symbol is not its translation.
    text = (FIXTURES / "parallel.en.txt").read_text(encoding="utf-8").replace(
        "CTOC/COP/WG.4/2099/9", "CTOC/COP/WG.4/2019/1"
    )
    p = tmp_path / "agenda-en.txt"
    p.write_text(text, encoding="utf-8")
    (doc,) = add_documents(settings, [p])
    assert doc.parallel_of is None and doc.symbol is None


# --- unit lookups ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"), [("16 (e)", "16(e)"), ("16e", "16(e)"), ("16.", "16"), ("para 16(E)", "16(e)"), ("s2.p3", "s2.p3")]
)
def test_unit_ids_are_normalised(typed: str, canonical: str) -> None:
    assert normalize_unit_id(typed) == canonical


def test_find_unit_defaults_to_the_shipped_paper_and_suggests_close_ids(settings: Settings) -> None:
    add_documents(settings, [FIXTURES / "parallel.en.txt"])
    docs = load_documents(settings)
    doc, unit = find_unit(docs, "2(a)")
    assert doc.doc_id == PAPER and unit.unit_id == "2(a)"
    doc, unit = find_unit(docs, "2(a)", "parallel-en")
    assert doc.doc_id == "parallel-en"
    prev, nxt = neighbours(doc, unit)
    assert prev is not None and prev.unit_id == "2" and nxt is not None and nxt.unit_id == "2(b)"
    with pytest.raises(UnitNotFound, match=r"close ids: .*16\(e\)"):
        find_unit(docs, "16(z)")


def test_settings_take_paths_given_as_strings_and_refuse_other_types(tmp_path: Path) -> None:
    settings = Settings(corpus_dir=str(tmp_path / "corpus"), index_dir=str(tmp_path / "index"))  # type: ignore[arg-type]
    assert settings.corpus_dir == tmp_path / "corpus" and isinstance(settings.index_dir, Path)
    with pytest.raises(ConfigError, match="index_dir must be a path"):
        Settings(index_dir=42)  # type: ignore[arg-type]
