"""The shipped Chinese background paper parses into exactly the units the issue specifies.

The first two tests are properties over the whole text: every unit is verbatim source, and
the source is exactly the units, headings, numbers, labels and footnote blocks, in order.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from assistant.core.records import Unit
from assistant.ingest.structure import ParsedText, has_un_structure, parse_un_text

PAPER = Path(__file__).parent.parent / "corpus" / "wg-tip-2019-crime-prevention-background.zh.txt"
DOC_ID = "wg-tip-2019-prevention"
LINK_LINE = re.compile(r"^\s*https?://\S+\s*$")

SUBITEMS = (
    [f"2({c})" for c in "abcdefghijklmnop"]
    + [f"15({c})" for c in "abcd"]
    + [f"16({c})" for c in "abcdefgh"]
    + [f"17({c})" for c in "abcdef"]
    + [f"18({c})" for c in "abc"]
)


@lru_cache(maxsize=1)
def _source() -> str:
    return PAPER.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _parsed() -> ParsedText:
    return parse_un_text(_source(), DOC_ID, "zh")


@pytest.fixture()
def parsed() -> ParsedText:
    return _parsed()


@pytest.fixture()
def units() -> dict[str, Unit]:
    return {u.unit_id: u for u in _parsed().units}


def _squash(text: str) -> str:
    return re.sub(r"\s", "", text)


def _label_pattern(footnote_id: str) -> str:
    """How a footnote's number or asterisk is printed (U+F02A: Symbol-font asterisk)."""
    label = footnote_id.removeprefix("fn")
    return "[*\uf02a]" if label == "*" else re.escape(label)


def _text_pattern(unit: Unit) -> str:
    """The unit text with whitespace removed, allowing its own markers between any chars."""
    chars = [re.escape(c) for c in _squash(unit.text)]
    if not unit.footnotes:
        return "".join(chars)
    marker = "(?:" + "|".join(_label_pattern(f) for f in unit.footnotes) + ")?"
    return marker + marker.join(chars) + marker


def _footnotes(parsed: ParsedText) -> list[Unit]:
    return [u for u in parsed.units if u.kind == "footnote"]


def _body_source(parsed: ParsedText) -> str:
    """The source without whitespace, hyperlink lines and footnote blocks.

    Hyperlink lines are residue of the PDF's link annotations (allowed residue); each footnote
    block (separator, number, text) must be found exactly once.
    """
    lines = [line for line in _source().split("\n") if not LINK_LINE.match(line)]
    body = _squash("\n".join(lines))
    for note in _footnotes(parsed):
        pattern = "(?:_{5,})?" + _label_pattern(note.unit_id) + re.escape(_squash(note.text))
        assert len(re.findall(pattern, body)) == 1, note.unit_id
        body = re.sub(pattern, "", body, count=1)
    return body


# --------------------------------------------------------------------------- properties


def test_every_unit_is_a_verbatim_span_of_the_source(parsed: ParsedText) -> None:
    source = _squash(_source())
    body = _body_source(parsed)
    for unit in parsed.units:
        if unit.kind == "footnote":
            assert _squash(unit.text) in source, unit.unit_id
        else:
            # a paragraph interrupted by a footnote block is contiguous once blocks are cut
            assert re.search(_text_pattern(unit), body), unit.unit_id


def test_nothing_of_the_body_is_left_over(parsed: ParsedText) -> None:
    """Read the body source from start to end as: header, then per unit its new headings,
    its number ``N.`` or label ``(x)`` and its text; the cursor must reach the end."""
    body = _body_source(parsed)
    position = 0
    previous: tuple[str, ...] = ()

    def consume(pattern: str, what: str) -> None:
        nonlocal position
        match = re.compile(pattern).match(body, position)
        assert match, f"{what}: expected at {body[position:position + 40]!r}"
        position = match.end()

    for unit in parsed.units:
        if unit.kind == "footnote":
            continue
        common = 0
        while common < min(len(previous), len(unit.section)) and (
            previous[common] == unit.section[common]
        ):
            common += 1
        for heading in unit.section[common:]:
            consume(re.escape(_squash(heading)), f"heading {heading}")
        previous = unit.section
        if unit.kind == "paragraph":
            consume(re.escape(unit.unit_id) + r"\.", f"number {unit.unit_id}")
        elif unit.kind == "subitem":
            consume(re.escape(unit.unit_id[len(unit.parent or ""):]), f"label {unit.unit_id}")
        consume(_text_pattern(unit), unit.unit_id)
    assert body[position:] == ""


