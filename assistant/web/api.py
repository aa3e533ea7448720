"""The HTTP API, served by the same process as the web chat (``app.py`` mounts gradio on it).

FastAPI writes the OpenAPI description (``/openapi.json``, browsable at ``/docs``). Every
error is JSON, ``{"error": {"message", "type"}}`` as OpenAI clients expect, never a
traceback. Access:

* no accounts and a loopback address: open, as the web chat always was;
* once an account exists: ``Authorization: Bearer <token>`` (``assistant users token NAME``)
  or the web chat's session cookie; a wrong token or password is 401, a role too low for
  the endpoint 403, and the 11th failure from one client within a minute 429.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from assistant.core.config import Settings
from assistant.core.errors import AssistantError, ConfigError, UnitNotFound
from assistant.web.live import LiveAssistant
from assistant.web.shares import ShareNotFound, ShareStore
from assistant.web.users import FailureLimiter, Role, User, UserStore, role_allows

log = logging.getLogger("assistant.web.api")

SESSION_COOKIE = "assistant_session"
# Paths that check credentials themselves (or need none); everything else, the web chat
# included, needs a session or a token once accounts exist.
PUBLIC_PATHS = ("/healthz", "/login", "/logout", "/docs", "/redoc", "/openapi.json")
SELF_CHECKED = ("/v1/", "/share/")  # their endpoints take a token or a session themselves
MAX_HISTORY = 10


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings, store: UserStore) -> None:
    """Refuse to serve a non-local address to anyone who reaches it without an account."""
    if not is_loopback(settings.host) and not store.has_users():
        raise ConfigError(
            f"refusing to listen on {settings.host}: there are no accounts, so anyone who can reach the port could "
            f"use the assistant. Add one first (`assistant users add NAME --role admin`, stored in {settings.users_path}) "
            "or listen on 127.0.0.1"
        )


# --- who is asking --------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    name: str | None  # None: an open, account-less server
    role: Role


class Gate:
    """Turns a request into a ``Caller``, or the HTTP error that says why not."""

    def __init__(self, settings: Settings, store: UserStore, limiter: FailureLimiter | None = None) -> None:
        self.settings = settings
        self.store = store
        self.limiter = limiter or FailureLimiter()

    @staticmethod
    def client(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def check_not_blocked(self, request: Request) -> None:
        if self.limiter.blocked(self.client(request)):
            raise HTTPException(429, f"too many failed logins from this address; wait {int(self.limiter.window_s)} seconds")

    def failed(self, request: Request, message: str) -> HTTPException:
        self.limiter.fail(self.client(request))
        return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})

    def caller(self, request: Request) -> Caller:
        if not self.store.has_users():
            if is_loopback(self.settings.host):
                return Caller(None, "admin")
            raise HTTPException(503, "no accounts exist; an administrator must add one (`assistant users add`)")
        header = request.headers.get("authorization", "")
        if header:
            self.check_not_blocked(request)
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise self.failed(request, "the Authorization header must read 'Bearer <token>'")
            user = self.store.check_token(token.strip())
            if user is None:
                raise self.failed(request, "invalid API token")
            return Caller(user.name, user.role)
        user = self.session_user(request)
        if user is None:
            raise HTTPException(
                401,
                "log in, or send 'Authorization: Bearer <token>' (`assistant users token NAME`)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return Caller(user.name, user.role)

    def session_user(self, request: Request) -> User | None:
        cookie = request.cookies.get(SESSION_COOKIE)
        return self.store.check_session(cookie) if cookie else None

    def web_user(self, request: Request) -> str | None:
        """For gradio's ``auth_dependency``: the logged-in name, or a name for an open server."""
        if not self.store.has_users():
            return "local" if is_loopback(self.settings.host) else None
        user = self.session_user(request)
        return user.name if user else None

    def require(self, role: Role) -> Callable[[Request], Caller]:
        def dependency(request: Request) -> Caller:
            who = self.caller(request)
            if not role_allows(who.role, role):
                raise HTTPException(403, f"this needs the {role} role; {who.name} is a {who.role}")
            return who

        return dependency


