"""Format readers: a file's bytes in, plain text blocks out (headings marked), nothing else.

Every reader works on bytes read once, so a file that changes or vanishes after the size
check cannot make the parse and the stored copy disagree. Each failure is a
``DocumentError`` naming the file and the reason in words a user can act on.

One module per format (``text``, ``markdown``, ``html``, ``pdf``, ``docx``), each with a
``read_<format>`` function; ``base`` holds what they return. A new format is a module
here, its extensions in ``base.EXTENSIONS`` and its reader called from ``parse_bytes``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.core.errors import DocumentError
from assistant.core.records import SourceType
from assistant.ingest.readers.base import (
    EXTENSIONS,
    MAX_LINE_CHARS,
    MB,
    SUPPORTED_EXTENSIONS,
    Block,
    BlockKind,
    ReadResult,
    has_letters,
)
from assistant.ingest.readers.docx import read_docx
from assistant.ingest.readers.html import read_html
from assistant.ingest.readers.markdown import read_md
from assistant.ingest.readers.pdf import read_pdf
from assistant.ingest.readers.text import decode_text, read_txt

if TYPE_CHECKING:
    from assistant.ingest.layout import Layout

__all__ = [
    "EXTENSIONS", "SUPPORTED_EXTENSIONS", "Block", "BlockKind", "ReadResult", "decode_text", "parse_bytes", "read_bytes",
    "read_file", "source_type_for",
]

def source_type_for(path: str | os.PathLike[str]) -> SourceType:
    """The format of a file, from its extension; an unsupported one is a ``DocumentError``."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext in EXTENSIONS:
        return EXTENSIONS[ext]
    hint = ""
    if ext == ".doc":
        hint = " (save the file as .docx first)"
    elif ext in (".rtf", ".odt", ".pages"):
        hint = " (save or export the file as .docx or .pdf first)"
    shown = f"'{ext}'" if ext else "with no extension"
    raise DocumentError(
        p, f"unsupported file type {shown}{hint}; supported: {', '.join(SUPPORTED_EXTENSIONS)}"
    )


def read_bytes(path: str | os.PathLike[str], *, max_file_mb: int) -> bytes:
    """The file's bytes, refusing missing, empty and oversized files with a plain reason."""
    p = Path(path)
    limit = max_file_mb * MB
    try:
        size = os.path.getsize(p)
    except FileNotFoundError:
        raise DocumentError(p, "file not found") from None
    except OSError as exc:
        raise DocumentError(p, f"cannot be read ({exc.strerror or exc})") from None
    if p.is_dir():
        raise DocumentError(p, "is a directory, not a file")
    if size > limit:
        raise DocumentError(
            p, f"is {size / MB:.1f} MB, over the {max_file_mb} MB limit (ASSISTANT_MAX_FILE_MB)"
        )
    try:
        with open(p, "rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise DocumentError(p, "disappeared while it was being read; check the file and try again") from None
    except OSError as exc:
        raise DocumentError(p, f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:  # it grew after the size check
        raise DocumentError(p, f"is over the {max_file_mb} MB limit (ASSISTANT_MAX_FILE_MB)")
    if not data:
        raise DocumentError(p, "is empty")
    return data


def read_file(path: str | os.PathLike[str], *, max_file_mb: int = 20, lang: str | None = None) -> ReadResult:
    """Read a supported file into text blocks; see ``parse_bytes``."""
    p = Path(path)
    source_type = source_type_for(p)
    data = read_bytes(p, max_file_mb=max_file_mb)
    return parse_bytes(data, p, source_type, max_file_mb=max_file_mb, lang=lang)


def parse_bytes(
    data: bytes, path: str | os.PathLike[str], source_type: SourceType, *, max_file_mb: int = 20,
    lang: str | None = None, recognised: bytes | None = None,
) -> ReadResult:
    """Turn a file's bytes into blocks with the reader for its format.

    ``lang`` (when known) picks the OCR language for scanned PDF pages; ``recognised`` is
    their stored OCR (``Layout.ocr_record``), which spares running it again.
    """
    p = Path(path)
    if not data:
        raise DocumentError(p, "is empty")
    layout: Layout | None = None
    pages: int | None = None
    encoding: str | None
    read: list[Block]
    # PDF and DOCX are read by layout as well: UN numbering, footnotes, masthead.
    if source_type == "pdf":
        read, title, encoding, pages, layout = read_pdf(data, p, max_file_mb, lang, recognised)
    elif source_type == "docx":
        read, title, encoding, pages, layout = read_docx(data, p, max_file_mb)
    else:
        parser: Callable[[bytes, Path, int], tuple[list[Block], str | None, str | None, None]]
        parser = {"txt": read_txt, "md": read_md, "html": read_html}[source_type]
        read, title, encoding, pages = parser(data, p, max_file_mb)
    blocks = tuple(b for b in read if b.text.strip())
    if not any(has_letters(b.text) for b in blocks):
        if source_type == "pdf":
            reason = "has no extractable text (no text layer, and OCR found none on its page images)"
        else:
            reason = "contains no recognisable text (only whitespace, digits or symbols)"
        raise DocumentError(p, reason)
    longest = max(len(line) for b in blocks for line in b.text.split("\n"))
    if longest > MAX_LINE_CHARS:  # one unit would be the citation, the quote and the excerpt
        raise DocumentError(
            p, f"has a line of {longest:,} characters with no line or paragraph break (the limit is {MAX_LINE_CHARS:,}); "
            "split it into paragraphs and add it again",
        )
    return ReadResult(
        path=p,
        source_type=source_type,
        blocks=blocks,
        title=title.strip() if title and title.strip() else None,
        encoding=encoding,
        pages=pages,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        layout=layout,
    )
