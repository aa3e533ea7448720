"""The UN-text parser on small synthetic documents: its rules hold in any language."""

from __future__ import annotations

import dataclasses

import pytest

from assistant.core.records import Unit
from assistant.core.text import join_lines
from assistant.ingest.structure import ParsedText, has_un_structure, parse_un_text


def _pdf(*lines: str) -> str:
    """Lines as a PDF extractor writes them: each followed by an empty line."""
    return "\n\n".join(lines) + "\n"


def _by_id(parsed: ParsedText) -> dict[str, Unit]:
    return {u.unit_id: u for u in parsed.units}


ENGLISH = _pdf(
    "CTOC/COP/WG.4/2019/2",
    " Working Group on Trafficking in Persons ",
    "Vienna, 9–11 September 2019 ",
    "Item 2 of the provisional agenda* ",
    "Crime prevention measures related to trafficking in persons ",
    "  Background paper prepared by the Secretariat ",
    " ",
    " I. Introduction ",
    "1. The present background paper was prepared by the Secretariat to facilitate",
    "the discussions of the Working Group at its ninth meeting. ",
    " II.  Issues for discussion ",
    "2. The Working Group may wish to consider the following questions: ",
    " (a) What research is being conducted on the root causes of trafficking in",
    "persons? ",
    " (b) Which factors increase the vulnerability of individuals and communities",
    "__________________ ",
    " * CTOC/COP/WG.4/2019/1. ",
    "V.19-05012 2/10 ",
    "CTOC/COP/WG.4/2019/2 ",
    " to trafficking? ",
    " III. Background ",
    " A. Previous deliberations ",
    "3. According to the Guidelines for the Prevention of Crime,1 effective crime",
    "prevention strategies involve cooperation between Rob T.",
    "Guerette and partners, including in 2019 the 10 partners listed in",
    "__________________ ",
    " 1 Economic and Social Council resolution 2002/13, annex.",
    "V.19-05012 (E)",
    "*1905012*",
    "3",
    " paragraph 10 of the report. The approach is well-",
    "known to practitioners.",
    "http://www.undocs.org/E/RES/2002/13",
    "  Vulnerability ",
    "4. Specific environmental factors contribute to vulnerability.2",
    "__________________ ",
    " 2 Auzeen Shariati and Rob T. Guerette, “Situational crime prevention”, in",
    "Preventing Crime and Violence, Brent Teasdale and Mindy S. Bradley, eds., vol.",
    "2 (Basel, Springer, 2017).",
)

FRENCH = _pdf(
    " Groupe de travail sur la traite des personnes ",
    "Vienne, 9-11 septembre 2019 ",
    "Point 2 de l’ordre du jour provisoire ",
    "Mesures de prévention du crime liées à la traite des personnes ",
    " I. Introduction ",
    "1. Le présent document d’information a été établi par le Secrétariat afin de",
    "faciliter les débats du Groupe de travail. ",
    " II. Questions à examiner ",
    "2. Le Groupe de travail souhaitera peut-être examiner les questions",
    "suivantes : ",
    " (a) Quelles recherches sont menées sur les causes profondes de la traite ?",
    " (b) Quels facteurs, selon les « Principes directeurs »,1 accroissent la",
    "__________________ ",
    " * CTOC/COP/WG.4/2019/1. ",
    " 1 Résolution 2002/13 du Conseil économique et social, annexe. ",
    "V.19-05013 (F) ",
    "2/9 ",
    " vulnérabilité des personnes ? ",
    "  Vulnérabilité ",
    "3. Les facteurs de risque sont nombreux. ",
)


@pytest.fixture(scope="module")
def english() -> ParsedText:
    return parse_un_text(ENGLISH, "en-doc", "en")


@pytest.fixture(scope="module")
def french() -> ParsedText:
    return parse_un_text(FRENCH, "fr-doc", "fr")


# --------------------------------------------------------------------------- English


def test_english_units_in_document_order(english: ParsedText) -> None:
    assert [u.unit_id for u in english.units] == [
        "header", "1", "2", "2(a)", "2(b)", "fn*", "3", "fn1", "4", "fn2",
    ]
    assert [u.order for u in english.units] == list(range(10))
    assert [u.kind for u in english.units][:6] == [
        "header", "paragraph", "paragraph", "subitem", "subitem", "footnote",
    ]


def test_english_masthead(english: ParsedText) -> None:
    units = _by_id(english)
    assert english.symbol == "CTOC/COP/WG.4/2019/2"  # printed standalone: the paper's own
    assert english.title == "Crime prevention measures related to trafficking in persons"
    assert units["header"].text.split("\n") == [
        "Working Group on Trafficking in Persons",
        "Vienna, 9–11 September 2019",
        "Item 2 of the provisional agenda",
        "Crime prevention measures related to trafficking in persons",
        "Background paper prepared by the Secretariat",
    ]
    assert units["header"].footnotes == ("fn*",)
    assert units["fn*"].text == "CTOC/COP/WG.4/2019/1."


