from __future__ import annotations

import pytest

from assistant.answering.refusal import missing_salient_terms
from assistant.answering.service import MAX_QUESTION_CHARS, answer_to_json, clean_question
from assistant.core import i18n


def test_every_quote_is_verbatim_and_cites_a_retrieved_unit(fake_assistant):
    for q in ["征聘费", "承运人处罚是什么？", "蓝心运动", "社会排斥", "情景式预防犯罪"]:
        answer = fake_assistant.ask(q)
        answer.validate()
        assert not answer.refused and answer.citations


def test_answer_text_follows_each_sentence_with_its_paragraph(fake_assistant):
    answer = fake_assistant.ask("禁止向雇员收取征聘费")
    assert [c for c in answer.citations if c.role == "evidence"][0].unit_id == "16(e)"
    assert "[第16(e)段]" in answer.text
    assert answer.text.startswith(i18n.text("answer_intro", "zh"))


def test_question_about_a_number_the_corpus_never_mentions_is_refused(fake_assistant):
    answer = fake_assistant.ask("2023年世界打击贩运人口行为日的主题是什么？")
    assert answer.refused and not answer.citations
    assert "2023" in answer.refusal_reason
    assert answer.text.startswith(i18n.text("refusal", "zh"))
    assert answer.passages  # the closest paragraphs are still offered, as such


def test_salient_terms_include_article_numbers():
    corpus = "根据议定书第11条，缔约国应加强边界管制。2019年"
    assert missing_salient_terms("议定书第 5 条说了什么？", corpus) == ["第 5 条"]
    assert missing_salient_terms("What does article 11 say?", corpus) == []
    assert missing_salient_terms("What does article 5 say?", corpus) == ["article 5"]
    assert missing_salient_terms("2019年的主题", corpus) == []


@pytest.mark.parametrize("question", ["", "   ", "\x00\x01", "\n\t"])
def test_empty_question_gets_a_message_not_an_error(fake_assistant, question):
    answer = fake_assistant.ask(question)
    assert answer.refused and answer.refusal_reason == "empty question" and not answer.citations


def test_overlong_question_is_truncated_with_a_notice(fake_assistant):
    answer = fake_assistant.ask("征聘费" * 50_000, lang="zh")
    assert answer.notices and str(MAX_QUESTION_CHARS) in answer.notices[0]
    assert clean_question("x" * (MAX_QUESTION_CHARS + 5)).truncated


def test_lone_surrogates_and_control_characters_are_cleaned():
    clean = clean_question("征聘\ud800费\x07？")
    clean.text.encode("utf-8")
    assert "\x07" not in clean.text


def test_framing_follows_the_question_language(fake_assistant):
    assert fake_assistant.ask("What are carrier sanctions?").lang == "en"
    answer = fake_assistant.ask("Qu'est-ce que les sanctions contre les transporteurs ?")
    assert answer.lang == "fr"
    assert answer.text.startswith((i18n.text("answer_intro", "fr"), i18n.text("refusal", "fr")))


def test_json_shape(fake_assistant):
    payload = answer_to_json(fake_assistant.ask("征聘费"))
    assert {"question", "lang", "answer", "refused", "citations", "passages", "timings_ms"} <= set(payload)
    assert set(payload["citations"][0]) == {"doc", "unit", "quote", "role", "terms"}
    assert set(payload["passages"][0]) == {"doc", "unit", "section", "text", "score"}
    scores = [p["score"] for p in payload["passages"]]
    assert scores == sorted(scores, reverse=True)


def test_cite_labels():
    assert i18n.cite_label("16(e)", "zh") == "第16(e)段"
    assert i18n.cite_label("16(e)", "en") == "para. 16(e)"
    assert i18n.cite_label("fn2", "en") == "footnote 2"


