from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.core.errors import IndexStateError
from assistant.index.build import DATA_FILES, build_index, current_build, ensure_index, load_index, stale_reason
from assistant.index.columns import RECORD_FILES
from assistant.index.embeddings import HashEmbedder
from assistant.retrieval.lexical import BM25Index, tokenize


class CountingEmbedder(HashEmbedder):
    """The fake embedder, counting how many passages it was asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0

    def _embed_batch(self, texts, kind):
        if kind == "passage":
            self.embedded += len(texts)
        return super()._embed_batch(texts, kind)


def test_build_writes_manifest_chunks_and_vectors(settings):
    loaded = ensure_index(settings)
    m = loaded.manifest
    assert m.embedder == "fake-hash-256" and m.dim == 256
    assert m.n_units == 98 and m.n_chunks == loaded.vectors.ntotal == len(loaded.chunks)
    assert m.faiss_type == "flat-ip" and len(m.corpus_hash) == 64 and m.parser_version
    assert set(m.files) == {"vectors.faiss", *RECORD_FILES, *(n for n in m.files if n.startswith("lexical."))}
    assert {n for n in m.files if n.startswith("lexical.")} == {
        "lexical.data.npy", "lexical.indices.npy", "lexical.indptr.npy", "lexical.vocab.json", "lexical.params.json"
    }
    files = {p.name for p in loaded.path.iterdir()}
    assert files == set(m.files) | {"manifest.json"}  # no temporary file or directory left behind
    assert not any(name.endswith((".pkl", ".pickle")) for name in files)
    assert (settings.index_dir / "current").is_symlink()


def test_rebuild_after_adding_nothing_embeds_nothing(settings):
    emb = CountingEmbedder()
    build_index(settings, emb)
    first = emb.embedded
    assert first >= 98
    build_index(settings, emb)
    assert emb.embedded == first  # every vector came from the cache


def test_swap_keeps_one_build_and_readers_see_complete_indexes(settings):
    first = build_index(settings, HashEmbedder())
    second = build_index(settings, HashEmbedder())
    assert current_build(settings.index_dir) == second.resolve()
    assert not first.exists()
    assert [p.name for p in (settings.index_dir / "builds").iterdir()] == [second.name]


def test_changed_corpus_makes_the_index_stale_and_auto_rebuilds(settings):
    ensure_index(settings)
    emb = HashEmbedder()
    assert stale_reason(settings, emb) is None
    manifest_path = settings.corpus_dir / "manifest.json"
    data = json.loads(manifest_path.read_text(encoding="utf-8"))
    data["documents"][0]["title"] = data["documents"][0]["title"] + " (rev.)"
    manifest_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert "corpus changed" in stale_reason(settings, emb)
    loaded = ensure_index(settings)
    assert loaded.documents[0].title.endswith("(rev.)")


def test_index_from_another_embedder_is_refused_with_the_fix(settings):
    ensure_index(settings)
    other = HashEmbedder(dim=64)
    assert "embedder" in stale_reason(settings, other)
    with pytest.raises(IndexStateError, match="assistant index"):
        load_index(settings, other)
    with pytest.raises(IndexStateError, match="assistant index"):
        ensure_index(settings, other, policy="never")


@pytest.mark.parametrize("name", DATA_FILES)
def test_corrupt_index_file_is_detected_at_load(settings, name):
    loaded = ensure_index(settings)
    path = loaded.path / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IndexStateError, match="corrupt"):
        load_index(settings, HashEmbedder())


def test_truncated_index_file_is_detected_at_load(settings):
    loaded = ensure_index(settings)
    path = loaded.path / "vectors.faiss"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(IndexStateError):
        load_index(settings, HashEmbedder())


def test_missing_index_is_built_on_first_use(settings):
    assert current_build(settings.index_dir) is None
    loaded = ensure_index(settings)
    assert loaded.vectors.ntotal > 0


def test_stored_vectors_are_normalised(settings):
    loaded = ensure_index(settings)
    rows = loaded.vectors.reconstruct_n(0, loaded.vectors.ntotal)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)


QUESTIONS = ["禁止向雇员收取征聘费", "边境管理和承运人制裁", "CTOC 2019 www", "脆弱性 儿童", "提高认识活动"]


def test_loaded_lexical_index_ranks_exactly_as_a_fresh_build(settings):
    loaded = ensure_index(settings)
    fresh = BM25Index.build([c.embed_text for c in loaded.chunks])
    assert len(loaded.lexical) == len(fresh) == len(loaded.chunks)
    for question in QUESTIONS:
        tokens = tokenize(question)
        from_disk, rebuilt = loaded.lexical.search(tokens, 20), fresh.search(tokens, 20)
        assert from_disk, question
        assert [r for r, _ in from_disk] == [r for r, _ in rebuilt], question
        assert np.allclose([s for _, s in from_disk], [s for _, s in rebuilt]), question


def test_starting_tokenises_no_passage(settings, monkeypatch):
    ensure_index(settings)

    def no_build(cls, texts):
        raise AssertionError("the lexical index was rebuilt at start")

    monkeypatch.setattr(BM25Index, "build", classmethod(no_build))
    from assistant.answering.service import Assistant

    assert Assistant.open(settings, rebuild="never").ask("边境管理").passages


def test_changed_tokenizer_makes_the_index_stale(settings, monkeypatch):
    ensure_index(settings)
    monkeypatch.setattr("assistant.index.build.lexical_words", lambda: ("新词一", "新词二"))
    assert "lexical tokenizer" in stale_reason(settings, HashEmbedder())


def test_changed_chunking_makes_the_index_stale(settings, monkeypatch):
    ensure_index(settings)
    monkeypatch.setattr("assistant.index.build.CHUNKER_VERSION", "changed")
    assert stale_reason(settings, HashEmbedder()) == "the way passages are chunked changed since the index was built"


def test_lexical_arrays_that_do_not_belong_together_are_refused(settings):
    """Checksums match (the manifest is rewritten) but the arrays disagree: still refused."""
    loaded = ensure_index(settings)
    indices = np.load(loaded.path / "lexical.indices.npy")
    indices[0] = len(loaded.chunks) + 5  # a row past the end of the corpus
    np.save(loaded.path / "lexical.indices.npy", indices)
    with pytest.raises(IndexStateError, match="assistant index"):
        load_index(settings, HashEmbedder(), verify=False)
