from __future__ import annotations

import pytest

from assistant.core.errors import ConfigError, UnitNotFound
from assistant.retrieval import glossary
from assistant.retrieval.conversation import resolve
from assistant.retrieval.lexical import normalise, tokenize
from tests.conftest import PAPER_DOC


def test_hybrid_search_ranks_the_paragraph_that_says_it(fake_assistant):
    result = fake_assistant.search("禁止向雇员收取征聘费", k=5)
    assert result.passages[0].unit_id == "16(e)"
    assert len(result.passages) == 5
    assert len({(p.doc_id, p.unit_id) for p in result.passages}) == 5


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_every_mode_returns_units(fake_assistant, mode):
    result = fake_assistant.search("蓝心运动", k=3, mode=mode)
    assert result.passages and result.passages[0].unit_id == "38"


def test_unknown_mode_lists_valid_ones(fake_assistant):
    with pytest.raises(ConfigError, match="hybrid"):
        fake_assistant.search("x", mode="semantic")


def test_traditional_chinese_is_normalised_to_simplified():
    assert normalise("藍心運動") == "蓝心运动"
    assert "蓝心" in "".join(tokenize("藍心運動是什麼？"))


def test_glossary_bridges_english_french_and_russian_to_the_chinese_terms():
    assert "承运人处罚" in glossary.expand("What are carrier sanctions?")
    assert "蓝心运动" in glossary.expand("Qu'est-ce que la campagne Cœur bleu ?")
    assert "征聘费" in glossary.expand("Did they ban recruitment fees?")
    assert "贩运人口" in glossary.expand("Что такое торговля людьми?")
    assert glossary.expand("") == []


def test_glossary_reads_arabic_words_with_a_preposition_or_conjunction_written_on():
    # "باليوم" is "by" + "اليوم", "للقانون" is "for" + "القانون".
    assert "世界打击贩运人口行为日" in glossary.expand("متى يُحتفل باليوم العالمي لمكافحة الاتجار بالأشخاص؟")
    assert glossary.expand("ما هي التعديلات على للقانون النموذجي؟") == ["打击贩运人口示范法"]
    # Stems are taken after the article: المدني (civil) is not المدارس (schools).
    assert "学校" not in glossary.expand("ما هو دور المجتمع المدني في منع الاتجار بالأشخاص؟")


def test_glossary_reads_a_word_misspelt_by_one_letter():
    assert glossary.expand("Whta are carier sanctons?") == ["承运人处罚"]
    assert glossary.expand("Educaton for Justce initiative")[0] == "教育促进正义倡议"
    assert glossary.expand("What are carriers?") == []  # a real word is not "corrected" into a term


def test_glossary_knows_the_short_names_delegates_use():
    # "the 2018 World Day" ranked the Working Group's 2018 paragraph first: no term bridged it.
    assert glossary.expand("What is the theme of the 2018 World Day?") == ["世界打击贩运人口行为日"]
    assert "蓝心运动" in glossary.expand("Кто координирует «Голубое сердце»?")
    assert "打击贩运人口示范法" in glossary.expand("¿Cuándo se publicará la Ley Modelo?")
    assert glossary.expand("What does Education for Justice offer?")[0] == "教育促进正义倡议"
    assert glossary.expand("What is the symbol of the provisional agenda?") == ["临时议程"]


def test_glossary_terms_all_occur_in_the_paper(fake_assistant):
    text = fake_assistant.corpus_text
    missing = [zh for zh in glossary.chinese_terms() if zh.replace(" ", "") not in text]
    assert missing == []


def test_english_question_reaches_the_chinese_paragraph_through_the_glossary(fake_assistant):
    result = fake_assistant.search("carrier sanctions", k=3, mode="lexical")
    assert "25" in [p.unit_id for p in result.passages]


def test_filters_by_document_and_section(fake_assistant):
    result = fake_assistant.search("预防", k=10, section="四. 应对工作指南")
    assert result.passages and all(p.unit.section[0] == "四. 应对工作指南" for p in result.passages)
    result = fake_assistant.search("预防", k=3, doc=PAPER_DOC)
    assert all(p.doc_id == PAPER_DOC for p in result.passages)
    # Dense alone, on a question about another section: still k passages, all admitted.
    result = fake_assistant.search("承运人制裁 边境管理", k=8, section="先前的审议情况", mode="dense")
    assert len(result.passages) == 8 and all("先前的审议情况" in p.unit.section_path for p in result.passages)
    with pytest.raises(ConfigError, match="unknown document"):
        fake_assistant.search("预防", doc="nope")


def test_followup_is_resolved_against_the_topic_of_earlier_turns():
    r = resolve("那2015年呢？", ["2013年工作组提出了哪些建议？"])
    # The topic's words stay; the year the follow-up replaces does not pull back to 2013.
    assert r.is_followup and "年工作组提出了哪些建议" in r.dense_query and "2015" in r.dense_query
    assert "2013" not in r.dense_query
    chained = resolve("2018年呢？", ["2013年工作组提出了哪些建议？", "那2015年呢？"])
    assert chained.lexical_extra == "2018年工作组提出了哪些建议？"
    standalone = resolve("蓝心运动是什么时候成立的？", ["承运人处罚是什么？"])
    assert not standalone.is_followup and standalone.dense_query == "蓝心运动是什么时候成立的？"


def test_followup_answer_uses_the_conversation(fake_assistant):
    answer = fake_assistant.ask("那最新加入的国家是哪个？", history=["蓝心运动是哪一年成立的？"])
    assert answer.passages[0].unit_id == "38"


def test_one_paragraph_lookup_takes_ids_as_people_type_them(fake_assistant):
    exact = fake_assistant.unit("16(e)", PAPER_DOC)
    assert fake_assistant.unit("16 (e)", PAPER_DOC) is exact and fake_assistant.unit("para 16e") is exact
    assert fake_assistant.neighbours("16 (e)", PAPER_DOC) == fake_assistant.neighbours("16(e)", PAPER_DOC)
    with pytest.raises(UnitNotFound, match=r"close ids: .*16\(e\)"):
        fake_assistant.unit("16(z)", PAPER_DOC)
    with pytest.raises(ConfigError, match="unknown document"):
        fake_assistant.unit("16 (e)", "nope")


def test_glossary_lookup_by_first_stem_finds_what_a_full_scan_finds():
    # The index only narrows which terms are tried; every term a question names is still found.
    questions = ["What are carrier sanctions?", "Qu'est-ce que la campagne Cœur bleu ?", "Что такое торговля людьми?",
                 "ما هي حملة القلب الأزرق؟", "EU and UNODC", "Did they ban recruitment fees?"]
    for table in ("glossary", "salient_terms"):
        for q in questions:
            words = glossary._words(q)
            assert glossary._matching(words, table) == [t for t in glossary.terms(table) if glossary._matches(t, words)]