def test_units_are_in_document_order_with_the_expected_ids(parsed: ParsedText) -> None:
    ids = [u.unit_id for u in parsed.units]
    kinds = [u.kind for u in parsed.units]
    assert [u.order for u in parsed.units] == list(range(len(parsed.units)))
    assert len(parsed.units) == 98
    assert kinds.count("header") == 1 and ids[0] == "header"
    paragraphs = [u.unit_id for u in parsed.units if u.kind == "paragraph"]
    assert paragraphs == [str(n) for n in range(1, 57)]
    assert [u.unit_id for u in parsed.units if u.kind == "subitem"] == SUBITEMS
    assert sorted(u.unit_id for u in _footnotes(parsed)) == ["fn*", "fn1", "fn2", "fn3"]
    assert len(set(ids)) == len(ids)
    # each footnote follows the unit inside or after which its block is printed
    for before, note in [("2(b)", "fn*"), ("13", "fn1"), ("25", "fn2"), ("31", "fn3")]:
        assert ids.index(note) == ids.index(before) + 1


def test_every_unit_is_well_formed(parsed: ParsedText) -> None:
    source = _source()
    for unit in parsed.units:
        assert unit.doc_id == DOC_ID
        assert unit.text and unit.text == unit.text.strip()
        assert ("\n" in unit.text) == (unit.kind == "header")
        if unit.kind == "subitem":
            assert unit.unit_id.startswith(f"{unit.parent}(")
        else:
            assert unit.parent is None
        assert not re.match(r"^(\d+\.|\([a-z]\))", unit.text), unit.unit_id
        # no space was invented between two ideographs: any such space is printed
        for spaced in re.findall(r"[\u4e00-\u9fff] +[\u4e00-\u9fff]", unit.text):
            assert spaced in source, (unit.unit_id, spaced)


def test_masthead_title_and_symbol(parsed: ParsedText, units: dict[str, Unit]) -> None:
    assert parsed.title == "涉及贩运人口的预防犯罪措施"
    # CTOC/COP/WG.4/2019/1 is printed only in the * footnote: it names the agenda, not the paper
    assert parsed.symbol is None
    header = units["header"]
    assert header.text.split("\n") == [
        "贩运人口问题工作组",
        "2019 年 9 月 9 日至 11 日，维也纳",
        "临时议程项目 2",
        "涉及贩运人口的预防犯罪措施",
        "涉及贩运人口的预防犯罪措施",
        "秘书处编写的背景文件",
    ]
    assert header.footnotes == ("fn*",)
    assert units["fn*"].text == "CTOC/COP/WG.4/2019/1。"
    assert has_un_structure(_source())


# --------------------------------------------------------------------------- named cases


def test_paragraph_5_loses_its_marker_and_records_footnote_1(units: dict[str, Unit]) -> None:
    assert units["5"].text.startswith("根据《预防犯罪准则》，有效的预防犯罪战略应包括")
    assert units["5"].footnotes == ("fn1",)
    assert units["fn1"].text == "经济及社会理事会第 2002/13 号决议，附件。"


def test_paragraph_13_is_rejoined_across_footnote_1(units: dict[str, Unit]) -> None:
    text = units["13"].text
    assert "在其 2019 年报告（A/HRC/41/46）中" in text
    assert "促进贩运受害者长期融入社会作为目标。特别报告员在报告第 10 段指出" in text
    assert text.endswith("…并要求各项举措针对那些面临最大被贩运风险的人口。"[1:])
    assert units["13"].footnotes == ()


def test_subitems_2b_and_2c_around_the_asterisk_footnote(units: dict[str, Unit]) -> None:
    assert units["2(b)"].text == "在任何特定环境中，哪些因素会增加个人或社区对贩运人口的脆弱性？"
    assert units["2(c)"].text == (
        "现有哪些国家战略涉及到的社会经济因素中包括致使人们更容易成为贩运人口行为受害者等后果？"
        "谁是参与此种战略的利益攸关方？"
    )
    assert units["2(b)"].footnotes == units["2(c)"].footnotes == ()


