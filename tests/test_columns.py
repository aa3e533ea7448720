"""The columnar record storage (index.columns): exact round trips, checksums, old formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.core.errors import IndexStateError
from assistant.core.records import Document, Unit
from assistant.index.build import INDEX_FORMAT, current_build, ensure_index, load_index, stale_reason
from assistant.index.chunking import Chunk, chunk_corpus, units_by_key
from assistant.index.columns import RECORD_FILES, IndexRecords, corpus_text, write_records
from assistant.index.embeddings import HashEmbedder
from assistant.index.filters import row_labels
from assistant.ingest.corpus import load_documents


def _odd_documents() -> list[Document]:
    """Every field a record can carry, and texts that are easy to get wrong as bytes."""
    section = ("三. 背景", "先前的审议情况")
    units = (
        Unit("a", "header", "header", "犯罪预防 😀 \u00a0 tab\tend", (), order=0),
        Unit("a", "16", "paragraph", "2013 年，工作组建议：", section, footnotes=("fn2", "fn*"), order=1),
        Unit("a", "16(a)", "subitem", "禁止向雇员收取征聘费；", section, parent="16", order=2),
        Unit("a", "16(b)", "subitem", "", section, parent="16", order=3),
        Unit("a", "fn2", "footnote", "See E/CN.15/2019/1.", ("脚注",), order=4),
        Unit("a", "16", "paragraph", "a repeated id: the later one is the one a map keeps", section, order=5),
    )
    doc_a = Document("a", "标题 A", "zh", "txt", units, "CTOC/COP/WG.4/2019/2", None,
                     (("date", "2019-07-01"), ("original_lang", "en")), ("fn2",))
    doc_b = Document("b", "Title B", "en", "md", (Unit("b", "s1.p1", "passage", "Plain text.", ("Intro",), order=7),),
                     parallel_of="a")
    return [doc_a, Document("empty", "No units", "fr", "html", ()), doc_b]


def _odd_chunks(documents: list[Document]) -> list[Chunk]:
    chunks = chunk_corpus(documents)
    extra = Chunk("a", "fn2", 1, "脚注", "脚注\nsecond window")  # a long unit's later window
    return [*chunks, extra]


def _assert_same(records: IndexRecords, documents: list[Document], chunks: list[Chunk]) -> None:
    assert tuple(records.documents) == tuple(documents)
    assert tuple(records.chunks) == tuple(chunks)
    assert list(records.units) == [u for d in documents for u in d.units]
    assert records.corpus_text == corpus_text(documents)
    assert dict(records.unit_map) == units_by_key(documents)
    assert list(records.chunk_keys) == [(c.doc_id, c.unit_id) for c in chunks]
    labels, expected = records.row_labels(), row_labels(chunks, documents)
    assert labels.doc.tolist() == expected.doc.tolist() and labels.section.tolist() == expected.section.tolist()
    assert labels.doc_numbers == expected.doc_numbers and labels.section_names == expected.section_names
    for doc in documents:
        root = doc.parallel_of or doc.doc_id
        assert records.parallel_group(doc.doc_id) == tuple(d for d in documents if root in (d.doc_id, d.parallel_of))
        for unit in doc.units:
            assert records.children(doc.doc_id, unit.unit_id) == tuple(u for u in doc.units if u.parent == unit.unit_id)


def test_odd_records_round_trip_exactly(tmp_path: Path) -> None:
    documents = _odd_documents()
    chunks = _odd_chunks(documents)
    write_records(tmp_path, documents, chunks)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(RECORD_FILES)
    _assert_same(IndexRecords.read(tmp_path), documents, chunks)
    _assert_same(IndexRecords.of(documents, chunks), documents, chunks)


def test_the_papers_records_round_trip_exactly(settings, tmp_path: Path) -> None:
    documents = load_documents(settings)
    chunks = chunk_corpus(documents, HashEmbedder().count_tokens, 40)  # small windows: several per long unit
    assert any(c.window > 0 for c in chunks)
    write_records(tmp_path, documents, chunks)
    records = IndexRecords.read(tmp_path)
    _assert_same(records, documents, chunks)
    assert records.documents[0] is records.documents[0]  # made once, then shared
    assert records.unit_map[(documents[0].doc_id, "16")] is records.documents[0].unit("16")


def test_a_chunk_citing_no_unit_is_not_written(tmp_path: Path) -> None:
    documents = _odd_documents()
    with pytest.raises(ValueError, match="no document has"):
        write_records(tmp_path, documents, [Chunk("a", "99", 0, "", "text")])


@pytest.mark.parametrize("name", RECORD_FILES)
def test_a_tampered_record_file_that_still_parses_is_refused(settings, name: str) -> None:
    build = ensure_index(settings).path
    path = build / name
    data = path.read_bytes()
    if name.endswith(".text"):
        changed = data.replace("贩运".encode(), "贩卖".encode(), 1)  # same length, still UTF-8
    elif name == "records.json":
        changed = data.replace(b'"16"', b'"61"', 1)
    else:
        changed = data[:-4] + bytes(b ^ 1 for b in data[-4:])  # one number in the last row
    assert changed != data
    path.write_bytes(changed)
    with pytest.raises(IndexStateError, match="checksum mismatch"):
        load_index(settings, HashEmbedder())


def test_an_index_in_the_old_format_is_rebuilt_with_the_reason(settings, capsys) -> None:
    build = ensure_index(settings).path
    for name in RECORD_FILES:  # a format-2 build: a JSON record per unit and per chunk instead
        (build / name).unlink()
    (build / "documents.json").write_text("[]", encoding="utf-8")
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    manifest["format"] = 2
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    embedder = HashEmbedder()
    assert stale_reason(settings, embedder) == f"the index format is 2, this version reads {INDEX_FORMAT}"
    with pytest.raises(IndexStateError, match="index format is 2"):
        load_index(settings, embedder)
    loaded = ensure_index(settings, embedder)
    assert "Building the index: the index format is 2" in capsys.readouterr().err
    assert loaded.manifest.format == INDEX_FORMAT and current_build(settings.index_dir) != build
    assert tuple(loaded.documents) == tuple(load_documents(settings))
