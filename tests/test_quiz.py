"""Quizzes: answers found in verbatim sentences, unambiguous options, reproducible by seed."""

from __future__ import annotations

import csv
import io
import re

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.core.errors import ConfigError
from assistant.trainers.export import quiz_to_csv, quiz_to_docx, quiz_to_markdown, render_quiz
from assistant.trainers.quiz import BLANK, ITEM_KINDS, make_quiz, term_type


@pytest.mark.parametrize(
    ("topic", "seed"), [(None, 0), (None, 1), (None, 7), ("recruitment fees", 1), ("border controls", 1), ("awareness campaigns", 3)]
)
def test_every_answer_is_in_its_verbatim_sentence(fake_assistant, topic, seed):
    quiz = make_quiz(fake_assistant, topic, n=12, seed=seed)
    quiz.validate(fake_assistant)
    assert quiz.items
    for item in quiz.items:
        unit = fake_assistant.unit(item.key.unit_id, item.key.doc_id)
        assert item.key.sentence in unit.text
        if item.kind == "which":
            assert item.answer == unit.unit_id and item.prompt == item.key.sentence
        else:
            assert item.key.sentence.count(item.answer) == 1
            assert item.prompt.count(BLANK) == 1
            assert item.prompt.replace(BLANK, item.answer) == item.key.sentence


def test_options_are_unambiguous(fake_assistant):
    for seed in range(6):
        for item in make_quiz(fake_assistant, None, n=20, seed=seed).items:
            if item.kind == "cloze":
                assert item.options == ()
                continue
            assert len(item.options) == 4 and len(set(item.options)) == 4
            assert item.options.count(item.answer) == 1
            if item.kind == "choice":
                for option in item.options:
                    if option != item.answer:
                        assert option not in item.key.sentence  # a distractor the sentence states confuses


@pytest.mark.parametrize("seed", range(5))
def test_no_item_gives_another_away(fake_assistant, seed):
    quiz = make_quiz(fake_assistant, None, n=20, seed=seed)
    for item in quiz.items:
        if item.kind == "which":
            continue
        others = [x.key.sentence for x in quiz.items if x is not item]
        if item.category in ("year", "article", "count"):
            assert not any(item.answer in re.findall(r"\d+(?:,\d{3})*", s) for s in others)
        elif item.category == "session":
            assert not any(f"第{item.answer}次" in s for s in others)
        else:
            assert not any(item.answer in s for s in others)


def test_same_seed_same_quiz_different_seed_different(fake_assistant):
    a = make_quiz(fake_assistant, None, n=10, seed=1)
    b = make_quiz(fake_assistant, None, n=10, seed=1)
    c = make_quiz(fake_assistant, None, n=10, seed=2)
    assert a == b
    assert quiz_to_markdown(a) == quiz_to_markdown(b)
    assert a.items != c.items


def test_quiz_mixes_kinds_and_answer_types(fake_assistant):
    quiz = make_quiz(fake_assistant, None, n=12, seed=0)
    assert len(quiz.items) == 12
    assert {item.kind for item in quiz.items} == set(ITEM_KINDS)
    assert len({item.category for item in quiz.items}) >= 4
    assert len({item.key.unit_id for item in quiz.items}) >= 8


def test_topic_quiz_stays_on_topic_and_says_when_it_is_short(fake_assistant):
    quiz = make_quiz(fake_assistant, "border controls", n=8, seed=1)
    assert {item.key.unit_id for item in quiz.items} <= {"23", "24", "25"}
    if len(quiz.items) < 8:
        assert "Only" in quiz_to_markdown(quiz)


def test_distractors_are_of_the_answers_kind(fake_assistant):
    for seed in range(5):
        for item in make_quiz(fake_assistant, None, n=20, seed=seed).items:
            if item.kind != "choice":
                continue
            if item.category == "year":
                assert all(len(o) == 4 and o.isdigit() for o in item.options)
            elif item.category in ("article", "count"):
                assert all(o.replace(",", "").isdigit() for o in item.options)
            elif item.category == "term":
                assert len({term_type(o) for o in item.options}) == 1


def test_bad_values_are_refused(fake_assistant):
    with pytest.raises(ConfigError, match="valid values: zh, en"):
        make_quiz(fake_assistant, None, lang="de")
    with pytest.raises(ConfigError):
        make_quiz(fake_assistant, None, n=0)
    with pytest.raises(ConfigError, match="valid values: md, docx, csv"):
        render_quiz(make_quiz(fake_assistant, None, n=2), "xlsx")


def test_csv_and_docx_carry_the_answer_key(fake_assistant):
    import docx

    quiz = make_quiz(fake_assistant, None, n=8, seed=4)
    rows = list(csv.DictReader(io.StringIO(quiz_to_csv(quiz))))
    assert len(rows) == len(quiz.items)
    for row, item in zip(rows, quiz.items):
        assert row["paragraph"] == item.key.unit_id and row["sentence"] == item.key.sentence
        assert row["answer"] == item.answer
    document = docx.Document(io.BytesIO(quiz_to_docx(quiz)))
    text = "\n".join(p.text for p in document.paragraphs)
    for item in quiz.items:
        assert item.key.sentence in text


def test_cli_quiz_is_reproducible_and_writes_every_format(cli_env, tmp_path):
    runner = CliRunner()
    first = runner.invoke(app, ["quiz", "--n", "6", "--seed", "3"], env=cli_env)
    second = runner.invoke(app, ["quiz", "--n", "6", "--seed", "3"], env=cli_env)
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout and "## " in first.stdout
    for fmt in ("csv", "docx"):
        out = tmp_path / f"quiz.{fmt}"
        result = runner.invoke(app, ["quiz", "--topic", "recruitment fees", "--n", "5", "--format", fmt, "--output", str(out)], env=cli_env)
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0


def test_cli_quiz_rejects_a_bad_format_listing_valid_ones(cli_env):
    result = CliRunner().invoke(app, ["quiz", "--format", "xlsx"], env=cli_env)
    assert result.exit_code != 0
    assert "valid values: md, docx, csv" in str(result.exception)
