"""`assistant add` and `assistant paragraphs`, end to end through the typer app (no index)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.core.errors import ConfigError, CorpusError, DocumentError, UnitNotFound

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
PAPER = "wg-tip-2019-prevention"


@pytest.fixture()
def env(tmp_path: Path) -> dict[str, str]:
    cdir = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", cdir)
    return {"ASSISTANT_CORPUS_DIR": str(cdir), "ASSISTANT_INDEX_DIR": str(tmp_path / "index"), "COLUMNS": "100"}


def run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), env=env)


def make_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 7, "Prévention de la traite")
    pdf.ln(3)
    pdf.multi_cell(
        0,
        6,
        "Les campagnes de sensibilisation devraient viser les personnes les plus exposées au "
        "risque de traite, notamment les enfants et les travailleurs migrants.",
    )
    pdf.ln(3)
    pdf.multi_cell(0, 6, "Les États parties devraient former le personnel des frontières.")
    pdf.output(str(path))
    return path


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Guidance for port authorities", level=0)
    document.add_heading("Training", level=1)
    document.add_paragraph("Harbour staff should learn the signs of trafficking in persons.")
    document.add_paragraph("Refresher courses should be held every year.")
    document.add_heading("Cooperation", level=1)
    document.add_paragraph("Port authorities should share passenger lists with the police.")
    document.save(str(path))
    return path


def test_add_pdf_and_docx_then_list_their_paragraphs(env: dict[str, str], tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "traite.pdf")
    docx_path = make_docx(tmp_path / "Port Guidance.docx")
    result = run(env, "add", str(pdf), str(docx_path), "--no-index")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("traite  ") and "  fr  " in lines[0] and lines[0].endswith("2 units")
    assert lines[1] == "port-guidance  Guidance for port authorities  en  3 units"

    listed = run(env, "paragraphs", "--doc", "port-guidance", "--json")
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output) == [
        {"doc": "port-guidance", "unit": "s1.p1", "section": "Training",
         "text": "Harbour staff should learn the signs of trafficking in persons."},
        {"doc": "port-guidance", "unit": "s1.p2", "section": "Training",
         "text": "Refresher courses should be held every year."},
        {"doc": "port-guidance", "unit": "s2.p1", "section": "Cooperation",
         "text": "Port authorities should share passenger lists with the police."},
    ]
    pdf_units = json.loads(run(env, "paragraphs", "--doc", "traite", "--json").output)
    assert [u["unit"] for u in pdf_units] == ["s1.p1", "s1.p2"]
    assert pdf_units[0]["section"] == "Prévention de la traite"
    assert pdf_units[0]["text"].startswith("Les campagnes de sensibilisation devraient viser")
    assert pdf_units[0]["text"].endswith("travailleurs migrants.")


def test_un_style_pdf_translation_is_linked_and_aligned(env: dict[str, str], tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    for block in (FIXTURES / "parallel.fr.txt").read_text(encoding="utf-8").split("\n\n"):
        pdf.multi_cell(0, 6, " ".join(block.split()))
        pdf.ln(2)
    pdf.output(str(tmp_path / "ports.fr.pdf"))
    assert run(env, "add", str(FIXTURES / "parallel.en.txt"), "--no-index").exit_code == 0
    result = run(env, "add", str(tmp_path / "ports.fr.pdf"), "--no-index")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ports-fr  Mesures contre la traite") and "(parallel of parallel-en)" in result.output

    from assistant.core.config import Settings
    from assistant.ingest.corpus import load_documents
    from assistant.ingest.lookup import aligned_unit

    docs = load_documents(Settings(corpus_dir=Path(env["ASSISTANT_CORPUS_DIR"])))
    fr = aligned_unit(docs, "parallel-en", "3", "fr")
    assert fr is not None and fr.doc_id == "ports-fr"
    assert fr.text.startswith("Les États parties devraient former le personnel portuaire")
    got = json.loads(run(env, "paragraphs", "2(b)", "--doc", "ports-fr", "--json").output)
    assert got["previous"]["unit"] == "2(a)" and got["next"]["unit"] == "3"


def test_add_with_explicit_language_and_doc_id(env: dict[str, str]) -> None:
    result = run(env, "add", str(FIXTURES / "notes.md"), "--lang", "es", "--doc-id", "notas", "--no-index")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "notas  Field notes on prevention  es  5 units"


def test_add_parallel_version_says_so(env: dict[str, str]) -> None:
    assert run(env, "add", str(FIXTURES / "parallel.en.txt"), "--no-index").exit_code == 0
    result = run(env, "add", str(FIXTURES / "parallel.fr.txt"), "--no-index")
    assert result.exit_code == 0, result.output
    assert "(parallel of parallel-en)" in result.output


def test_invalid_lang_lists_the_valid_values(env: dict[str, str]) -> None:
    result = run(env, "add", str(FIXTURES / "notes.md"), "--lang", "de", "--no-index")
    assert isinstance(result.exception, ConfigError)
    assert "zh, en, fr, es, ru, ar" in str(result.exception)


def test_add_bad_file_reports_it_and_changes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf at all")
    manifest = Path(env["ASSISTANT_CORPUS_DIR"]) / "manifest.json"
    before = manifest.read_bytes()
    result = run(env, "add", str(FIXTURES / "notes.md"), str(bad), "--no-index")
    assert isinstance(result.exception, DocumentError)
    assert "bad.pdf" in str(result.exception)
    assert manifest.read_bytes() == before
    assert not (Path(env["ASSISTANT_CORPUS_DIR"]) / "notes.md").exists()


def test_paragraph_by_id_shows_heading_path_and_neighbours(env: dict[str, str]) -> None:
    result = run(env, "paragraphs", "16(e)", "--json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert got["doc"] == PAPER and got["unit"] == "16(e)"
    assert "私营征聘和就业机构" in got["text"]
    assert got["section"].startswith("三.")
    assert got["previous"]["unit"] == "16(d)" and got["next"]["unit"] == "16(f)"
    assert set(got["previous"]) == {"doc", "unit", "section", "text"}

    plain = run(env, "paragraphs", "16 (e)")
    assert plain.exit_code == 0, plain.output
    assert plain.output.startswith(f"{PAPER}  16(e)")
    assert "section: 三." in plain.output and "previous: 16(d)" in plain.output and "next: 16(f)" in plain.output


def test_first_paragraph_has_no_previous_in_json(env: dict[str, str]) -> None:
    got = json.loads(run(env, "paragraphs", "header", "--json").output)
    assert got["previous"] is None and got["next"]["unit"] == "1"


def test_paragraph_id_defaults_to_the_shipped_paper(env: dict[str, str]) -> None:
    assert run(env, "add", str(FIXTURES / "parallel.en.txt"), "--no-index").exit_code == 0
    assert json.loads(run(env, "paragraphs", "2(a)", "--json").output)["doc"] == PAPER
    got = json.loads(run(env, "paragraphs", "2(a)", "--doc", "parallel-en", "--json").output)
    assert got["doc"] == "parallel-en" and "port authorities" in got["text"]


def test_unknown_paragraph_suggests_close_ids(env: dict[str, str]) -> None:
    result = run(env, "paragraphs", "16(z)")
    assert isinstance(result.exception, UnitNotFound)
    assert "16(e)" in str(result.exception)


def test_unknown_document_lists_the_known_ones(env: dict[str, str]) -> None:
    result = run(env, "paragraphs", "--doc", "nope")
    assert isinstance(result.exception, CorpusError)
    assert PAPER in str(result.exception)


def test_paragraph_list_fits_the_terminal(env: dict[str, str]) -> None:
    result = run(env, "paragraphs")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    from assistant.core.config import Settings
    from assistant.ingest.corpus import load_documents

    (paper,) = load_documents(Settings(corpus_dir=Path(env["ASSISTANT_CORPUS_DIR"])))
    assert len(lines) == len(paper.units)  # one line per unit
    assert all(line.startswith(PAPER) for line in lines)
    from assistant.cli import _display_width

    assert max(_display_width(line) for line in lines) <= 100
    assert any("16(e)" in line and "…" in line for line in lines)


def test_main_turns_errors_into_a_plain_message(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assistant import cli

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr("sys.argv", ["assistant", "paragraphs", "99(q)"])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no paragraph '99(q)'")
