"""Format readers: a file's bytes in, plain text blocks out (headings marked), nothing else.

Every reader works on bytes read once, so a file that changes or vanishes after the size
check cannot make the parse and the stored copy disagree. Each failure is a
``DocumentError`` naming the file and the reason in words a user can act on.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from assistant.core.records import SourceType
from assistant.core.errors import DocumentError
from assistant.core.text import is_cjk_punct, is_han

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
    layout: "Layout | None" = None  # PDF, DOCX: body lines, footnotes and masthead metadata by layout

    @property
    def text(self) -> str:
        """The whole text, blocks separated by blank lines (what the UN parser reads)."""
        return "\n\n".join(b.text for b in self.blocks)


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
    layout = None
    if source_type in ("pdf", "docx"):  # read by layout as well: UN numbering, footnotes, masthead
        if source_type == "pdf":
            blocks, title, encoding, pages, layout = _read_pdf(data, p, max_file_mb, lang, recognised)
        else:
            blocks, title, encoding, pages, layout = _read_docx(data, p, max_file_mb)
    else:
        parser = {"txt": _read_txt, "md": _read_md, "html": _read_html}[source_type]
        blocks, title, encoding, pages = parser(data, p, max_file_mb)  # type: ignore[operator]
    blocks = tuple(b for b in blocks if b.text.strip())
    if not any(_has_letters(b.text) for b in blocks):
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


# --- text and encodings -------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_CJK_ENCODINGS = {"big5", "big5hkscs", "cp950", "gb2312", "gbk", "gb18030", "hz", "cp936"}
_LATIN_SINGLE_BYTE = re.compile(r"^(cp125[02]|latin_1|iso8859_(1|2|15)|mac_(latin2|roman|iceland))$")


def decode_text(data: bytes, path: str | os.PathLike[str]) -> tuple[str, str]:
    """Decode text bytes and name the encoding: a BOM, strict UTF-8, else detection.

    GB18030 (a superset of GBK and GB2312) is preferred for Chinese because charset
    detection calls short simplified-Chinese texts Big5; Western single-byte text is read
    as cp1252 because detection tends to pick cp1250, which garbles French accents.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name.replace("-sig", "")
            except UnicodeDecodeError:
                raise DocumentError(path, f"starts with a {name} byte-order mark but is not valid {name}") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise DocumentError(path, "is binary data, not text (its content does not match its extension)")
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    name = best.encoding.lower() if best is not None else None
    if name is None or name in _CJK_ENCODINGS:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            text = None
        if text is not None and _mostly_han(text):
            return text, "gb18030"
    if name is None:
        raise DocumentError(path, "is binary data or uses an unknown text encoding; save it as UTF-8")
    if _LATIN_SINGLE_BYTE.match(name):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return str(best), name


def _mostly_han(text: str) -> bool:
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return False
    han = sum(1 for c in non_ascii if is_han(c) or is_cjk_punct(c))
    return han / len(non_ascii) >= 0.8


