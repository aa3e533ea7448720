"""The `assistant` command: thin wrappers over the library; errors become plain messages."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from assistant.config import Settings
from assistant.errors import AssistantError

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


def _settings() -> Settings:
    return Settings.from_env()


def _print_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


# --- corpus commands -------------------------------------------------------------------


# --- index and question commands -------------------------------------------------------


def main() -> None:
    try:
        app()
    except AssistantError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(2) from None
