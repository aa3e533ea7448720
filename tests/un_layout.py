"""Generate UN-layout test documents (PDF and DOCX) together with their gold units.

A small typesetter places every line itself (fpdf2), so the gold text of each paragraph,
sub-item and footnote is known exactly while the PDF carries what real UN documents carry:
a page-1 masthead (symbol, "Distr.: General", date, "Original:", agenda item, the title in
large bold type), a running header and footer that alternate left and right (symbol, job
number, page counter), headings ``I.``/``A.`` at distinct sizes, numbered paragraphs with
indented lettered sub-items, superscript footnote markers, footnotes under a drawn rule in a
smaller font (one continuing onto the next page), and paragraphs crossing page breaks. A
page can be rendered as an image only (a scan, no text layer).

Used by the unit tests (small documents) and ``benchmarks/un_layout.py`` (the 40-page set).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # Pillow is imported where a page is drawn, not at import
    from PIL import Image

Lang = Literal["en", "fr", "zh"]

LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
LATIN_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CJK_BOLD = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")

# Page geometry (mm, A4) and type sizes (pt).
PAGE_W, PAGE_H = 210.0, 297.0
LEFT, RIGHT = 25.0, 185.0
BODY_TOP, BODY_BOTTOM = 32.0, 270.0
HEADER_Y, FOOTER_Y = 15.0, 284.0
BODY_PT, NOTE_PT, MARK_PT, H1_PT, H2_PT, TITLE_PT = 10.0, 8.0, 6.5, 12.0, 11.0, 15.0
LINE_MM, NOTE_LINE_MM, PARA_GAP_MM = 5.0, 3.8, 2.5
INDENT_MM = 10.0  # paragraph text after its number; sub-items sit one indent in


@dataclass(frozen=True)
class GoldUnit:
    unit_id: str
    kind: str  # paragraph | subitem | footnote
    text: str
    section: tuple[str, ...] = ()
    ocr: bool = False


@dataclass(frozen=True)
class GoldDocument:
    name: str
    lang: Lang
    symbol: str
    date: str
    original: str  # language code of the original
    agenda_item: str
    title: str
    units: tuple[GoldUnit, ...]
    pages: int = 0
    furniture: tuple[str, ...] = ()  # running header/footer strings, digits included
    scanned_pages: tuple[int, ...] = ()  # 1-based
    crossing: tuple[str, ...] = ()  # unit ids printed across a page break ("fn5" for a footnote)


# --------------------------------------------------------------------------- content


_EN_WORDS = (
    "States prevention trafficking persons victims labour recruitment migrants border control "
    "cooperation agencies authorities national strategies evidence data risk awareness "
    "campaigns schools communities employers supply chains protection assistance training "
    "officers judges prosecutors civil society partnerships research monitoring evaluation "
    "measures policies legislation guidelines resources exploitation vulnerability children "
    "women workers fees contracts inspections services support shelters hotlines reporting"
).split()
_EN_GLUE = "of and for with in on through by to across under within among".split()
_FR_WORDS = (
    "États prévention traite personnes victimes travail recrutement migrants frontières "
    "coopération organismes autorités stratégies nationales données risques sensibilisation "
    "campagnes écoles communautés employeurs chaînes d’approvisionnement protection "
    "assistance formation agents juges procureurs société civile partenariats recherche "
    "suivi évaluation mesures politiques législation directives ressources exploitation "
    "vulnérabilité enfants femmes travailleurs frais contrats inspections services soutien"
).split()
_FR_GLUE = "de et pour avec dans sur par à entre sous parmi auprès des".split()
_ZH_WORDS = (
    "国家 预防 贩运 人口 被害人 劳动 招聘 移民 边境 管制 合作 机构 当局 国家战略 证据 数据 风险 "
    "认识 宣传活动 学校 社区 雇主 供应链 保护 援助 培训 官员 法官 检察官 民间社会 伙伴关系 研究 "
    "监测 评价 措施 政策 立法 准则 资源 剥削 脆弱性 儿童 妇女 工人 费用 合同 检查 服务 支助 庇护所"
).split()
_ZH_GLUE = "的 和 与 以及 通过 对于 在 为".split()

_TEXT = {
    "en": {
        "distr": "Distr.: General", "original": "Original: English", "agenda": "Item {n} of the provisional agenda",
        "prepared": "Background paper prepared by the Secretariat", "un": "United Nations",
        "body": "Working Group on Trafficking in Persons",
        "sections": ("Introduction", "Recommendations of earlier meetings", "Vulnerability and risk factors",
                     "Awareness-raising and education", "Cooperation with the private sector", "Conclusions"),
        "subsections": ("Measures taken by States", "Challenges identified", "Good practices"),
    },
    "fr": {
        "distr": "Distr. générale", "original": "Original : anglais", "agenda": "Point {n} de l’ordre du jour provisoire",
        "prepared": "Document d’information établi par le Secrétariat", "un": "Nations Unies",
        "body": "Groupe de travail sur la traite des personnes",
        "sections": ("Introduction", "Recommandations des réunions précédentes", "Vulnérabilité et facteurs de risque",
                     "Sensibilisation et éducation", "Coopération avec le secteur privé", "Conclusions"),
        "subsections": ("Mesures prises par les États", "Difficultés recensées", "Bonnes pratiques"),
    },
    "zh": {
        "distr": "Distr.: General", "original": "Original: English", "agenda": "临时议程项目{n}",
        "prepared": "秘书处编写的背景文件", "un": "联合国",
        "body": "贩运人口问题工作组",
        "sections": ("导言", "以往会议的建议", "脆弱性和风险因素", "提高认识和教育", "与私营部门的合作", "结论"),
        "subsections": ("各国采取的措施", "查明的挑战", "良好做法"),
    },
}
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")
_ZH_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八")
_ZH_NOTE_REF = "见大会第 70/1 号决议。"
_DATES = {"en": "12 March 2026", "fr": "12 mars 2026", "zh": "2026年3月12日"}


def _sentence(rng: random.Random, lang: Lang, end: str) -> str:
    words = {"en": _EN_WORDS, "fr": _FR_WORDS, "zh": _ZH_WORDS}[lang]
    glue = {"en": _EN_GLUE, "fr": _FR_GLUE, "zh": _ZH_GLUE}[lang]
    n = rng.randint(10, 22)
    picked = [rng.choice(words) if i % 3 != 1 else rng.choice(glue) for i in range(n)]
    if rng.random() < 0.3:  # numbers in running text must never be taken for markers
        picked.insert(rng.randint(1, n - 1), str(rng.choice((2019, 2021, 18, 45))))
    if lang == "zh":
        mid = rng.randint(3, n - 3)
        return "".join(picked[:mid]) + "，" + "".join(picked[mid:]) + end
    text = " ".join(picked)
    return text[0].upper() + text[1:] + end


@dataclass
class _Note:
    number: int
    text: str
    split: bool = False  # continues onto the next page


@dataclass
class _Block:
    kind: Literal["h1", "h2", "para", "item"]
    number: str
    text: str
    notes: list[_Note] = field(default_factory=list)  # markers after sentences, in order
    section: tuple[str, ...] = ()
    unit_id: str = ""


def _content(rng: random.Random, lang: Lang, n_paras: int, n_sections: int) -> list[_Block]:
    """Headings, paragraphs and sub-items in reading order, with footnotes attached."""
    texts = _TEXT[lang]
    blocks: list[_Block] = []
    note_no = 0
    per_section = max(1, n_paras // n_sections)
    para = 0
    split_done = False
    end = "。" if lang == "zh" else "."
    for s in range(n_sections):
        number = (_ZH_NUMERALS if lang == "zh" else _ROMAN)[s]
        h1 = f"{number}. {texts['sections'][s % len(texts['sections'])]}"
        blocks.append(_Block("h1", number, texts["sections"][s % len(texts["sections"])], section=(h1,)))
        count = per_section if s < n_sections - 1 else n_paras - para
        subs = 2 if count >= 6 and s % 2 == 1 else 0
        section: tuple[str, ...] = (h1,)
        for k in range(count):
            if subs and k % max(1, count // subs) == 0 and k // max(1, count // subs) < subs:
                letter = "ABC"[k // max(1, count // subs)]
                title = texts["subsections"][k // max(1, count // subs)]
                section = (h1, f"{letter}. {title}")
                blocks.append(_Block("h2", letter, title, section=section))
            para += 1
            has_items = para % 4 == 2
            sentences = rng.randint(2, 5)
            notes: list[_Note] = []
            if para % 3 == 1:
                note_no += 1
                long = not split_done and para > 4
                split_done = split_done or long
                notes.append(_Note(note_no, _note_text(rng, lang, long), split=long))
            lead_end = ("：" if lang == "zh" else ":") if has_items else end
            text = "".join(
                _sentence(rng, lang, end if i < sentences - 1 else lead_end) + ("" if lang == "zh" else " ")
                for i in range(sentences)
            ).strip()
            blocks.append(_Block("para", str(para), text, notes, section, str(para)))
            if has_items:
                n_items = rng.randint(3, 5)
                for j in range(n_items):
                    label = "abcdefgh"[j]
                    last = j == n_items - 1
                    item_end = end if last else ("；" if lang == "zh" else ";")
                    item_notes = []
                    if j == 1:
                        note_no += 1
                        item_notes.append(_Note(note_no, _note_text(rng, lang, False)))
                    item = "".join(
                        _sentence(rng, lang, end) + ("" if lang == "zh" else " ") for _ in range(rng.randint(1, 3))
                    )
                    item = item.strip()[:-1] + item_end
                    blocks.append(_Block("item", label, item, item_notes, section, f"{para}({label})"))
    return blocks


def _note_text(rng: random.Random, lang: Lang, long: bool) -> str:
    sep = "" if lang == "zh" else " "
    if lang == "zh":
        ref = _ZH_NOTE_REF
    else:
        ref = "See General Assembly resolution 70/1." if lang == "en" else "Voir la résolution 70/1 de l’Assemblée générale."
    body = sep.join(_sentence(rng, lang, "。" if lang == "zh" else ".") for _ in range(8 if long else 1))
    return body + sep + ref


# --------------------------------------------------------------------------- fonts


_CJK_CACHE: dict[str, tuple[Path, Path]] = {}


def cjk_truetype_fonts() -> tuple[Path, Path]:
    """Noto Sans CJK SC (regular, bold) subset to the characters the generator prints and
    converted from CFF to TrueType outlines.

    fpdf2 embeds CFF-flavoured CJK fonts with a custom encoding CMap that pdfminer (under
    pdfplumber) cannot decode, so the text layer would read as empty; TrueType fonts are
    embedded as Identity-H, as Word and most UN PDFs do.
    """
    import tempfile

    if "zh" in _CJK_CACHE:
        return _CJK_CACHE["zh"]
    chars = set("".join([*_ZH_WORDS, *_ZH_GLUE, *_TITLES["zh"], _DATES["zh"], _ZH_NOTE_REF]))
    for value in _TEXT["zh"].values():
        chars |= set("".join(value) if isinstance(value, tuple) else value)
    chars |= set(_ZH_NUMERALS) | {chr(c) for c in range(32, 127)} | set("，。：；、“”（）《》0123456789")
    out_dir = Path(tempfile.mkdtemp(prefix="un-layout-fonts-"))
    paths = []
    for src, name in ((CJK_FONT, "regular"), (CJK_BOLD, "bold")):
        target = out_dir / f"noto-sans-sc-{name}.ttf"
        _cff_to_truetype(src, 2, "".join(sorted(chars)), target)  # index 2: the SC face of the collection
        paths.append(target)
    _CJK_CACHE["zh"] = (paths[0], paths[1])
    return _CJK_CACHE["zh"]


def _cff_to_truetype(src: Path, index: int, text: str, out: Path) -> None:
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(str(src), fontNumber=index)
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements",
                 "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth", "maxPoints", "maxContours",
                 "maxCompositePoints", "maxCompositeContours"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].indexToLocFormat, font["head"].glyphDataFormat = 1, 0
    font["post"].formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"
    font.save(str(out))


# --------------------------------------------------------------------------- typesetting


@dataclass(frozen=True)
class _Run:
    text: str
    marker: bool = False  # a superscript footnote marker


def _tokens(text: str, notes: list[_Note], lang: Lang) -> list[tuple[str, str, int | None]]:
    """(token, glue before it, marker number after it); the n-th marker follows the n-th sentence.

    Chinese breaks between any two characters except inside a run of Latin letters or digits.
    """
    if lang == "zh":
        pieces, glue = re.findall(r"[A-Za-z0-9/.]+|.", text), ""
    else:
        pieces, glue = text.split(" "), " "
    ends = [i for i, p in enumerate(pieces) if p.endswith(("。", "."))] or [len(pieces) - 1]
    marker_at = {ends[min(n, len(ends) - 1)]: note.number for n, note in enumerate(notes)}
    return [(p, glue if i else "", marker_at.get(i)) for i, p in enumerate(pieces)]


class _Typesetter:
    """Places lines on pages, reserving room for each page's footnotes."""

    def __init__(self, doc: GoldDocument, lang: Lang, job: str, total_pages: int) -> None:
        from fpdf import FPDF

        self.lang = lang
        self.doc = doc
        self.job = job
        self.total_pages = total_pages  # for the "n/N" counters; 0 on the first, counting pass
        self.pdf = FPDF(unit="mm", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_compression(False)
        regular, bold = cjk_truetype_fonts() if lang == "zh" else (LATIN_FONT, LATIN_BOLD)
        self.pdf.add_font("body", "", str(regular))
        self.pdf.add_font("body", "B", str(bold))
        self.y = BODY_TOP
        self.page_notes: list[tuple[int, list[str]]] = []  # (number or 0 for a continuation, lines)
        self.carry: list[str] = []
        self.pages = 0
        self.crossing: list[str] = []

    # -- pages
    def new_page(self) -> None:
        if self.pages:
            self._finish_page()
        self.pdf.add_page()
        self.pages += 1
        self.y = BODY_TOP
        self.page_notes = []
        if self.carry:
            self.page_notes.append((0, self.carry))
            self.carry = []

    def _notes_height(self, notes: list[tuple[int, list[str]]]) -> float:
        if not notes:
            return 0.0
        return 4.0 + sum(len(lines) for _, lines in notes) * NOTE_LINE_MM

    def _finish_page(self) -> None:
        pdf = self.pdf
        notes = self.page_notes
        if notes:
            top = BODY_BOTTOM - self._notes_height(notes)
            pdf.set_line_width(0.3)
            pdf.line(LEFT, top + 1.0, LEFT + 40.0, top + 1.0)  # the short footnote rule
            y = top + 4.0
            pdf.set_font("body", "", NOTE_PT)
            for number, lines in notes:
                for k, line in enumerate(lines):
                    if k == 0 and number:
                        if self.lang == "fr":  # as many UN documents do: the label raised and smaller
                            pdf.set_font("body", "", MARK_PT * NOTE_PT / BODY_PT + 1.0)
                            pdf.text(LEFT + 3.0, y + 1.3, str(number))
                            pdf.set_font("body", "", NOTE_PT)
                        else:
                            pdf.text(LEFT + 3.0, y + 2.5, str(number))
                    pdf.text(LEFT + 8.0, y + 2.5, line)
                    y += NOTE_LINE_MM
        self._furniture()

    def _furniture(self) -> None:
        """Page 1 has the masthead; later pages the symbol on top and job number + counter below,
        on the outer side: left on even pages, right on odd ones."""
        pdf = self.pdf
        page = self.pages
        if page == 1:
            pdf.set_font("body", "", 8.0)
            pdf.text(LEFT, FOOTER_Y, f"{self.job} (E)")
            return
        pdf.set_font("body", "B", 9.0)
        symbol = self.doc.symbol
        even = page % 2 == 0
        w = pdf.get_string_width(symbol)
        pdf.text(LEFT if even else RIGHT - w, HEADER_Y, symbol)
        pdf.set_line_width(0.2)
        pdf.line(LEFT, HEADER_Y + 2.0, RIGHT, HEADER_Y + 2.0)
        pdf.set_font("body", "", 8.0)
        counter = f"{page}/{self.total_pages}"
        left, right = (counter, self.job) if even else (self.job, counter)
        pdf.text(LEFT, FOOTER_Y, left)
        pdf.text(RIGHT - pdf.get_string_width(right), FOOTER_Y, right)

    # -- lines
    def wrap(self, tokens: list[tuple[str, str, int | None]], width: float, size: float, style: str = "",
             first_width: float | None = None) -> list[list[tuple[str, str, int | None]]]:
        pdf = self.pdf
        lines: list[list[tuple[str, str, int | None]]] = []
        current: list[tuple[str, str, int | None]] = []
        used = 0.0
        for tok in tokens:
            text, glue, marker = tok
            pdf.set_font("body", style, size)
            w_text, w_glue = pdf.get_string_width(text), pdf.get_string_width(glue)
            if marker is not None:
                pdf.set_font("body", "", MARK_PT)
                w_text += pdf.get_string_width(str(marker))
            limit = first_width if first_width is not None and not lines else width
            if current and used + w_glue + w_text > limit:
                lines.append(current)
                current, used = [], 0.0
            used += (w_glue if current else 0.0) + w_text
            current.append(tok)
        if current:
            lines.append(current)
        return lines

    def wrap_text(self, text: str, width: float, size: float) -> list[str]:
        tokens = _tokens(text, [], self.lang)
        return ["".join((g if i else "") + t for i, (t, g, _) in enumerate(line)) for line in self.wrap(tokens, width, size)]

    def draw_line(self, x: float, line: list[tuple[str, str, int | None]], size: float, style: str = "") -> None:
        pdf = self.pdf
        baseline = self.y + 3.6
        for i, (text, glue, marker) in enumerate(line):
            piece = (glue if i else "") + text
            pdf.set_font("body", style, size)
            pdf.text(x, baseline, piece)
            x += pdf.get_string_width(piece)
            if marker is not None:
                pdf.set_font("body", "", MARK_PT)
                pdf.text(x, baseline - 1.6, str(marker))  # raised and smaller: a superscript
                x += pdf.get_string_width(str(marker))
        self.y += LINE_MM

    def place_lines(self, lines: list[list[tuple[str, str, int | None]]], x_first: float, x_rest: float,
                    size: float, notes: dict[int, _Note], style: str = "", prefix: tuple[float, str] | None = None,
                    unit_id: str = "") -> None:
        for k, line in enumerate(lines):
            new_notes = [notes[m] for _, _, m in line if m is not None]
            note_lines = [(n, self.wrap_text(n.text, RIGHT - LEFT - 8.0, NOTE_PT)) for n in new_notes]
            extra = [(n.number, ls) for n, ls in note_lines]
            # a footnote that continues overleaf is the last on its page
            full = self.y + LINE_MM > BODY_BOTTOM - self._notes_height(self.page_notes + extra) - 1.0
            if (self.carry and note_lines) or full:
                self.new_page()
                if k:
                    self.crossing.append(unit_id)
            for note, ls in note_lines:
                if note.split and len(ls) > 3:
                    half = len(ls) // 2
                    self.page_notes.append((note.number, ls[:half]))
                    self.carry = ls[half:]
                    self.crossing.append(f"fn{note.number}")
                else:
                    self.page_notes.append((note.number, ls))
            if k == 0 and prefix is not None:
                self.pdf.set_font("body", style, size)
                self.pdf.text(prefix[0], self.y + 3.6, prefix[1])
            self.draw_line(x_first if k == 0 else x_rest, line, size, style)

    def heading(self, number: str, title: str, size: float) -> None:
        if self.y + 4 * LINE_MM > BODY_BOTTOM - self._notes_height(self.page_notes):
            self.new_page()
        self.y += 2.0
        lines = self.wrap(_tokens(title, [], self.lang), RIGHT - LEFT - INDENT_MM, size, "B")
        self.place_lines(lines, LEFT + INDENT_MM, LEFT + INDENT_MM, size, {}, "B", (LEFT, f"{number}."))
        self.y += 2.0

    def paragraph(self, block: _Block) -> None:
        notes = {n.number: n for n in block.notes}
        tokens = _tokens(block.text, block.notes, self.lang)
        if block.kind == "para":
            # the number hangs at the margin; the first line starts one indent in, the rest at the margin
            lines = self.wrap(tokens, RIGHT - LEFT, BODY_PT, first_width=RIGHT - LEFT - INDENT_MM)
            self.place_lines(lines, LEFT + INDENT_MM, LEFT, BODY_PT, notes, prefix=(LEFT, f"{block.number}."),
                             unit_id=block.unit_id)
        else:
            lines = self.wrap(tokens, RIGHT - LEFT - 2 * INDENT_MM, BODY_PT)
            self.place_lines(lines, LEFT + 2 * INDENT_MM, LEFT + INDENT_MM, BODY_PT, notes,
                             prefix=(LEFT + INDENT_MM, f"({block.number})"), unit_id=block.unit_id)
        self.y += PARA_GAP_MM

    def masthead(self, texts: dict, doc: GoldDocument) -> None:
        pdf = self.pdf
        pdf.set_font("body", "B", 11.0)
        pdf.text(LEFT, 20.0, texts["un"])
        pdf.set_font("body", "B", 14.0)
        pdf.text(RIGHT - pdf.get_string_width(doc.symbol), 20.0, doc.symbol)
        pdf.set_line_width(0.5)
        pdf.line(LEFT, 23.0, RIGHT, 23.0)
        pdf.set_font("body", "", 9.0)
        for k, line in enumerate((texts["distr"], doc.date, texts["original"])):
            pdf.text(140.0, 29.0 + 4.5 * k, line)
        pdf.set_font("body", "", 10.0)
        pdf.text(LEFT, 50.0, texts["body"])
        pdf.text(LEFT, 55.0, doc.agenda_item)
        self.y = 62.0
        for line in self.wrap_text(doc.title, RIGHT - LEFT - INDENT_MM, TITLE_PT):
            pdf.set_font("body", "B", TITLE_PT)
            pdf.text(LEFT + INDENT_MM, self.y + 5.0, line)
            self.y += 7.0
        pdf.set_font("body", "", BODY_PT)
        pdf.text(LEFT + INDENT_MM, self.y + 5.0, texts["prepared"])
        self.y += 12.0


_TITLES = {
    "en": ("Preventing trafficking in persons through fair and ethical recruitment of migrant workers",
           "Awareness-raising to prevent trafficking in persons", "Cooperation with the private sector against trafficking"),
    "fr": ("Prévenir la traite des personnes par un recrutement équitable et éthique des travailleurs migrants",
           "Sensibilisation pour prévenir la traite des personnes", "Coopération avec le secteur privé contre la traite"),
    "zh": ("通过公平和合乎道德的招聘移徙工人预防贩运人口", "开展提高认识活动预防贩运人口", "与私营部门合作打击贩运人口"),
}


def make_un_pdf(path: Path, *, lang: Lang = "en", n_paras: int = 12, n_sections: int = 3, seed: int = 1,
                scanned_paras: int = 0, name: str | None = None) -> GoldDocument:
    """Write a UN-layout PDF and return its gold units and metadata.

    ``scanned_paras`` > 0 appends a page holding that many further paragraphs as an image only
    (no text layer), as a scanned page would.
    """
    rng = random.Random(f"{lang}-{seed}")
    number = 2026
    symbol = f"CTOC/COP/WG.{seed}/{number}/{seed + 1}"
    texts = _TEXT[lang]
    agenda = texts["agenda"].format(n=seed + 1)
    blocks = _content(rng, lang, n_paras, n_sections)
    job = f"V.26-{seed % 100:02d}{123 + seed:03d}"  # a job number: two digits, a dash, five digits
    doc = GoldDocument(
        name=name or path.stem, lang=lang, symbol=symbol, date=_DATES[lang], original="en",
        agenda_item=agenda, title=_TITLES[lang][seed % 3], units=(),
    )
    # Two passes: the first counts the pages for the "n/N" counters.
    total = 0
    for _final in (False, True):
        ts = _Typesetter(doc, lang, job, total)
        ts.new_page()
        ts.masthead(texts, doc)
        for block in blocks:
            if block.kind in ("h1", "h2"):
                ts.heading(block.number, block.text, H1_PT if block.kind == "h1" else H2_PT)
            else:
                ts.paragraph(block)
        if ts.carry:  # a split footnote on the last page still needs its continuation
            ts.new_page()
        ts._finish_page()
        total = ts.pages + (1 if scanned_paras else 0)
    units: list[GoldUnit] = []
    notes: list[GoldUnit] = []
    for block in blocks:
        if block.kind in ("para", "item"):
            units.append(GoldUnit(block.unit_id, "paragraph" if block.kind == "para" else "subitem", block.text, block.section))
            for note in block.notes:
                notes.append(GoldUnit(f"fn{note.number}", "footnote", note.text, block.section))
    scanned: tuple[int, ...] = ()
    if scanned_paras:
        para = max(int(u.unit_id) for u in units if u.kind == "paragraph")
        section = units[-1].section
        scan_units = []
        for k in range(scanned_paras):
            end, sep = ("。", "") if lang == "zh" else (".", " ")
            text = sep.join(_sentence(rng, lang, end) for _ in range(rng.randint(2, 3)))
            scan_units.append(GoldUnit(str(para + 1 + k), "paragraph", text, section, ocr=True))
        ts.pdf.add_page()
        ts.pages += 1
        _scanned_page(ts, scan_units)
        units.extend(scan_units)
        scanned = (ts.pages,)
    ts.pdf.output(str(path))
    furniture = (symbol, job, f"{job} (E)") + tuple(f"{p}/{ts.pages}" for p in range(2, ts.pages + 1))
    return GoldDocument(
        name=doc.name, lang=lang, symbol=symbol, date=doc.date, original="en", agenda_item=agenda,
        title=doc.title, units=tuple(units + notes), pages=ts.pages, furniture=furniture, scanned_pages=scanned,
        crossing=tuple(dict.fromkeys(ts.crossing)),
    )


def _scanned_page(ts: _Typesetter, units: list[GoldUnit]) -> None:
    """Paragraphs, running header and footer drawn into a 200 dpi greyscale image, skewed,
    blurred and specked like a scan, placed as the page."""
    from PIL import Image, ImageDraw, ImageFont

    dpi = 200
    px = dpi / 25.4
    img = Image.new("L", (round(PAGE_W * px), round(PAGE_H * px)), 255)
    draw = ImageDraw.Draw(img)
    if ts.lang == "zh":  # index 2: the simplified-Chinese face of the collection
        body = ImageFont.truetype(str(CJK_FONT), round(BODY_PT / 72 * dpi), index=2)
    else:
        body = ImageFont.truetype(str(LATIN_FONT), round(BODY_PT / 72 * dpi))
    small = ImageFont.truetype(str(LATIN_FONT), round(8 / 72 * dpi))
    page = ts.pages
    even = page % 2 == 0
    symbol = ts.doc.symbol
    sw = draw.textlength(symbol, font=small)
    draw.text(((LEFT * px) if even else (RIGHT * px - sw), HEADER_Y * px - 30), symbol, font=small, fill=0)
    counter = f"{page}/{ts.total_pages or page}"
    left, right = (counter, ts.job) if even else (ts.job, counter)
    draw.text((LEFT * px, FOOTER_Y * px - 30), left, font=small, fill=0)
    draw.text((RIGHT * px - draw.textlength(right, font=small), FOOTER_Y * px - 30), right, font=small, fill=0)
    y = BODY_TOP * px
    width = (RIGHT - LEFT) * px
    for unit in units:
        lines: list[str] = []
        current = ""
        first_width = width - INDENT_MM * px
        for token, glue, _ in _tokens(unit.text, [], ts.lang):
            trial = current + (glue if current else "") + token
            limit = first_width if not lines else width
            if current and draw.textlength(trial, font=body) > limit:
                lines.append(current)
                current = token
            else:
                current = trial
        lines.append(current)
        draw.text((LEFT * px, y), f"{unit.unit_id}.", font=body, fill=0)
        for k, line in enumerate(lines):
            draw.text(((LEFT + (INDENT_MM if k == 0 else 0)) * px, y), line, font=body, fill=0)
            y += LINE_MM * px
        y += PARA_GAP_MM * px
    ts.pdf.image(_as_scanned(img, random.Random(page)), x=0, y=0, w=PAGE_W, h=PAGE_H)


def _as_scanned(img: Image.Image, rng: random.Random) -> Image.Image:
    """What a scanner does to a page: a slight skew, soft edges and specks of dirt."""
    from PIL import ImageFilter

    img = img.rotate(0.4, resample=3, fillcolor=255, expand=False)  # 3 = bicubic
    img = img.filter(ImageFilter.GaussianBlur(0.8))
    pixels = img.load()
    for _ in range(img.width * img.height // 8000):
        pixels[rng.randrange(img.width), rng.randrange(img.height)] = rng.choice((0, 90, 160))
    return img


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def make_un_docx(path: Path, *, lang: Lang = "en", n_paras: int = 10, n_sections: int = 2, seed: int = 7,
                 name: str | None = None) -> GoldDocument:
    """A Word document whose paragraph numbers, sub-item letters and heading numbers come only
    from automatic numbering (numbering.xml: none is typed), with footnotes in the footnotes part."""
    import docx
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml

    rng = random.Random(f"docx-{lang}-{seed}")
    blocks = _content(rng, lang, n_paras, n_sections)
    texts = _TEXT[lang]
    symbol = f"CTOC/COP/WG.{seed}/2026/{seed + 1}"
    agenda = texts["agenda"].format(n=seed + 1)
    title = _TITLES[lang][seed % 3]
    document = docx.Document()
    numbering = document.part.numbering_part.element
    w = f'xmlns:w="{_W_NS}"'
    # abstract 90: paragraphs "1." and sub-items "(a)"; abstract 91: headings "I." and "A."
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {w} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="(%2)"/></w:lvl>'
        '</w:abstractNum>'))
    heading_fmt = "chineseCounting" if lang == "zh" else "upperRoman"
    numbering.insert(1, parse_xml(
        f'<w:abstractNum {w} w:abstractNumId="91">'
        f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{heading_fmt}"/><w:lvlText w:val="%1."/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="upperLetter"/><w:lvlText w:val="%2."/></w:lvl>'
        '</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    numbering.append(parse_xml(f'<w:num {w} w:numId="91"><w:abstractNumId w:val="91"/></w:num>'))
    # headings take their numbers from their styles, as UN templates do
    for level in (1, 2):
        style = document.styles[f"Heading {level}"].element
        ppr = style.get_or_add_pPr()
        ppr.append(parse_xml(f'<w:numPr {w}><w:ilvl w:val="{level - 1}"/><w:numId w:val="91"/></w:numPr>'))

    for line in (symbol, texts["distr"], _DATES[lang], texts["original"], texts["body"], agenda):
        document.add_paragraph(line)
    document.add_heading(title, level=0)
    document.add_paragraph(texts["prepared"])
    notes_xml = []
    note_id = 0
    units: list[GoldUnit] = []
    notes: list[GoldUnit] = []
    sep = "" if lang == "zh" else " "
    for block in blocks:
        if block.kind in ("h1", "h2"):
            document.add_heading(block.text, level=1 if block.kind == "h1" else 2)
            continue
        para = document.add_paragraph()
        ilvl = 0 if block.kind == "para" else 1
        para._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {w}><w:ilvl w:val="{ilvl}"/><w:numId w:val="90"/></w:numPr>'))
        ends = "。" if lang == "zh" else ". "
        if block.notes:  # the marker follows the first sentence
            head, _, tail = block.text.partition(ends)
            first, rest = (head + ends.strip(), tail) if tail else (block.text, "")
        else:
            first, rest = block.text, ""
        para.add_run(first)
        for note in block.notes:
            note_id += 1
            run = para.add_run()
            run._r.append(parse_xml(f'<w:footnoteReference {w} w:id="{note_id}"/>'))
            notes_xml.append(
                f'<w:footnote w:id="{note_id}"><w:p><w:r><w:footnoteRef/></w:r>'
                f'<w:r><w:t xml:space="preserve"> {_xml_escape(note.text)}</w:t></w:r></w:p></w:footnote>'
            )
            notes.append(GoldUnit(f"fn{note_id}", "footnote", note.text, block.section))
        if rest:
            para.add_run(sep + rest)
        units.append(GoldUnit(block.unit_id, "paragraph" if block.kind == "para" else "subitem", block.text, block.section))
    footnotes = (
        f'<w:footnotes {w}>'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
        + "".join(notes_xml) + "</w:footnotes>"
    )
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, footnotes.encode("utf-8"), document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)
    document.save(str(path))
    return GoldDocument(
        name=name or path.stem, lang=lang, symbol=symbol, date=_DATES[lang], original="en", agenda_item=agenda,
        title=title, units=tuple(units + notes),
    )


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def standard_set(out_dir: Path) -> list[tuple[Path, GoldDocument]]:
    """The measured set: English, French and Chinese PDFs (each ending with a scanned page), 40+ pages,
    and an English Word document with automatic numbering and footnotes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    specs = (
        ("un-en", "en", 80, 5, 1, 3),
        ("un-fr", "fr", 70, 5, 2, 3),
        ("un-zh", "zh", 90, 5, 3, 3),
    )
    made = []
    for name, lang, paras, sections, seed, scanned in specs:
        path = out_dir / f"{name}.pdf"
        made.append((path, make_un_pdf(path, lang=lang, n_paras=paras, n_sections=sections, seed=seed,  # type: ignore[arg-type]
                                       scanned_paras=scanned, name=name)))
    path = out_dir / "un-en-word.docx"
    made.append((path, make_un_docx(path, lang="en", n_paras=30, n_sections=3, seed=7, name="un-en-word")))
    return made


# --------------------------------------------------------------------------- scoring


def normalise(text: str) -> str:
    """Whitespace aside: runs collapsed, and none kept beside a CJK character (Chinese has no spaces)."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]) | (?=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])", "", text)


