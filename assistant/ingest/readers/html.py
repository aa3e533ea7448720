"""HTML via BeautifulSoup and lxml: text only, never markup; h1-h6 are headings."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.core.errors import DocumentError
from assistant.ingest.readers.base import Block
from assistant.ingest.readers.text import BOMS, check_textual, decode_text

_HTML_DROP = ["script", "style", "nav", "noscript", "template", "iframe", "svg", "canvas", "object", "embed", "head"]
_HTML_BLOCK = {
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hr", "li", "main", "ol",
    "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "br",
}


def read_html(data: bytes, path: Path, max_file_mb: int) -> tuple[list[Block], str | None, str | None, None]:
    """HTML via BeautifulSoup + lxml: text only, never markup; scripts, styles and navigation dropped."""
    from bs4 import BeautifulSoup, NavigableString, Tag
    from bs4.element import CData, Comment, Declaration, Doctype, ProcessingInstruction

    text, encoding = _decode_html(data, path)
    check_textual(text, path)
    soup = BeautifulSoup(text, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup(_HTML_DROP):
        tag.decompose()

    blocks: list[Block] = []
    buf: list[str] = []

    def flush() -> None:
        joined = re.sub(r"[ \t\r\n\xa0]+", " ", "".join(buf)).strip()
        buf.clear()
        if joined:
            blocks.append(Block(joined))

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, (Comment, Declaration, Doctype, ProcessingInstruction, CData)):
                continue
            if isinstance(child, NavigableString):
                buf.append(str(child))
            elif isinstance(child, Tag):
                name = child.name.lower()
                if re.fullmatch(r"h[1-6]", name):
                    flush()
                    heading = child.get_text(" ", strip=True)
                    if heading:
                        blocks.append(Block(heading, "heading", int(name[1])))
                elif name in _HTML_BLOCK:
                    flush()
                    walk(child)
                    flush()
                else:
                    walk(child)

    try:
        walk(soup)
    except RecursionError:  # thousands of nested elements: no real page, and no stack to read it with
        raise DocumentError(path, "is HTML nested too deeply to read (thousands of elements inside each other)") from None
    flush()
    if not title:
        title = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), None)
    return blocks, title, encoding, None


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _decode_html(data: bytes, path: Path) -> tuple[str, str]:
    """A BOM or valid UTF-8 first, then the page's own ``<meta charset>``, then detection."""
    if not any(data.startswith(bom) for bom, _ in BOMS):
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        m = _META_CHARSET.search(data[:8192])
        if m:
            import codecs

            declared = m.group(1).decode("ascii", "ignore").lower()
            try:
                name = codecs.lookup(declared).name
                if name in ("gbk", "gb2312"):
                    name = "gb18030"  # a superset: browsers read GBK pages this way too
                return data.decode(name), name
            except (LookupError, UnicodeDecodeError):
                pass
    return decode_text(data, path)


def html_fragment_text(fragment: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(fragment, "lxml")
    for tag in soup(_HTML_DROP):
        tag.decompose()
    return soup.get_text(" ", strip=True)
