"""A fake Aiproxy keyhub (`POST /api/keyhub {name, kc}`) with switchable behaviours.

Behaviours:
- "success": `{code: 200, data: {key, name}}`, the same key for the same name (keyhub is
  idempotent upstream);
- "http_400" / "http_401" / "http_500": that HTTP status with `{code, message, error}`;
- "code_error": HTTP 200 with `{code: 500, message, error}`;
- "not_json": HTTP 200 with an HTML page;
- "endless": a chunked body that never ends;
- "slow": waits `delay` seconds before answering.
A refused connection is a port nothing listens on (`tests.support.net.free_port`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Iterator

import pytest

from tests.support.http_server import FakeServer, JsonHandler, serving

ERRORS = {
    "http_400": (400, "name and kc are required"),
    "http_401": (401, "Invalid K8s config"),
    "http_500": (500, "Failed to create token"),
}


def stable_key(name: str) -> str:
    return hashlib.sha256(f"aiproxy:{name}".encode()).hexdigest()[:48]


class FakeAiproxy(FakeServer):
    def __init__(self) -> None:
        super().__init__(_KeyhubHandler)
        self.behaviour = "success"
        self.delay = 0.0
        self.calls: list[dict] = []
        self._lock = threading.Lock()

    def record(self, call: dict) -> None:
        with self._lock:
            self.calls.append(call)


class _KeyhubHandler(JsonHandler):
    server: FakeAiproxy

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path != "/api/keyhub":
            self.send_json(404, {"code": 404, "message": "not found", "error": self.path})
            return
        try:
            body = json.loads(self.read_body() or b"{}")
        except ValueError:
            body = {}
        self.server.record(body)
        behaviour = self.server.behaviour
        if behaviour in ERRORS:
            status, message = ERRORS[behaviour]
            self.send_json(status, {"code": status, "message": message, "error": f"keyhub: {message}"})
        elif behaviour == "code_error":
            self.send_json(200, {"code": 500, "message": "group quota exceeded", "error": "quota"})
        elif behaviour == "not_json":
            self.send_body(200, b"<html><body>Bad gateway</body></html>", "text/html")
        elif behaviour == "endless":
            self._send_endless()
        elif behaviour == "slow":
            self.server.stopping.wait(self.server.delay)
            self._answer(body)
        else:
            self._answer(body)

    def _answer(self, body: dict) -> None:
        name, kubeconfig = body.get("name"), body.get("kc")
        if not isinstance(name, str) or not name or not isinstance(kubeconfig, str) or not kubeconfig:
            self.send_json(400, {"code": 400, "message": "name and kc are required", "error": "bad request"})
        elif len(name) > 32:
            self.send_json(400, {"code": 400, "message": "name too long", "error": "name > 32"})
        else:
            self.send_json(200, {"code": 200, "message": "Token created successfully",
                                 "data": {"key": stable_key(name), "name": name, "status": 1}})

    def _send_endless(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b'{"code": 200, "padding": "' + b"x" * 4096
        with contextlib.suppress(OSError):
            while not self.server.stopping.is_set():
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))


@contextlib.contextmanager
def running_fake_aiproxy() -> Iterator[FakeAiproxy]:
    with serving(FakeAiproxy()) as server:
        yield server


@pytest.fixture
def fake_aiproxy() -> Iterator[FakeAiproxy]:
    with running_fake_aiproxy() as server:
        yield server
