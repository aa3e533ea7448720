"""What every format reader returns: text blocks (headings marked) and the read's record.

The formats the assistant reads, by extension, and the size limits every reader honours,
are defined here too, so the readers and the dispatch in ``readers/__init__`` share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from assistant.core.records import SourceType

if TYPE_CHECKING:
    from assistant.ingest.layout import Layout

BlockKind = Literal["heading", "text"]
# Extension -> source type. The order is the order the error message lists them in.
EXTENSIONS: dict[str, SourceType] = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(EXTENSIONS)
# A DOCX is a zip: its members may unpack to at most this many times the size limit.
ZIP_EXPANSION_FACTOR = 50
ZIP_MAX_MEMBERS = 10_000
# A line longer than this is no paragraph (a one-line dump, a minified file): it cannot be cited.
MAX_LINE_CHARS = 200_000
MB = 1024 * 1024


@dataclass(frozen=True)
class Block:
    """A run of text in reading order: a heading (with its level, 1 = top) or body text.

    Body text keeps the source's line breaks; ``lines`` joins them by script.
    """

    text: str
    kind: BlockKind = "text"
    level: int = 0


@dataclass(frozen=True)
class ReadResult:
    path: Path
    source_type: SourceType
    blocks: tuple[Block, ...]
    title: str | None = None
    encoding: str | None = None  # the detected text encoding (txt, md, html)
    pages: int | None = None  # PDF page count
    sha256: str = ""  # of the bytes that were parsed
    size: int = 0
    layout: Layout | None = None  # PDF, DOCX: body lines, footnotes and masthead metadata by layout

    @property
    def text(self) -> str:
        """The whole text, blocks separated by blank lines (what the UN parser reads)."""
        return "\n\n".join(b.text for b in self.blocks)


def has_letters(text: str) -> bool:
    return any(c.isalpha() for c in text)
