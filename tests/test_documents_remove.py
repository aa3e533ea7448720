"""`assistant remove DOC` and `assistant add --replace DOC FILE`: atomic, and the index follows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.core.config import Settings
from assistant.index.build import current_build
from assistant.index.columns import IndexRecords
from assistant.ingest.corpus import MANIFEST_NAME, remove_document, replace_document
from tests.conftest import PAPER_DOC


def run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def indexed_docs(settings: Settings) -> set[str]:
    build = current_build(settings.index_dir)
    assert build is not None
    return {c.doc_id for c in IndexRecords.read(build).chunks}


def guide(tmp_path: Path, text: str, name: str = "guide.md") -> Path:
    path = tmp_path / name
    path.write_text(f"# Harbour guidance\n\n## Wristbands\n\n{text}\n", encoding="utf-8")
    return path


def test_remove_takes_the_document_out_of_the_corpus_the_index_and_the_answers(settings: Settings, cli_env, tmp_path: Path):
    run(cli_env, "add", str(guide(tmp_path, "Pilots in the quokka scheme report to the port police.")), "--lang", "en", "--doc-id", "guide")
    assert indexed_docs(settings) == {PAPER_DOC, "guide"}
    run(cli_env, "remove", "guide")
    assert indexed_docs(settings) == {PAPER_DOC}
    units = json.loads(run(cli_env, "paragraphs", "--json").output)
    assert {u["doc"] for u in units} == {PAPER_DOC}
    answer = json.loads(run(cli_env, "ask", "What is the quokka scheme?", "--json", "--k", "10").output)
    assert all(p["doc"] == PAPER_DOC for p in answer["passages"]) and all(c["doc"] == PAPER_DOC for c in answer["citations"])
    assert not (settings.corpus_dir / "guide.md").exists()


def test_replace_keeps_the_id_and_swaps_the_text(settings: Settings, cli_env, tmp_path: Path):
    run(cli_env, "add", str(guide(tmp_path, "Old advice about quokkas.")), "--lang", "en", "--doc-id", "guide")
    run(cli_env, "add", "--replace", "guide", str(guide(tmp_path, "New advice about wombats.", "guide-v2.md")))
    units = json.loads(run(cli_env, "paragraphs", "--doc", "guide", "--json").output)
    text = " ".join(u["text"] for u in units)
    assert "wombats" in text and "quokkas" not in text
    manifest = json.loads((settings.corpus_dir / MANIFEST_NAME).read_text())
    entry = next(e for e in manifest["documents"] if e["doc_id"] == "guide")
    assert entry["lang"] == "en" and (settings.corpus_dir / entry["path"]).exists()
    assert not (settings.corpus_dir / "guide.md").exists()
    assert indexed_docs(settings) == {PAPER_DOC, "guide"}


def test_removing_a_parallel_root_relinks_the_other_versions(settings: Settings, cli_env):
    fixtures = Path(__file__).parent / "fixtures"
    run(cli_env, "add", str(fixtures / "parallel.en.txt"), "--lang", "en", "--no-index")
    run(cli_env, "add", str(fixtures / "parallel.fr.txt"), "--lang", "fr", "--parallel-of", "parallel-en", "--no-index")
    remove_document(settings, "parallel-en")
    manifest = json.loads((settings.corpus_dir / MANIFEST_NAME).read_text())
    assert next(e for e in manifest["documents"] if e["doc_id"] == "parallel-fr")["parallel_of"] is None


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda s, p: remove_document(s, "nope"), "no document 'nope'"),
        (lambda s, p: remove_document(s, PAPER_DOC), "only document"),
        (lambda s, p: replace_document(s, "nope", p), "no document 'nope' to replace"),
        (lambda s, p: replace_document(s, PAPER_DOC, s.corpus_dir / "wg-tip-2019-crime-prevention-background.zh.txt"), "already has"),
        (lambda s, p: replace_document(s, PAPER_DOC, p.parent / "missing.md"), "missing.md"),
    ],
)
def test_bad_removals_and_replacements_change_nothing(settings: Settings, tmp_path: Path, action, message):
    before = {p.name: p.read_bytes() for p in settings.corpus_dir.iterdir()}
    with pytest.raises(Exception, match=message):
        action(settings, guide(tmp_path, "text"))
    assert {p.name: p.read_bytes() for p in settings.corpus_dir.iterdir()} == before

