"""Hostile and broken documents: each is rejected with a clear reason, and the corpus and index stay as they were.

Every case goes through ``add_documents`` (what `assistant add` and the web upload call)
against a corpus whose index is built: after a refusal, every file under the corpus and
index directories is byte-identical. Random inputs come from hypothesis; the named cases
(truncated and encrypted PDFs, zip bombs, deep HTML, a 10 MB line, wrong encodings, a file
that vanishes mid-read) are pinned one by one.
"""

from __future__ import annotations

import hashlib
import io
import os
import resource
import shutil
import struct
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from assistant.core.config import Settings
from assistant.core.errors import AssistantError, CorpusError, DocumentError
from assistant.index.build import ensure_index
from assistant.ingest.corpus import add_documents
from tests.test_readers import FR_PARAS, make_docx, make_pdf

ROOT = Path(__file__).resolve().parent.parent
EXTENSIONS = [".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".text", ".markdown"]
MAGIC = [b"", b"%PDF-1.7\n", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"<html><body>", b"# ", b"\x00\x00\xfe\xff"]


def snapshot(*dirs: Path) -> dict[str, str]:
    """Every file (and symlink target) under the directories, by content hash."""
    out: dict[str, str] = {}
    for d in dirs:
        for p in sorted(d.rglob("*")):
            key = str(p)
            if p.is_symlink():
                out[key] = "-> " + os.readlink(p)
            elif p.is_file():
                out[key] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


class Library:
    """A corpus with a built index, restored after any example that was (rightly) accepted."""

    def __init__(self, base: Path) -> None:
        self.pristine = base / "pristine"
        shutil.copytree(ROOT / "corpus", self.pristine)
        self.settings = Settings(corpus_dir=base / "corpus", index_dir=base / "index", embedder="fake", max_file_mb=20)
        shutil.copytree(self.pristine, self.settings.corpus_dir)
        ensure_index(self.settings)
        self.before = snapshot(self.settings.corpus_dir, self.settings.index_dir)
        self.inbox = base / "inbox"
        self.inbox.mkdir()
        self.tried = 0
        self.accepted = 0

    def add(self, name: str, data: bytes, **settings_changes: object) -> AssistantError | None:
        """Add one file; None if it was accepted (the corpus is then restored), else the error."""
        path = self.inbox / name
        path.write_bytes(data)
        self.tried += 1
        try:
            add_documents(self.settings.with_(**settings_changes), [path])
        except (DocumentError, CorpusError) as exc:
            assert snapshot(self.settings.corpus_dir, self.settings.index_dir) == self.before, f"{name}: refused but changed"
            assert str(path) in str(exc) or name in str(exc), f"the message does not name the file: {exc}"
            assert len(str(exc)) > len(str(path)) + 10, f"no reason given: {exc}"
            assert "Traceback" not in str(exc)
            return exc
        finally:
            path.unlink(missing_ok=True)
        self.accepted += 1
        shutil.rmtree(self.settings.corpus_dir)
        shutil.copytree(self.pristine, self.settings.corpus_dir)
        return None

    def refused(self, name: str, data: bytes, *words: str, **settings_changes: object) -> DocumentError:
        exc = self.add(name, data, **settings_changes)
        assert exc is not None, f"{name} was accepted"
        for w in words:
            assert w in str(exc), f"{w!r} not in {exc}"
        return exc  # type: ignore[return-value]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    return Library(tmp_path_factory.mktemp("docfuzz"))


@pytest.fixture(scope="module")
def good_pdf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_pdf(tmp_path_factory.mktemp("pdf") / "good.pdf", FR_PARAS, heading="Prévention").read_bytes()


@pytest.fixture(scope="module")
def good_docx(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    items = [("1", "Training"), ("", "Harbour staff should learn the signs of trafficking in persons.")]
    return make_docx(tmp_path_factory.mktemp("docx") / "good.docx", items, title="Guidance").read_bytes()


FUZZ = hsettings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


# --- random bytes ---------------------------------------------------------------------------


@FUZZ
@given(magic=st.sampled_from(MAGIC), body=st.binary(min_size=0, max_size=3000), ext=st.sampled_from(EXTENSIONS))
def test_random_bytes_with_a_valid_extension_are_refused_or_read_and_nothing_else(library, magic, body, ext) -> None:
    data = magic + body
    assume(data)
    library.add(f"random{ext}", data)


@FUZZ
@given(
    cut=st.floats(0.0, 0.995),
    flips=st.lists(st.tuples(st.floats(0, 0.999), st.integers(1, 255)), max_size=6),
    kind=st.sampled_from(["pdf", "docx"]),
)
def test_truncated_or_bit_flipped_pdf_and_docx_are_refused_or_read(library, good_pdf, good_docx, cut, flips, kind) -> None:
    good = good_pdf if kind == "pdf" else good_docx
    data = bytearray(good[: max(1, int(len(good) * (1 - cut)))] if cut > 0.01 else good)
    for where, xor in flips:
        data[int(where * len(data))] ^= xor
    library.add(f"damaged.{kind}", bytes(data))


def test_a_pdf_cut_short_at_every_tenth_is_handled(library, good_pdf) -> None:
    for tenth in range(1, 10):
        library.add("cut.pdf", good_pdf[: len(good_pdf) * tenth // 10])


# --- named cases -----------------------------------------------------------------------------


def test_an_encrypted_pdf_is_refused_with_the_fix(library, tmp_path) -> None:
    data = make_pdf(tmp_path / "locked.pdf", FR_PARAS, password="secret").read_bytes()
    library.refused("locked.pdf", data, "encrypted", "unprotected copy")


def test_an_aes_encrypted_pdf_is_refused_with_the_fix(library, tmp_path) -> None:
    from fpdf import FPDF
    from fpdf.enums import EncryptionMethod

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, FR_PARAS[0])
    try:
        pdf.set_encryption(owner_password="o", user_password="u", encryption_method=EncryptionMethod.AES_128)
        data = bytes(pdf.output())
    except Exception as exc:  # fpdf2 needs `cryptography` for AES
        pytest.skip(f"fpdf2 cannot write an AES PDF here ({type(exc).__name__})")
    library.refused("aes.pdf", data, "encrypted")


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_a_docx_zip_bomb_is_refused_without_inflating_it(library) -> None:
    data = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (60 * 1024 * 1024)})
    assert len(data) < 200_000
    started = time.perf_counter()
    library.refused("bomb.docx", data, "zip bomb", max_file_mb=1)
    assert time.perf_counter() - started < 5


def test_a_zip_bomb_that_lies_about_its_size_is_not_inflated(library) -> None:
    """Sizes in the headers say 1 kB; the stream inflates to 120 MB. Reading stops at the declared size."""
    name = b"word/document.xml"
    data = bytearray(_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document>" + b" " * (120 * 1024 * 1024)}))
    for sig, size_at, name_len_at, name_at in ((b"PK\x01\x02", 24, 28, 46), (b"PK\x03\x04", 22, 26, 30)):
        i = data.find(sig)
        while i != -1:
            n = struct.unpack_from("<H", data, i + name_len_at)[0]
            if data[i + name_at : i + name_at + n] == name:
                struct.pack_into("<I", data, i + size_at, 1000)
            i = data.find(sig, i + 4)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    library.refused("liar.docx", bytes(data), "DOCX")
    assert time.perf_counter() - started < 10
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 150 * 1024  # kB: never inflated


def test_a_docx_with_too_many_parts_is_refused(library) -> None:
    members = {f"word/media/x{i}.xml": b"" for i in range(10_050)}
    members["word/document.xml"] = b"<w:document/>"
    library.refused("parts.docx", _zip(members), "parts")


@pytest.mark.parametrize("depth", [5_000, 30_000])
def test_deeply_nested_html_is_refused_with_a_reason(library, depth) -> None:
    data = b"<html><body>" + b"<div><span>" * depth + b"trafficking in persons" + b"</span></div>" * depth + b"</body></html>"
    library.refused("nested.html", data, "nested too deeply")


def test_deep_but_sane_html_is_read(library) -> None:
    data = b"<html><body>" + b"<div>" * 200 + b"<p>Trafficking in persons must be prevented.</p>" + b"</div>" * 200 + b"</body></html>"
    assert library.add("sane.html", data) is None


@pytest.mark.parametrize("unit", ["word ", "贩运人口"])
def test_a_text_file_that_is_one_10mb_line_is_refused(library, unit) -> None:
    data = (unit * (10 * 1024 * 1024 // len(unit.encode()))).encode()
    library.refused("oneline.txt", data, "no line or paragraph break")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf16-no-bom.txt", "Prevention of trafficking in persons.\n\nSecond paragraph.".encode("utf-16-le")),
        ("utf32-no-bom.txt", "Prevention of trafficking.".encode("utf-32-be")),
        ("bad-bom.txt", b"\xff\xfe" + b"\x00\xd8" * 40),
        ("latin1-claims-utf8.html", b'<meta charset="utf-8"><p>' + "Prévention de la traite des êtres humains".encode("latin-1") + b"</p>"),
        ("unknown-charset.html", b'<meta charset="x-klingon"><p>Prevention of trafficking</p>'),
        ("utf7.html", b'<meta charset="utf-7"><p>+ADw-script+AD4-alert(1)+ADw-/script+AD4- prevention</p>'),
        ("ebcdic.txt", "Prevention of trafficking in persons and migrant smuggling.".encode("cp500")),
        ("shift-jis.md", "# 人身取引\n\n人身取引の防止についての文書です。".encode("shift_jis")),
        ("gbk-in-pdf-name.pdf", "预防贩运人口".encode("gbk")),
        ("mixed.txt", b"Prevention " + "预防".encode("gbk") + " trafficking".encode("utf-16")),
    ],
)
def test_a_file_in_a_wrong_or_unexpected_encoding_is_read_or_refused(library, name, data) -> None:
    exc = library.add(name, data)
    if name == "utf7.html" and exc is None:
        pass  # read as UTF-8 text: the markup stays inert text (checked in test_security)


def test_a_file_that_disappears_mid_read_is_refused(library, monkeypatch) -> None:
    import builtins

    real_open = builtins.open

    def vanishing_open(file, mode="r", *args, **kwargs):
        if str(file).endswith("vanishing.txt") and "b" in mode and "r" in mode:
            os.unlink(file)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", vanishing_open)
    library.refused("vanishing.txt", b"Prevention of trafficking in persons.", "disappeared")


def test_a_directory_named_like_a_document_is_refused(library) -> None:
    d = library.inbox / "folder.pdf"
    d.mkdir()
    try:
        with pytest.raises(DocumentError, match="directory"):
            add_documents(library.settings, [d])
    finally:
        d.rmdir()
    assert snapshot(library.settings.corpus_dir, library.settings.index_dir) == library.before


def test_one_bad_file_among_good_ones_adds_nothing(library, good_pdf) -> None:
    good = library.inbox / "fine.pdf"
    good.write_bytes(good_pdf)
    bad = library.inbox / "bad.docx"
    bad.write_bytes(b"PK\x03\x04 not really")
    try:
        with pytest.raises(DocumentError, match="bad.docx"):
            add_documents(library.settings, [good, bad])
    finally:
        good.unlink()
        bad.unlink()
    assert snapshot(library.settings.corpus_dir, library.settings.index_dir) == library.before


def test_the_cli_refuses_bad_files_and_leaves_corpus_and_index_unchanged(library, monkeypatch, capsys) -> None:
    import sys

    from assistant.cli import main

    s = library.settings
    for key, value in (("ASSISTANT_CORPUS_DIR", s.corpus_dir), ("ASSISTANT_INDEX_DIR", s.index_dir), ("ASSISTANT_EMBEDDER", "fake")):
        monkeypatch.setenv(key, str(value))
    cases = {"junk.pdf": os.urandom(2048), "junk.docx": os.urandom(2048), "nul.txt": b"\x00" * 500, "empty.md": b""}
    for name, data in cases.items():
        path = library.inbox / name
        path.write_bytes(data)
        monkeypatch.setattr(sys, "argv", ["assistant", "add", str(path)])
        with pytest.raises(SystemExit) as info:
            main()
        err = capsys.readouterr().err
        assert info.value.code == 2 and err.startswith("error: ") and name in err and "Traceback" not in err
        path.unlink()
    assert snapshot(s.corpus_dir, s.index_dir) == library.before


@pytest.mark.parametrize("kind", ["pdf", "docx"])
def test_hundreds_of_seeded_mutations_of_a_good_file_never_crash_the_reader(good_pdf, good_docx, kind) -> None:
    """Cheaper than going through the corpus, so many more inputs: truncations plus byte flips."""
    import random

    from assistant.ingest.readers import parse_bytes

    good = good_pdf if kind == "pdf" else good_docx
    rng = random.Random(2024)
    outcomes = {"read": 0, "refused": 0}
    for _ in range(300):
        data = bytearray(good)
        if rng.random() < 0.3:
            data = data[: rng.randrange(1, len(data))]
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= rng.randrange(1, 256)
        try:
            parse_bytes(bytes(data), Path(f"mutant.{kind}"), kind)  # type: ignore[arg-type]
            outcomes["read"] += 1
        except DocumentError as exc:
            assert "mutant" in str(exc) and exc.reason
            outcomes["refused"] += 1
    assert outcomes["refused"] > 0