def char_accuracy(gold: str, got: str) -> float:
    """1 - (Levenshtein distance / gold length), floored at 0."""
    a, b = normalise(gold), normalise(got)
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return max(0.0, 1.0 - prev[-1] / max(1, len(a)))


@dataclass(frozen=True)
class Score:
    """How a parsed document compares with its gold units and metadata."""

    name: str
    lang: str
    pages: int
    gold_units: int
    exact: int  # gold units (OCR'd ones aside) whose text matches exactly, whitespace aside
    text_units: int  # gold units with a text layer
    extra_units: tuple[str, ...]  # parsed units with no gold counterpart (the masthead aside)
    furniture_leaks: tuple[str, ...]  # unit ids whose text holds running header/footer text
    footnote_leaks: tuple[str, ...]  # body unit ids whose text holds footnote text
    footnotes_found: int
    footnotes_gold: int
    sections_right: int
    sections_gold: int
    metadata: dict[str, bool]
    ocr_units: int
    ocr_accuracy: float | None  # mean character accuracy of the units from scanned pages
    ocr_flagged: bool  # every OCR'd gold unit is flagged as OCR text
    mismatches: tuple[str, ...] = ()

    @property
    def exact_share(self) -> float:
        return self.exact / self.text_units if self.text_units else 1.0


