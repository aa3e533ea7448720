"""BCP-47 tags in eval sets: accepted, reported under their UN language; zh-Hant is searched as Simplified."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.core.errors import ConfigError
from assistant.core.langtags import un_lang
from assistant.evaluation.run import evaluate
from assistant.retrieval.lexical import simplify


@pytest.mark.parametrize(
    ("tag", "lang"),
    [
        ("zh-Hant", "zh"),
        ("zh-TW", "zh"),
        ("zh-CN", "zh"),
        ("zh_Hans", "zh"),
        ("cmn-Hant", "zh"),
        ("en-GB", "en"),
        ("fr-CA", "fr"),
        ("es-419", "es"),
        ("ru-RU", "ru"),
        ("ar-001", "ar"),
        ("EN", "en"),
    ],
)
def test_a_tag_counts_under_its_un_language(tag: str, lang: str):
    assert un_lang(tag) == lang


@pytest.mark.parametrize("tag", ["de-DE", "pt-BR", "en-", "english", ""])
def test_other_languages_and_malformed_tags_are_refused_with_the_valid_values(tag: str):
    with pytest.raises(ConfigError, match="valid values: zh, en, fr, es, ru, ar"):
        un_lang(tag)


def test_a_zh_hant_set_runs_and_is_reported_under_zh(fake_assistant, tmp_path: Path):
    traditional = "承運人處罰是什麼？商業承運人必須確定乘客持有旅行證件嗎？"
    assert simplify(traditional) != traditional  # the lexical side searches it as Simplified
    items = [
        {"id": "t-zh-hant", "lang": "zh-Hant", "kind": "paraphrase", "question": traditional, "gold": ["25"]},
        {"id": "t-en-gb", "lang": "en-GB", "kind": "translation", "question": "What are carrier sanctions?", "gold": ["25"]},
    ]
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    run = evaluate(fake_assistant, path, 5)
    assert set(run["metrics"]["by_lang"]) == {"zh", "en"}
    zh = run["metrics"]["by_lang"]["zh"]
    assert zh["n_items"] == 1 and zh["hit@5"] == 1.0
