"""A fake Aiproxy: the keyhub (`POST /api/keyhub {name, kc}`) with switchable behaviours, and
the Anthropic-compatible relay's `GET /v1/models`, which accepts the keys it issued.

Keyhub behaviours:
- "success": `{code: 200, data: {key, name}}`, the same key for the same name (keyhub is
  idempotent upstream);
- "http_400" / "http_401" / "http_500": that HTTP status with `{code, message, error}`;
- "code_error": HTTP 200 with `{code: 500, message, error}`;
- "not_json": HTTP 200 with an HTML page;
- "endless": a chunked body that never ends;
- "slow": waits `delay` seconds before answering.
A refused connection is a port nothing listens on (`tests.support.net.free_port`).

The relay (`x-api-key` or `Authorization: Bearer`): 200 with a model list for an issued key
that is not rejected, else 401. `disable(name)` rejects a token's key while keyhub keeps
handing it out; `delete(name)` rejects it and makes keyhub issue a new key for the name
(find-or-create upstream). `models_behaviour = "http_500"` makes the relay fail.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Iterator

import pytest

from tests.support.http_server import FakeServer, JsonHandler, serving
from tests.support.sealos import JWT_SECRET

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
        self.models_behaviour = "check"
        self.presented_keys: list[str] = []
        self._issued: dict[str, str] = {}
        self._rejected: set[str] = set()
        self._lock = threading.Lock()

    def record(self, call: dict) -> None:
        with self._lock:
            self.calls.append(call)

    def key_for(self, name: str) -> str:
        with self._lock:
            return self._issued.setdefault(name, stable_key(name))

    def disable(self, name: str) -> None:
        key = self.key_for(name)
        with self._lock:
            self._rejected.add(key)

    def delete(self, name: str) -> None:
        key = self.key_for(name)
        with self._lock:
            self._rejected.add(key)
            self._issued[name] = stable_key(f"{name}#{len(self._rejected)}")

    def accepts(self, key: str) -> bool:
        with self._lock:
            self.presented_keys.append(key)
            return key in self._issued.values() and key not in self._rejected


class _KeyhubHandler(JsonHandler):
    server: FakeAiproxy

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path != "/v1/models":
            self.send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": self.path}})
            return
        bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
        key = self.headers.get("x-api-key") or bearer
        if self.server.models_behaviour == "http_500":
            self.send_json(500, {"type": "error", "error": {"type": "api_error", "message": "upstream failed"}})
        elif self.server.accepts(key):
            self.send_json(200, {"data": [{"id": "claude-sonnet-4-5", "type": "model"}], "has_more": False})
        else:
            self.send_json(401, {"type": "error",
                                 "error": {"type": "authentication_error", "message": "invalid x-api-key"}})

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
                                 "data": {"key": self.server.key_for(name), "name": name, "status": 1}})

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


@pytest.fixture
def aiproxy_platform(settings_env, fake_aiproxy):
    """Sealos sign-in on: keyhub provisions from the fake, whose relay is ANTHROPIC_BASE_URL."""
    settings_env(SEALOS_JWT_SECRET=JWT_SECRET, AIPROXY_ENDPOINT=fake_aiproxy.url,
                 ANTHROPIC_BASE_URL=fake_aiproxy.url, AIPROXY_TIMEOUT_SECONDS="2")
    return fake_aiproxy