def score(document: object, gold: GoldDocument) -> Score:
    units = {u.unit_id: u for u in document.units}  # type: ignore[attr-defined]
    exact, text_units, mismatches = 0, 0, []
    ocr_acc: list[float] = []
    for g in gold.units:
        got = units.get(g.unit_id)
        if g.ocr:
            ocr_acc.append(char_accuracy(g.text, got.text) if got else 0.0)
            continue
        text_units += 1
        if got is not None and normalise(got.text) == normalise(g.text):
            exact += 1
        else:
            mismatches.append(f"{g.unit_id}: gold {normalise(g.text)[:80]!r} got {normalise(got.text)[:80] if got else None!r}")
    gold_ids = {g.unit_id for g in gold.units}
    extra = tuple(uid for uid in units if uid not in gold_ids and uid != "header")
    gold_text = {g.unit_id: normalise(g.text) for g in gold.units}

    def leaked(unit: object, fragments: list[str]) -> bool:
        """Text found in the unit that its gold text does not hold (word banks can repeat by chance)."""
        text, expected = normalise(unit.text), gold_text.get(unit.unit_id, "")  # type: ignore[attr-defined]
        return any(f in text and f not in expected for f in fragments)

    pieces = [normalise(p) for p in gold.furniture if len(p) > 3]
    furniture_leaks = tuple(u.unit_id for u in units.values() if u.unit_id != "header" and leaked(u, pieces))
    notes = [normalise(g.text)[:25] for g in gold.units if g.kind == "footnote"]
    footnote_leaks = tuple(
        u.unit_id for u in units.values() if u.kind in ("paragraph", "subitem") and leaked(u, notes)
    )
    gold_notes = [g for g in gold.units if g.kind == "footnote"]
    found = sum(1 for g in gold_notes if g.unit_id in units and units[g.unit_id].kind == "footnote")
    body = [g for g in gold.units if g.kind != "footnote"]
    sections = sum(1 for g in body if g.unit_id in units and units[g.unit_id].section == g.section)
    meta = dict(getattr(document, "meta", ()))
    metadata = {
        "title": getattr(document, "title", None) == gold.title,
        "symbol": getattr(document, "symbol", None) == gold.symbol,
        "date": meta.get("date") == _iso(gold.date),
        "original": meta.get("original_lang") == gold.original,
        "agenda_item": meta.get("agenda_item") == gold.agenda_item,
    }
    flagged = set(getattr(document, "ocr_units", ()))
    ocr_gold = [g.unit_id for g in gold.units if g.ocr]
    return Score(
        name=gold.name, lang=gold.lang, pages=gold.pages, gold_units=len(gold.units), exact=exact,
        text_units=text_units, extra_units=extra, furniture_leaks=furniture_leaks, footnote_leaks=footnote_leaks,
        footnotes_found=found, footnotes_gold=len(gold_notes), sections_right=sections, sections_gold=len(body),
        metadata=metadata, ocr_units=len(ocr_gold),
        ocr_accuracy=sum(ocr_acc) / len(ocr_acc) if ocr_acc else None,
        ocr_flagged=all(u in flagged for u in ocr_gold), mismatches=tuple(mismatches),
    )


def _iso(date: str) -> str:
    months = {"March": 3, "mars": 3}
    m = re.match(r"(\d{4})年(\d{1,2})月(\d{1,2})日", date)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    day, month, year = date.split()
    return f"{int(year):04d}-{months[month]:02d}-{int(day):02d}"
