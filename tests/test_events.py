"""The event a fact question asks about, against the sentence its fact comes from (answering/events.py)."""

from __future__ import annotations

import pytest

from assistant.answering.events import asked_events, stated_sentence, unstated_event

P37 = "大会第 68/192 号决议将 7 月 30 日指定为“世界打击贩运人口行为日”，从 2014 年起每年在这一日期开展纪念活动。"
P38 = "蓝心运动——打击人口贩运活动成立于 2010 年，由毒品和犯罪问题办公室负责协调。"


@pytest.mark.parametrize(
    "question",
    [
        "On what date did the General Assembly adopt resolution 68/192?",
        "大会是在哪一天通过第68/192号决议的？",
        "¿En qué fecha aprobó la Asamblea General la resolución 68/192?",
        "Какого числа Генеральная Ассамблея приняла резолюцию 68/192?",
        "في أي تاريخ اعتمدت الجمعية العامة القرار 68/192؟",
    ],
)
def test_a_date_designated_does_not_answer_when_a_resolution_was_adopted(question):
    assert unstated_event(question, "date", P37) == "adopted"


@pytest.mark.parametrize(
    "question",
    ["When was the Blue Heart Campaign launched?", "蓝心运动是哪一年成立的？", "¿En qué año se creó la campaña Corazón Azul?"],
)
def test_a_sentence_stating_the_event_asked_is_left_to_the_model(question):
    assert unstated_event(question, "year", P38) is None


def test_only_facts_of_an_event_are_checked():
    # A question naming no event, and an instrument asked for (the resolution that adopted
    # something), are not this rule's.
    assert unstated_event("When is World Day?", "time", P37) is None
    assert unstated_event("Which resolution adopted the guidelines?", "symbol", P37) is None
    # "Which article establishes …", "public officials": no founding, no publication asked.
    assert asked_events("Which article establishes carrier sanctions?") == ()
    assert asked_events("Which article covers corruption of public officials?") == ()


def test_the_stating_sentence_is_the_one_holding_the_fact():
    text = "第十三届大会在 2015 年通过了《多哈宣言》。毒品和犯罪问题办公室发起了教育促进正义倡议。"
    assert stated_sentence(text, "2015 年") == "第十三届大会在 2015 年通过了《多哈宣言》。"
    assert unstated_event("In what year did UNODC launch E4J?", "year", stated_sentence(text, "2015 年")) == "launched"


def test_a_resolution_states_who_adopted_it_but_not_when():
    note = "经济及社会理事会第 2002/13 号决议，附件。"
    assert unstated_event("Which body adopted the Guidelines for the Prevention of Crime?", "organisation", note) is None
    assert unstated_event("When were the Guidelines for the Prevention of Crime adopted?", "time", note) == "adopted"


def test_other_ways_to_ask_when_something_began_or_was_set_up():
    p38 = "2017 年 8 月，墨西哥政府与毒品和犯罪问题办公室共同发起了一项西班牙语倡议。"
    assert unstated_event("When did the Spanish-language initiative begin?", "time", p38) is None
    assert unstated_event("When was the coordination group set up?", "year", P37) == "established"


def test_a_sentence_pointing_back_continues_the_one_stating_the_fact():
    p17 = "2015 年，工作组第六次会议讨论了征聘机构问题。在这次会议上，工作组通过了以下建议："
    assert stated_sentence(p17, "2015") == p17
    assert unstated_event("In what year was this recommendation adopted?", "year", stated_sentence(p17, "2015")) is None
    assert stated_sentence("蓝心运动成立于 2010 年。另有 18 个国家参与。", "2010") == "蓝心运动成立于 2010 年。"


def test_a_body_named_before_a_title_published_it():
    p47 = "毒品和犯罪问题办公室《刑事司法从业人员打击人口贩运手册》旨在支持执法人员。"
    assert unstated_event("Which body published the Manual?", "organisation", p47) is None
    assert unstated_event("When was the Manual published?", "year", "2019 年，该手册旨在支持执法人员。") == "published"


def test_an_institution_is_not_a_founding_and_chairing_is_an_event():
    assert asked_events("Какое учреждение ООН подготовило Принципы?") == ()
    assert [e.name for e in asked_events("Когда было учреждено Управление?")] == ["established"]
    p16 = "2013 年，工作组第五次会议建议非政府组织参与预防工作。"
    assert unstated_event("¿Quién presidió la quinta reunión del Grupo de Trabajo?", "organisation", p16) == "chaired"
    assert unstated_event("How many countries voted for it?", "quantity", P38) is None  # a count is no event's
