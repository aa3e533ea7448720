"""Vector stores: FAISS (flat / HNSW chosen by size) and Milvus (milvus-lite here) behind one interface.

The Milvus path runs the same retrieval tests as FAISS (``tests/test_retrieval.py``), on an
assistant whose vectors live in a milvus-lite file. Replicas: two processes' worth of
``Assistant`` over one read-only index answer any turn of any conversation identically.
"""

from __future__ import annotations

import inspect
import json
import os
import stat
import sys

import numpy as np
import pytest

from assistant.core.config import Settings
from assistant.core.errors import ConfigError, IndexStateError, MissingDependency
from assistant.index.build import MILVUS_DATA_FILES, build_index, ensure_index, load_index, stale_reason
from assistant.index.embeddings import HashEmbedder
from assistant.index.filters import RowFilter, RowLabels, make_filter
from assistant.index.stores import FaissStore, MilvusStore, StoreInfo, exact_recall_at_10, make_faiss_index
from tests import test_retrieval
from tests.conftest import copy_corpus

pymilvus = pytest.importorskip("pymilvus", reason="the Milvus store needs pip install '.[milvus]'")
pytest.importorskip("milvus_lite", reason="milvus-lite runs Milvus embedded for the tests")


def _unit_rows(n: int, dim: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = rng.standard_normal((n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture(scope="session")
def milvus_assistant(tmp_path_factory: pytest.TempPathFactory):
    from assistant.answering.service import Assistant

    base = tmp_path_factory.mktemp("milvus-assistant")
    settings = Settings(
        corpus_dir=copy_corpus(base / "corpus"),
        index_dir=base / "index",
        embedder="fake",
        store="milvus",
        milvus_uri=str(base / "milvus.db"),
    )
    return Assistant.open(settings)


# --- the same retrieval tests, on Milvus ----------------------------------------------------

RETRIEVAL_TESTS = [
    (name, fn)
    for name, fn in inspect.getmembers(test_retrieval, inspect.isfunction)
    if name.startswith("test_") and "fake_assistant" in inspect.signature(fn).parameters
]


@pytest.mark.parametrize("name,fn", RETRIEVAL_TESTS, ids=[n for n, _ in RETRIEVAL_TESTS])
def test_milvus_store_passes_the_faiss_retrieval_tests(milvus_assistant, name, fn):
    marks = getattr(fn, "pytestmark", [])
    params = [m for m in marks if m.name == "parametrize"]
    if params:
        argname, values = params[0].args[0], params[0].args[1]
        for value in values:
            fn(milvus_assistant, **{argname: value})
    else:
        fn(milvus_assistant)


def test_milvus_and_faiss_rank_the_same_passages(milvus_assistant, fake_assistant):
    assert milvus_assistant.index.manifest.store == "milvus"
    assert milvus_assistant.index.manifest.faiss_type == "milvus"
    assert fake_assistant.index.manifest.store == "faiss"
    for question in ("禁止向雇员收取征聘费", "蓝心运动", "What are carrier sanctions?", "边境管理"):
        for mode in ("dense", "hybrid"):
            a = milvus_assistant.search(question, k=5, mode=mode)
            b = fake_assistant.search(question, k=5, mode=mode)
            assert [p.unit_id for p in a.passages] == [p.unit_id for p in b.passages]


def test_milvus_build_keeps_only_chunks_documents_and_bm25_locally(milvus_assistant):
    m = milvus_assistant.index.manifest
    assert set(m.files) == set(MILVUS_DATA_FILES) and "lexical.data.npy" in m.files
    assert m.collection and not (milvus_assistant.index.path / "vectors.faiss").exists()
    assert milvus_assistant.index.vectors.ntotal == m.n_chunks


# --- store interface ------------------------------------------------------------------------


def test_faiss_and_milvus_stores_return_the_same_neighbours(tmp_path):
    rows = _unit_rows(500, 32)
    queries = _unit_rows(5, 32, seed=1)
    faiss_store = FaissStore.build(rows)
    milvus_store = MilvusStore.create(str(tmp_path / "m.db"), "assistant_t", rows)
    try:
        fs, fr = faiss_store.search(queries, 10)
        ms, mr = milvus_store.search(queries, 10)
        assert (fr == mr).all()
        assert np.allclose(fs, ms, atol=1e-4)
        assert np.allclose(milvus_store.reconstruct_n(0, 20), rows[:20], atol=1e-6)
        # asking for more rows than stored pads with -1, as FAISS does
        _, padded = milvus_store.search(queries[:1], 600)
        assert (padded[0, :500] >= 0).all() and (padded[0, 500:] == -1).all()
    finally:
        milvus_store.close()


def _filter_admitting(n: int, rows: np.ndarray) -> RowFilter:
    """Rows ``rows`` as one document (number 1) of ``n``, all in section 0."""
    doc = np.zeros(n, dtype=np.int32)
    doc[rows] = 1
    labels = RowLabels(doc, np.zeros(n, dtype=np.int32), {"other": 0, "picked": 1}, ("s",))
    return make_filter(labels, "picked", None)


def _exact_admitted_top(rows: np.ndarray, query: np.ndarray, admitted: np.ndarray, k: int) -> list[int]:
    scores = rows[admitted] @ query
    return [int(admitted[i]) for i in np.argsort(-scores)[:k]]


@pytest.mark.parametrize("exact_max", [100_000, 100], ids=["flat", "ivf"])
def test_filtered_faiss_search_returns_the_k_best_admitted_rows(exact_max):
    rows = _unit_rows(4000, 32)
    store = FaissStore.build(rows, exact_max=exact_max)
    query = rows[7] + 0.01 * _unit_rows(1, 32, seed=3)[0]
    # 12 admitted rows spread over the whole collection, none near the query: a global
    # top list filtered afterwards (or IVF's few probed lists) would hold none of them.
    admitted = np.sort(np.random.default_rng(5).choice(np.arange(100, 4000), 12, replace=False))
    row_filter = _filter_admitting(len(rows), admitted)
    _, found = store.search(query[None, :], 10, row_filter)
    assert found[0].tolist() == _exact_admitted_top(rows, query, admitted, 10)
    _, few = store.search(query[None, :], 50, row_filter)  # asking for more than it admits
    assert sorted(few[0][few[0] >= 0].tolist()) == admitted.tolist()


def test_filtered_milvus_search_returns_the_k_best_admitted_rows(tmp_path):
    rows = _unit_rows(2000, 32)
    admitted = np.sort(np.random.default_rng(5).choice(np.arange(100, 2000), 12, replace=False))
    row_filter = _filter_admitting(len(rows), admitted)
    labels = RowLabels(np.isin(np.arange(len(rows)), admitted).astype(np.int32), np.zeros(len(rows), np.int32), {}, ())
    store = MilvusStore.create(str(tmp_path / "m.db"), "assistant_f", rows, labels=labels)
    try:
        query = rows[7]
        _, found = store.search(query[None, :], 10, row_filter)
        assert found[0].tolist() == _exact_admitted_top(rows, query, admitted, 10)
        nothing = make_filter(RowLabels(labels.doc, labels.section, {"d": 0}, ("s",)), None, "no such heading")
        assert (store.search(query[None, :], 5, nothing)[1] == -1).all()
    finally:
        store.close()


def test_index_above_the_exact_size_is_ivf_with_measured_recall():
    rows = _unit_rows(3000, 64)
    index, info = make_faiss_index(rows, exact_max=1000)
    assert info.kind == "ivf-flat-ip" and info.params["nlist"] >= 16
    # the smallest nprobe meeting the target was kept, and its recall recorded
    assert info.recall_at_10 is not None and info.recall_at_10 >= 0.95
    assert index.nprobe == info.params["nprobe"]
    small, small_info = make_faiss_index(rows[:1000], exact_max=1000)
    assert small_info == StoreInfo("flat-ip") and exact_recall_at_10(small, rows[:1000]) == 1.0


def test_approximate_build_records_kind_params_and_recall_in_the_manifest(settings, monkeypatch):
    import assistant.index.stores.faiss as stores

    monkeypatch.setattr(stores, "EXACT_SEARCH_MAX", 10)
    loaded = ensure_index(settings)
    raw = json.loads((loaded.path / "manifest.json").read_text(encoding="utf-8"))
    nprobe = raw["store_params"]["nprobe"]
    assert raw["faiss_type"] == "ivf-flat-ip" and raw["store_params"]["nlist"] >= 1
    assert raw["recall_at_10"] is not None
    # nprobe comes back from the manifest when the index is loaded (faiss does not store it)
    assert loaded.vectors.index.nprobe == nprobe
    assert loaded.vectors.search(loaded.vectors.reconstruct_n(0, 1), 5)[1][0][0] == 0


def test_switching_store_makes_the_index_stale(settings, tmp_path):
    ensure_index(settings)
    milvus = settings.with_(store="milvus", milvus_uri=str(tmp_path / "m.db"))
    assert "milvus" in stale_reason(milvus, HashEmbedder())
    with pytest.raises(IndexStateError, match="assistant index"):
        load_index(milvus, HashEmbedder())
    loaded = ensure_index(milvus)
    assert loaded.manifest.store == "milvus"


def test_rebuild_drops_the_previous_builds_collection(settings, tmp_path):
    milvus = settings.with_(store="milvus", milvus_uri=str(tmp_path / "m.db"))
    first = load_index(milvus, HashEmbedder(), verify=False) if build_index(milvus, HashEmbedder()) else None
    first_collection = first.manifest.collection
    first.vectors.close()
    build_index(milvus, HashEmbedder())
    second = load_index(milvus, HashEmbedder())
    client = pymilvus.MilvusClient(str(tmp_path / "m.db"))
    names = client.list_collections()
    assert second.manifest.collection in names and first_collection not in names


def test_missing_collection_is_an_index_error_with_the_fix(settings, tmp_path):
    milvus = settings.with_(store="milvus", milvus_uri=str(tmp_path / "m.db"))
    build_index(milvus, HashEmbedder())
    loaded = load_index(milvus, HashEmbedder())
    loaded.vectors.client.drop_collection(loaded.manifest.collection)
    with pytest.raises(IndexStateError, match="assistant index"):
        load_index(milvus, HashEmbedder())


def test_unknown_store_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="faiss, milvus"):
        Settings(store="elastic")


def test_store_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("ASSISTANT_STORE", "milvus")
    monkeypatch.setenv("ASSISTANT_MILVUS_URI", "http://milvus.internal:19530")
    s = Settings.from_env()
    assert s.store == "milvus" and s.milvus_uri == "http://milvus.internal:19530"


def test_milvus_store_without_pymilvus_fails_cleanly(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pymilvus", None)
    with pytest.raises(MissingDependency, match=r"\.\[milvus\]"):
        MilvusStore.create(str(tmp_path / "m.db"), "assistant_x", _unit_rows(3, 4))


# --- replicas behind a load balancer ------------------------------------------------------------


def _read_only(path) -> None:
    for root, _dirs, files in os.walk(path):
        for name in files:
            p = os.path.join(root, name)
            os.chmod(p, os.stat(p).st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def test_replicas_over_one_read_only_index_answer_any_turn_alike(settings):
    from assistant.answering.service import Assistant

    ensure_index(settings)
    build = (settings.index_dir / "current").resolve()
    _read_only(build)
    before = {p.name: p.stat().st_mtime_ns for p in build.iterdir()}
    try:
        a = Assistant.open(settings, rebuild="never")
        b = Assistant.open(settings, rebuild="never")
        # One conversation whose turns a load balancer spreads over both replicas, and
        # a second conversation interleaved with it: history travels with each request.
        conv1 = ["蓝心运动是哪一年成立的？", "那最新加入的国家是哪个？", "What are carrier sanctions?"]
        conv2 = ["禁止向雇员收取征聘费的建议是哪一年提出的？", "那2015年呢？"]
        turns = []
        for i in range(max(len(conv1), len(conv2))):
            for conv in (conv1, conv2):
                if i < len(conv):
                    turns.append((conv[i], conv[:i]))
        for n, (question, history) in enumerate(turns):
            served = (a if n % 2 else b).ask(question, history)
            reference = Assistant.open(settings, rebuild="never").ask(question, history)
            assert served.text == reference.text
            assert [p.unit_id for p in served.passages] == [p.unit_id for p in reference.passages]
    finally:
        for root, _, files in os.walk(build):
            for name in files:
                os.chmod(os.path.join(root, name), 0o644)
    assert {p.name: p.stat().st_mtime_ns for p in build.iterdir()} == before
