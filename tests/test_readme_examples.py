"""Every `assistant ask` example in the README answers, on the real model, with the paragraph it promises.

An example is a README line ``.venv/bin/assistant ask "QUESTION" [options]  # ["SHORT", ]… expects UNIT``;
the answer must not be a refusal and must cite UNIT, and its short-answer line must be SHORT when the
line promises one.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_EXAMPLE = re.compile(r'^\.venv/bin/assistant ask (.+?)\s+#\s*(?:"([^"]+)",)?.*\bexpects ([\w()*]+)')


def readme_examples() -> list[tuple[str, str, str | None]]:
    examples = []
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        m = _EXAMPLE.match(line)
        if m:
            question = shlex.split(m.group(1))[0]
            examples.append((question, m.group(3), m.group(2)))
    return examples


def test_the_readme_has_ask_examples_with_expectations():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ask_lines = [line for line in readme.splitlines() if line.startswith(".venv/bin/assistant ask")]
    assert len(readme_examples()) == len(ask_lines) >= 3


@pytest.mark.parametrize(("question", "unit_id", "short"), readme_examples())
def test_a_readme_example_is_answered_with_its_paragraph(e5_assistant, question, unit_id, short):
    answer = e5_assistant.ask(question)
    assert not answer.refused, answer.refusal_reason
    assert unit_id in {c.unit_id for c in answer.citations if c.role == "evidence"}
    if short is not None:
        assert answer.short_answer == short
    answer.validate()
