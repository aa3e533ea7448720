"""OCR for PDF pages without a text layer (scans), with Tesseract.

What Tesseract recognised is kept beside the PDF in the corpus (``dump_recognised``): a
scanned document is recognised once, when it is added, so its units -- the text we cite --
do not change from one load to the next or with another Tesseract version, and loading the
corpus does not pay for OCR again.

Tesseract is a Debian package (``tesseract-ocr`` plus one ``tesseract-ocr-LANG`` pack per
language; ``scripts/install-ocr.sh`` installs them); ``pytesseract`` calls it. A missing
binary or language pack is a ``DocumentError`` that says which page needs OCR and how to
install it: a scanned page is never silently dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.errors import DocumentError
from assistant.core.text import CJK_PUNCT, HAN

if TYPE_CHECKING:
    from assistant.ingest.pdf_layout import Row

# Tesseract's names for the six official languages.
TESSERACT_LANGS: dict[str, str] = {"zh": "chi_sim", "en": "eng", "fr": "fra", "es": "spa", "ru": "rus", "ar": "ara"}
RESOLUTION = 300  # dpi the page is rendered at for recognition
INSTALL_HINT = "install it with scripts/install-ocr.sh (Debian: tesseract-ocr and tesseract-ocr-{eng,fra,chi-sim,spa,rus,ara})"


def tesseract_langs(lang: str | None) -> str:
    """The language argument for Tesseract: the document's language, or all six when unknown."""
    if lang is not None:
        return TESSERACT_LANGS[lang]
    return "+".join(TESSERACT_LANGS[k] for k in ("en", "fr", "es", "ru", "ar", "zh"))


def ocr_page_rows(page: Any, number: int, lang: str | None, path: Path) -> list[Row]:
    """Recognise one pdfplumber page and return its printed lines in PDF points, top to bottom."""
    from assistant.ingest.pdf_layout import Row

    try:
        import pytesseract
    except ImportError:  # pragma: no cover - a declared dependency
        raise DocumentError(path, f"page {number} is a scanned image and needs OCR, but pytesseract is not installed") from None
    image = page.to_image(resolution=RESOLUTION).original.convert("L")
    langs = tesseract_langs(lang)
    try:
        data = pytesseract.image_to_data(image, lang=langs, output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractNotFoundError:
        raise DocumentError(
            path, f"page {number} is a scanned image with no text layer and Tesseract OCR is not installed; {INSTALL_HINT}"
        ) from None
    except pytesseract.TesseractError as exc:
        raise DocumentError(
            path, f"page {number} is a scanned image and OCR failed ({exc.message.strip() or exc}); "
            f"is the language pack for {langs!r} installed? {INSTALL_HINT}"
        ) from None
    scale = 72.0 / RESOLUTION
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, word in enumerate(data["text"]):
        if word.strip():
            lines.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
    rows = []
    for indices in lines.values():
        indices.sort(key=lambda i: data["left"][i])
        words = [data["text"][i] for i in indices]
        top = min(data["top"][i] for i in indices) * scale
        bottom = max(data["top"][i] + data["height"][i] for i in indices) * scale
        pieces = _pieces(data, indices)
        rows.append(
            Row(
                text=_tidy(" ".join(words)),
                page=number,
                x0=data["left"][indices[0]] * scale,
                top=top,
                bottom=bottom,
                size=(bottom - top),
                bold=False,
                pieces=tuple(pieces),
                ocr=True,
            )
        )
    rows.sort(key=lambda r: r.top)
    return rows


_CJK = CJK_PUNCT + HAN  # a character-class body: Han and CJK punctuation


def _tidy(text: str) -> str:
    """Undo habits of Tesseract's Chinese model: a space between every two characters, and a
    paragraph number's full stop read as the ideographic one (``4。``) or lost (``4 准则``).
    The UN parser still takes a number as a paragraph only when it is the next in sequence."""
    text = re.sub(rf"(?<=[{_CJK}]) +(?=[{_CJK}])", "", text)
    text = re.sub(r"^(\d{1,3})\s*[。．]\s*", r"\1. ", text)
    return re.sub(rf"^(\d{{1,3}})\s+(?=[{_CJK}])", r"\1. ", text)


def _pieces(data: dict[str, list[Any]], indices: list[int]) -> list[str]:
    """Words split where a gap wider than three word heights separates columns."""
    pieces: list[list[str]] = [[]]
    prev_right = None
    for i in indices:
        if prev_right is not None and data["left"][i] - prev_right > 3 * data["height"][i]:
            pieces.append([])
        pieces[-1].append(data["text"][i])
        prev_right = data["left"][i] + data["width"][i]
    return [" ".join(p) for p in pieces if p]


RECORD_VERSION = 1


def dump_recognised(pages: Mapping[int, Sequence[Row]]) -> bytes:
    """The recognised lines of each scanned page, as JSON to store beside the PDF."""
    import dataclasses

    record = {
        "version": RECORD_VERSION,
        "pages": {str(number): [dataclasses.asdict(row) for row in rows] for number, rows in pages.items()},
    }
    return (json.dumps(record, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def load_recognised(data: bytes) -> dict[int, list[Row]]:
    """Read ``dump_recognised`` output back; ``ValueError`` when it is not such a record."""
    from assistant.ingest.pdf_layout import Row

    try:
        record = json.loads(data.decode("utf-8"))
        if record.get("version") != RECORD_VERSION:
            raise ValueError(f"OCR record version {record.get('version')!r}, expected {RECORD_VERSION}")
        return {
            int(number): [Row(**{**row, "markers": tuple(row["markers"]), "pieces": tuple(row["pieces"])}) for row in rows]
            for number, rows in record["pages"].items()
        }
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not an OCR record ({exc})") from None
