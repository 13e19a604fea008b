"""HTTP routes served by the app's own server beside Reflex's (health, OAuth callbacks)."""

from __future__ import annotations

import asyncio
import json
import os
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from fullstack_agent import db
from fullstack_agent.config import get_settings
from fullstack_agent.services import github_auth, sessions

# The GitHub callback hands the session to the page through localStorage, where AuthState
# keeps it; the token never appears in a URL.
_SESSION_HANDOFF_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<title>Signing in…</title></head>
<body style="font-family: system-ui, sans-serif; padding: 2em">
<p id="status">Signing in…</p>
<script>
try {{
  window.localStorage.setItem({key}, {token});
  window.location.replace("/projects");
}} catch (error) {{
  document.getElementById("status").textContent =
    "Your browser blocks site storage for this page, so the sign-in cannot be kept. Allow it and try again.";
}}
</script>
</body></html>"""
_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


async def health(_request: Request) -> JSONResponse:
    database_ok = await asyncio.to_thread(db.ping)
    # The worker's process id tells apart the web workers behind one port (scale-out checks).
    return JSONResponse({"status": "ok" if database_ok else "degraded", "database": database_ok,
                         "worker": os.getpid()},
                        status_code=200 if database_ok else 503)


def _login_error(code: str) -> RedirectResponse:
    response = RedirectResponse(f"/login?{urlencode({'error': code})}", status_code=303, headers=_NO_STORE)
    response.delete_cookie(github_auth.STATE_COOKIE, path=github_auth.STATE_COOKIE_PATH)
    return response


async def github_start(_request: Request) -> Response:
    try:
        redirect = github_auth.begin()
    except github_auth.GitHubSignInError as error:
        return _login_error(error.code)
    response = RedirectResponse(redirect.url, status_code=302, headers=_NO_STORE)
    response.set_cookie(github_auth.STATE_COOKIE, redirect.nonce, max_age=github_auth.STATE_TTL_SECONDS,
                        path=github_auth.STATE_COOKIE_PATH, httponly=True, samesite="lax",
                        secure=get_settings().PUBLIC_URL.startswith("https://"))
    return response


async def github_callback(request: Request) -> Response:
    params = request.query_params
    try:
        signed_in = await asyncio.to_thread(
            github_auth.complete, code=params.get("code", ""), state=params.get("state", ""),
            cookie_nonce=request.cookies.get(github_auth.STATE_COOKIE, ""), error=params.get("error", ""))
    except github_auth.GitHubSignInError as error:
        return _login_error(error.code)
    page = _SESSION_HANDOFF_PAGE.format(key=json.dumps(sessions.BROWSER_STORAGE_KEY),
                                        token=json.dumps(signed_in.token))
    response = HTMLResponse(page, headers=_NO_STORE)
    response.delete_cookie(github_auth.STATE_COOKIE, path=github_auth.STATE_COOKIE_PATH)
    return response


def build_api() -> Starlette:
    """A new Starlette app per Reflex App (a shared one cannot take middleware twice)."""
    return Starlette(routes=[
        Route("/api/health", health, methods=["GET"]),
        Route(github_auth.START_PATH, github_start, methods=["GET"]),
        Route(github_auth.CALLBACK_PATH, github_callback, methods=["GET"]),
    ])