def test_cited_paragraph_comes_with_its_version_in_the_readers_language(settings, tmp_path):
    """A parallel English version aligns by paragraph id: 38 in Chinese is 38 in English."""
    from assistant.answering.service import Assistant
    from assistant.ingest.corpus import add_documents

    lines = [f"{n}. Paragraph {n} of the English version of the background paper." for n in range(1, 57)]
    lines[37] = "38. The Blue Heart Campaign against Human Trafficking was launched in 2010."
    english = tmp_path / "background.en.txt"
    english.write_text("\n\n".join(lines), encoding="utf-8")
    add_documents(settings, [english], lang="en", parallel_of="wg-tip-2019-prevention")
    assistant = Assistant.open(settings)
    answer = assistant.ask("蓝心运动是什么时候成立的？", lang="en", doc="wg-tip-2019-prevention")
    assert answer.citations[0].unit_id == "38"
    assert [(u.unit_id, u.text) for u in answer.aligned][:1] == [
        ("38", "The Blue Heart Campaign against Human Trafficking was launched in 2010.")
    ]


def test_a_year_question_gets_the_year_first_from_the_lead_in(fake_assistant):
    answer = fake_assistant.ask("禁止向雇员收取征聘费的建议是哪一年提出的？")
    assert answer.short_answer == "2013 — 第16段"
    assert answer.text.splitlines()[0] == answer.short_answer
    units = [c.unit_id for c in answer.citations]
    assert units.index("16") < units.index("16(e)")  # the lead-in is read first
    assert {c.role for c in answer.citations if c.unit_id == "16"} == {"evidence"}  # it states the fact
    answer.validate()


def test_a_quoted_sub_item_brings_its_lead_in_as_context(fake_assistant):
    answer = fake_assistant.ask("禁止向雇员收取征聘费")
    lead_in = [c for c in answer.citations if c.unit_id == "16"]
    assert lead_in and lead_in[0].role == "context" and lead_in[0].quote.startswith("2013 年")
    answer.validate()


def _units(*specs):
    from assistant.core.records import Unit

    return {uid: Unit(doc_id="d", unit_id=uid, kind="paragraph", text=text, section=("s",), order=i, parent=parent)
            for i, (uid, text, parent) in enumerate(specs)}


def _context(units):
    from assistant.answering.extractive import UnitContext

    return UnitContext(
        parent=lambda u: units.get(u.parent) if u.parent else None,
        children=lambda u: tuple(v for v in units.values() if v.parent == u.unit_id),
        doc_lang=lambda u: "zh",
    )


def test_a_lead_ins_list_is_evidence_only_when_the_quote_introduces_it():
    from assistant.answering.extractive import Draft, quote_unit

    units = _units(
        ("17", "2015 年，工作组讨论了征聘收费问题。在这次会议上，工作组通过了以下建议：", None),
        ("17(a)", "各国应鼓励雇主直接雇用移民工人；", "17"),
    )
    complete, introducing = "2015 年，工作组讨论了征聘收费问题。", "在这次会议上，工作组通过了以下建议："
    for quoted, role in (([complete], "context"), ([introducing], "evidence"), ([complete, introducing], "evidence")):
        draft = Draft()
        quote_unit(draft, units["17"], quoted, _context(units))
        assert [(c.unit_id, c.role) for c in draft.citations][-1] == ("17(a)", role)


def test_a_fact_question_lifts_passages_holding_the_fact_or_whose_lead_in_does():
    from assistant.answering.extractive import lift_fact_holders
    from assistant.retrieval.searcher import Passage

    units = _units(
        ("15", "工作组讨论了预防问题。", None),
        ("16", "2013 年，工作组建议：", None),
        ("16(e)", "禁止向雇员收取征聘费；", "16"),
        ("18", "2018 年，工作组建议各国：", None),
    )
    passages = tuple(Passage(units[u], s) for u, s in (("15", 1.0), ("16(e)", 0.95), ("18", 0.92)))
    lifted = lift_fact_holders(passages, "year", "", _context(units), 0.1)
    assert [p.unit_id for p in lifted] == ["16(e)", "18", "15"]  # 16(e) holds its year through its lead-in
    # The year the question names is not its answer: "in 2018" does not lift paragraph 18.
    lifted = lift_fact_holders(passages, "year", "2018", _context(units), 0.1)
    assert [p.unit_id for p in lifted] == ["16(e)", "15", "18"]


