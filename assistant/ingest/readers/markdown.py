"""Markdown via markdown-it (CommonMark): headings by level, text without markup."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest.readers.base import Block
from assistant.ingest.readers.html import html_fragment_text
from assistant.ingest.readers.text import check_textual, decode_text


def read_md(data: bytes, path: Path, max_file_mb: int) -> tuple[list[Block], str | None, str, None]:
    from markdown_it import MarkdownIt

    text, encoding = decode_text(data, path)
    check_textual(text, path)
    tokens = MarkdownIt("commonmark").parse(text)
    blocks: list[Block] = []
    title: str | None = None
    heading_level: int | None = None
    number: str | None = None  # of the ordered-list item whose first line comes next
    for tok in tokens:
        if tok.type == "list_item_open" and tok.markup in (".", ")") and tok.info:
            # "1. This guidance note…": a numbered paragraph keeps its number, so it is cited
            # as para. 1 (the structure parser reads it), not as a position like s2.p1.
            number = tok.info
        elif tok.type == "heading_open":
            heading_level = int(tok.tag[1:])
        elif tok.type == "heading_close":
            heading_level = None
        elif tok.type == "inline":
            plain = _md_inline_text(tok).strip()
            if not plain:
                continue
            if heading_level is not None:
                if title is None and heading_level == 1:
                    title = plain
                blocks.append(Block(plain, "heading", heading_level))
            else:
                blocks.append(Block(f"{number}. {plain}" if number else plain))
                number = None
        elif tok.type in ("fence", "code_block"):
            blocks.append(Block(tok.content.rstrip("\n")))
        elif tok.type == "html_block":
            inner = html_fragment_text(tok.content)
            if inner:
                blocks.append(Block(inner))
    return blocks, title, encoding, None


def _md_inline_text(tok: object) -> str:
    """Inline children to plain text: markup dropped, image alt text kept, breaks as newlines."""
    parts: list[str] = []
    for child in getattr(tok, "children", None) or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
        elif child.type == "html_inline":
            continue
    return "".join(parts)
