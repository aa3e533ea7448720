"""DOCX via python-docx: heading styles give the structure; ``docx_layout`` reads numbering
and footnotes. The zip is checked before it is opened, so a zip bomb is never inflated."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.errors import DocumentError
from assistant.ingest.readers.base import MB, ZIP_EXPANSION_FACTOR, ZIP_MAX_MEMBERS, Block

if TYPE_CHECKING:
    from assistant.ingest.layout import Layout

def read_docx(
    data: bytes, path: Path, max_file_mb: int
) -> tuple[list[Block], str | None, None, None, Layout]:
    """DOCX via python-docx; paragraph styles "Heading N" and "Title" give the structure, and
    ``docx_layout`` resolves Word's automatic numbering and reads the footnotes part.

    The zip's declared uncompressed sizes are checked before python-docx opens it, so a zip
    bomb is refused without being inflated.
    """
    _check_package(data, path, max_file_mb)

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    from assistant.ingest.docx_layout import docx_layout

    try:
        document = docx.Document(io.BytesIO(data))
        blocks, title = _docx_blocks(document)
        if title is None:
            core_title = document.core_properties.title
            title = core_title or None
        layout = docx_layout(document)
    except DocumentError:
        raise
    except (
        PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, OSError, AttributeError,
        zlib.error, NotImplementedError, EOFError, RecursionError,  # damaged deflate streams, odd zip features
    ) as exc:
        raise DocumentError(path, f"is a corrupt DOCX file ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # lxml.etree.XMLSyntaxError and friends from a damaged package
        if type(exc).__module__.startswith("lxml"):
            raise DocumentError(path, f"is a corrupt DOCX file (damaged XML: {exc})") from None
        raise
    return blocks, title, None, None, layout


def _check_package(data: bytes, path: Path, max_file_mb: int) -> None:
    """Refuse what is no Word package, or would unpack far beyond any real document."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DocumentError(path, "is not a valid DOCX file (not a zip archive; corrupt or misnamed)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
        raise DocumentError(path, f"is a corrupt DOCX file ({exc})") from None
    limit = ZIP_EXPANSION_FACTOR * max_file_mb * MB
    if len(infos) > ZIP_MAX_MEMBERS:
        raise DocumentError(path, f"has {len(infos)} parts inside, far more than any Word document (a zip bomb or a damaged file)")
    if total > limit:
        raise DocumentError(
            path,
            f"unpacks to {total / MB:.0f} MB, over the {limit // MB} MB safety limit (a zip bomb or a damaged file)",
        )
    if "word/document.xml" not in names:
        raise DocumentError(path, "is not a Word document (no word/document.xml inside; corrupt or misnamed)")


def _docx_blocks(document: Any) -> tuple[list[Block], str | None]:
    """The body's paragraphs and table rows in order, and the paragraph styled "Title"."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks: list[Block] = []
    title: str | None = None
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, document)
            text = para.text.strip()
            if not text:
                continue
            style = (para.style.name if para.style is not None else "") or ""
            level = _docx_heading_level(style)
            if style == "Title":
                if title is None:
                    title = text
                continue
            if level:
                blocks.append(Block(text, "heading", level))
            else:
                blocks.append(Block(para.text))
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    t = cell.text.strip()
                    if t and (not cells or cells[-1] != t):  # merged cells repeat
                        cells.append(t)
                if cells:
                    blocks.append(Block(" | ".join(cells)))
    return blocks, title


def _docx_heading_level(style: str) -> int:
    m = re.fullmatch(r"(?:Heading|heading|标题)\s*(\d)", style.strip())
    return int(m.group(1)) if m else 0
