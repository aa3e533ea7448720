"""Plain text: the encoding found (BOM, UTF-8, else detection) and blocks split at blank lines.

The decoding and the plain-text block rules are shared: Markdown and HTML decode with
them, and PDF pages whose extractor kept blank lines are split with them.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from assistant.core.errors import DocumentError
from assistant.core.text import is_cjk_punct, is_han
from assistant.ingest.readers.base import Block, has_letters

BOMS: tuple[tuple[bytes, str], ...] = (
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
    for bom, bom_codec in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(bom_codec), bom_codec.replace("-sig", "")
            except UnicodeDecodeError:
                raise DocumentError(path, f"starts with a {bom_codec} byte-order mark but is not valid {bom_codec}") from None
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


def check_textual(text: str, path: Path) -> None:
    """Refuse decoded 'text' that is mostly control characters (binary with a text extension)."""
    sample = text[:20000]
    if not sample:
        return
    bad = sum(1 for c in sample if unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") and c not in "\n\r\t\f\v")
    if bad / len(sample) > 0.02:
        raise DocumentError(path, "is binary data, not text (its content does not match its extension)")


TERMINAL = tuple(".!?;:。！？；：…)]\"'”’»")


def _looks_like_heading(lines: list[str], nxt: str | None) -> bool:
    """A plain-text heading: one short line, no closing punctuation, followed by more text."""
    if len(lines) != 1 or nxt is None:
        return False
    line = lines[0].strip()
    if not line or len(line) > 80 or line.endswith(TERMINAL) or line.endswith(","):
        return False
    return has_letters(line)


def text_blocks(text: str) -> list[Block]:
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


def read_txt(data: bytes, path: Path, max_file_mb: int) -> tuple[list[Block], str | None, str, None]:
    text, encoding = decode_text(data, path)
    check_textual(text, path)
    return text_blocks(text), None, encoding, None