def test_paragraph_22_carries_footnote_2_with_latin_names_spaced(units: dict[str, Unit]) -> None:
    assert "并对结果进行评估。按照通常的定义" in units["22"].text
    assert units["22"].footnotes == ("fn2",)
    fn2 = units["fn2"].text
    assert fn2.startswith("Auzeen Shariati 和 Rob T. Guerette，“情境式犯罪预防”")
    assert "由 Brent Teasdale 和 Mindy S. Bradley" in fn2
    assert fn2.endswith("斯普林格出版社，2017 年）。")
    assert units["25"].text.endswith("使贩运者在犯罪过程中更难使用传统交通工具。")


def test_paragraph_26_lone_marker_line_is_footnote_3(units: dict[str, Unit]) -> None:
    assert "即使是在涉及未经授权滥用权力的案件中，应对贩运人口问题的国家预防战略" in units["26"].text
    assert units["26"].footnotes == ("fn3",)
    assert units["fn3"].text.endswith("出售品编号：E.04.V.17 (Part II)），第四章，E 节，第 7 条。")
    assert units["31"].text.endswith("对公平的工资做出硬性规定，禁止雇主从工资中扣除招聘费，"
                                     "并对违反劳工条例的雇主规定严格的禁止期和罚款。")


def test_numbers_of_running_text_are_not_markers(units: dict[str, Unit]) -> None:
    assert "第 10 段" in units["13"].text
    assert "第 11 条" in units["23"].text
    assert "2019 年的主题侧重于" in units["37"].text
    assert {f for u in units.values() for f in u.footnotes} == {"fn*", "fn1", "fn2", "fn3"}


def test_lead_in_of_a_paragraph_with_subitems(units: dict[str, Unit]) -> None:
    assert units["16"].text == "2013 年，工作组第五次会议通过了以下与预防贩运人口犯罪有关的建议："
    assert units["16(e)"].parent == "16"
    assert units["16(h)"].text.startswith("鼓励缔约国改进预防措施")


GUIDANCE = ("四. 应对工作指南", "主要工具和推荐资源")


@pytest.mark.parametrize(
    ("unit_id", "section"),
    [
        ("1", ("一. 导言",)),
        ("2(p)", ("二. 供讨论的问题",)),
        ("16(e)", ("三. 背景", "贩运人口问题工作组先前的审议情况")),
        ("30", ("三. 背景", "脆弱性")),
        ("31", ("三. 背景", "脆弱性")),
        ("42", ("四. 应对工作指南",)),
        ("44", GUIDANCE + ("《打击贩运人口示范法》",)),
        (
            "45",
            GUIDANCE
            + ("《关于实施<联合国打击跨国有组织犯罪公约关于预防、禁止和惩治贩运人口特别是妇女和儿童行为的补充议定书>的立法指南》",),
        ),
        (
            "54",
            GUIDANCE
            + ("欧洲理事会关于各国当局、商界和民间社会在减少以剥削劳工为目的的人口贩运活动需求方面新出现的良好做法的报告",),
        ),
        ("header", ()),
        ("fn1", ("三. 背景",)),
        ("fn2", ("三. 背景", "多学科、循证和有针对性的对策")),
        ("fn*", ()),
    ],
)
def test_heading_paths(units: dict[str, Unit], unit_id: str, section: tuple[str, ...]) -> None:
    assert units[unit_id].section == section


def test_all_subheadings_of_section_three_are_level_two(parsed: ParsedText) -> None:
    paths = {u.section for u in parsed.units if u.section[:1] == ("三. 背景",)}
    assert {len(p) for p in paths} == {1, 2}
    assert {p[1] for p in paths if len(p) == 2} == {
        "贩运人口问题工作组先前的审议情况", "多学科、循证和有针对性的对策",
        "采取预防行动，打击跨国贩运人口行为", "通过消除腐败和共犯行为的方式进行预防",
        "满足需求", "脆弱性", "提高认识活动", "联合国毒品和犯罪问题办公室的教育促进正义倡议",
        "与共同预防相关的信息",
    }
