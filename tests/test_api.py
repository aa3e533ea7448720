"""The HTTP API and the login, end to end against the real app process (``python app.py``).

One server per module on a free loopback port, fake embedder, its own corpus, accounts
file and feedback log; it is stopped at the end. The tests run in file order: first with
no accounts (open on localhost), then with accounts, and the failed-login limit last
(it blocks the test client's address for a minute).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from assistant.core.config import Settings
from assistant.ingest.corpus import add_documents
from assistant.web.feedback import FeedbackRecord, record_feedback
from assistant.web.users import UserStore
from tests.app_process import app_env, free_port, running_app
from tests.conftest import PAPER_DOC, ROOT, copy_corpus

GUIDE = "harbour-guide"
GUIDE_TEXT = """# Harbour guidance

## Wristbands

Harbour pilots taking part in the quokka wristband scheme report suspected trafficking to the port police.

## Training

Every harbour pilot attends a yearly course on the signs of trafficking in persons.
"""
QUOKKA = "What is the quokka wristband scheme for harbour pilots?"


class Server:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.url = ""
        self.users = UserStore(base / "users.json")
        self.tokens: dict[str, str] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("api")
    copy_corpus(base / "corpus")
    guide = base / "guide.md"
    guide.write_text(GUIDE_TEXT, encoding="utf-8")
    add_documents(Settings(corpus_dir=base / "corpus", index_dir=base / "index", embedder="fake"), [guide], lang="en", doc_id=GUIDE)
    srv = Server(base)
    with running_app(base) as url:
        srv.url = url
        yield srv


def bearer(srv: Server, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {srv.tokens[name]}"}


# --- no accounts ----------------------------------------------------------------------------


def test_without_accounts_the_app_is_open_on_loopback(server: Server):
    health = httpx.get(f"{server.url}/healthz").json()
    assert health["status"] == "ok" and health["accounts"] is False and health["documents"] == 2
    assert httpx.post(f"{server.url}/v1/ask", json={"question": QUOKKA}).status_code == 200
    page = httpx.get(f"{server.url}/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "<html" in page.text
    assert "/v1/chat/completions" in httpx.get(f"{server.url}/openapi.json").json()["paths"]


def test_a_non_local_address_without_accounts_refuses_to_start(tmp_path: Path):
    copy_corpus(tmp_path / "corpus")
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=app_env(tmp_path, free_port(), host="0.0.0.0"),
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "refusing to listen on 0.0.0.0" in result.stderr and "assistant users add" in result.stderr


# --- with accounts ------------------------------------------------------------------------------


def test_once_a_user_exists_the_chat_and_the_api_need_credentials(server: Server):
    for name, role in (("ann", "admin"), ("tom", "trainer"), ("rob", "reader")):
        server.users.add(name, role, f"{name}-password")
        server.tokens[name] = server.users.new_token(name)
    page = httpx.get(f"{server.url}/", headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"] == "/login"
    assert httpx.get(f"{server.url}/config").status_code == 401  # gradio's own endpoints too
    no_token = httpx.post(f"{server.url}/v1/ask", json={"question": QUOKKA})
    assert no_token.status_code == 401 and "Bearer" in no_token.json()["error"]["message"]
    wrong = httpx.post(f"{server.url}/v1/ask", json={"question": QUOKKA}, headers={"Authorization": "Bearer rob.not-the-token"})
    assert wrong.status_code == 401 and wrong.json()["error"]["type"] == "unauthorized"
    bad_login = httpx.post(f"{server.url}/login", data={"username": "rob", "password": "not-rob-password"})
    assert bad_login.status_code == 401 and "Wrong name or password" in bad_login.text

    with httpx.Client(base_url=server.url) as browser:
        login = browser.post("/login", data={"username": "rob", "password": "rob-password"})
        assert login.status_code == 303 and login.headers["location"] == "/"
        assert browser.get("/", headers={"Accept": "text/html"}).status_code == 200
        assert browser.get("/config").status_code == 200
        assert browser.get("/v1/me").json() == {"name": "rob", "role": "reader"}
    assert httpx.get(f"{server.url}/v1/me", headers=bearer(server, "ann")).json() == {"name": "ann", "role": "admin"}


def test_roles_decide_what_a_caller_may_reach(server: Server):
    reader, trainer, admin = bearer(server, "rob"), bearer(server, "tom"), bearer(server, "ann")
    for method, path in (("GET", "/v1/feedback"), ("DELETE", f"/v1/documents/{GUIDE}")):
        for who in (reader, trainer):
            response = httpx.request(method, f"{server.url}{path}", headers=who)
            assert response.status_code == 403 and response.json()["error"]["type"] == "forbidden"
    assert httpx.post(f"{server.url}/v1/brief", data={"topic": "recruitment fees"}, headers=reader).status_code == 403
    upload = httpx.post(f"{server.url}/v1/documents", files={"file": ("x.md", b"# X\n\ntext\n")}, headers=trainer)
    assert upload.status_code == 403
    brief = httpx.post(f"{server.url}/v1/brief", data={"topic": "recruitment fees", "lang": "en"}, headers=trainer, timeout=60)
    assert brief.status_code == 200 and "para." in brief.text
    assert httpx.get(f"{server.url}/v1/feedback", headers=admin).status_code == 200


def test_ask_returns_the_cli_json_shape_with_verbatim_citations(server: Server):
    headers = bearer(server, "rob")
    body = httpx.post(f"{server.url}/v1/ask", json={"question": "承运人处罚是什么？", "k": 3}, headers=headers, timeout=30).json()
    assert {"question", "lang", "answer", "refused", "citations", "passages", "timings_ms"} <= body.keys()
    assert not body["refused"] and body["citations"] and len(body["passages"]) <= 3
    for c in body["citations"]:
        unit = httpx.get(f"{server.url}/v1/units/{c['doc']}/{c['unit']}", headers=headers).json()
        assert c["quote"] in unit["text"] and unit["title"] and "previous" in unit and "next" in unit
    lead = httpx.get(f"{server.url}/v1/units/{PAPER_DOC}/16(e)", headers=headers).json()
    assert lead["lead_in"]["unit"] == "16" and lead["previous"]["unit"] == "16(d)" and lead["section"]
    missing = httpx.get(f"{server.url}/v1/units/{PAPER_DOC}/999", headers=headers)
    assert missing.status_code == 404 and "999" in missing.json()["error"]["message"]
    invalid = httpx.post(f"{server.url}/v1/ask", content=b"{not json", headers={**headers, "content-type": "application/json"})
    assert invalid.status_code == 422 and "Traceback" not in invalid.text and invalid.json()["error"]["message"]


def test_chat_completions_work_with_the_openai_client(server: Server):
    from openai import OpenAI

    client = OpenAI(base_url=f"{server.url}/v1", api_key=server.tokens["rob"], max_retries=0, timeout=30)
    reply = client.chat.completions.create(model="un-tip-assistant", messages=[{"role": "user", "content": "What are carrier sanctions?"}])
    text = reply.choices[0].message.content
    citations = reply.model_extra["citations"]
    assert "[para. 25]" in text and citations
    assert all(c["quote"].strip() and c["doc"] == PAPER_DOC and c["label"] == f"para. {c['unit']}" for c in citations)
    pieces, last = [], None
    for chunk in client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "What are carrier sanctions?"}], stream=True
    ):
        pieces.append(chunk.choices[0].delta.content or "")
        last = chunk
    assert "".join(pieces) == text and last.model_extra["citations"] == citations
    from openai import AuthenticationError

    with pytest.raises(AuthenticationError):
        OpenAI(base_url=f"{server.url}/v1", api_key="rob.wrong", max_retries=0).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )


def test_an_exported_conversation_carries_every_citations_verbatim_text(server: Server):
    import docx

    headers = bearer(server, "rob")
    turns = []
    for q in ("What are carrier sanctions?", QUOKKA):
        body = httpx.post(f"{server.url}/v1/ask", json={"question": q}, headers=headers, timeout=30).json()
        turns.append(
            {
                "question": q,
                "answer": body["answer"],
                "lang": body["lang"],
                "citations": [f"{c['doc']}:{c['unit']}" for c in body["citations"]],
            }
        )
    cited = {c for t in turns for c in t["citations"]}
    assert any(c.startswith(GUIDE) for c in cited) and any(c.startswith(PAPER_DOC) for c in cited)
    texts = [httpx.get(f"{server.url}/v1/units/{c.replace(':', '/', 1)}", headers=headers).json() for c in cited]
    md = httpx.post(f"{server.url}/v1/export", json={"turns": turns, "format": "md"}, headers=headers)
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    word = httpx.post(f"{server.url}/v1/export", json={"turns": turns, "format": "docx"}, headers=headers)
    docx_text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    for unit in texts:
        assert unit["title"] in md.text and unit["title"] in docx_text
        assert all(f"> {line}" in md.text for line in unit["text"].splitlines() if line.strip())
        assert unit["text"] in docx_text
    assert time.strftime("%Y-%m-%d", time.gmtime()) in md.text

    link = httpx.post(f"{server.url}/v1/shares", json={"turns": turns}, headers=headers).json()["url"]
    shared = httpx.get(f"{server.url}{link}", headers=bearer(server, "ann"))
    assert shared.status_code == 200 and turns[1]["question"] in shared.text
    for unit in texts:
        assert all(line.strip() in shared.text for line in unit["text"].splitlines() if line.strip())
    to_login = httpx.get(f"{server.url}{link}", headers={"Accept": "text/html"})
    assert to_login.status_code == 303 and to_login.headers["location"] == f"/login?next={link}"
    assert httpx.get(f"{server.url}/share/{'x' * 22}", headers=headers).status_code == 404


def test_admins_list_feedback_with_filters(server: Server):
    path = server.base / "feedback.jsonl"
    record_feedback(path, FeedbackRecord("q1", "a1", "not_helpful", (f"{PAPER_DOC}:25",), "wrong paragraph", "en"))
    record_feedback(path, FeedbackRecord("q2", "a2", "helpful", (), "", "zh"))
    listed = httpx.get(f"{server.url}/v1/feedback", params={"rating": "not_helpful"}, headers=bearer(server, "ann")).json()
    assert [r["question"] for r in listed] == ["q1"] and listed[0]["comment"] == "wrong paragraph"
    assert [r["question"] for r in httpx.get(f"{server.url}/v1/feedback", params={"lang": "zh"}, headers=bearer(server, "ann")).json()] == [
        "q2"
    ]
    bad = httpx.get(f"{server.url}/v1/feedback", params={"rating": "meh"}, headers=bearer(server, "ann"))
    assert bad.status_code == 422 and "rating" in bad.json()["error"]["message"]


def test_a_removed_document_is_gone_from_paragraphs_search_and_answers(server: Server):
    from typer.testing import CliRunner

    from assistant.cli import app

    admin, reader = bearer(server, "ann"), bearer(server, "rob")
    before = httpx.post(f"{server.url}/v1/ask", json={"question": QUOKKA}, headers=reader, timeout=30).json()
    assert any(c["doc"] == GUIDE for c in before["citations"])
    removed = httpx.delete(f"{server.url}/v1/documents/{GUIDE}", headers=admin, timeout=120)
    assert removed.status_code == 200 and removed.json()["documents"] == [PAPER_DOC]
    after = httpx.post(f"{server.url}/v1/ask", json={"question": QUOKKA, "k": 10}, headers=reader, timeout=30).json()
    assert all(c["doc"] != GUIDE for c in after["citations"]) and all(p["doc"] != GUIDE for p in after["passages"])
    assert httpx.get(f"{server.url}/v1/units/{GUIDE}/s1.p1", headers=reader).status_code == 404
    env = {k: v for k, v in app_env(server.base, 0).items() if k.startswith("ASSISTANT_")}
    listing = CliRunner().invoke(app, ["paragraphs", "--json"], env=env)
    assert listing.exit_code == 0 and {u["doc"] for u in json.loads(listing.output)} == {PAPER_DOC}
    assert not (server.base / "corpus" / "guide.md").exists()

    again = httpx.post(
        f"{server.url}/v1/documents", files={"file": ("guide.md", GUIDE_TEXT.encode())}, data={"lang": "en"}, headers=admin, timeout=120
    )
    assert again.status_code == 200 and again.json()["documents"][0]["doc"] == "guide"
    back = httpx.post(f"{server.url}/v1/ask", json={"question": QUOKKA}, headers=reader, timeout=30).json()
    assert any(c["doc"] == "guide" for c in back["citations"])


def test_the_eleventh_failed_login_within_a_minute_is_refused(server: Server):
    # From 127.0.0.2 (still loopback), whose count the earlier tests' failures did not touch.
    with httpx.Client(base_url=server.url, transport=httpx.HTTPTransport(local_address="127.0.0.2")) as client:
        codes = [client.post("/login", data={"username": "ann", "password": f"guess-{i}"}).status_code for i in range(11)]
        assert codes == [401] * 10 + [429]
        assert client.post("/login", data={"username": "ann", "password": "ann-password"}).status_code == 429
        assert client.get("/v1/me", headers=bearer(server, "ann")).status_code == 429
    assert httpx.get(f"{server.url}/v1/me", headers=bearer(server, "ann")).status_code == 200  # other clients are not blocked
