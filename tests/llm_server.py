"""A tiny OpenAI-compatible ``/v1/chat/completions`` server for tests: standard library only.

Each test scripts what the "model" does next (``server.script = Script(...)``): reply with
given text, streamed as SSE chunks or as one JSON body; wait past the client's timeout;
answer HTTP 500; send garbage; or drop the connection. Requests are recorded so tests can
check what the model was shown.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

Behaviour = Literal["reply", "delay", "http500", "garbage", "garbage_stream", "close"]


@dataclass
class Script:
    behaviour: Behaviour = "reply"
    text: str = ""
    chunk_chars: int = 4  # characters per streamed delta
    chunk_delay_s: float = 0.0
    delay_s: float = 0.0  # for "delay": how long to wait before answering


@dataclass
class LLMTestServer:
    script: Script = field(default_factory=Script)
    requests: list[dict] = field(default_factory=list)
    url: str = ""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, b'{"error": {"message": "not found"}}')
                    return
                request = json.loads(body)
                server.requests.append(request)
                script = server.script
                if script.behaviour == "close":
                    self.close_connection = True
                    self.connection.close()
                    return
                if script.behaviour == "http500":
                    self._send(500, b'{"error": {"message": "internal error", "type": "server_error"}}')
                    return
                if script.behaviour == "garbage":
                    self._send(200, b"<html>this is not JSON \x00\xff</html>", "application/json")
                    return
                if script.behaviour == "garbage_stream":
                    self._send(200, b"data: {not json at all\n\ndata: \xff\xfe\n\n", "text/event-stream")
                    return
                if script.behaviour == "delay":
                    time.sleep(script.delay_s)
                if request.get("stream"):
                    self._stream(request, script)
                else:
                    self._send(200, json.dumps(_completion(request, script.text)).encode())

            def _send(self, status: int, payload: bytes, content_type: str = "application/json") -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): nothing to do

            def _stream(self, request: dict, script: Script) -> None:
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Cache-Control", "no-cache")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    model = request.get("model", "test")
                    pieces = [script.text[i : i + script.chunk_chars] for i in range(0, len(script.text), script.chunk_chars)]
                    events = [_chunk(model, {"role": "assistant", "content": ""})]
                    events += [_chunk(model, {"content": p}) for p in pieces]
                    events.append(_chunk(model, {}, "stop"))
                    for event in events:
                        self.wfile.write(b"data: " + json.dumps(event, ensure_ascii=False).encode() + b"\n\n")
                        self.wfile.flush()
                        if script.chunk_delay_s:
                            time.sleep(script.chunk_delay_s)
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler

    @contextmanager
    def running(self) -> Iterator[LLMTestServer]:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        httpd.daemon_threads = True
        thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
        try:
            yield self
        finally:
            httpd.shutdown()
            httpd.server_close()


def _chunk(model: str, delta: dict, finish_reason: str | None = None) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def _completion(request: dict, text: str) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "test"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
