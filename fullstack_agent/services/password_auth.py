"""Password sign-in and account creation (SPEC §4.3).

Passwords are hashed with argon2id; the hash itself is stored encrypted in the PASSWORD
identity's metadata. Signing in and creating an account are separate actions. Failed
attempts are counted from the audit trail, so the throttle holds across processes and
replicas: after MAX_FAILURES failures within FAILURE_WINDOW, a username is refused until
the oldest of them leaves the window (a successful sign-in starts the count afresh).
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, func, select

from fullstack_agent import crypto, db
from fullstack_agent.config import get_settings
from fullstack_agent.models import AuditEvent, AuthProvider, User, UserIdentity, utcnow
from fullstack_agent.services import audit
from fullstack_agent.services.sessions import SignIn, open_session

MIN_PASSWORD_LENGTH = 8
# argon2 hashes whatever it gets; a cap keeps one request from costing seconds.
MAX_PASSWORD_LENGTH = 1024
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=5)
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")

FAILED_ACTION = "auth.password_failed"
HASH_META_KEY = "password_hash"

_hasher = PasswordHasher()
# Verified against when the username is unknown, so that both answers take as long.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class PasswordAuthError(Exception):
    """A refused sign-in or account creation; `message` is written for the user."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def normalize_username(raw: str) -> str:
    username = (raw or "").strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise PasswordAuthError(
            "InvalidUsername",
            "Usernames are 3 to 64 characters: letters, digits, dots, dashes and underscores, "
            "starting with a letter or digit.")
    return username


def _check_enabled() -> None:
    if not get_settings().ENABLE_PASSWORD_AUTH:
        raise PasswordAuthError("PasswordAuthDisabled", "Password sign-in is turned off on this server.")


def _check_password_shape(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise PasswordAuthError("PasswordTooShort",
                                f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordAuthError("PasswordTooLong",
                                f"Passwords can have at most {MAX_PASSWORD_LENGTH} characters.")


def _identity(session: Session, username: str) -> UserIdentity | None:
    return session.exec(select(UserIdentity).where(
        UserIdentity.provider == AuthProvider.PASSWORD,
        UserIdentity.provider_user_id == username)).first()


def _audit_user_filter(user_id: str | None) -> sa.ColumnElement[bool]:
    # Matches the (user_id, at) index also for unknown usernames, whose events have no user.
    return col(AuditEvent.user_id).is_(None) if user_id is None else AuditEvent.user_id == user_id


def _throttled_until(session: Session, username: str, user_id: str | None, now: datetime) -> datetime | None:
    since = now - FAILURE_WINDOW
    if user_id is not None:
        last_success = session.exec(select(func.max(AuditEvent.at)).where(
            AuditEvent.user_id == user_id, AuditEvent.action == "auth.sign_in",
            AuditEvent.target == AuthProvider.PASSWORD.value)).one()
        if last_success is not None:
            since = max(since, last_success)
    count, oldest = session.exec(select(func.count(), func.min(AuditEvent.at)).where(
        _audit_user_filter(user_id), AuditEvent.at > since,
        AuditEvent.action == FAILED_ACTION, AuditEvent.target == username)).one()
    if count < MAX_FAILURES:
        return None
    return oldest + FAILURE_WINDOW


def _refuse_when_throttled(session: Session, username: str, user_id: str | None) -> None:
    now = utcnow()
    until = _throttled_until(session, username, user_id, now)
    if until is not None:
        minutes = max(1, math.ceil((until - now).total_seconds() / 60))
        raise PasswordAuthError(
            "TooManyAttempts",
            f"Too many failed sign-ins for this username. Try again in {minutes} minute"
            f"{'s' if minutes > 1 else ''}.")


def _record_failure(username: str, user_id: str | None, reason: str) -> None:
    # Its own transaction: the caller's one is rolled back by the error that follows.
    with db.session_scope() as session:
        audit.record(session, user_id, FAILED_ACTION, target=username, detail=reason)


def _verify(identity: UserIdentity | None, password: str) -> bool:
    stored = identity.meta.get(HASH_META_KEY) if identity else None
    try:
        if stored is None:
            _hasher.verify(_DUMMY_HASH, password)
            return False
        return _hasher.verify(crypto.decrypt(stored), password)
    except (VerificationError, InvalidHashError, crypto.DecryptionError):
        return False


def sign_in(raw_username: str, password: str) -> SignIn:
    """Checks the password and opens a session; raises PasswordAuthError with a human message."""
    _check_enabled()
    username = normalize_username(raw_username)
    with db.session_scope() as session:
        identity = _identity(session, username)
        user_id = identity.user_id if identity else None
        _refuse_when_throttled(session, username, user_id)
        if len(password or "") > MAX_PASSWORD_LENGTH or not _verify(identity, password or ""):
            failure = (user_id, "wrong password" if identity else "unknown username")
        else:
            stored_hash = crypto.decrypt(identity.meta[HASH_META_KEY])
            if _hasher.check_needs_rehash(stored_hash):
                identity.meta = {**identity.meta, HASH_META_KEY: crypto.encrypt(_hasher.hash(password))}
                session.add(identity)
            user = session.get(User, identity.user_id)
            return open_session(session, user, AuthProvider.PASSWORD)
    _record_failure(username, *failure)
    raise PasswordAuthError("WrongCredentials", "Wrong username or password.")


def create_account(raw_username: str, password: str) -> SignIn:
    """Creates a user with a PASSWORD identity and opens a session."""
    _check_enabled()
    username = normalize_username(raw_username)
    _check_password_shape(password)
    password_hash = _hasher.hash(password)
    taken = PasswordAuthError("UsernameTaken", "This username is taken. Sign in, or choose another one.")
    try:
        with db.session_scope() as session:
            if _identity(session, username) is not None:
                raise taken
            user = User(name=username)
            session.add(user)
            session.flush()  # the tables have no ORM relationships to order the inserts by
            session.add(UserIdentity(user_id=user.id, provider=AuthProvider.PASSWORD,
                                     provider_user_id=username, is_primary=True,
                                     meta={HASH_META_KEY: crypto.encrypt(password_hash)}))
            audit.record(session, user.id, "auth.account_created", target=AuthProvider.PASSWORD.value)
            return open_session(session, user, AuthProvider.PASSWORD)
    except sa.exc.IntegrityError:
        # Two requests raced for the same username; the unique constraint decided.
        raise taken from None
