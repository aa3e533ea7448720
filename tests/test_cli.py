"""The question commands end to end through the CLI, on a private corpus and fake embedder."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from assistant.cli import app


def test_index_then_ask_json_has_the_documented_shape(cli_env):
    runner = CliRunner()
    built = runner.invoke(app, ["index"], env=cli_env)
    assert built.exit_code == 0, built.output
    assert "98 units" in built.output
    result = runner.invoke(app, ["ask", "禁止向雇员收取征聘费", "--json", "--k", "3"], env=cli_env)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {"question", "lang", "answer", "refused", "citations", "passages", "timings_ms"} <= set(payload)
    assert payload["lang"] == "zh" and payload["refused"] is False
    first = next(c for c in payload["citations"] if c["role"] == "evidence")
    assert (first["doc"], first["unit"]) == ("wg-tip-2019-prevention", "16(e)")
    assert payload["citations"][0]["unit"] == "16" and payload["citations"][0]["role"] == "context"  # its lead-in
    assert first["quote"] in payload["passages"][0]["text"]
    assert len(payload["passages"]) == 3


def test_ask_prints_the_answer_then_the_excerpts(cli_env):
    result = CliRunner().invoke(app, ["ask", "蓝心运动"], env=cli_env)
    assert result.exit_code == 0, result.output
    answer, excerpts = result.stdout.split("摘录:", 1)
    assert "[第38段]" in answer
    assert "[第38段] 三. 背景 > 与共同预防相关的信息" in excerpts


def test_chat_keeps_the_conversation(cli_env):
    result = CliRunner().invoke(app, ["chat"], input="蓝心运动是哪一年成立的？\n那最新加入的国家是哪个？\n", env=cli_env)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("[第38段]") >= 4
    assert "厄瓜多尔" in result.stdout


def test_section_filter_from_the_cli(cli_env):
    result = CliRunner().invoke(app, ["ask", "预防", "--json", "--section", "四. 应对工作指南"], env=cli_env)
    payload = json.loads(result.stdout)
    assert payload["passages"] and all(p["section"].startswith("四. 应对工作指南") for p in payload["passages"])