def test_english_subitem_rejoined_across_footnote_and_running_headers(english: ParsedText) -> None:
    units = _by_id(english)
    assert units["2"].text == "The Working Group may wish to consider the following questions:"
    assert units["2(a)"].text == (
        "What research is being conducted on the root causes of trafficking in persons?"
    )
    assert units["2(b)"].text == (
        "Which factors increase the vulnerability of individuals and communities to trafficking?"
    )
    assert units["2(b)"].parent == "2"


def test_english_paragraph_rejoined_and_marker_removed(english: ParsedText) -> None:
    units = _by_id(english)
    assert units["3"].text == (
        "According to the Guidelines for the Prevention of Crime, effective crime prevention "
        "strategies involve cooperation between Rob T. Guerette and partners, including in 2019 "
        "the 10 partners listed in paragraph 10 of the report. The approach is well-known to "
        "practitioners."
    )
    assert units["3"].footnotes == ("fn1",)
    assert units["fn1"].text == "Economic and Social Council resolution 2002/13, annex."
    assert units["4"].text == "Specific environmental factors contribute to vulnerability."
    assert units["4"].footnotes == ("fn2",)


def test_english_footnote_line_ending_in_an_abbreviation_continues(english: ParsedText) -> None:
    assert _by_id(english)["fn2"].text == (
        "Auzeen Shariati and Rob T. Guerette, “Situational crime prevention”, in Preventing "
        "Crime and Violence, Brent Teasdale and Mindy S. Bradley, eds., vol. 2 (Basel, "
        "Springer, 2017)."
    )


def test_english_heading_paths(english: ParsedText) -> None:
    units = _by_id(english)
    assert units["1"].section == ("I. Introduction",)
    assert units["2(a)"].section == ("II. Issues for discussion",)  # spacing normalised
    assert units["3"].section == ("III. Background", "A. Previous deliberations")
    assert units["4"].section == ("III. Background", "A. Previous deliberations", "Vulnerability")
    assert units["fn1"].section == units["3"].section


def test_furniture_and_links_do_not_reach_any_unit(english: ParsedText) -> None:
    everything = " ".join(u.text for u in english.units)
    for residue in ("V.19-05012", "*1905012*", "2/10", "http", "CTOC/COP/WG.4/2019/2"):
        assert residue not in everything
    assert not any(u.text.startswith("3 ") or " 3 paragraph" in u.text for u in english.units)


# --------------------------------------------------------------------------- French


def test_french_document(french: ParsedText) -> None:
    units = _by_id(french)
    assert [u.unit_id for u in french.units] == [
        "header", "1", "2", "2(a)", "2(b)", "fn*", "fn1", "3",
    ]
    assert units["2"].text == (
        "Le Groupe de travail souhaitera peut-être examiner les questions suivantes :"
    )
    assert units["2(b)"].text == (
        "Quels facteurs, selon les « Principes directeurs », accroissent la vulnérabilité "
        "des personnes ?"
    )
    assert units["2(b)"].footnotes == ("fn1",)
    assert units["fn1"].text == "Résolution 2002/13 du Conseil économique et social, annexe."
    assert units["3"].section == ("II. Questions à examiner", "Vulnérabilité")
    assert french.symbol is None


def test_asterisk_footnote_without_marker_belongs_to_the_masthead(french: ParsedText) -> None:
    units = _by_id(french)
    assert "*" not in units["header"].text
    assert units["header"].footnotes == ("fn*",)
    assert units["fn*"].section == ()
    # no line is printed twice and no agenda line carries a marker: no title is guessed
    assert french.title is None


# --------------------------------------------------------------------------- rules


def test_numbers_are_markers_only_where_a_marker_sits() -> None:
    text = _pdf(
        " 一. 导言 ",
        "1. 特别报告员在报告第 10 段指出，有 10 个国家参与，",
        "并在 2019 年提出了建议。 ",
        "__________________ ",
        " 10 见 A/HRC/41/46。",
        "2. 根据《准则》，11有效的战略应包括合作。",
        "__________________ ",
        " 11 经济及社会理事会第 2002/13 号决议。",
    )
    units = _by_id(parse_un_text(text, "zh-doc", "zh"))
    assert units["1"].text == "特别报告员在报告第 10 段指出，有 10 个国家参与，并在 2019 年提出了建议。"
    assert units["1"].footnotes == ()
    assert units["2"].text == "根据《准则》，有效的战略应包括合作。"
    assert units["2"].footnotes == ("fn11",)
    assert units["fn10"].text == "见 A/HRC/41/46。"


def test_paragraph_numbers_only_in_sequence() -> None:
    text = _pdf(
        "1. The first paragraph mentions that",
        "3. is not a paragraph number here, nor is",
        "2019. Still paragraph one.",
        "2. The second paragraph.",
    )
    units = parse_un_text(text, "d", "en").units
    assert [u.unit_id for u in units] == ["1", "2"]
    assert units[0].text == (
        "The first paragraph mentions that 3. is not a paragraph number here, nor is "
        "2019. Still paragraph one."
    )


