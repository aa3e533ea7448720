"""Topic briefs: only real units, verbatim text, the paper's structure, files that open."""

from __future__ import annotations

import io

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.core.errors import ConfigError
from assistant.trainers.brief import Evidence, is_question, make_brief, resource_title, topic_terms
from assistant.trainers.export import brief_to_docx, brief_to_markdown, render_brief

TOPICS = ("recruitment fees", "border controls", "awareness campaigns", "边界管制", "corruption", "what works in prevention")


@pytest.mark.parametrize("topic", TOPICS)
def test_brief_cites_only_real_units_verbatim(fake_assistant, topic):
    brief = make_brief(fake_assistant, topic)
    brief.validate(fake_assistant)
    assert brief.groups, "every topic on this paper finds some paragraph"
    for c in brief.summary:
        assert c.quote in fake_assistant.unit(c.unit_id, c.doc_id).text
    md = brief_to_markdown(brief)
    for unit in brief.cited_units:
        assert unit.text.replace("*", "\\*").replace("_", "\\_") in md


def test_brief_groups_paragraphs_by_section_in_document_order(fake_assistant):
    brief = make_brief(fake_assistant, "awareness campaigns")
    orders = [p.unit.order for p in brief.paragraphs]
    assert orders == sorted(orders)
    for group in brief.groups:
        assert all(p.unit.section == group.section for p in group.paragraphs)


def test_recruitment_fees_finds_the_recommendations_and_the_other_wording(fake_assistant):
    # 16(e) and 17 name 征聘费/征聘机构; paragraph 31 says 招聘费, which no glossary entry knows.
    ids = {p.unit.unit_id for p in make_brief(fake_assistant, "recruitment fees", lang="en").paragraphs}
    assert {"16(e)", "17", "31"} <= ids
    assert "16" in ids  # the lead-in of 16(e), for context
    assert not ids & {"2(f)", "fn*", "header"}


def test_border_controls_brief_has_its_subsection_question_and_no_false_friend(fake_assistant):
    brief = make_brief(fake_assistant, "border controls", lang="en")
    ids = [p.unit.unit_id for p in brief.paragraphs]
    assert ids == ["23", "24", "25"]  # 2(f)'s 不受管制 is not 边界管制
    assert [q.unit.unit_id for q in brief.questions] == ["2(i)"]
    assert brief.questions[0].direct


def test_questions_and_resources_come_from_their_sections(fake_assistant):
    brief = make_brief(fake_assistant, "demand")
    assert brief.questions and all(is_question(q.unit) for q in brief.questions)
    assert brief.resources and all(resource_title(r.unit) == r.title for r in brief.resources)
    ids = {r.unit.unit_id for r in brief.resources}
    assert "53" in ids  # 通过满足需求的方式预防贩运人口行为的发生
    assert "46" not in ids  # 需求评估工具包 is a needs assessment, not demand


def test_generic_words_are_no_evidence(fake_assistant):
    units = fake_assistant.document().units
    evidence = Evidence(units, ["贩运人口", "边界管制"])
    assert evidence.strict == ("边界管制",)
    assert evidence.score("目前是否针对那些非正规、不受管制和/或不受保护的劳动力市场") == 0.0
    assert Evidence(units, ["征聘费"]).score("禁止雇主从工资中扣除招聘费") == 0.5


def test_topic_terms_relate_distinctive_words_only():
    strict, loose = topic_terms("border controls")
    assert "边界管制" in strict and "边境管理当局" in loose
    assert topic_terms("prevention of trafficking")[1] == []


def test_summary_fits_a_page_and_follows_the_document(fake_assistant):
    brief = make_brief(fake_assistant, "awareness campaigns")
    assert 1 <= len(brief.summary) <= 6
    assert sum(len(c.quote) for c in brief.summary) <= 900
    units = {u.unit_id: u for u in brief.cited_units}
    orders = [units[c.unit_id].order for c in brief.summary]
    assert orders == sorted(orders)


def test_framing_language_follows_the_topic_or_the_option(fake_assistant):
    assert make_brief(fake_assistant, "边界管制").lang == "zh"
    assert make_brief(fake_assistant, "border controls").lang == "en"
    md = brief_to_markdown(make_brief(fake_assistant, "border controls", lang="zh"))
    assert md.startswith("# 专题简报：border controls") and "第23段" in md
    with pytest.raises(ConfigError, match="valid values: zh, en"):
        make_brief(fake_assistant, "border controls", lang="fr")
    with pytest.raises(ConfigError):
        make_brief(fake_assistant, "   ")


def test_docx_opens_with_headings_citations_and_sources(fake_assistant):
    import docx

    brief = make_brief(fake_assistant, "recruitment fees", lang="en")
    document = docx.Document(io.BytesIO(brief_to_docx(brief)))
    text = "\n".join(p.text for p in document.paragraphs)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert "Topic brief: recruitment fees" in headings and "Sources" in headings
    for unit in brief.cited_units:
        assert f"para. {unit.unit_id}" in text
        assert unit.text in text
    assert render_brief(brief, "docx")[:2] == b"PK"
    with pytest.raises(ConfigError, match="valid values: md, docx"):
        render_brief(brief, "pdf")


def test_cli_brief_markdown_and_docx(cli_env, tmp_path):
    import docx

    runner = CliRunner()
    result = runner.invoke(app, ["brief", "recruitment fees", "--lang", "en"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "# Topic brief: recruitment fees" in result.stdout and "[para. 16(e)]" in result.stdout
    out = tmp_path / "brief.docx"
    result = runner.invoke(app, ["brief", "边界管制", "--format", "docx", "--output", str(out)], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "第24段" in "\n".join(p.text for p in docx.Document(str(out)).paragraphs)


@pytest.mark.parametrize(
    ("args", "valid"),
    [(["--format", "pdf"], "valid values: md, docx"), (["--lang", "fr"], "valid values: zh, en")],
)
def test_cli_brief_rejects_bad_choices_listing_valid_ones(cli_env, args, valid):
    result = CliRunner().invoke(app, ["brief", "border controls", *args], env=cli_env)
    assert result.exit_code != 0
    assert valid in str(result.exception)


def test_cli_docx_needs_an_output_file(cli_env):
    result = CliRunner().invoke(app, ["brief", "border controls", "--format", "docx"], env=cli_env)
    assert result.exit_code != 0 and "--output" in str(result.exception)
