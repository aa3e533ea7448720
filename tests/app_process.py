"""The real app (``python app.py``) in its own process on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(base: Path, port: int, host: str = "127.0.0.1") -> dict[str, str]:
    """Fake embedder; corpus, index, accounts and feedback under ``base``."""
    return {
        **os.environ,
        "ASSISTANT_EMBEDDER": "fake",
        "ASSISTANT_CORPUS_DIR": str(base / "corpus"),
        "ASSISTANT_INDEX_DIR": str(base / "index"),
        "ASSISTANT_USERS_PATH": str(base / "users.json"),
        "ASSISTANT_FEEDBACK_PATH": str(base / "feedback.jsonl"),
        "ASSISTANT_HOST": host,
        "ASSISTANT_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
    }


@contextmanager
def running_app(base: Path, timeout_s: float = 120) -> Iterator[str]:
    """Start the app over ``base`` (see ``app_env``), yield its URL once /healthz answers, stop it."""
    port = free_port()
    log_path = base / "app.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=app_env(base, port), stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout_s
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"the app exited with {proc.returncode}: {log_path.read_text()[-2000:]}")
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the app did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
