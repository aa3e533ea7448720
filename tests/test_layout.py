"""The house rules of the package layout (issue 13): a small public API, no private names across modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"


def _private_uses(path: Path) -> list[str]:
    """Underscore names this module takes from another assistant module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()  # local names bound to assistant modules
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("assistant"):
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append(f"{path.name}:{node.lineno} imports {node.module}.{alias.name}")
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            modules.update(a.asname or a.name for a in node.names if a.name.startswith("assistant"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"{path.name}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


def test_no_module_uses_another_modules_private_names():
    found = [use for path in sorted(PACKAGE.rglob("*.py")) for use in _private_uses(path)]
    assert found == []


def test_the_public_api_is_four_names_and_importing_it_does_no_work():
    code = (
        "import sys, assistant;"
        " heavy = [m for m in ('faiss', 'gradio', 'langchain_core', 'assistant.answering.service') if m in sys.modules];"
        "print(heavy); from assistant import Answer, Assistant, AssistantError, Settings; print(sorted(assistant.__all__))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["[]", "['Answer', 'Assistant', 'AssistantError', 'Settings']"]