# --- request and response bodies --------------------------------------------------------------


class AskRequest(BaseModel):
    question: str = Field(..., description="The question, in any of the six UN languages.")
    history: list[str] = Field(default_factory=list, description="Earlier questions of the conversation, oldest first.")
    lang: str | None = Field(None, description="Answer language (zh, en, fr, es, ru, ar); detected when omitted.")
    k: int | None = Field(None, ge=1, le=100, description="Passages to return.")
    doc: str | None = Field(None, description="Search only this document.")


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model: str = "un-tip-assistant"
    messages: list[ChatMessage]
    stream: bool = False
    lang: str | None = None

    model_config = {"extra": "allow"}  # temperature, max_tokens … are accepted and ignored


class TurnIn(BaseModel):
    question: str
    answer: str
    lang: str | None = None
    citations: list[str] = Field(default_factory=list, description="'doc:unit' ids, as /v1/ask returns them.")


class ExportRequest(BaseModel):
    turns: list[TurnIn] = Field(..., min_length=1)
    format: Literal["md", "docx"] = "md"


def _text_of(message: ChatMessage) -> str:
    if isinstance(message.content, str):
        return message.content
    return "".join(str(p.get("text", "")) for p in message.content or [] if p.get("type") == "text")


def _error(status: int, message: str, kind: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status)


# --- the application --------------------------------------------------------------------------


def create_api(live: LiveAssistant, settings: Settings, store: UserStore, limiter: FailureLimiter | None = None) -> FastAPI:
    """The FastAPI app with every endpoint; ``app.py`` mounts the web chat on it at ``/``."""
    gate = Gate(settings, store, limiter)
    api = FastAPI(
        title="UN TIP assistant",
        version="1",
        description="Cited answers over the UN background paper on crime prevention and trafficking in persons.",
    )
    api.state.gate = gate
    _add_error_handlers(api)
    _add_login_gate(api, gate, store)
    _add_service_routes(api, live, gate, store)
    _add_ask_routes(api, live, gate)
    _add_document_routes(api, live, settings, gate)
    _add_trainer_routes(api, live, gate)
    _add_share_and_feedback_routes(api, live, settings, gate)
    return api


def _add_error_handlers(api: FastAPI) -> None:
    """Every error as ``{"error": {"message", "type"}}``, the OpenAI shape clients already parse."""

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        response = _error(
            exc.status_code,
            str(exc.detail),
            {401: "unauthorized", 403: "forbidden", 404: "not_found", 429: "rate_limited"}.get(exc.status_code, "error"),
        )
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @api.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'] if p != 'body')}: {e['msg']}" for e in exc.errors())
        return _error(422, f"invalid request: {problems}", "invalid_request_error")

    @api.exception_handler(AssistantError)
    async def assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        if isinstance(exc, (UnitNotFound, ShareNotFound)):
            return _error(404, str(exc), "not_found")
        return _error(400, str(exc), "invalid_request_error")

    @api.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
        return _error(500, "internal error; the server log has the details", "server_error")


