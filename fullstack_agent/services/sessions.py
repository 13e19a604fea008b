"""Sign-in sessions (SPEC §4.1): an opaque token for the browser, only its hash in `auth_session`.

The token is 256 bits from `secrets`; the row keeps its SHA-256, so a dump of the table
cannot be replayed. Expiry slides: each use pushes `expires_at` to now + SESSION_TTL_DAYS,
but at most once per RENEW_INTERVAL so that an active user does not cost a write per event.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from fullstack_agent import db
from fullstack_agent.config import get_settings
from fullstack_agent.models import AuthProvider, AuthSession, User, utcnow
from fullstack_agent.services import audit

RENEW_INTERVAL = timedelta(minutes=5)
# The browser keeps the token in localStorage under this key (AuthState, GitHub callback page).
BROWSER_STORAGE_KEY = "fullstack_agent_session"
# token_urlsafe(32) gives 43 characters; anything far longer is not one of ours.
MAX_TOKEN_LENGTH = 128


@dataclass(frozen=True)
class SignIn:
    """What a successful sign-in hands to the UI: who, the browser's token, and a notice."""

    user_id: str
    user_name: str
    token: str
    # A non-blocking message for the user (e.g. Aiproxy provisioning failed, SPEC §5.3).
    notice: str = ""


@dataclass(frozen=True)
class CurrentUser:
    id: str
    name: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _session_ttl() -> timedelta:
    return timedelta(days=get_settings().SESSION_TTL_DAYS)


def create_session(session: Session, user_id: str, provider: AuthProvider) -> str:
    """Adds a session row to the caller's transaction and returns the token for the browser."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(AuthSession(user_id=user_id, token_hash=hash_token(token), provider=provider,
                            last_seen_at=now, expires_at=now + _session_ttl()))
    return token


def open_session(session: Session, user: User, provider: AuthProvider, notice: str = "") -> SignIn:
    """A session for `user` plus the audit event of the sign-in, in the caller's transaction."""
    token = create_session(session, user.id, provider)
    audit.record(session, user.id, "auth.sign_in", target=provider.value)
    return SignIn(user_id=user.id, user_name=user.name, token=token, notice=notice)


def _find(session: Session, token: str) -> AuthSession | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return session.exec(select(AuthSession).where(AuthSession.token_hash == hash_token(token))).first()


def resolve_user(session: Session, token: str, now: datetime | None = None) -> User | None:
    """The user a token belongs to, or None when it is unknown or expired (then it is removed)."""
    now = now or utcnow()
    row = _find(session, token)
    if row is None:
        return None
    if row.expires_at <= now:
        session.delete(row)
        return None
    if now - row.last_seen_at >= RENEW_INTERVAL:
        row.last_seen_at = now
        row.expires_at = now + _session_ttl()
        session.add(row)
    return session.get(User, row.user_id)


def revoke(session: Session, token: str) -> bool:
    """Deletes the session of `token`; False when there was none."""
    row = _find(session, token)
    if row is None:
        return False
    audit.record(session, row.user_id, "auth.sign_out", target=row.provider.value)
    session.delete(row)
    return True


def current_user(token: str) -> CurrentUser | None:
    """`resolve_user` in its own transaction, for callers without a session (the UI state)."""
    if not token:
        return None
    with db.session_scope() as session:
        user = resolve_user(session, token)
        return CurrentUser(id=user.id, name=user.name) if user else None


def sign_out(token: str) -> bool:
    """`revoke` in its own transaction."""
    if not token:
        return False
    with db.session_scope() as session:
        return revoke(session, token)