def test_a_title_block_without_the_fact_gives_way_to_the_paragraph_stating_it():
    from dataclasses import replace

    from assistant.answering.extractive import lift_fact_holders
    from assistant.retrieval.searcher import Passage

    units = _units(
        ("header", "Guidance note on fair recruitment\nIntroduction", None),
        ("1", "This guidance note was issued by the International Labour Organization in Geneva.", None),
    )
    header = replace(units["header"], kind="header")
    # The title matches "Who issued the guidance note on fair recruitment?" word for word.
    passages = (Passage(header, 1.0), Passage(units["1"], 0.85))
    assert [p.unit_id for p in lift_fact_holders(passages, "place", "", _context(units), 0.1)] == ["1", "header"]


def test_a_title_block_holding_the_fact_is_not_lifted_for_another_event():
    from dataclasses import replace

    from assistant.answering.extractive import lift_fact_holders
    from assistant.retrieval.searcher import Passage

    units = _units(("header", "Working Group, Vienna, 9-11 September 2019", None), ("37", "World Day is marked every year.", None))
    # "Where was the 2019 World Day held?": the title block's city is this meeting's, not the World Day's.
    passages = (Passage(replace(units["header"], kind="header"), 1.0), Passage(units["37"], 0.95))
    assert [p.unit_id for p in lift_fact_holders(passages, "place", "", _context(units), 0.1)] == ["37", "header"]


def test_a_holder_of_the_kind_asked_comes_before_one_of_its_fallback():
    from assistant.answering.extractive import lift_fact_holders
    from assistant.retrieval.searcher import Passage

    units = _units(
        ("13", "特别报告员在其 2019 年报告中呼吁制定预防战略。", None),
        ("21", "自 2000 年以来，很多国家制定了打击贩运人口的国家计划。", None),
    )
    # "Since when do national plans exist?": "自 2000 年以来" answers it; a bare year only if nothing does.
    passages = (Passage(units["13"], 1.0), Passage(units["21"], 0.97))
    assert [p.unit_id for p in lift_fact_holders(passages, "since", "", _context(units), 0.1)] == ["21", "13"]
    assert [p.unit_id for p in lift_fact_holders(passages, "year", "", _context(units), 0.1)] == ["13", "21"]