def _check_textual(text: str, path: Path) -> None:
    """Refuse decoded 'text' that is mostly control characters (binary with a text extension)."""
    sample = text[:20000]
    if not sample:
        return
    bad = sum(1 for c in sample if unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") and c not in "\n\r\t\f\v")
    if bad / len(sample) > 0.02:
        raise DocumentError(path, "is binary data, not text (its content does not match its extension)")


def _has_letters(text: str) -> bool:
    return any(c.isalpha() for c in text)


_TERMINAL = tuple(".!?;:。！？；：…)]\"'”’»")


def _looks_like_heading(lines: list[str], nxt: str | None) -> bool:
    """A plain-text heading: one short line, no closing punctuation, followed by more text."""
    if len(lines) != 1 or nxt is None:
        return False
    line = lines[0].strip()
    if not line or len(line) > 80 or line.endswith(_TERMINAL) or line.endswith(","):
        return False
    return _has_letters(line)


def _text_blocks(text: str) -> list[Block]:
    """Split plain text at blank lines; a lone short unpunctuated line is a heading."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    paras = [
        [ln.rstrip() for ln in chunk.split("\n") if ln.strip()]
        for chunk in re.split(r"\n[ \t\u3000\xa0]*\n", text)
    ]
    paras = [p for p in paras if p]
    blocks: list[Block] = []
    for i, lines in enumerate(paras):
        nxt = "\n".join(paras[i + 1]) if i + 1 < len(paras) else None
        if _looks_like_heading(lines, nxt) and nxt is not None and not _looks_like_heading(paras[i + 1], "x"):
            blocks.append(Block(lines[0].strip(), "heading", 1))
        else:
            blocks.append(Block("\n".join(lines)))
    return blocks


def _read_txt(data: bytes, path: Path, max_file_mb: int) -> tuple[list[Block], str | None, str, None]:
    text, encoding = decode_text(data, path)
    _check_textual(text, path)
    return _text_blocks(text), None, encoding, None


# --- Markdown -----------------------------------------------------------------------------


def _read_md(data: bytes, path: Path, max_file_mb: int) -> tuple[list[Block], str | None, str, None]:
    from markdown_it import MarkdownIt

    text, encoding = decode_text(data, path)
    _check_textual(text, path)
    tokens = MarkdownIt("commonmark").parse(text)
    blocks: list[Block] = []
    title: str | None = None
    heading_level: int | None = None
    for tok in tokens:
        if tok.type == "heading_open":
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
                blocks.append(Block(plain))
        elif tok.type in ("fence", "code_block"):
            blocks.append(Block(tok.content.rstrip("\n")))
        elif tok.type == "html_block":
            inner = _html_fragment_text(tok.content)
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


def _html_fragment_text(fragment: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(fragment, "lxml")
    for tag in soup(_HTML_DROP):
        tag.decompose()
    return soup.get_text(" ", strip=True)


# --- HTML ---------------------------------------------------------------------------------

_HTML_DROP = ["script", "style", "nav", "noscript", "template", "iframe", "svg", "canvas", "object", "embed", "head"]
_HTML_BLOCK = {
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hr", "li", "main", "ol",
    "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "br",
}


def _read_html(data: bytes, path: Path, max_file_mb: int) -> tuple[list[Block], str | None, str | None, None]:
    """HTML via BeautifulSoup + lxml: text only, never markup; scripts, styles and navigation dropped."""
    from bs4 import BeautifulSoup, NavigableString, Tag
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction, CData

    text, encoding = _decode_html(data, path)
    _check_textual(text, path)
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
    if not any(data.startswith(bom) for bom, _ in _BOMS):
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


# --- PDF ----------------------------------------------------------------------------------


def _read_pdf(
    data: bytes, path: Path, max_file_mb: int, lang: str | None = None, recognised: bytes | None = None
) -> tuple[list[Block], str | None, None, int, "Layout"]:
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
                opened = reader.decrypt("")
            except Exception:  # pypdf needs `cryptography` for AES; either way we cannot open it
                opened = 0
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
        if not any(_has_letters(b.text) for b in blocks):
            for page in reader.pages:  # its warnings tell a damaged PDF from a scanned one
                page.extract_text()
    except DocumentError:
        raise
    except Exception as exc:  # damaged input makes pypdf raise almost anything (NotImplementedError, zlib.error, ...)
        raise DocumentError(path, f"is a corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from None
    finally:
        pypdf_logger.removeHandler(problems)
    if problems.messages and not any(_has_letters(b.text) for b in blocks):
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
        return _text_blocks(page_text)
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
        if at_para_start and short and nxt is not None and not stripped.endswith(_TERMINAL) and len(stripped) <= 80 and _has_letters(stripped) and not stripped.endswith(","):
            blocks.append(Block(stripped, "heading", 1))
            continue
        current.append(line)
        if stripped.endswith(_TERMINAL) and short:
            blocks.append(Block("\n".join(current)))
            current = []
    if current:
        blocks.append(Block("\n".join(current)))
    return blocks


def _display_len(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in s)


# --- DOCX ---------------------------------------------------------------------------------


def _read_docx(
    data: bytes, path: Path, max_file_mb: int
) -> tuple[list[Block], str | None, None, None, "Layout"]:
    """DOCX via python-docx; paragraph styles "Heading N" and "Title" give the structure, and
    ``docx_layout`` resolves Word's automatic numbering and reads the footnotes part.

    The zip's declared uncompressed sizes are checked before python-docx opens it, so a zip
    bomb is refused without being inflated.
    """
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

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    from assistant.ingest.docx_layout import docx_layout

    try:
        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        blocks: list[Block] = []
        title: str | None = None
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        for child in body.iterchildren():
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
                table = Table(child, document)
                for row in table.rows:
                    cells: list[str] = []
                    for cell in row.cells:
                        t = cell.text.strip()
                        if t and (not cells or cells[-1] != t):  # merged cells repeat
                            cells.append(t)
                    if cells:
                        blocks.append(Block(" | ".join(cells)))
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


def _docx_heading_level(style: str) -> int:
    m = re.fullmatch(r"(?:Heading|heading|标题)\s*(\d)", style.strip())
    return int(m.group(1)) if m else 0
