"""The shared script rules: one Han range, one way to join a paragraph's lines."""

from __future__ import annotations

import pytest

from assistant.core.text import HAN_RUN, has_han, is_han, join_lines


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["2019", "年"], "2019年"),  # a number runs into the ideograph that counts it
        (["从", "2014 年起"], "从 2014 年起"),
        (["inter-", "national"], "inter-national"),  # a hyphenated word stays whole
        (["anti-", "trafficking measures"], "anti-trafficking measures"),
        (["page 4 -", "next"], "page 4 - next"),  # a dash between words is no hyphenation
        (["预防", "犯罪"], "预防犯罪"),
        (["prevention", "of crime"], "prevention of crime"),
        (["由 Brent", "和"], "由 Brent 和"),
        (["措施，", "包括"], "措施，包括"),
    ],
)
def test_join_lines_for_chinese_and_latin(lines: list[str], expected: str) -> None:
    assert join_lines(lines) == expected


def test_join_lines_takes_a_blocks_split_text() -> None:
    assert join_lines("涉及贩运人口的预防\n\n犯罪措施\n".split("\n")) == "涉及贩运人口的预防犯罪措施"


def test_han_range() -> None:
    assert is_han("贩") and is_han("\u3400") and is_han("\U00020000")
    assert not is_han("，") and not is_han("a") and not is_han("あ")
    assert has_han("UNODC 报告") and not has_han("UNODC report")
    assert HAN_RUN.findall("2019年的主题") == ["年的主题"]


def test_a_short_question_is_read_in_the_language_of_its_function_words_or_glossary_names():
    from assistant.answering.service import detect_lang
    from assistant.ingest.langid import detect_language

    assert detect_language("Whta are carier sanctons?") == "en"  # lingua alone says French
    assert detect_language("Et quand ?") == "fr" and detect_language("¿Y quién la coordina?") == "es"
    assert detect_lang("carrier sanctions") == "en"  # no function word: the glossary's English name
    assert detect_lang("sanciones a los transportistas") == "es"
