"""The web chat and the HTTP API for delegates, in one process: ``python app.py`` (``make run``).

Settings from the environment -> ``Assistant.open`` (the model and index, loaded once) ->
``assistant.web.app.serve`` (the API with the gradio chat mounted at ``/``) -> uvicorn on
``Settings.host:port`` (default 127.0.0.1:7860). The web app itself is assistant/web/;
tests call ``build_app`` and ``launch`` from here (gradio's own server, no accounts) or run
this file.
"""

from __future__ import annotations

import logging
import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from assistant.answering.service import Assistant
from assistant.core.config import Settings
from assistant.core.errors import AssistantError
from assistant.web.app import build_app, launch, serve
from assistant.web.users import UserStore

__all__ = ["build_app", "launch", "main", "serve"]
log = logging.getLogger("assistant.web")


def main() -> None:
    import uvicorn

    # Our own messages at INFO; libraries (faiss's loader, httpx, bm25s) only when they warn.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("assistant").setLevel(logging.INFO)
    try:
        settings = Settings.from_env()
        store = UserStore(settings.users_path)
        from assistant.web.api import check_exposure

        check_exposure(settings, store)  # before the model loads: a refusal should be quick
        app = serve(Assistant.open(settings), settings, store)
    except AssistantError as exc:
        raise SystemExit(f"error: {exc}") from None
    log.info("serving the web chat and the API on http://%s:%d/ (API description: /docs)", settings.host, settings.port)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":
    main()
