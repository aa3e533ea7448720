"""Format readers, heading-based sections and language detection: no corpus, no index."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from assistant.core.errors import DocumentError
from assistant.ingest import readers
from assistant.ingest.langid import detect_language
from assistant.ingest.readers import Block, read_file
from assistant.ingest.sections import split_sections

FIXTURES = Path(__file__).parent / "fixtures"

FR_PARAS = [
    "Le Groupe de travail souhaitera peut-être examiner les mesures de prévention du crime, "
    "y compris l'élaboration de stratégies nationales de prévention fondées sur des données.",
    "Les campagnes de sensibilisation devraient viser les personnes les plus exposées au risque "
    "de traite, notamment les enfants et les travailleurs migrants.",
]


def make_pdf(path: Path, paragraphs: list[str], *, heading: str | None = None, password: str | None = None) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    # A core font (Latin-1) is enough for English and French and keeps the test fast; no
    # CJK font is installed here, so the Chinese path is covered by the text fixtures.
    pdf.set_font("helvetica", size=11)
    if heading:
        pdf.multi_cell(0, 7, heading)
        pdf.ln(3)
    for para in paragraphs:
        pdf.multi_cell(0, 6, para)
        pdf.ln(3)
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    pdf.output(str(path))
    return path


def make_docx(path: Path, items: list[tuple[str, str]], *, title: str | None = None) -> Path:
    """items: (style, text); style "" is a body paragraph, "1"/"2" a heading level."""
    import docx

    document = docx.Document()
    if title:
        document.add_heading(title, level=0)  # the "Title" style
    for style, text in items:
        if style:
            document.add_heading(text, level=int(style))
        else:
            document.add_paragraph(text)
    document.save(str(path))
    return path


def reason(exc_info: pytest.ExceptionInfo[DocumentError]) -> str:
    return exc_info.value.reason


# --- formats that read -----------------------------------------------------------------


def test_utf8_text_with_bom_reads_and_reports_encoding(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_bytes("\ufeffPrevention works.\n\nSecond passage here.".encode("utf-8"))
    result = read_file(p)
    assert result.encoding == "utf-8"
    assert [b.text for b in result.blocks] == ["Prevention works.", "Second passage here."]
    assert not result.text.startswith("\ufeff")


def test_gbk_text_reads_correctly(tmp_path: Path) -> None:
    text = "一. 导言\n\n本背景文件由秘书处编写，旨在便利贩运人口问题工作组开展讨论。"
    p = tmp_path / "gbk.txt"
    p.write_bytes(text.encode("gbk"))
    result = read_file(p)
    assert result.encoding in ("gbk", "gb18030", "gb2312")
    assert "本背景文件由秘书处编写" in result.text
    assert detect_language(result.text) == "zh"


def test_short_gbk_text_is_not_taken_for_big5(tmp_path: Path) -> None:
    p = tmp_path / "short.txt"
    p.write_bytes("短文本".encode("gbk"))
    assert read_file(p).text == "短文本"


def test_utf16_text_with_bom_reads_correctly(tmp_path: Path) -> None:
    p = tmp_path / "u16.txt"
    p.write_bytes("Что говорится о профилактике?\n\nВторой абзац.".encode("utf-16"))
    result = read_file(p)
    assert result.encoding == "utf-16"
    assert result.blocks[0].text == "Что говорится о профилактике?"


def test_cp1252_french_keeps_its_accents(tmp_path: Path) -> None:
    p = tmp_path / "fr.txt"
    p.write_bytes(" ".join(FR_PARAS).encode("cp1252"))
    result = read_file(p)
    assert "peut-être" in result.text and "élaboration" in result.text


def test_plain_text_short_unpunctuated_line_is_a_heading(tmp_path: Path) -> None:
    p = tmp_path / "h.txt"
    p.write_text("Awareness campaigns\n\nCampaigns should be targeted.\n\nThey work.", encoding="utf-8")
    blocks = read_file(p).blocks
    assert blocks[0] == Block("Awareness campaigns", "heading", 1)
    assert blocks[1].kind == "text"


def test_markdown_headings_and_plain_inline_text() -> None:
    result = read_file(FIXTURES / "notes.md")
    headings = [(b.level, b.text) for b in result.blocks if b.kind == "heading"]
    assert headings == [(1, "Field notes on prevention"), (2, "Awareness campaigns"), (3, "Schools"), (2, "Data")]
    assert result.title == "Field notes on prevention"
    body = result.blocks[3].text
    assert "targeted" in body and "*" not in body and "](" not in body and "guidance" in body


def test_html_drops_script_style_nav_and_keeps_no_markup(tmp_path: Path) -> None:
    p = tmp_path / "page.html"
    p.write_text(
        "<html><head><title>Prevention page</title><style>p{color:red}</style>"
        "<script>alert('x')</script></head><body><nav><a href='/'>Home</a> Menu</nav>"
        "<h1>Main heading</h1><p>First <b>bold</b> passage.<script>evil()</script></p>"
        "<!-- a comment --><h2>Sub</h2><ul><li>Item one</li><li>Item two</li></ul></body></html>",
        encoding="utf-8",
    )
    result = read_file(p)
    assert result.title == "Prevention page"
    assert [(b.kind, b.text) for b in result.blocks] == [
        ("heading", "Main heading"),
        ("text", "First bold passage."),
        ("heading", "Sub"),
        ("text", "Item one"),
        ("text", "Item two"),
    ]
    for junk in ("alert", "evil", "color", "Home", "Menu", "comment", "<"):
        assert junk not in result.text


def test_html_declared_charset_is_honoured(tmp_path: Path) -> None:
    p = tmp_path / "gbk.html"
    p.write_bytes('<html><head><meta charset="gbk"></head><body><h1>导言</h1><p>短文本。</p></body></html>'.encode("gbk"))
    result = read_file(p)
    assert result.encoding == "gb18030"
    assert [b.text for b in result.blocks] == ["导言", "短文本。"]


def test_pdf_text_is_read_per_page(tmp_path: Path) -> None:
    p = make_pdf(tmp_path / "fr.pdf", FR_PARAS, heading="Prévention du crime")
    result = read_file(p)
    assert result.pages == 1
    assert "peut-être" in result.text
    assert "travailleurs migrants" in result.text.replace("\n", " ")


def test_docx_styles_give_title_and_headings(tmp_path: Path) -> None:
    p = make_docx(
        tmp_path / "d.docx",
        [("1", "Introduction"), ("", "First passage."), ("2", "Details"), ("", "Second passage.")],
        title="A test paper",
    )
    result = read_file(p)
    assert result.title == "A test paper"
    assert [(b.kind, b.level, b.text) for b in result.blocks] == [
        ("heading", 1, "Introduction"),
        ("text", 0, "First passage."),
        ("heading", 2, "Details"),
        ("text", 0, "Second passage."),
    ]


# --- bad input: each a DocumentError naming the file and the reason ------------------------


def test_empty_file_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    with pytest.raises(DocumentError, match="empty") as exc:
        read_file(p)
    assert str(p) in str(exc.value)


def test_unsupported_extension_lists_supported_ones(tmp_path: Path) -> None:
    p = tmp_path / "paper.rtf"
    p.write_text("{\\rtf1 hello}")
    with pytest.raises(DocumentError) as exc:
        read_file(p)
    assert "'.rtf'" in reason(exc) and ".pdf" in reason(exc) and ".docx" in reason(exc) and ".txt" in reason(exc)


def test_file_over_size_limit_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    p.write_bytes(b"a" * (1024 * 1024 + 1))
    with pytest.raises(DocumentError, match="over the 1 MB limit"):
        read_file(p, max_file_mb=1)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="not found"):
        read_file(tmp_path / "nope.txt")


def test_file_vanishing_mid_read_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "gone.txt"
    p.write_text("Some text that will vanish.")
    real_getsize = os.path.getsize

    def getsize_then_delete(path: object) -> int:
        size = real_getsize(path)  # type: ignore[arg-type]
        os.unlink(path)  # type: ignore[arg-type]
        return size

    monkeypatch.setattr(readers.os.path, "getsize", getsize_then_delete)
    with pytest.raises(DocumentError, match="disappeared"):
        read_file(p)


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
def test_binary_junk_with_a_text_extension_is_refused(tmp_path: Path, suffix: str) -> None:
    p = tmp_path / f"junk{suffix}"
    p.write_bytes(bytes(range(256)) * 8 + os.urandom(2048))
    with pytest.raises(DocumentError, match="binary"):
        read_file(p)


def test_binary_junk_named_pdf_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "junk.pdf"
    p.write_bytes(os.urandom(4096))
    with pytest.raises(DocumentError, match="not a PDF"):
        read_file(p)


def test_binary_junk_named_docx_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "junk.docx"
    p.write_bytes(b"\x00\x01garbage" + os.urandom(4096))
    with pytest.raises(DocumentError, match="not a valid DOCX"):
        read_file(p)


def test_corrupt_pdf_is_refused(tmp_path: Path) -> None:
    good = make_pdf(tmp_path / "good.pdf", FR_PARAS).read_bytes()
    p = tmp_path / "corrupt.pdf"
    p.write_bytes(good[:40] + os.urandom(300) + b"\n%%EOF")
    with pytest.raises(DocumentError, match="corrupt") as exc:
        read_file(p)
    assert str(p) in str(exc.value)


def test_pdf_with_damaged_content_streams_is_called_corrupt(tmp_path: Path) -> None:
    good = make_pdf(tmp_path / "good.pdf", FR_PARAS).read_bytes()
    start = good.index(b"stream") + len(b"stream\n")
    p = tmp_path / "damaged.pdf"
    p.write_bytes(good[:start] + bytes(200) + good[start + 200 :])
    with pytest.raises(DocumentError, match="corrupt PDF"):
        read_file(p)


def test_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    p = make_pdf(tmp_path / "locked.pdf", FR_PARAS, password="secret")
    with pytest.raises(DocumentError, match="encrypted"):
        read_file(p)


def test_pdf_without_text_says_so(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50)
    p = tmp_path / "scan.pdf"
    pdf.output(str(p))
    with pytest.raises(DocumentError, match="no extractable text"):
        read_file(p)


def test_corrupt_docx_xml_is_refused(tmp_path: Path) -> None:
    good = make_docx(tmp_path / "good.docx", [("", "Text.")])
    p = tmp_path / "broken.docx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(p, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                data = b"<w:document this is not xml"
            dst.writestr(info, data)
    with pytest.raises(DocumentError, match="corrupt DOCX"):
        read_file(p)


def test_truncated_docx_is_refused(tmp_path: Path) -> None:
    good = make_docx(tmp_path / "good.docx", [("", "Text.")]).read_bytes()
    p = tmp_path / "cut.docx"
    p.write_bytes(good[: len(good) // 2])
    with pytest.raises(DocumentError, match="DOCX"):
        read_file(p)


def test_docx_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    p = tmp_path / "bomb.docx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w") as member:
            zero = b"\0" * (1024 * 1024)
            for _ in range(51):  # 51 MB unpacked > 50 x 1 MB
                member.write(zero)
    p.write_bytes(buf.getvalue())
    assert p.stat().st_size < 1024 * 1024
    with pytest.raises(DocumentError, match="zip bomb"):
        read_file(p, max_file_mb=1)


@pytest.mark.parametrize("content", ["   \n\n\t  \n", "12 345\n\n6.78 -- 90 %\n"])
def test_text_without_letters_is_refused(tmp_path: Path, content: str) -> None:
    p = tmp_path / "numbers.txt"
    p.write_text(content)
    with pytest.raises(DocumentError, match="no recognisable text"):
        read_file(p)


# --- sections ------------------------------------------------------------------------------


def test_sections_give_positional_ids_and_heading_paths() -> None:
    units = split_sections(read_file(FIXTURES / "notes.md").blocks, "notes")
    got = [(u.unit_id, u.section, u.kind) for u in units]
    assert got == [
        ("s1.p1", ("Field notes on prevention",), "passage"),
        ("s2.p1", ("Field notes on prevention", "Awareness campaigns"), "passage"),
        ("s2.p2", ("Field notes on prevention", "Awareness campaigns"), "passage"),
        ("s3.p1", ("Field notes on prevention", "Awareness campaigns", "Schools"), "passage"),
        ("s4.p1", ("Field notes on prevention", "Data"), "passage"),
    ]
    assert [u.order for u in units] == list(range(5))
    # lines of one paragraph are joined with a space; markup is gone
    assert units[1].text.startswith("Campaigns work best when they are targeted at people at risk, as the guidance")


def test_text_before_the_first_heading_is_section_zero() -> None:
    blocks = [Block("Preface text."), Block("Head", "heading", 1), Block("Body one."), Block("Body two.")]
    assert [u.unit_id for u in split_sections(blocks, "d")] == ["s0.p1", "s1.p1", "s1.p2"]


def test_long_passages_stay_whole() -> None:
    long = "word " * 3000
    units = split_sections([Block(long)], "d")
    assert len(units) == 1 and units[0].text == long.strip()


def test_cjk_lines_join_without_spaces() -> None:
    units = split_sections([Block("本背景文件由秘书处编写，旨在便利讨\n论。")], "d")
    assert units[0].text == "本背景文件由秘书处编写，旨在便利讨论。"


# --- language ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("文件对提高认识活动有何建议？", "zh"),
        ("UNODC 的《预防犯罪准则》说了什么？", "zh"),
        ("Что говорится о повышении осведомленности?", "ru"),
        ("ماذا تقول الورقة عن حملات التوعية؟", "ar"),
        ("What does the paper recommend on awareness-raising campaigns?", "en"),
        ("Que recommande le document sur les campagnes de sensibilisation ?", "fr"),
        ("¿Qué recomienda el documento sobre las campañas de sensibilización?", "es"),
        ("12345 ... 67", "en"),
        ("", "en"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang

