"""Shared fixtures: a private copy of the corpus and a fake-embedder assistant.

The fake embedder (``HashEmbedder``) makes the whole pipeline run in milliseconds;
tests that need the real bundled model share one index, built once per session.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from assistant.core.config import Settings

ROOT = Path(__file__).resolve().parent.parent
PAPER_DOC = "wg-tip-2019-prevention"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def copy_corpus(dest: Path) -> Path:
    shutil.copytree(ROOT / "corpus", dest)
    return dest


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A writable corpus and index of the test's own, with the fake embedder."""
    return Settings(
        corpus_dir=copy_corpus(tmp_path / "corpus"),
        index_dir=tmp_path / "index",
        embedder="fake",
        feedback_path=tmp_path / "feedback" / "feedback.jsonl",
    )


@pytest.fixture
def cli_env(settings: Settings) -> dict[str, str]:
    """Environment that points the `assistant` command at the test's own corpus and index."""
    return {
        "ASSISTANT_EMBEDDER": "fake",
        "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
        "ASSISTANT_INDEX_DIR": str(settings.index_dir),
    }


@pytest.fixture(scope="session")
def fake_assistant(tmp_path_factory: pytest.TempPathFactory):
    from assistant.answering.service import Assistant

    base = tmp_path_factory.mktemp("fake-assistant")
    settings = Settings(corpus_dir=copy_corpus(base / "corpus"), index_dir=base / "index", embedder="fake")
    return Assistant.open(settings)


@pytest.fixture(scope="session")
def e5_assistant(tmp_path_factory: pytest.TempPathFactory):
    """The real system: bundled e5 model, shipped paper. Built once per session (~1 min)."""
    from assistant.answering.service import Assistant

    base = tmp_path_factory.mktemp("e5-assistant")
    index_dir = base / "index"
    # Reuse the developer's embedding cache when there is one: same vectors, less waiting.
    shared_cache = ROOT / "index" / "cache.sqlite"
    if shared_cache.exists():
        index_dir.mkdir(parents=True)
        shutil.copy(shared_cache, index_dir / "cache.sqlite")
    settings = Settings(corpus_dir=copy_corpus(base / "corpus"), index_dir=index_dir, embedder="e5")
    return Assistant.open(settings)


# The browser tests' Chromium (Debian's, see DESIGN.md): a conftest fixture so test modules share it without importing it.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-browser.sh (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
