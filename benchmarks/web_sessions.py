"""N concurrent chat sessions against the web app, over loopback, with gradio_client.

Starts ``app.py``'s app in this process on 127.0.0.1 (a free port), then runs N sessions at
once; each asks a question and two follow-ups, carrying its own history and chat as the
browser would. Checks that every answer is the one its own question (with its own
history) gets from ``Assistant.ask`` directly, i.e. that sessions never mix, and reports
errors, time to first token (first streamed piece of the answer) and time to the full
answer, as medians and 95th percentiles.

    python benchmarks/web_sessions.py                 # the real bundled e5 model
    python benchmarks/web_sessions.py --embedder fake # the pipeline without a model
    python benchmarks/web_sessions.py --client sse    # gradio's queue protocol directly, as a browser

Writes ``benchmarks/out/web_sessions.json``. Bounded in time: ``--deadline`` seconds overall.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import start_app, stop_app

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from assistant.core.text import has_han  # noqa: E402
from assistant.web.render import EXAMPLES  # noqa: E402

# The app's own example questions (the paper's discussion questions), then a few more.
TOPICS = [
    *EXAMPLES["zh"],
    *EXAMPLES["en"],
    "什么是蓝心运动？",
    "What is the Blue Heart Campaign?",
    "预防犯罪准则对有效的预防犯罪战略有什么要求？",
    "What do the crime prevention guidelines say about effective strategies?",
    "提高认识活动应该针对哪些人？",
    "Who should awareness-raising campaigns target?",
    "私营部门在预防贩运人口方面有什么作用？",
    "What is the role of the private sector in preventing trafficking?",
]
FOLLOW_UPS = {
    "zh": ["那学术界呢？", "那2015年呢？"],
    "en": ["And what about academia?", "What about in 2015?"],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _text(message: dict[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def _plain(html: str) -> str:
    import re
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", " ", html)).strip()


def _answer_started(update: Any) -> bool:
    chat = update[0] if isinstance(update, (list, tuple)) and update else None
    return bool(chat) and chat[-1]["role"] == "assistant" and "answer pending" not in _text(chat[-1])


def _turn_gradio_client(client, question, history, chat, lang, deadline):
    """One turn with gradio_client: (final outputs, seconds to first answer piece) or an error string."""
    started = time.perf_counter()
    job = client.submit(question, history, chat, lang, api_name="/ask")
    first = None
    while not job.done():
        if time.perf_counter() > deadline:
            job.cancel()
            return "deadline passed", None, None
        if first is None and any(_answer_started(u) for u in job.outputs()):
            first = time.perf_counter() - started
        time.sleep(0.005)
    final = job.result(timeout=max(1.0, deadline - time.perf_counter()))
    full = time.perf_counter() - started
    return final, first if first is not None else full, full


def _turn_sse(client, question, history, chat, lang, deadline, *, base: str, fn_index: int):
    """One turn over gradio's own queue protocol (what the browser does), timing each message."""
    import uuid

    session = uuid.uuid4().hex[:12]
    started = time.perf_counter()
    payload = {"data": [question, history, chat, lang], "fn_index": fn_index, "session_hash": session, "trigger_id": None}
    client.post(f"{base}gradio_api/queue/join", json=payload).raise_for_status()
    pieces = 0
    first = None
    with client.stream("GET", f"{base}gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            if time.perf_counter() > deadline:
                return "deadline passed", None, None
            if not line.startswith("data:"):
                continue
            msg = json.loads(line[5:])
            kind = msg.get("msg")
            if kind == "process_generating":
                pieces += 1
                if pieces == 2 and first is None:  # the 1st is the placeholder, the 2nd the first sentence
                    first = time.perf_counter() - started
            elif kind == "process_completed":
                full = time.perf_counter() - started
                if not msg.get("success", False):
                    return f"failed: {json.dumps(msg.get('output'))[:200]}", None, None
                return msg["output"]["data"], first if first is not None else full, full
    return "stream ended without a result", None, None


def run_session(url: str, index: int, expected: list[str], deadline: float, mode: str, fn_index: int) -> dict[str, Any]:
    from html import escape

    if mode == "gradio_client":
        from gradio_client import Client

        client: Any = Client(url, verbose=False)
        turn_fn = _turn_gradio_client
    else:
        import httpx

        client = httpx.Client(timeout=max(5.0, deadline - time.perf_counter()))

        def turn_fn(c, q, h, ch, lg, dl):
            return _turn_sse(c, q, h, ch, lg, dl, base=url, fn_index=fn_index)

    topic = TOPICS[index % len(TOPICS)]
    lang = "zh" if has_han(topic) else "en"
    questions = [topic, *FOLLOW_UPS[lang]]
    history: list[str] = []
    chat: list[dict[str, Any]] = []
    out: dict[str, Any] = {"session": index, "ttft_s": [], "full_s": [], "errors": [], "mixed": []}
    for turn, question in enumerate(questions):
        try:
            final, first, full = turn_fn(client, question, history, chat, lang, deadline)
        except Exception as exc:
            out["errors"].append(f"turn {turn}: {type(exc).__name__}: {exc}")
            return out
        if isinstance(final, str):
            out["errors"].append(f"turn {turn}: {final}")
            return out
        out["ttft_s"].append(first)
        out["full_s"].append(full)
        chat, history = final[0], final[2]
        answer_html = _text(chat[-1])
        if "answer error" in answer_html:
            out["errors"].append(f"turn {turn}: {answer_html[:200]}")
        users = [_text(m) for m in chat if m["role"] == "user"]
        if history != questions[: turn + 1] or len(users) != turn + 1 or escape(question) not in users[-1]:
            out["mixed"].append(f"turn {turn}: conversation state is not this session's")
        if expected[turn] not in answer_html:
            out["mixed"].append(
                f"turn {turn}: the answer is not the one for {question!r}: got {_plain(answer_html)[:160]!r}, "
                f"expected {_plain(expected[turn])[:160]!r}"
            )
    return out


def expected_answers(assistant, index: int) -> list[str]:
    """What each turn must show: the direct answer to this session's own question and history."""
    from assistant.web import render as webui

    topic = TOPICS[index % len(TOPICS)]
    lang = "zh" if has_han(topic) else "en"
    questions = [topic, *FOLLOW_UPS[lang]]
    result = []
    for turn, q in enumerate(questions):
        a = assistant.ask(q, questions[:turn])
        result.append(webui.answer_html(a.text, refused=a.refused, notices=a.notices, lang=a.lang))
    return result


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--embedder", default="e5", help="e5 (the real bundled model, default) or fake")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument(
        "--client", choices=("gradio_client", "sse"), default="gradio_client",
        help="gradio_client (default; polls, so it adds tens of ms) or sse (gradio's queue protocol, as the browser)",
    )
    parser.add_argument("--deadline", type=float, default=180.0, help="seconds for the whole run")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "out" / "web_sessions.json")
    args = parser.parse_args()

    from assistant.answering.service import Assistant
    from assistant.core.config import Settings

    work = Path(tempfile.mkdtemp(prefix="web-sessions-"))
    # A private corpus and index, so nobody rebuilding the project's index mid-run changes the
    # answers; the project's embedding cache is reused, so nothing is embedded twice.
    shutil.copytree(ROOT / "corpus", work / "corpus")
    (work / "index").mkdir()
    if (ROOT / "index" / "cache.sqlite").exists():
        shutil.copy(ROOT / "index" / "cache.sqlite", work / "index" / "cache.sqlite")
    settings = Settings(corpus_dir=work / "corpus", index_dir=work / "index", embedder=args.embedder)
    settings = settings.with_(host="127.0.0.1", port=free_port(), feedback_path=work / "feedback.jsonl")

    # The app runs in its own process, as in production: the clients' threads here must not
    # compete with it for the GIL.
    env = dict(os.environ)
    env.update(
        ASSISTANT_EMBEDDER=settings.embedder,
        ASSISTANT_CORPUS_DIR=str(settings.corpus_dir),
        ASSISTANT_INDEX_DIR=str(settings.index_dir),
        ASSISTANT_FEEDBACK_PATH=str(settings.feedback_path),
        GRADIO_SERVER_NAME="127.0.0.1",
        GRADIO_SERVER_PORT=str(settings.port),
    )
    t0 = time.perf_counter()
    assistant = Assistant.open(settings)  # builds the index if needed, and gives the expected answers
    expected = [expected_answers(assistant, i) for i in range(args.sessions)]
    server, url = start_app(env, settings.port, timeout=120)
    load_s = time.perf_counter() - t0
    print(f"app on {url} ({args.embedder}, up after {load_s:.1f}s); {args.sessions} sessions x 3 turns, {args.client}", flush=True)
    with urllib.request.urlopen(url + "config", timeout=10) as resp:
        config = json.loads(resp.read())
    fn_index = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "ask")

    deadline = time.perf_counter() + args.deadline
    barrier = threading.Barrier(args.sessions)

    def session(i: int) -> dict[str, Any]:
        try:
            barrier.wait(timeout=60)
        except threading.BrokenBarrierError:
            pass
        try:
            return run_session(url, i, expected[i], deadline, args.client, fn_index)
        except Exception as exc:
            return {"session": i, "ttft_s": [], "full_s": [], "errors": [f"{type(exc).__name__}: {exc}"], "mixed": []}

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.sessions) as pool:
        futures = [pool.submit(session, i) for i in range(args.sessions)]
        wait(futures, timeout=args.deadline + 30)
        results = [
            f.result() if f.done() else {"session": -1, "ttft_s": [], "full_s": [], "errors": ["hung"], "mixed": []} for f in futures
        ]
    wall = time.perf_counter() - started
    stop_app(server, grace_s=10)
    shutil.rmtree(work, ignore_errors=True)

    ttft = [t for r in results for t in r["ttft_s"]]
    full = [t for r in results for t in r["full_s"]]
    errors = [f"session {r['session']}: {e}" for r in results for e in r["errors"]]
    mixed = [f"session {r['session']}: {m}" for r in results for m in r["mixed"]]
    report = {
        "embedder": args.embedder,
        "client": args.client,
        "sessions": args.sessions,
        "turns_completed": len(full),
        "turns_expected": args.sessions * 3,
        "errors": errors,
        "mixed": mixed,
        "wall_s": round(wall, 3),
        "ttft_median_ms": round(statistics.median(ttft) * 1000, 1) if ttft else None,
        "ttft_p95_ms": round(pct(ttft, 0.95) * 1000, 1) if ttft else None,
        "full_median_ms": round(statistics.median(full) * 1000, 1) if full else None,
        "full_p95_ms": round(pct(full, 0.95) * 1000, 1) if full else None,
        "startup_s": round(load_s, 2),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))
    ok = not errors and not mixed and len(full) == args.sessions * 3
    print("OK: no errors, no mixed answers" if ok else "FAILED", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