def test_a_fact_a_paragraph_gives_in_its_footnote_is_cited_from_the_footnote():
    from dataclasses import replace

    from assistant.answering.extractive import Draft, UnitContext, cite_fact_notes, lift_fact_holders, quote_unit
    from assistant.retrieval.searcher import Passage

    units = _units(
        ("5", "根据《预防犯罪准则》，有效的预防犯罪战略应包括跨部门合作。", None),
        ("43", "毒品和犯罪问题办公室的手册简明扼要地介绍了准则。", None),
        ("fn1", "经济及社会理事会第 2002/13 号决议，附件。", None),
        ("fn3", "《2001 年国际法委员会年鉴》，第二卷。", None),
    )
    units["5"] = replace(units["5"], footnotes=("fn1", "fn3"))
    base = _context(units)
    ctx = UnitContext(base.parent, base.children, base.doc_lang, notes=lambda u: tuple(units[f] for f in u.footnotes))
    passages = (Passage(units["43"], 1.0), Passage(units["5"], 0.95))
    assert [p.unit_id for p in lift_fact_holders(passages, "symbol", "", ctx, 0.1)] == ["5", "43"]
    draft = Draft()
    quote_unit(draft, units["5"], [units["5"].text], ctx)
    cite_fact_notes(draft, units["5"], "symbol", "", ctx)
    assert [(c.unit_id, c.role) for c in draft.citations] == [("5", "evidence"), ("fn1", "context")]
    assert draft.context == [units["fn1"]]  # shown with the answer though not retrieved
    # A footnote's year is its publication's, not the paragraph's event: never read as a "when".
    assert [p.unit_id for p in lift_fact_holders(passages, "year", "", ctx, 0.1)] == ["43", "5"]
    draft = Draft()
    cite_fact_notes(draft, units["5"], "year", "", ctx)
    assert draft.citations == []


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("这次工作组会议在哪个城市举行？", "zh"),
        ("這次工作組會議在哪個城市舉行？", "zh"),
        ("本背景文件是为哪次会议编写的？", "zh"),
        ("When and where does the meeting for which this background paper was prepared take place?", "en"),
        ("Quand se tient la réunion pour laquelle ce document a été établi ?", "fr"),
        ("¿Dónde se celebra esta reunión?", "es"),
        ("Где проходит совещание, для которого подготовлен этот справочный документ?", "ru"),
        ("Когда проходит это совещание?", "ru"),
        ("متى يعقد الاجتماع الذي أعدت له ورقة المعلومات الأساسية هذه؟", "ar"),
    ],
)
def test_a_question_about_the_document_itself_or_its_meeting_is_recognised(question, lang):
    from assistant.answering.question import analyse

    assert analyse(question, lang).self_reference


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("2018年的会议在哪里举行？", "zh"),
        ("When was the Blue Heart Campaign launched?", "en"),
        ("本着合作精神，各国应开展哪些会议？", "zh"),
    ],
)
def test_a_question_about_another_meeting_is_not_about_the_document(question, lang):
    from assistant.answering.question import analyse

    assert not analyse(question, lang).self_reference


def test_the_title_block_answers_a_fact_about_this_meeting_even_when_not_retrieved():
    from assistant.answering.extractive import names_its_meeting, own_statement, title_block_first
    from assistant.retrieval.searcher import Passage

    units = _units(
        ("header", "贩运人口问题工作组\n2019 年 9 月 9 日至 11 日，维也纳", None),
        ("1", "本背景文件由秘书处编写，旨在便利贩运人口问题工作组第九次会议开展讨论。", None),
        ("18", "2018 年，工作组第八次会议建议各国应：", None),
    )
    header, opening = units["header"], units["1"]
    assert own_statement("place", "", header, opening) == header
    passages = (Passage(units["18"], 1.9),)
    first = title_block_first(passages, header)
    assert [(p.unit_id, p.score) for p in first] == [("header", 1.9), ("18", 1.9)]
    # "Which meeting is this paper for?": the opening paragraph says so, the title block does not.
    assert own_statement("ordinal", "", header, opening) == opening
    # A fact neither states: the passages stay as they were.
    assert own_statement("article", "", header, opening) is None
    # "The ninth meeting" is the meeting this paper serves (its opening paragraph says so); "the eighth" is not.
    assert names_its_meeting("第九次会议在哪个城市召开？", opening)
    assert names_its_meeting("Where will the ninth meeting of the Working Group be held?", opening)
    assert not names_its_meeting("Where was the eighth meeting held?", opening)
    # The provisional agenda's symbol is in the note the title block carries ("临时议程*").
    from dataclasses import replace

    from assistant.answering.extractive import UnitContext, agenda_notes
    from assistant.core.records import Unit

    notes = {"fn*": Unit(doc_id="d", unit_id="fn*", kind="footnote", text="CTOC/COP/WG.4/2019/1。", section=(), order=9)}
    marked = replace(header, footnotes=("fn*",))
    base = _context(units)
    ctx = UnitContext(base.parent, base.children, base.doc_lang, notes=lambda u: tuple(notes[f] for f in u.footnotes))
    agenda = agenda_notes("What is the symbol of the provisional agenda of this meeting?", marked, ctx)
    assert own_statement("symbol", "", marked, opening, agenda) == notes["fn*"]
    # That note is the agenda's symbol, not this document's: a question on the paper's own symbol is not answered by it.
    assert agenda_notes("What is the document symbol of this background paper?", marked, ctx) == ()
    assert own_statement("symbol", "", marked, opening) is None
    # Or by the month and year of the title block's dates, in any language.
    assert names_its_meeting("В каком городе проходит совещание Рабочей группы в сентябре 2019 года?", opening, header)
    assert names_its_meeting("في أي مدينة يُعقد اجتماع الفريق العامل في أيلول/سبتمبر 2019؟", opening, header)
    assert not names_its_meeting("Where was the meeting held in July 2019?", opening, header)
    assert not names_its_meeting("Where was the World Day marked in September 2019?", opening, header)


