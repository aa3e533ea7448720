"""PDF: checked with pypdf, read by layout with pdfplumber (``pdf_layout``), OCR for scans."""

from __future__ import annotations

import io
import logging
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.core.errors import DocumentError
from assistant.ingest.readers.base import Block, has_letters
from assistant.ingest.readers.text import TERMINAL, text_blocks

if TYPE_CHECKING:
    from assistant.ingest.layout import Layout

def read_pdf(
    data: bytes, path: Path, max_file_mb: int, lang: str | None = None, recognised: bytes | None = None
) -> tuple[list[Block], str | None, None, int, Layout]:
    """PDF: pypdf checks the file (header, encryption, metadata title); pdfplumber reads the
    characters with their positions and sizes (``pdf_layout``), so running headers, footers
    and footnotes are told from the body. Blocks are the body text of each page regrouped
    into paragraphs (see ``_pdf_blocks``) for documents without UN numbering."""
    from pypdf import PdfReader

    from assistant.ingest.pdf_layout import read_pdf_layout

    if b"%PDF-" not in data[:1024]:
        raise DocumentError(path, "is not a PDF file (no PDF header; corrupt or misnamed)")
    problems = _LogCollector()
    pypdf_logger = logging.getLogger("pypdf")
    pypdf_logger.addHandler(problems)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = bool(reader.decrypt(""))  # PasswordType.NOT_DECRYPTED is 0
            except Exception:  # pypdf needs `cryptography` for AES; either way we cannot open it
                opened = False
            if not opened:
                raise DocumentError(path, "is encrypted (password-protected); save an unprotected copy and add that")
        page_count = len(reader.pages)
        try:
            meta = reader.metadata
            meta_title = meta.title if meta else None
        except Exception:
            meta_title = None
        layout = read_pdf_layout(data, path, lang=lang, recognised=recognised)
        blocks: list[Block] = []
        for page_text in layout.page_texts:
            blocks.extend(_pdf_blocks(page_text))
        if not any(has_letters(b.text) for b in blocks):
            for page in reader.pages:  # its warnings tell a damaged PDF from a scanned one
                page.extract_text()
    except DocumentError:
        raise
    except Exception as exc:  # damaged input makes pypdf raise almost anything (NotImplementedError, zlib.error, ...)
        raise DocumentError(path, f"is a corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from None
    finally:
        pypdf_logger.removeHandler(problems)
    if problems.messages and not any(has_letters(b.text) for b in blocks):
        raise DocumentError(path, f"is a corrupt PDF: no text could be read ({problems.messages[0]})")
    title = layout.metadata.title or (str(meta_title) if meta_title else None)
    return blocks, title, None, page_count, layout


class _LogCollector(logging.Handler):
    """Keeps pypdf's warnings for one read: they tell a damaged PDF from a scanned one."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _pdf_blocks(page_text: str) -> list[Block]:
    """Regroup a page's lines into paragraphs.

    pypdf returns one line per printed line and no blank lines. A paragraph ends at a line
    that closes a sentence and is visibly shorter than the page's full lines; a short line
    without closing punctuation between two paragraphs is taken as a heading. The UN parser
    gets the page text unchanged (it joins these blocks back with blank lines and finds
    numbered paragraphs itself).
    """
    lines = [ln.rstrip() for ln in page_text.replace("\r", "\n").split("\n")]
    if any(not ln.strip() for ln in lines):  # the extractor kept blank lines: trust them
        return text_blocks(page_text)
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        return []
    full = max(_display_len(ln) for ln in lines)
    blocks: list[Block] = []
    current: list[str] = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        short = _display_len(line) < 0.8 * full
        at_para_start = not current
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        unpunctuated = not stripped.endswith(TERMINAL) and not stripped.endswith(",")
        if at_para_start and short and nxt is not None and unpunctuated and len(stripped) <= 80 and has_letters(stripped):
            blocks.append(Block(stripped, "heading", 1))
            continue
        current.append(line)
        if stripped.endswith(TERMINAL) and short:
            blocks.append(Block("\n".join(current)))
            current = []
    if current:
        blocks.append(Block("\n".join(current)))
    return blocks


def _display_len(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in s)
