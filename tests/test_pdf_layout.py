"""Layout-aware PDF reading of UN-layout documents, against the generator's gold units.

Each test generates a small document (a few pages) with tests/un_layout.py; the 40-page set
is measured by benchmarks/un_layout.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import un_layout

from assistant.core.config import Settings
from assistant.core.errors import DocumentError
from assistant.ingest.corpus import add_documents, load_documents
from assistant.ingest.parse import read_document
from assistant.ingest.structure import LaidOutLine, LaidOutNote, parse_un_lines


def _assert_matches_gold(score: un_layout.Score) -> None:
    assert score.mismatches == ()
    assert score.exact_share == 1.0
    assert score.extra_units == ()
    assert score.furniture_leaks == ()
    assert score.footnote_leaks == ()
    assert score.footnotes_found == score.footnotes_gold > 0
    assert score.sections_right == score.sections_gold
    assert all(score.metadata.values()), score.metadata


@pytest.mark.parametrize("lang", ["en", "fr", "zh"])
def test_un_pdf_reads_into_its_gold_units(tmp_path: Path, lang: str) -> None:
    path = tmp_path / f"doc-{lang}.pdf"
    gold = un_layout.make_un_pdf(path, lang=lang, n_paras=16, n_sections=3, seed=2)  # type: ignore[arg-type]
    # the features the reader must survive are really in the document
    assert gold.pages >= 3
    assert any(u.startswith("fn") for u in gold.crossing), "a footnote continues onto the next page"
    assert any(not u.startswith("fn") for u in gold.crossing), "a paragraph or sub-item crosses a page"
    doc = read_document(path, lang=lang)
    _assert_matches_gold(un_layout.score(doc, gold))


def test_heading_ii_sits_beside_i_and_sub_headings_under_it(tmp_path: Path) -> None:
    path = tmp_path / "doc.pdf"
    un_layout.make_un_pdf(path, lang="en", n_paras=14, n_sections=2, seed=3)
    doc = read_document(path, lang="en")
    tops = {u.section[0] for u in doc.units if u.section}
    assert tops == {"I. Introduction", "II. Recommendations of earlier meetings"}
    assert any(len(u.section) == 2 and u.section[1].startswith("A. ") for u in doc.units)


def test_page_one_metadata_reaches_the_manifest(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "guide.pdf"
    gold = un_layout.make_un_pdf(path, lang="fr", n_paras=6, n_sections=2, seed=4)
    [doc] = add_documents(settings, [path], lang="fr")
    entry = next(e for e in json.loads((settings.corpus_dir / "manifest.json").read_text())["documents"]
                 if e["doc_id"] == doc.doc_id)
    assert entry["title"] == gold.title
    assert entry["symbol"] == gold.symbol
    assert entry["date"] == "2026-03-12"
    assert entry["original_lang"] == "en"
    assert entry["agenda_item"] == gold.agenda_item
    reloaded = next(d for d in load_documents(settings) if d.doc_id == doc.doc_id)
    assert dict(reloaded.meta)["agenda_item"] == gold.agenda_item


def test_scanned_page_is_read_by_ocr_and_flagged(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "scan.pdf"
    gold = un_layout.make_un_pdf(path, lang="en", n_paras=3, n_sections=1, seed=5, scanned_paras=2)
    assert gold.scanned_pages == (gold.pages,)
    [doc] = add_documents(settings, [path], lang="en")
    score = un_layout.score(doc, gold)
    assert score.ocr_accuracy is not None and score.ocr_accuracy >= 0.95
    assert score.ocr_flagged and score.furniture_leaks == ()
    entry = next(e for e in json.loads((settings.corpus_dir / "manifest.json").read_text())["documents"]
                 if e["doc_id"] == doc.doc_id)
    ocr_ids = [u.unit_id for u in gold.units if u.ocr]
    assert entry["ocr_units"] == ocr_ids
    # recognised once: loading reads the stored OCR, so the cited text cannot drift
    assert (settings.corpus_dir / entry["ocr_file"]).is_file()
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "no-tesseract"))
    reloaded = next(d for d in load_documents(settings) if d.doc_id == doc.doc_id)
    assert [(u.unit_id, u.text) for u in reloaded.units] == [(u.unit_id, u.text) for u in doc.units]
    assert reloaded.ocr_units == tuple(ocr_ids)


def test_paragraphs_command_and_sources_panel_show_masthead_and_ocr(
    tmp_path: Path, settings: Settings, cli_env: dict[str, str]
) -> None:
    from typer.testing import CliRunner

    from assistant.cli import app
    from assistant.web import render as webui

    path = tmp_path / "scan.pdf"
    gold = un_layout.make_un_pdf(path, lang="en", n_paras=3, n_sections=1, seed=6, scanned_paras=1)
    [doc] = add_documents(settings, [path], lang="en")
    ocr_id = next(u.unit_id for u in gold.units if u.ocr)
    shown = CliRunner().invoke(app, ["paragraphs", ocr_id, "--doc", doc.doc_id], env=cli_env)
    assert shown.exit_code == 0, shown.output
    assert f"{gold.symbol} · 2026-03-12 · original: en · {gold.agenda_item}" in shown.output
    assert "OCR text" in shown.output
    as_json = json.loads(CliRunner().invoke(app, ["paragraphs", ocr_id, "--doc", doc.doc_id, "--json"], env=cli_env).output)
    assert as_json["ocr"] is True and as_json["document"]["symbol"] == gold.symbol
    assert json.loads(CliRunner().invoke(app, ["paragraphs", "1", "--doc", doc.doc_id, "--json"], env=cli_env).output).get("ocr") is None
    listed = CliRunner().invoke(app, ["paragraphs", "--doc", doc.doc_id], env=cli_env).output.splitlines()
    assert listed[0].startswith(gold.title) and gold.symbol in listed[0]
    assert sum("[OCR]" in line for line in listed) == 1
    html = webui.sources_html(doc.unit(ocr_id), "en", doc_title=doc.title, masthead=doc.masthead(), ocr=doc.is_ocr(ocr_id))
    assert gold.symbol in html and "scanned page" in html


def test_scanned_page_without_tesseract_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pytesseract

    path = tmp_path / "scan.pdf"
    un_layout.make_un_pdf(path, lang="en", n_paras=3, n_sections=1, seed=5, scanned_paras=1)
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "no-tesseract"))
    with pytest.raises(DocumentError, match=r"page \d+ is a scanned image .* Tesseract OCR is not installed"):
        read_document(path, lang="en")


def test_body_type_line_starting_with_a_capital_is_no_heading() -> None:
    lines = [
        LaidOutLine("I. Introduction", heading=True),
        LaidOutLine("1. The study was edited by"),
        LaidOutLine("A. Smith and others in 2019.", markers=("1",)),
        LaidOutLine("2. Second paragraph."),
    ]
    parsed = parse_un_lines(lines, [LaidOutNote("1", "A note.", after_line=4)], "d", "en")
    units = {u.unit_id: u for u in parsed.units}
    assert units["1"].text == "The study was edited by A. Smith and others in 2019."
    assert units["1"].footnotes == ("fn1",)
    assert units["2"].section == ("I. Introduction",)
    assert units["fn1"].text == "A note."


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_word_numbering_and_footnotes_give_the_units(tmp_path: Path, lang: str) -> None:
    path = tmp_path / f"doc-{lang}.docx"
    gold = un_layout.make_un_docx(path, lang=lang, n_paras=12, n_sections=2)  # type: ignore[arg-type]
    # no number is typed: they all come from numbering.xml
    assert "1. " not in path.read_bytes().decode("latin-1")
    doc = read_document(path, lang=lang)
    _assert_matches_gold(un_layout.score(doc, gold))


def test_english_pdf_of_a_chinese_document_is_linked_by_its_symbol(tmp_path: Path, settings: Settings) -> None:
    from assistant.ingest.lookup import aligned_unit

    zh, en = tmp_path / "paper.zh.pdf", tmp_path / "paper.en.pdf"
    zh_gold = un_layout.make_un_pdf(zh, lang="zh", n_paras=6, n_sections=2, seed=8)
    en_gold = un_layout.make_un_pdf(en, lang="en", n_paras=6, n_sections=2, seed=8)
    assert zh_gold.symbol == en_gold.symbol
    [zh_doc] = add_documents(settings, [zh], lang="zh")
    [en_doc] = add_documents(settings, [en], lang="en")
    assert en_doc.parallel_of == zh_doc.doc_id
    docs = load_documents(settings)
    got = aligned_unit(docs, zh_doc.doc_id, "2(a)", "en")
    assert got is not None and got.doc_id == en_doc.doc_id
    assert got.text == next(u.text for u in en_gold.units if u.unit_id == "2(a)")


def test_bold_words_filling_a_line_of_running_text_are_no_heading() -> None:
    from assistant.ingest.pdf_layout import Row, _is_heading

    body = Row("the Protocol states that", 2, 70.0, 100.0, 110.0, 10.0, False)
    bold = Row("States Parties shall", 2, 70.0, 114.0, 124.0, 10.0, True)
    spaced = Row("Good practices", 2, 70.0, 134.0, 144.0, 10.0, True)
    assert not _is_heading(bold, body, 10.0, 4.0)
    assert _is_heading(spaced, bold, 10.0, 4.0)


def test_tesseract_chinese_habits_are_undone() -> None:
    from assistant.ingest.ocr import _tidy

    assert _tidy("4。 监测 为 风险 供应 链 2019 年") == "4. 监测为风险供应链 2019 年"
    assert _tidy("6 宣传 活动") == "6. 宣传活动"
    assert _tidy("45 migrants were") == "45 migrants were"  # Latin text keeps its numbers as they are