def test_a_quoted_lead_in_brings_its_sub_items(fake_assistant):
    answer = fake_assistant.ask("在2018年，工作组建议各国做什么？")
    units = [c.unit_id for c in answer.citations]
    assert units[:4] == ["18", "18(a)", "18(b)", "18(c)"]
    assert not answer.text.rstrip().endswith("：")
    answer.validate()


@pytest.mark.parametrize(
    ("question", "unit_id"),
    [("What does paragraph 31 say?", "31"), ("第17(a)段说了什么？", "17(a)"), ("Montrez-moi la note de bas de page 3", "fn3")],
)
def test_a_direct_reference_answers_with_that_unit(fake_assistant, question, unit_id):
    answer = fake_assistant.ask(question)
    unit = fake_assistant.unit(unit_id)
    assert answer.reference == unit_id and not answer.refused
    assert answer.passages[0].unit_id == unit_id
    assert any(c.unit_id == unit_id and c.quote == unit.text for c in answer.citations)
    assert unit.section_path in answer.text.splitlines()[0]
    answer.validate()


def test_a_reference_to_a_missing_unit_names_the_nearest_ones(fake_assistant):
    answer = fake_assistant.ask("What does paragraph 57 say?")
    assert answer.refused and not answer.citations
    assert "para. 57" in answer.text and "para. 56" in answer.text


def test_a_reader_of_another_language_gets_the_terms_of_each_quote(fake_assistant):
    answer = fake_assistant.ask("What are carrier sanctions?")
    cited = next(c for c in answer.citations if c.unit_id == "25")
    assert ("承运人处罚", "carrier sanctions") in cited.terms
    assert "Terms: " in answer.text
    assert not any(c.terms for c in fake_assistant.ask("承运人处罚是什么？").citations)


def test_a_follow_up_in_another_language_keeps_the_topic(e5_assistant):
    # The real model: the follow-up's dense query names the topic in the reader's language.
    answer = e5_assistant.ask("When was it launched?", ["蓝心运动由哪个机构协调？"])
    assert not answer.refused and answer.citations[0].unit_id == "38"
    assert answer.short_answer == "2010 — para. 38"


def test_a_pronoun_follow_up_carries_the_thing_named_not_the_earlier_details():
    from assistant.retrieval.conversation import resolve

    resolved = resolve("¿Y quién la coordina?", ["What was UNODC's budget for the Blue Heart Campaign in 2018?"], "es")
    assert "Campaña Corazón Azul" in resolved.dense_query
    assert "2018" not in resolved.dense_query and "budget" not in resolved.dense_query
    assert "2018" in resolved.lexical_extra  # the earlier turn is still context for the lexical side
    # Without a pronoun, an elliptical follow-up inherits the earlier question whole.
    assert resolve("And at the individual level?", ["在全球层面有哪些因素会增加犯罪风险？"], "en").dense_query.startswith("在全球层面")


def test_an_earlier_turns_terms_reach_the_lexical_search_in_chinese(fake_assistant):
    from assistant.answering.question import analyse

    assert "蓝心运动" in analyse("Qui la coordonne ?", "fr", ["What is the Blue Heart Campaign?"]).tokens
    answer = fake_assistant.ask("Qui la coordonne ?", ["What is the Blue Heart Campaign?"])
    assert not answer.refused and answer.citations[0].unit_id == "38"


