"""Issue 13's size rule: no function longer than 80 lines, no module longer than 600 (``make lint`` runs this).

Usage: ``python scripts/check_sizes.py [PATH ...]`` (default: ``assistant`` and ``app.py``); exits 1 and names
each offender when there is one.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 600
DEFAULT_PATHS = ("assistant", "app.py")


def python_files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def offenders(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    found = []
    n_lines = len(source.splitlines())
    if n_lines > MAX_MODULE_LINES:
        found.append(f"{path}: module of {n_lines} lines (limit {MAX_MODULE_LINES})")
    for node in ast.walk(ast.parse(source, str(path))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - start + 1
            if length > MAX_FUNCTION_LINES:
                found.append(f"{path}:{node.lineno}: {node.name} is {length} lines (limit {MAX_FUNCTION_LINES})")
    return found


def main(argv: list[str]) -> int:
    found = [line for path in python_files(argv or list(DEFAULT_PATHS)) for line in offenders(path)]
    print("\n".join(found) if found else "sizes ok: no function over 80 lines, no module over 600")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
