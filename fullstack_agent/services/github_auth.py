"""GitHub sign-in (SPEC §4.4): the OAuth web flow against configurable GitHub URLs.

The `state` parameter is `<nonce>.<expiry>.<HMAC>`: signed with the app's secret key,
valid for STATE_TTL, and bound to the browser that started the flow through a cookie that
holds the nonce. The callback clears that cookie, so a state works once. The access token
is stored encrypted in the GITHUB identity's metadata.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlmodel import select

from fullstack_agent import crypto, db
from fullstack_agent.config import get_settings
from fullstack_agent.models import AuthProvider, User, UserIdentity
from fullstack_agent.services import audit
from fullstack_agent.services.sessions import SignIn, open_session

log = logging.getLogger(__name__)

CALLBACK_PATH = "/api/auth/github/callback"
START_PATH = "/api/auth/github/start"
STATE_COOKIE = "fullstack_agent_github_state"
STATE_COOKIE_PATH = "/api/auth/github"
STATE_TTL_SECONDS = 600
SCOPE = "read:user"
MAX_NAME_LENGTH = 200

MESSAGES = {
    "GitHubDisabled": "Signing in with GitHub is turned off on this server.",
    "GitHubStateInvalid": "This GitHub sign-in link has expired or was already used. Please start again.",
    "GitHubDenied": "GitHub sign-in was cancelled.",
    "GitHubTokenError": "GitHub did not confirm the sign-in. Please start again.",
    "GitHubUserError": "Your GitHub profile could not be read. Please start again.",
}

_client = httpx.Client(timeout=httpx.Timeout(10.0, connect=3.0), follow_redirects=False)


class GitHubSignInError(Exception):
    def __init__(self, code: str) -> None:
        self.code = code
        self.message = MESSAGES[code]
        super().__init__(f"{code}: {self.message}")


@dataclass(frozen=True)
class AuthorizeRedirect:
    url: str
    # The value of STATE_COOKIE for the browser that follows `url`.
    nonce: str


def enabled() -> bool:
    return get_settings().github_auth_enabled


def redirect_uri() -> str:
    return f"{get_settings().PUBLIC_URL}{CALLBACK_PATH}"


def _state_signature(nonce: str, expires: int) -> str:
    key = hashlib.sha256(b"github-oauth-state:" + crypto.configured_keys()[0].encode()).digest()
    return hmac.new(key, f"{nonce}.{expires}".encode(), hashlib.sha256).hexdigest()


def begin(now: float | None = None) -> AuthorizeRedirect:
    """The authorize URL with a fresh state; raises GitHubSignInError when GitHub is off."""
    if not enabled():
        raise GitHubSignInError("GitHubDisabled")
    settings = get_settings()
    nonce = secrets.token_urlsafe(24)
    expires = int((time.time() if now is None else now) + STATE_TTL_SECONDS)
    state = f"{nonce}.{expires}.{_state_signature(nonce, expires)}"
    query = urlencode({"client_id": settings.GITHUB_CLIENT_ID, "redirect_uri": redirect_uri(),
                       "scope": SCOPE, "state": state, "allow_signup": "true"})
    return AuthorizeRedirect(url=f"{settings.GITHUB_AUTHORIZE_URL}?{query}", nonce=nonce)


def _check_state(state: str, cookie_nonce: str, now: float) -> None:
    parts = (state or "").split(".")
    if len(parts) != 3 or not cookie_nonce:
        raise GitHubSignInError("GitHubStateInvalid")
    nonce, expires, signature = parts
    if not expires.isdigit() or not hmac.compare_digest(signature, _state_signature(nonce, int(expires))):
        raise GitHubSignInError("GitHubStateInvalid")
    if int(expires) < now or not hmac.compare_digest(nonce, cookie_nonce):
        raise GitHubSignInError("GitHubStateInvalid")


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _exchange_code(code: str) -> tuple[str, str]:
    settings = get_settings()
    try:
        response = _client.post(settings.GITHUB_TOKEN_URL, headers={"Accept": "application/json"}, data={
            "client_id": settings.GITHUB_CLIENT_ID, "client_secret": settings.GITHUB_CLIENT_SECRET,
            "code": code, "redirect_uri": redirect_uri()})
    except httpx.HTTPError as error:
        log.warning("GitHub token endpoint unreachable: %s", type(error).__name__)
        raise GitHubSignInError("GitHubTokenError") from None
    answer = _json(response)
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if response.status_code != 200 or not isinstance(token, str) or not token:
        reason = answer.get("error") if isinstance(answer, dict) else None
        log.warning("GitHub token exchange refused: HTTP %s %s", response.status_code, str(reason or "")[:100])
        raise GitHubSignInError("GitHubTokenError")
    scope = answer.get("scope")
    return token, scope if isinstance(scope, str) else ""


def _fetch_user(token: str) -> dict[str, Any]:
    try:
        response = _client.get(f"{get_settings().GITHUB_API_URL}/user", headers={
            "Accept": "application/vnd.github+json", "Authorization": f"Bearer {token}"})
    except httpx.HTTPError as error:
        log.warning("GitHub API unreachable: %s", type(error).__name__)
        raise GitHubSignInError("GitHubUserError") from None
    profile = _json(response)
    if (response.status_code != 200 or not isinstance(profile, dict) or isinstance(profile.get("id"), bool)
            or not isinstance(profile.get("id"), int) or not isinstance(profile.get("login"), str)
            or not profile["login"]):
        log.warning("GitHub /user answered HTTP %s without a usable profile", response.status_code)
        raise GitHubSignInError("GitHubUserError")
    return profile


def _display_name(profile: dict[str, Any]) -> str:
    name = profile.get("name")
    text = name if isinstance(name, str) and name.strip() else profile["login"]
    return " ".join(text.split())[:MAX_NAME_LENGTH]


def _upsert(profile: dict[str, Any], token: str, scope: str) -> SignIn:
    meta = {"login": profile["login"], "token": crypto.encrypt(token), "scope": scope}
    with db.session_scope() as session:
        identity = session.exec(select(UserIdentity).where(
            UserIdentity.provider == AuthProvider.GITHUB,
            UserIdentity.provider_user_id == str(profile["id"]))).first()
        if identity is not None:
            identity.meta = meta
            session.add(identity)
            user = session.get(User, identity.user_id)
        else:
            user = User(name=_display_name(profile))
            session.add(user)
            session.flush()  # the tables have no ORM relationships to order the inserts by
            session.add(UserIdentity(user_id=user.id, provider=AuthProvider.GITHUB,
                                     provider_user_id=str(profile["id"]), is_primary=True, meta=meta))
            audit.record(session, user.id, "auth.account_created", target=AuthProvider.GITHUB.value)
        return open_session(session, user, AuthProvider.GITHUB)


def complete(*, code: str, state: str, cookie_nonce: str, error: str = "", now: float | None = None) -> SignIn:
    """The callback: checks the state, exchanges the code, reads the user, opens a session."""
    try:
        if not enabled():
            raise GitHubSignInError("GitHubDisabled")
        _check_state(state, cookie_nonce, time.time() if now is None else now)
        if error or not code:
            raise GitHubSignInError("GitHubDenied")
        token, scope = _exchange_code(code)
        return _upsert(_fetch_user(token), token, scope)
    except GitHubSignInError as failure:
        with db.session_scope() as session:
            audit.record(session, None, "auth.sign_in_failed", target=AuthProvider.GITHUB.value,
                         detail=failure.code)
        raise