def test_a_short_question_with_a_topic_of_its_own_is_not_a_follow_up():
    from assistant.retrieval.conversation import is_followup

    assert not is_followup("What are carrier sanctions?")
    assert not is_followup("蓝心运动由哪个机构协调？") and not is_followup("What is the Blue Heart Campaign?")
    assert is_followup("¿Cuándo se lanzó?") and is_followup("When was it launched?")
    # Short, and naming none of the paper's terms and no proper name: no topic of its own.
    assert is_followup("¿En cuántos casos se basa?") and is_followup("文件举了什么例子？")
    # Short, but naming a term of the paper's ("this background paper") or a place (韩国).
    assert not is_followup("Who prepared this background paper?") and not is_followup("韩国的人口贩运受害者有多少？")
    # Short, but about the document's own meeting.
    assert not is_followup("这次会议在哪个城市举行？") and not is_followup("When is this meeting?")
    # Short, naming no term the glossary knows, but saying what it is about.
    assert not is_followup("What does the paper say about cryptocurrency?")
    assert not is_followup("¿Qué dice el documento sobre las criptomonedas?") and not is_followup("关于加密货币，文件怎么说？")
    assert is_followup("What does the paper say about it?") and is_followup("¿Qué dice sobre eso?")
    # Long, but pointing back with "that meeting", "esa campaña", "那次会议".
    assert is_followup("What did it identify at that meeting as a key area for State intervention?")
    assert is_followup("¿Qué países se han sumado a esa campaña desde su creación?") and is_followup("那次会议通过了哪些关于预防的建议？")
    assert not is_followup("What measures should States take to ensure that victims are protected?")
    # Short, but naming a meeting by its ordinal: a topic of its own.
    assert not is_followup("第六次会议建议了什么？") and not is_followup("What did the sixth meeting recommend?")


def test_a_question_the_paper_does_not_answer_is_refused_mid_conversation_too(e5_assistant):
    history = ["蓝心运动由哪个机构协调？", "When was it launched?"]
    assert e5_assistant.ask("韩国的人口贩运受害者有多少？", history).refused
    answer = e5_assistant.ask("Who prepared this background paper?", ["Who coordinates the Blue Heart Campaign?"])
    assert not answer.refused and answer.short_answer == "Secretariat — para. 1"
    # A question about this meeting is not a follow-up: the title block answers it.
    answer = e5_assistant.ask("这次工作组会议在哪个城市举行？", history)
    assert not answer.refused and answer.short_answer == "维也纳 — 标题"


def test_a_follow_up_after_a_paragraph_reference_is_about_that_paragraph(e5_assistant):
    # The earlier turn names no topic, only an id: the follow-up's topic is that unit's text.
    answer = e5_assistant.ask("What year was that?", ["第16段说了什么？"])
    assert answer.citations[0].unit_id == "16" and answer.short_answer == "2013 — para. 16"


def test_a_follow_up_to_a_question_about_this_meeting_is_about_this_meeting(e5_assistant):
    answer = e5_assistant.ask("Where?", ["What is the date of this meeting?"])
    assert answer.short_answer == "Vienna — heading"
    assert e5_assistant.ask("¿Dónde?", ["这次会议的日期是什么？"]).short_answer == "Viena — encabezado"


def test_a_lead_ins_sub_items_are_evidence_only_when_they_answer(e5_assistant):
    def roles(question: str) -> dict[str, str]:
        return {c.unit_id: c.role for c in e5_assistant.ask(question).citations}

    # One of the 2018 recommendations is asked about: the other two are context, not the answer.
    cited = roles("工作组第八次会议建议各国进行自我评估以确定什么？")
    assert cited["18(a)"] == "evidence" and cited["18(b)"] == cited["18(c)"] == "context"
    # All of them are: all are evidence, in any language and as a follow-up.
    assert set(roles("What did the Working Group recommend in 2018?").values()) == {"evidence"}
    assert set(roles("Qu'a recommandé le Groupe de travail en 2013 ?").values()) == {"evidence"}
    follow_up = e5_assistant.ask("And in 2013?", ["What did the Working Group recommend in 2009?"])
    assert {c.role for c in follow_up.citations} == {"evidence"} and len(follow_up.citations) == 9


