"""A fake GitHub: the OAuth authorize page, the token endpoint and the `/user` API.

Behaviours: "approve" (the authorize page sends the browser back with a code at once),
"deny" (back with `error=access_denied`), "token_error" (the token endpoint answers, as
GitHub does, HTTP 200 with `{"error": "bad_verification_code"}`).
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.support.http_server import FakeServer, JsonHandler, serving

CLIENT_ID = "test-github-client-id"
CLIENT_SECRET = "test-github-client-secret"


class FakeGitHub(FakeServer):
    def __init__(self) -> None:
        super().__init__(_GitHubHandler)
        self.behaviour = "approve"
        self.profile = {"id": 4242, "login": "octocat", "name": "Octo Cat"}
        self.codes: set[str] = set()
        self.tokens: set[str] = set()
        self.lock = threading.Lock()

    @property
    def settings(self) -> dict[str, str]:
        """The app's settings that point GitHub sign-in at this server."""
        return {"ENABLE_GITHUB_AUTH": "true", "GITHUB_CLIENT_ID": CLIENT_ID, "GITHUB_CLIENT_SECRET": CLIENT_SECRET,
                "GITHUB_AUTHORIZE_URL": f"{self.url}/login/oauth/authorize",
                "GITHUB_TOKEN_URL": f"{self.url}/login/oauth/access_token", "GITHUB_API_URL": self.url}

    def issue(self, pool: set[str], prefix: str) -> str:
        value = prefix + secrets.token_hex(10)
        with self.lock:
            pool.add(value)
        return value

    def take(self, pool: set[str], value: str) -> bool:
        with self.lock:
            if value in pool:
                pool.discard(value)
                return True
            return False


class _GitHubHandler(JsonHandler):
    server: FakeGitHub

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        if url.path == "/login/oauth/authorize":
            self._authorize(query)
        elif url.path == "/user":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if token in self.server.tokens:
                self.send_json(200, self.server.profile)
            else:
                self.send_json(401, {"message": "Bad credentials"})
        else:
            self.send_json(404, {"message": "Not Found"})

    def _authorize(self, query: dict[str, str]) -> None:
        if query.get("client_id") != CLIENT_ID or not query.get("redirect_uri"):
            self.send_body(400, b"unknown client", "text/plain")
            return
        if self.server.behaviour == "deny":
            answer = {"error": "access_denied", "error_description": "The user denied access.",
                      "state": query.get("state", "")}
        else:
            answer = {"code": self.server.issue(self.server.codes, "code-"), "state": query.get("state", "")}
        self.send_body(302, b"", "text/plain", {"Location": f"{query['redirect_uri']}?{urlencode(answer)}"})

    def do_POST(self) -> None:  # noqa: N802
        if urlsplit(self.path).path != "/login/oauth/access_token":
            self.send_json(404, {"message": "Not Found"})
            return
        form = {name: values[0] for name, values in parse_qs(self.read_body().decode()).items()}
        valid = (form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET
                 and self.server.take(self.server.codes, form.get("code", "")))
        if self.server.behaviour == "token_error" or not valid:
            self.send_json(200, {"error": "bad_verification_code",
                                 "error_description": "The code passed is incorrect or expired."})
            return
        self.send_json(200, {"access_token": self.server.issue(self.server.tokens, "gho_"),
                             "token_type": "bearer", "scope": "read:user"})


@contextlib.contextmanager
def running_fake_github() -> Iterator[FakeGitHub]:
    with serving(FakeGitHub()) as server:
        yield server


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    with running_fake_github() as server:
        yield server
