"""Script rules shared by every stage: the one Han character range and the one way to join
the extracted lines of a paragraph.

Readers, the UN parser, OCR clean-up, tokenizers, language identification and the
trainers all ask "is this Chinese?" and "how do these two lines meet?"; answering those
questions in one place keeps the stages from disagreeing about the same text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "CJK_PUNCT", "HAN", "HAN_CHAR", "HAN_RUN", "has_han", "is_cjk_punct", "is_han", "is_unspaced_letter",
    "join_lines",
]

# Han ideographs: extension A, the unified block, compatibility ideographs and the
# supplementary planes' extensions B-F plus compatibility supplement. A character-class
# body, so callers can combine it with other ranges inside one ``[...]``.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
# CJK symbols and punctuation plus fullwidth forms (，。《》（）…): they carry their own spacing.
CJK_PUNCT = "\u3000-\u303f\uff00-\uffef"

HAN_CHAR = re.compile(f"[{HAN}]")
HAN_RUN = re.compile(f"[{HAN}]+")


def is_han(ch: str) -> bool:
    """True for one Han ideograph."""
    return bool(HAN_CHAR.match(ch))


def has_han(text: str) -> bool:
    """True when the text holds at least one Han ideograph."""
    return bool(HAN_CHAR.search(text))


def is_cjk_punct(ch: str) -> bool:
    """True for CJK punctuation or a fullwidth form."""
    code = ord(ch)
    return 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFFEF


def is_unspaced_letter(ch: str) -> bool:
    """Han, kana and hangul letters: scripts written without spaces between words."""
    code = ord(ch)
    return is_han(ch) or 0x3040 <= code <= 0x30FF or 0xAC00 <= code <= 0xD7AF


_NEUTRAL = set("“”‘’\"'—…·")  # quotes and dashes serve both scripts: look past them
_HYPHENS = ("-", "\u2010")


def _edge(text: str, *, last: bool) -> str:
    """The character that decides the spacing at one side of a join."""
    chars = reversed(text) if last else iter(text)
    first = ""
    for ch in chars:
        first = first or ch
        if ch not in _NEUTRAL:
            return ch
    return first


def _join_gap(left: str, right: str) -> str:
    """The separator between two lines of one paragraph.

    No space where either side is CJK punctuation (which carries its own spacing), where
    both sides are ideographs, or where a number runs into an ideograph (``2019`` + ``年``);
    a line-end hyphen between letters marks a hyphenated word (``well-`` + ``known``), kept
    whole; otherwise a single space -- between Latin tokens (``Rob T.`` + ``Guerette``) and,
    following the typesetting of the Chinese UN documents (``从 2014 年``, ``由 Brent
    Teasdale 和``), between an ideograph and a following number or a Latin word.
    """
    lch, rch = _edge(left, last=True), _edge(right, last=False)
    if is_cjk_punct(lch) or is_cjk_punct(rch):
        return ""
    if is_unspaced_letter(rch) and (is_unspaced_letter(lch) or lch.isdigit()):
        return ""
    if left.endswith(_HYPHENS) and len(left) > 1 and left[-2].isalpha() and rch.isalpha():
        return ""
    return " "


def join_lines(lines: Iterable[str]) -> str:
    """Join extracted lines into one paragraph: each line stripped, blank ones skipped,
    joins spaced by script (see :func:`_join_gap`)."""
    out = ""
    for line in lines:
        piece = line.strip()
        if not piece:
            continue
        out = piece if not out else out + _join_gap(out, piece) + piece
    return out