def _add_login_gate(api: FastAPI, gate: Gate, store: UserStore) -> None:
    @api.middleware("http")
    async def web_login_required(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """The web chat (everything but the API, share pages and public paths) needs a session."""
        path = request.url.path
        wants_page = request.method == "GET" and "text/html" in request.headers.get("accept", "")
        if path in PUBLIC_PATHS or gate.web_user(request) is not None:
            return await call_next(request)
        if path.startswith(SELF_CHECKED) and not (wants_page and store.has_users() and "authorization" not in request.headers):
            return await call_next(request)
        if not store.has_users():  # a non-local address whose last account was removed
            return _error(503, "no accounts exist; an administrator must add one (`assistant users add`)", "unavailable")
        if wants_page:  # a person: to the login page, and back here afterwards
            return RedirectResponse("/login" if path == "/" else f"/login?next={quote(path)}", status_code=303)
        return _error(401, "log in first (/login)", "unauthorized")


def _add_service_routes(api: FastAPI, live: LiveAssistant, gate: Gate, store: UserStore) -> None:
    """Health, the login page, logout and who the caller is."""
    reader = gate.require("reader")

    @api.get("/healthz", summary="Liveness and what is loaded", tags=["service"])
    def healthz() -> dict[str, Any]:
        a = live.get()
        return {
            "status": "ok",
            "documents": len(a.documents),
            "units": sum(len(d.units) for d in a.documents),
            "accounts": store.has_users(),
        }

    @api.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(next: str = "/") -> HTMLResponse:
        return HTMLResponse(_login_html("", _local(next)))

    @api.post("/login", response_class=HTMLResponse, include_in_schema=False)
    def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/")) -> Response:
        gate.check_not_blocked(request)
        user = store.check_password(username.strip(), password)
        if user is None:
            gate.limiter.fail(gate.client(request))
            return HTMLResponse(_login_html("Wrong name or password.", _local(next)), status_code=401)
        response = RedirectResponse(_local(next), status_code=303)
        response.set_cookie(SESSION_COOKIE, store.session_cookie(user), httponly=True, samesite="lax", max_age=12 * 3600)
        return response

    @api.post("/logout", include_in_schema=False)
    @api.get("/logout", include_in_schema=False)
    def logout() -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @api.get("/v1/me", summary="Who the credentials belong to", tags=["service"])
    def me(who: Caller = Depends(reader)) -> dict[str, Any]:
        return {"name": who.name, "role": who.role}


def _add_ask_routes(api: FastAPI, live: LiveAssistant, gate: Gate) -> None:
    """Questions: the native ``/v1/ask`` and the OpenAI-compatible chat."""
    reader = gate.require("reader")

    @api.post("/v1/ask", summary="Answer one question with cited paragraphs (the `ask --json` shape)", tags=["ask"])
    def ask(body: AskRequest, who: Caller = Depends(reader)) -> dict[str, Any]:
        from assistant.answering.service import answer_to_json

        answer = live.get().ask(body.question, body.history[-MAX_HISTORY:], k=body.k, doc=body.doc, lang=body.lang)
        return answer_to_json(answer)

    @api.post("/v1/chat/completions", summary="OpenAI-compatible chat: the last user message is the question", tags=["ask"])
    def chat_completions(body: ChatRequest, who: Caller = Depends(reader)) -> Any:
        users = [_text_of(m) for m in body.messages if m.role == "user"]
        if not users or not users[-1].strip():
            raise HTTPException(422, "messages must end with a user message that has text")
        question, history = users[-1], users[:-1][-MAX_HISTORY:]
        a = live.get()
        created = int(time.time())
        ident = f"chatcmpl-{uuid.uuid4().hex}"
        if body.stream:
            return StreamingResponse(_sse(a, question, history, body, ident, created), media_type="text/event-stream")
        answer = a.ask(question, history, lang=body.lang)
        return {
            "id": ident,
            "object": "chat.completion",
            "created": created,
            "model": body.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            "citations": _citations(a, answer),
            "refused": answer.refused,
        }


def _add_document_routes(api: FastAPI, live: LiveAssistant, settings: Settings, gate: Gate) -> None:
    """Units and documents: read by readers, added, replaced and removed by admins."""
    reader, admin = gate.require("reader"), gate.require("admin")

    @api.get("/v1/units/{doc}/{unit}", summary="One unit with its heading path, lead-in and neighbours", tags=["documents"])
    def unit(doc: str, unit: str, who: Caller = Depends(reader)) -> dict[str, Any]:
        a = live.get()
        if all(d.doc_id != doc for d in a.documents):
            raise HTTPException(404, f"no document {doc!r}; documents: {', '.join(d.doc_id for d in a.documents)}")
        document, found = a.find(unit, doc)
        prev, nxt = a.neighbours(found.unit_id, document.doc_id)
        lead = document.unit(found.parent) if found.parent else None
        return {
            **_unit_json(found),
            "title": document.title,
            "kind": found.kind,
            "section": list(found.section),
            "lead_in": _unit_json(lead) if lead else None,
            "previous": _unit_json(prev) if prev else None,
            "next": _unit_json(nxt) if nxt else None,
        }

    @api.get("/v1/documents", summary="The documents in the corpus", tags=["documents"])
    def documents(who: Caller = Depends(reader)) -> list[dict[str, Any]]:
        return [
            {"doc": d.doc_id, "title": d.title, "lang": d.lang, "units": len(d.units), "parallel_of": d.parallel_of}
            for d in live.get().documents
        ]

    @api.post("/v1/documents", summary="Add a document, or replace one (admins); the index follows", tags=["documents"])
    def add_document(
        file: UploadFile,
        lang: str | None = Form(None, description="zh, en, fr, es, ru or ar; detected when omitted."),
        parallel_of: str | None = Form(None, description="doc id of the document this one translates."),
        replace: str | None = Form(None, description="doc id to replace with this file (keeps its id and links)."),
        who: Caller = Depends(admin),
    ) -> dict[str, Any]:
        from assistant.ingest.corpus import add_documents, replace_document

        name = Path(file.filename or "upload.txt").name
        limit = settings.max_file_mb * 1024 * 1024
        data = file.file.read(limit + 1)
        if len(data) > limit:
            raise HTTPException(413, f"{name} is larger than {settings.max_file_mb} MB (ASSISTANT_MAX_FILE_MB)")
        with tempfile.TemporaryDirectory(prefix="assistant-upload-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            if replace:
                docs = [replace_document(live.get().settings, replace, path, lang=lang or None)]
            else:
                docs = add_documents(live.get().settings, [path], lang=lang or None, parallel_of=parallel_of or None)
        live.refresh()
        return {"documents": [{"doc": d.doc_id, "title": d.title, "lang": d.lang, "units": len(d.units)} for d in docs]}

    @api.delete("/v1/documents/{doc}", summary="Remove a document and its units from the index (admins)", tags=["documents"])
    def remove_document(doc: str, who: Caller = Depends(admin)) -> dict[str, Any]:
        from assistant.ingest.corpus import remove_document as remove

        remove(live.get().settings, doc)
        a = live.refresh()
        return {"removed": doc, "documents": [d.doc_id for d in a.documents]}


def _add_trainer_routes(api: FastAPI, live: LiveAssistant, gate: Gate) -> None:
    """A trainer's brief and a conversation's export."""
    reader, trainer = gate.require("reader"), gate.require("trainer")

    @api.post("/v1/brief", summary="A trainer's brief on a topic, as Markdown (trainers)", tags=["trainers"])
    def brief(topic: str = Form(...), lang: str | None = Form(None), who: Caller = Depends(trainer)) -> Response:
        from assistant.trainers.brief import make_brief
        from assistant.trainers.export import render_brief

        return Response(str(render_brief(make_brief(live.get(), topic, lang), "md")), media_type="text/markdown; charset=utf-8")

    @api.post("/v1/export", summary="A conversation as Markdown or DOCX, with every citation's verbatim text", tags=["ask"])
    def export(body: ExportRequest, who: Caller = Depends(reader)) -> Response:
        from assistant.trainers.transcript import MEDIA_TYPES, Turn, build_transcript, render_transcript

        turns = [Turn(t.question, t.answer, t.lang, tuple(t.citations)) for t in body.turns]
        transcript = build_transcript(live.get(), turns)
        content = render_transcript(transcript, body.format)
        data = content.encode("utf-8") if isinstance(content, str) else content
        name = f"conversation-{transcript.date}.{body.format}"
        return Response(data, media_type=MEDIA_TYPES[body.format], headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _add_share_and_feedback_routes(api: FastAPI, live: LiveAssistant, settings: Settings, gate: Gate) -> None:
    """Read-only share links of conversations, and the admins' view of rated answers."""
    reader, admin = gate.require("reader"), gate.require("admin")
    shares = ShareStore(settings.shares_dir)

    @api.post("/v1/shares", summary="Store a conversation for a read-only link (/share/{id})", tags=["ask"])
    def share(body: ExportRequest, who: Caller = Depends(reader)) -> dict[str, Any]:
        from assistant.trainers.transcript import Turn

        saved = shares.save([Turn(t.question, t.answer, t.lang, tuple(t.citations)) for t in body.turns], who.name)
        return {"id": saved.id, "url": f"/share/{saved.id}"}

    @api.get(
        "/share/{share_id}", response_class=HTMLResponse, summary="A shared conversation, read-only, with its cited text", tags=["ask"]
    )
    def shared_page(share_id: str, who: Caller = Depends(reader)) -> HTMLResponse:
        from markdown_it import MarkdownIt

        from assistant.trainers.transcript import build_transcript, render_transcript

        saved = shares.load(share_id)
        markdown = str(render_transcript(build_transcript(live.get(), list(saved.turns), today=saved.created[:10]), "md"))
        body = MarkdownIt("commonmark", {"html": False}).render(markdown)  # no raw HTML from questions or answers
        return HTMLResponse(_page("Shared conversation", body))

    @api.get("/v1/feedback", summary="Rated answers, newest first, with filters (admins)", tags=["feedback"])
    def feedback(
        rating: Literal["helpful", "not_helpful"] | None = None,
        lang: str | None = None,
        since: date | None = None,
        until: date | None = None,
        who: Caller = Depends(admin),
    ) -> list[dict[str, Any]]:
        from assistant.web.feedback import filter_feedback, read_feedback

        return filter_feedback(read_feedback(settings.feedback_path), rating=rating, lang=lang, since=since, until=until)


def _unit_json(unit: Any) -> dict[str, Any]:
    return {"doc": unit.doc_id, "unit": unit.unit_id, "section_path": unit.section_path, "text": unit.text}


def _citations(assistant: Any, answer: Any) -> list[dict[str, Any]]:
    from assistant.core.i18n import cite_label

    return [
        {
            "doc": c.doc_id,
            "unit": c.unit_id,
            "label": cite_label(c.unit_id, answer.lang),
            "title": assistant.document(c.doc_id).title,
            "quote": c.quote,
        }
        for c in answer.citations
    ]


def _sse(assistant: Any, question: str, history: list[str], body: ChatRequest, ident: str, created: int) -> Iterator[str]:
    """OpenAI's streaming format: one ``chat.completion.chunk`` per piece, citations on the last."""
    from assistant.answering.extractive import Answer

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        obj = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": body.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    shown = ""
    try:
        for piece in assistant.ask_stream(question, history, lang=body.lang):
            if isinstance(piece, Answer):
                if piece.text != shown:  # a model failed midway: the authoritative text follows
                    yield chunk({"content": ("\n\n" if shown else "") + piece.text})
                yield chunk({}, "stop", citations=_citations(assistant, piece), refused=piece.refused)
                break
            shown += piece
            yield chunk({"content": piece})
    except Exception as exc:  # the stream has started: report in-band, never a traceback
        message = str(exc) if isinstance(exc, AssistantError) else "internal error; the server log has the details"
        if not isinstance(exc, AssistantError):
            log.exception("unexpected error while streaming")
        yield f"data: {json.dumps({'error': {'message': message, 'type': 'server_error'}})}\n\n"
    yield "data: [DONE]\n\n"


def _page(title: str, body: str, width: str = "48rem") -> str:
    from html import escape

    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} · UN TIP assistant</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:{width};margin:3rem auto;padding:0 1rem;line-height:1.5}}
label,input,button{{display:block;width:100%;box-sizing:border-box;margin:.3rem 0}}input,button{{padding:.5rem}}
blockquote{{border-left:3px solid #888;margin:.5rem 0;padding-left:1rem;white-space:pre-line}}
.error{{color:#a40000}}</style></head>
<body>{body}</body></html>"""


def _local(path: str) -> str:
    """Where to go after logging in: a path on this server, never another site."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


def _login_html(message: str, next_path: str = "/") -> str:
    from html import escape

    note = f'<p class="error" role="alert">{escape(message)}</p>' if message else ""
    return _page(
        "Log in",
        f"""<h1>UN TIP assistant</h1>{note}
<form method="post" action="/login"><input type="hidden" name="next" value="{escape(next_path)}">
<label for="username">Name</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="login">Log in</button></form>""",
        width="22rem",
    )
