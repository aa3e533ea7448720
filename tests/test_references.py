"""Direct references in the six languages and both id styles resolve to one unit id."""

from __future__ import annotations

import pytest

from assistant.answering.references import find_reference, nearest_ids


@pytest.mark.parametrize(
    ("question", "unit_id"),
    [
        ("What does paragraph 31 say?", "31"),
        ("Show me para. 16(e)", "16(e)"),
        ("para 16 (e) please", "16(e)"),
        ("paragraphe 16 e) du document", "16(e)"),
        ("¿Qué dice el párrafo 25?", "25"),
        ("Что говорится в пункте 18 b)?", "18(b)"),
        ("ما الذي تقوله الفقرة 22؟", "22"),
        ("ما الذي تقوله الفقرة ٢٢؟", "22"),
        ("الفقرة 16 (هـ)", "16(e)"),
        ("第17(a)段说了什么？", "17(a)"),
        ("第 17（a）段", "17(a)"),
        ("第25段", "25"),
        ("脚注3", "fn3"),
        ("Montrez-moi la note de bas de page 3", "fn3"),
        ("What is in footnote 2?", "fn2"),
        ("nota 1", "fn1"),
        ("сноска 3", "fn3"),
        ("الحاشية 1", "fn1"),
        ("In paragraph 38, which country is mentioned?", "38"),
    ],
)
def test_a_reference_names_its_unit(question, unit_id):
    ref = find_reference(question)
    assert ref is not None and ref.unit_id == unit_id


@pytest.mark.parametrize(
    "question",
    [
        "What does article 11 of the Protocol require?",
        "What are carrier sanctions?",
        "Which resolution designated 30 July?",
        "paragraph 16 explains what?",  # "16 e" is 16(e) only with its closing bracket
        # A treaty's paragraph, not one of the paper's:
        "And what does paragraph 2 of the following article stress?",
        "Que dit le paragraphe 2 de l'article 9 ?",
        "¿Qué dice el párrafo 2 del artículo 9?",
        "Что говорится в пункте 2 статьи 9?",
        "ماذا تقول الفقرة 2 من المادة 9؟",
        "蓝心运动是什么时候成立的？",
    ],
)
def test_a_question_without_a_reference_has_none(question):
    ref = find_reference(question)
    assert ref is None or ref.unit_id == "16"


def test_nearest_ids_prefer_the_same_kind_and_the_nearest_number():
    pool = ["1", "2", "2(a)", "55", "56", "fn1", "fn2", "fn3", "header"]
    assert nearest_ids("57", pool) == ["56", "55", "2"]
    assert nearest_ids("fn9", pool)[0] == "fn3"
    assert nearest_ids("2(q)", pool)[0] == "2(a)"


@pytest.mark.parametrize(
    ("question", "unit_id"),
    [
        ("第十二段讲了什么？", "12"),
        ("第15段(b)项说什么？", "15(b)"),
        ("18 b)", "18(b)"),
        ("подпункт 2 f)", "2(f)"),
        ("الفقرة الفرعية 2 (ب)", "2(b)"),
    ],
)
def test_chinese_numerals_bare_ids_and_sub_paragraph_words(question, unit_id):
    assert find_reference(question).unit_id == unit_id
