"""Unknown settings and CLI arguments: a one-line error that lists the valid values, exit code 2.

``main()`` runs in-process with its own argv and environment (as ``assistant ...`` would),
so each case costs milliseconds; a few run as real subprocesses to pin exit code and
stderr exactly as a user sees them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from assistant.core.config import LLM_KINDS, Settings
from assistant.core.errors import ConfigError
from assistant.core.records import LANGS
from assistant.index.build import REBUILD_POLICIES, ensure_index
from assistant.index.embeddings import EMBEDDER_SPECS, make_embedder
from assistant.trainers.export import BRIEF_FORMATS, QUIZ_FORMATS

ROOT = Path(__file__).resolve().parent.parent
BOOL_VALUES = ("1", "0", "true", "false", "yes", "no", "on", "off")
ENV_VARS = [k for k in os.environ if k.startswith(("ASSISTANT_", "GRADIO_SERVER_"))]


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in ENV_VARS:
        monkeypatch.delenv(key, raising=False)
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "fake")
    monkeypatch.setenv("ASSISTANT_FEEDBACK_PATH", str(tmp_path / "feedback.jsonl"))
    monkeypatch.setenv("COLUMNS", "100")
    return tmp_path


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from assistant.cli import main

    monkeypatch.setattr(sys, "argv", ["assistant", *args])
    code: int | str | None = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return (code if isinstance(code, int) else (0 if code is None else 2)), out, err


def assert_lists(message: str, valid: tuple[str, ...] | list[str]) -> None:
    assert "valid values:" in message, message
    for value in valid:
        assert value in message, f"{value!r} missing from: {message}"


# --- settings (environment) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("var", "value", "valid"),
    [
        ("ASSISTANT_EMBEDDER", "bert", EMBEDDER_SPECS),
        ("ASSISTANT_EMBEDDER", "E5", EMBEDDER_SPECS),
        ("ASSISTANT_LLM_KIND", "anthropic", LLM_KINDS),
        ("ASSISTANT_ALLOW_UPLOADS", "maybe", BOOL_VALUES),
        ("ASSISTANT_STORE", "pinecone", ("faiss", "milvus")),
    ],
)
def test_an_unknown_setting_value_is_an_error_listing_the_valid_ones(cli_env, monkeypatch, capsys, var, value, valid) -> None:
    monkeypatch.setenv(var, value)
    code, out, err = run_main(monkeypatch, capsys, "ask", "What is the Blue Heart Campaign?")
    assert code == 2 and not out
    assert err.startswith("error: ") and "Traceback" not in err
    assert repr(value) in err or value in err
    assert_lists(err, valid)


@pytest.mark.parametrize(
    ("var", "value", "words"),
    [
        ("ASSISTANT_K", "five", "whole number"),
        ("ASSISTANT_K", "0", "at least 1"),
        ("ASSISTANT_MAX_FILE_MB", "-3", "at least 1"),
        ("ASSISTANT_PORT", "http", "whole number"),
        ("ASSISTANT_LLM_TIMEOUT_S", "soon", "whole number"),
    ],
)
def test_a_malformed_number_setting_names_the_variable_and_the_rule(cli_env, monkeypatch, capsys, var, value, words) -> None:
    monkeypatch.setenv(var, value)
    code, _, err = run_main(monkeypatch, capsys, "paragraphs", "16(e)")
    assert code == 2 and err.startswith("error: ") and var in err and words in err and "Traceback" not in err


@hsettings(max_examples=60, deadline=None)
@given(value=st.text(max_size=20))
def test_any_embedder_spec_is_accepted_or_refused_with_the_valid_list(value: str) -> None:
    if value in ("e5", "fake") or value.startswith("st:"):
        return  # valid specs (st: would load a model)
    with pytest.raises(ConfigError) as info:
        make_embedder(value)
    assert_lists(str(info.value), EMBEDDER_SPECS)


@hsettings(max_examples=60, deadline=None)
@given(kind=st.text(max_size=12), uploads=st.text(max_size=8))
def test_any_llm_kind_or_upload_flag_is_accepted_or_refused_with_the_valid_list(kind: str, uploads: str) -> None:
    env = {"ASSISTANT_LLM_KIND": kind, "ASSISTANT_ALLOW_UPLOADS": uploads}
    saved = {k: os.environ.get(k) for k in env}
    if any("\x00" in v for v in env.values()):
        return  # not representable in a real environment
    try:
        os.environ.update(env)
        try:
            s = Settings.from_env()
        except ConfigError as exc:
            message = str(exc)
            if kind not in LLM_KINDS:
                assert_lists(message, LLM_KINDS)
            else:
                assert_lists(message, BOOL_VALUES)
            return
        assert s.llm_kind == kind and s.allow_uploads in (True, False)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def test_an_unknown_rebuild_policy_lists_the_valid_ones(settings) -> None:
    with pytest.raises(ConfigError) as info:
        ensure_index(settings, policy="sometimes")  # type: ignore[arg-type]
    assert_lists(str(info.value), REBUILD_POLICIES)


def test_an_unknown_retrieval_mode_lists_the_valid_ones(fake_assistant) -> None:
    with pytest.raises(ConfigError) as info:
        fake_assistant.search("border", mode="semantic")  # type: ignore[arg-type]
    assert_lists(str(info.value), ("hybrid", "dense", "lexical"))


def test_an_unknown_reader_language_lists_the_valid_ones(fake_assistant) -> None:
    with pytest.raises(ConfigError) as info:
        fake_assistant.ask("border management", lang="de")
    assert_lists(str(info.value), LANGS)


# --- command-line options --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "valid"),
    [
        (("add", "x.txt", "--lang", "de"), LANGS),
        (("brief", "recruitment fees", "--format", "pdf"), BRIEF_FORMATS),
        (("brief", "recruitment fees", "--lang", "de"), ("zh", "en")),
        (("quiz", "--format", "xml"), QUIZ_FORMATS),
        (("quiz", "--lang", "klingon"), ("zh", "en")),
    ],
)
def test_an_unknown_option_value_lists_the_valid_ones(cli_env, monkeypatch, capsys, args, valid) -> None:
    code, out, err = run_main(monkeypatch, capsys, *args)
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err
    assert_lists(err, valid)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("paragraphs", "--doc", "no-such-doc"), "wg-tip-2019-prevention"),
        (("paragraphs", "999(z)"), "assistant paragraphs"),
        (("ask", "border", "--doc", "no-such-doc"), "wg-tip-2019-prevention"),
        (("eval",), "--set"),
        (("brief", "fees", "--format", "docx"), "--output"),
    ],
)
def test_an_unknown_document_or_missing_option_says_what_exists(cli_env, monkeypatch, capsys, args, words) -> None:
    code, _, err = run_main(monkeypatch, capsys, *args)
    assert code == 2 and err.splitlines()[-1].startswith("error: ") and words in err and "Traceback" not in err


@pytest.mark.parametrize("args", [("ask", "x", "--k", "0"), ("ask", "x", "--mode", "fast"), ("frobnicate",), ("quiz", "--n", "many")])
def test_a_malformed_option_is_a_usage_error_not_a_crash(cli_env, monkeypatch, capsys, args) -> None:
    code, _, err = run_main(monkeypatch, capsys, *args)
    assert code == 2 and "Traceback" not in err
    assert "Usage" in err or "Try" in err


def _subprocess(env_extra: dict[str, str], *args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-c", "from assistant.cli import main; main()", *args],
        env=env, cwd=ROOT, capture_output=True, timeout=120,
    )


def test_the_real_command_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    proc = _subprocess({"ASSISTANT_EMBEDDER": "bert", "ASSISTANT_INDEX_DIR": str(tmp_path / "i")}, "ask", "hello")
    err = proc.stderr.decode()
    assert proc.returncode == 2 and err.count("\n") == 1 and err.startswith("error: unknown embedder 'bert'")
    assert_lists(err, EMBEDDER_SPECS)


def test_a_question_of_invalid_utf8_bytes_is_answered_in_json(tmp_path: Path) -> None:
    # A terminal in a legacy encoding passes bytes Python cannot decode (lone surrogates in argv).
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    env = {"ASSISTANT_EMBEDDER": "fake", "ASSISTANT_CORPUS_DIR": str(tmp_path / "corpus"), "ASSISTANT_INDEX_DIR": str(tmp_path / "index")}
    for extra in ((), ("--json",)):
        proc = _subprocess(env, "ask", "\u8fb9\u5883 border".encode() + b" \xff\xfe\xc3", *extra)
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-800:]
        assert b"Traceback" not in proc.stderr
        proc.stdout.decode("utf-8")  # strictly valid UTF-8 output