def test_consecutive_subheadings_nest_and_wrapped_headings_join() -> None:
    text = _pdf(
        " I. Guidance ",
        "1. Lead paragraph. ",
        "  Key tools and recommended resources ",
        "  Model Law against Trafficking in Persons ",
        "2. The Model Law. ",
        "  Legislative Guide for the Implementation of the Protocol to Prevent, Suppress",
        "and Punish Trafficking in Persons ",
        "3. The Guide. ",
        " II. Other ",
        "  Vulnerability ",
        "4. Text. ",
    )
    units = _by_id(parse_un_text(text, "d", "en"))
    tools = ("I. Guidance", "Key tools and recommended resources")
    assert units["1"].section == ("I. Guidance",)
    assert units["2"].section == tools + ("Model Law against Trafficking in Persons",)
    assert units["3"].section == tools + (
        "Legislative Guide for the Implementation of the Protocol to Prevent, Suppress and "
        "Punish Trafficking in Persons",
    )
    assert units["4"].section == ("II. Other", "Vulnerability")


def test_whitespace_only_lines_are_not_paragraph_breaks() -> None:
    text = "1. 第一段的开头\n \n\n   \n第一段的结尾。\n\n2. 第二段。\n"
    units = parse_un_text(text, "d", "zh").units
    assert [(u.unit_id, u.text) for u in units] == [("1", "第一段的开头第一段的结尾。"), ("2", "第二段。")]


def test_parsed_text_and_units_are_frozen(english: ParsedText) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        english.title = "x"  # type: ignore[misc]
    assert all(u.doc_id == "en-doc" for u in english.units)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["涉及贩运人口的预防", "犯罪措施"], "涉及贩运人口的预防犯罪措施"),
        (["Rob T.", "Guerette"], "Rob T. Guerette"),
        (["由 Brent Teasdale 和 Mindy S. Bradley", "联合主编的"], "由 Brent Teasdale 和 Mindy S. Bradley 联合主编的"),
        (["斯普林格出版社，", "2017 年）。"], "斯普林格出版社，2017 年）。"),
        (["贩运受", " 害者"], "贩运受害者"),
        (["行为日”，从", "2014 年起"], "行为日”，从 2014 年起"),
        (["侧重于“对贩运的脆弱性”；", "2018 年的主题"], "侧重于“对贩运的脆弱性”；2018 年的主题"),
        (["said", "“The"], "said “The"),
        (["well-", "known"], "well-known"),
        (["  ", "a  b ", ""], "a  b"),
    ],
)
def test_join_lines(lines: list[str], expected: str) -> None:
    assert join_lines(lines) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ENGLISH, True),
        (FRENCH, True),
        ("1. One.\n\n2. Two.\n\n3. Three.\n", True),
        ("1. One.\n2019. Stray.\n2. Two.\n3. Three.\n", True),
        ("Plain prose.\n\nMore prose, no numbers.\n", False),
        ("1. One.\n2. Two.\n", False),
        ("1. a\n2. b\n3. c\n\n1. d\n2. e\n", False),
        ("# Heading\n\n2. Two.\n3. Three.\n4. Four.\n", False),
        ("", False),
    ],
)
def test_has_un_structure(text: str, expected: bool) -> None:
    assert has_un_structure(text) is expected


def test_heading_rules_guard_against_running_text() -> None:
    text = _pdf(
        " I. ",
        "  Introduction ",
        "1. The report was edited by",
        "A. Smith and B. Jones; it lists (i) causes and",
        "(ii) responses.",
        "2. The next paragraph: ",
        " (a) first item; and",
        " (b) second item.",
    )
    units = _by_id(parse_un_text(text, "d", "en"))
    assert [u for u in units] == ["1", "2", "2(a)", "2(b)"]
    assert units["1"].section == ("I. Introduction",)
    assert units["1"].text == (
        "The report was edited by A. Smith and B. Jones; it lists (i) causes and (ii) responses."
    )
    assert units["2(b)"].section == ("I. Introduction",)


def test_page_number_is_not_taken_for_a_marker() -> None:
    text = _pdf(
        "1. A paragraph that refers to the Protocol,2 whose page ends",
        "V.19-05012",
        "2",
        "CTOC/COP/WG.4/2019/2",
        "here.",
        "__________________",
        " 2 Protocol against the Smuggling of Migrants.",
        "2. Next.",
        "3. Last.",
    )
    parsed = parse_un_text(text, "d", "en")
    units = _by_id(parsed)
    assert units["1"].text == "A paragraph that refers to the Protocol, whose page ends here."
    assert units["1"].footnotes == ("fn2",)
    assert parsed.symbol == "CTOC/COP/WG.4/2019/2"
    assert [u.unit_id for u in parsed.units] == ["1", "fn2", "2", "3"]