def test_a_follow_ups_topic_terms_are_the_outermost_ones():
    from assistant.answering.question import analyse

    # The Arabic name of Education for Justice also matches 教育 (education) alone: a clause on
    # education elsewhere in the paragraph must not place the answer.
    analysis = analyse("من أطلقها؟", "ar", ["ما هي مبادرة التعليم من أجل العدالة؟"])
    assert analysis.topic_terms == ("教育促进正义倡议",)


def test_an_elliptical_follow_up_swaps_the_number_it_replaces():
    from assistant.retrieval.conversation import resolve

    resolved = resolve("¿Y en 2013?", ["¿Qué recomendó el Grupo de Trabajo en 2009?"])
    assert "2009" not in resolved.dense_query and "2013" in resolved.lexical_extra
    resolved = resolve("那第12条和第13条呢？", ["《打击贩运人口议定书》第11条讲了什么？"])
    assert "11" not in resolved.lexical_extra and "12" in resolved.lexical_extra
    # Two numbers in the topic: which one the follow-up replaces is not known, so none is.
    assert "2009" in resolve("And in 2013?", ["Compare 2009 and 2010?"]).lexical_extra


def test_a_follow_up_prefers_passages_in_its_topics_section():
    from assistant.core.records import Unit
    from assistant.retrieval.conversation import near_topic
    from assistant.retrieval.searcher import Passage

    def unit(uid, section, order):
        return Unit(doc_id="d", unit_id=uid, kind="paragraph", text=uid, section=(section,), order=order)

    topic = unit("44", "Model Law", 1)
    passages = (Passage(unit("13", "Background", 2), 1.00), Passage(unit("44", "Model Law", 1), 0.98))
    assert [p.unit_id for p in near_topic(passages, topic, 0.1)] == ["44", "13"]
    assert [p.unit_id for p in near_topic(passages, topic, 0.0)] == ["13", "44"]


def test_a_follow_up_naming_another_term_swaps_it_in():
    from assistant.answering.question import analyse, own_terms
    from assistant.core.records import Unit
    from assistant.retrieval.conversation import near_topic
    from assistant.retrieval.searcher import Passage

    history = ["When will the revised Model Law be published?"]
    assert own_terms(analyse("And the Legislative Guide?", "en", history)) == ("立法指南",)
    assert own_terms(analyse("那立法指南呢？", "zh", history)) == ("立法指南",)
    assert own_terms(analyse("When?", "en", history)) == ()  # nothing swapped in
    # It asks the earlier question of what it swaps in; asking something else of it ("the theme") does not.
    assert analyse("And the Legislative Guide?", "en", history).fact_kind == "time"
    assert analyse("那立法指南呢？", "zh", history).fact_kind == "time"
    assert analyse("那2018年的主题呢？", "zh", ["世界打击贩运人口行为日是哪一天？"]).fact_kind is None

    def unit(uid, text):
        return Unit(doc_id="d", unit_id=uid, kind="paragraph", text=text, section=("Tools",), order=int(uid))

    model_law, guide = unit("44", "《打击贩运人口示范法》正在修订。"), unit("45", "该立法指南目前正在修订之中。")
    passages = (Passage(model_law, 0.23), Passage(guide, 0.21))
    assert [p.unit_id for p in near_topic(passages, model_law, 0.1, ("立法指南",))] == ["45", "44"]
    assert [p.unit_id for p in near_topic(passages, model_law, 0.1)] == ["44", "45"]


