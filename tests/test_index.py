from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.embeddings import HashEmbedder
from assistant.errors import IndexStateError
from assistant.index import build_index, current_build, ensure_index, load_index, stale_reason


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
    assert set(m.files) == {"vectors.faiss", "chunks.jsonl", "documents.json"}
    files = {p.name for p in loaded.path.iterdir()}
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


@pytest.mark.parametrize("name", ["vectors.faiss", "chunks.jsonl", "documents.json"])
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
