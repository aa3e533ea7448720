"""The refusal decision's inputs and its shipped model (the model's quality is the eval gate's)."""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources

from assistant.answering.question import analyse
from assistant.answering.refusal import FEATURES, AnswerabilityModel, Evidence, decide, features, missing_salient_terms
from assistant.core.records import Unit
from assistant.retrieval.searcher import Passage


def _passage(unit_id: str, score: float) -> Passage:
    unit = Unit(doc_id="d", unit_id=unit_id, kind="paragraph", text="x", section=("s",), order=0)
    return Passage(unit, score, dense_rank=1, lexical_rank=1, dense_score=0.8)


def _evidence(unit_ids: list[str], *, found: bool = True, anchored: bool = True) -> Evidence:
    passages = tuple(_passage(u, 2.0 - i / 10) for i, u in enumerate(unit_ids))
    return Evidence(passages, False, 0.8, "蓝心运动已有18个国家参与", fact_found=found, fact_anchored=anchored)


def test_a_paragraph_and_its_sub_items_at_the_top_count_as_one_family():
    analysis = analyse("蓝心运动有多少个国家参加？", "zh")
    together = features(analysis, _evidence(["17", "17(a)", "17(b)", "17(c)", "31"]))
    scattered = features(analysis, _evidence(["17", "5", "18(a)", "31", "fn2"]))
    assert together["family_share"] == 0.8 and scattered["family_share"] == 0.2


def test_a_fact_found_away_from_what_the_question_names_is_a_signal():
    analysis = analyse("蓝心运动有多少个国家参加？", "zh")
    assert features(analysis, _evidence(["38"], anchored=True))["fact_unanchored"] == 0.0
    assert features(analysis, _evidence(["38"], anchored=False))["fact_unanchored"] == 1.0
    assert features(analysis, _evidence(["38"], found=False, anchored=False))["fact_unanchored"] == 0.0


def test_a_fact_of_this_meeting_read_from_its_title_block_is_not_left_to_the_model():
    # A model that refuses everything: only the title block's own fact gets past it.
    refuse_all = AnswerabilityModel("e", FEATURES, (0.0,) * len(FEATURES), (1.0,) * len(FEATURES), (0.0,) * len(FEATURES), -50.0, 0.5)
    analysis = analyse("这次会议在什么地方举行？", "zh")
    evidence = _evidence(["header"])
    assert decide(analysis, evidence, "维也纳", refuse_all).reason is not None
    assert decide(analysis, replace(evidence, from_title_block=True), "维也纳", refuse_all).reason is None
    # The salient-term rule still holds: the corpus has no seventh meeting.
    seventh = analyse("第七次会议在什么地方举行？", "zh")
    assert decide(seventh, replace(evidence, from_title_block=True), "维也纳", refuse_all).reason is not None


def test_the_shipped_model_is_current_and_round_trips_through_json():
    record = json.loads(resources.files("assistant").joinpath("data/answerability.json").read_text(encoding="utf-8"))
    assert tuple(record["features"]) == FEATURES  # else it is stale and would not be used
    model = AnswerabilityModel.shipped(record["embedder"])
    assert model is not None and AnswerabilityModel.from_json(model.to_json()) == model
    assert AnswerabilityModel.shipped("some-other-embedder") is None
    assert 0.0 < model.threshold < 1.0


def test_a_term_named_in_an_added_document_of_another_language_is_not_missing():
    # The paper writes 国际劳工组织; an added English note writes the name out. Whitespace is
    # removed from corpus text, as the service does.
    english = "ThisguidancenotewasissuedbytheInternationalLabourOrganizationin2021."
    assert missing_salient_terms("国际劳工组织建议什么？", english) == []
    assert missing_salient_terms("国际劳工组织建议什么？", "本背景文件由秘书处编写。") == ["国际劳工组织"]
    # An abbreviation is not looked for inside words: "ilo" is in "pilot".
    assert missing_salient_terms("国际劳工组织建议什么？", "Apilotprojectin2021.") == ["国际劳工组织"]


def test_terms_are_covered_by_their_names_in_the_evidences_language():
    analysis = analyse("What does the note say about recruitment fees?", "en")
    assert "征聘费" in analysis.terms
    english = replace(_evidence(["s3.p1"]), evidence_text="Statesshouldprohibitthechargingofrecruitmentfeestoworkers.")
    chinese = replace(_evidence(["16(e)"]), evidence_text="禁止向雇员收取征聘费")
    elsewhere = replace(_evidence(["s2.p1"]), evidence_text="ThisguidancenotewasissuedinGeneva.")
    assert features(analysis, english)["term_coverage"] == features(analysis, chinese)["term_coverage"] > 0
    assert features(analysis, elsewhere)["term_coverage"] == 0


def test_a_refusal_by_a_rule_tells_the_reader_why_in_their_language():
    from assistant.answering.extractive import refusal_text
    from assistant.core.records import Unit
    from assistant.retrieval.searcher import Passage

    p37 = Passage(Unit(doc_id="d", unit_id="37", kind="paragraph", text="…", section=("s",), order=1), 0.9)
    assert refusal_text("en", (p37,), ("why_event", {"unit": "37"})).splitlines()[:2] == [
        "The documents do not say.",
        "Para. 37 gives this kind of fact for another event, not for the one asked about.",
    ]
    assert "第37段给出的是另一事件的信息" in refusal_text("zh", (p37,), ("why_event", {"unit": "37"}))
    assert "Footnote 1 gives" in refusal_text("en", (p37,), ("why_event", {"unit": "fn1"}))
    assert "The documents never mention 2020." in refusal_text("en", (p37,), ("why_missing", {"terms": "2020"}))
    # The model's refusal has no line of its own: "the evidence is too weak" is no reason a reader can check.
    assert refusal_text("en", (p37,)).splitlines()[1].startswith("Closest paragraphs")


def test_a_fact_the_closest_paragraph_lacks_is_told_when_the_model_refuses():
    from assistant.answering.extractive import refusal_text

    # A model that refuses everything: the decision is the model's, the reason the missing fact.
    refuse_all = AnswerabilityModel("e", FEATURES, (0.0,) * len(FEATURES), (1.0,) * len(FEATURES), (0.0,) * len(FEATURES), -50.0, 0.5)
    analysis = analyse("蓝心运动有多少个国家参加？", "zh")
    decision = decide(analysis, _evidence(["36"], found=False), "蓝心运动已有18个国家参与", refuse_all)
    assert decision.reason == "the closest paragraph gives no quantity (answerability 0.00 < 0.50)"
    assert decision.note == ("why_no_fact", {"unit": "36"})
    p36 = _passage("36", 1.0)
    assert "Para. 36 is on this topic but does not give what is asked." in refusal_text("en", (p36,), decision.note)
    # With the fact found, the same refusal has no reason a reader could check.
    found = decide(analysis, _evidence(["38"]), "蓝心运动已有18个国家参与", refuse_all)
    assert found.reason is not None and found.reason.startswith("the evidence is too weak") and found.note is None
    # Who does something, in a text without Chinese, may be a common noun: not checkable, so not missing.
    who = analyse("Who should train the inspectors?", "en")
    assert features(who, replace(_evidence(["n1"], found=False), fact_checkable=False))["fact_missing"] == 0.0
