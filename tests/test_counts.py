"""What a count counts (answering/counts.py): a "how many X" question is answered by a count of X."""

from __future__ import annotations

import pytest

from assistant.answering.counts import asked_counts, counts_the_thing
from assistant.answering.facts import find_fact

P50 = "对来自 100 多个国家及超国家法院的将近 1,500 项关于贩运人口方面的法院裁决进行了分析。"
P38 = "蓝心运动成立于 2010 年，到目前为止，已有 18 个国家参与这一运动。"


@pytest.mark.parametrize(
    ("question", "lang", "short"),
    [
        ("How many countries do the court decisions come from?", "en", "over 100"),
        ("How many court decisions does the database hold?", "en", "nearly 1,500"),
        ("贩运人口判例法数据库分析了多少项法院裁决？", "zh", "将近1,500"),
        ("¿De cuántos países proceden las sentencias?", "es", "más de 100"),
        ("What is the number of countries the decisions come from?", "en", "over 100"),
        ("كم عدد البلدان التي جاءت منها الأحكام؟", "ar", "أكثر من 100"),
    ],
)
def test_the_count_of_the_thing_asked_is_the_answer(question, lang, short):
    fact = find_fact("quantity", [("50", P50)], (), lang, counted=asked_counts(question))
    assert fact is not None and fact.display == short


def test_a_count_of_something_else_is_no_answer():
    # "18 countries" does not say how many member agencies or articles there are.
    for question in ("打击人口贩运机构间协调小组有多少个成员机构？", "Сколько статей содержит Типовой закон?"):
        assert find_fact("quantity", [("38", P38)], (), "zh", counted=asked_counts(question)) is None
    # A question naming nothing it counts takes any count.
    assert asked_counts("How many?") == ()
    assert counts_the_thing(P38, P38.index("18"), ())


@pytest.mark.parametrize(
    "question",
    [
        "Pendant combien de temps la campagne s'est-elle déroulée ?",
        "¿Cuánto tiempo duró la campaña?",
        "该运动持续了多长时间？",
        "Dans combien de langues le guide existe-t-il ?",
        "How much funding does the campaign get each year?",
        "蓝心运动每年有多少资金？",
    ],
)
def test_a_count_of_countries_says_neither_how_long_nor_how_much_nor_in_how_many_languages(question):
    assert asked_counts(question)
    assert find_fact("quantity", [("38", P38)], (), "fr", counted=asked_counts(question)) is None


def test_a_span_of_time_answers_how_long():
    note = "The programme runs for 3 years in 12 countries."
    fact = find_fact("quantity", [("n1", note)], (), "en", counted=asked_counts("How long does the programme run?"))
    assert fact is not None and fact.span == "3 years"