def test_a_question_for_several_countries_quotes_every_sentence_naming_one():
    from assistant.answering.extractive import choose_sentences

    text = (
        "蓝心运动成立于 2010 年，已有 18 个国家参与这一运动。"
        "2017 年 8 月，墨西哥政府发起了一项倡议。"
        "2019 年，厄瓜多尔成为最新一个加入该运动的国家。"
    )
    unit = _units(("38", text, None))["38"]
    one = choose_sentences(unit, {"加入", "国家"}, None, None, "country")
    several = choose_sentences(unit, {"加入", "国家"}, None, None, "country", several=True)
    assert not any("墨西哥" in s for s in one.sentences)
    assert any("墨西哥" in s for s in several.sentences) and any("厄瓜多尔" in s for s in several.sentences)


def test_a_list_of_countries_is_read_in_the_texts_order():
    from assistant.answering.extractive import Draft, locate_fact
    from assistant.answering.question import analyse

    mexico, ecuador = "2017 年 8 月，墨西哥政府发起了一项倡议。", "2019 年，厄瓜多尔成为最新一个加入该运动的国家。"
    unit = _units(("38", mexico + ecuador, None))["38"]
    draft = Draft()
    for sentence in (mexico, ecuador):
        draft.cite(unit, sentence)
    # The sentence chosen for the fact (Ecuador's) comes first for one fact, not for a list.
    assert locate_fact(analyse("Which countries joined?", "en"), draft, first=ecuador).display == "Mexico, Ecuador"
    assert locate_fact(analyse("Which country joined last?", "en"), draft, first=ecuador).display == "Ecuador"


def test_a_question_reaches_a_note_in_another_language_through_the_glossary_terms_it_names():
    from assistant.answering.question import analyse
    from assistant.answering.service import bridged_tokens

    analysis = analyse("Qui doit payer les frais de recrutement ?", "fr")
    tokens = bridged_tokens(analysis, ["zh", "en"])
    assert "征聘" in tokens and "recruitment" in tokens and "fees" in tokens  # the paper's and the note's words
    assert bridged_tokens(analysis, ["zh"]) == analysis.tokens  # one language: nothing added
    assert "recruitment" in bridged_tokens(analyse("征聘费应该由谁承担？", "zh"), ["zh", "en"])


def test_a_meeting_named_by_its_ordinal_lifts_the_paragraph_about_it():
    from assistant.answering.extractive import asked_meetings, lift_meeting_holders
    from assistant.answering.question import analyse
    from assistant.retrieval.searcher import Passage

    units = _units(
        ("17", "2015 年，工作组第六次会议讨论了征聘机构的问题：", None),
        ("17(a)", "促进直接招聘移民工人；", "17"),
        ("18", "2018 年，工作组第八次会议建议各国应：", None),
    )
    ctx = _context(units)
    assert asked_meetings(analyse("What did the sixth meeting recommend?", "en")) == ("第六次",)
    assert asked_meetings(analyse("¿Qué recomendó en su sexta reunión?", "es")) == ("第六次",)
    # A follow-up that names none takes its topic's.
    assert asked_meetings(analyse("What did it identify at that meeting?", "en", ["¿Cuándo fue la sexta reunión?"])) == ("第六次",)
    passages = (Passage(units["18"], 1.0), Passage(units["17(a)"], 0.95), Passage(units["17"], 0.92))
    lifted = lift_meeting_holders(passages, ("第六次",), ctx, 0.1)
    assert [p.unit_id for p in lifted] == ["17(a)", "17", "18"]


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("Where is the September 2019 meeting held?", [(2019, 9)]),
        ("В каком городе проходит совещание в сентябре 2019 года?", [(2019, 9)]),
        ("في أي مدينة يُعقد الاجتماع في أيلول/سبتمبر 2019؟", [(2019, 9)]),
        ("2019年9月的会议在哪里举行？", [(2019, 9)]),
        ("La réunion de mai 2018 ?", [(2018, 5)]),
        ("Maintenant, en 2019 ?", []),  # "mai" only as a word
        ("Where was it held in 2019?", []),
    ],
)
def test_the_month_and_year_a_question_names(question, named):
    from assistant.answering.dates import months_named

    assert months_named(question) == named
