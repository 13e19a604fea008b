"""Sealos sign-in (SPEC §4.2): the desktop's app JWT and kubeconfig in, a session out.

Checks, in this order, each failure with its code:
`SealosAuthDisabled` (ENABLE_SEALOS_AUTH off) → `SealosTokenRequired` → `SealosConfigurationError`
→ `SealosTokenExpired` → `SealosTokenInvalid` → `SealosKubeconfigInvalid`.
The identity key is the `userId` claim. The kubeconfig is stored encrypted (identity
metadata and the KUBECONFIG setting, source `sealos`) and never returned.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt
import sqlalchemy as sa
from sqlmodel import Session, select

from fullstack_agent import crypto, db
from fullstack_agent.config import get_settings
from fullstack_agent.k8s.kubeconfig import KubeconfigError, parse_kubeconfig
from fullstack_agent.models import AuthProvider, ConfigSource, User, UserIdentity
from fullstack_agent.services import aiproxy, anthropic_key, audit, user_config
from fullstack_agent.services.sessions import SignIn, open_session

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("workspaceUid", "workspaceId", "regionUid", "userCrUid", "userCrName", "userId", "userUid")
MAX_TOKEN_LENGTH = 8 * 1024
MAX_NAME_LENGTH = 200
# Tolerated for `iat`/`nbf` only: expiry is checked exactly before the signature.
CLOCK_SKEW_SECONDS = 60

MESSAGES = {
    "SealosAuthDisabled": "Signing in with Sealos is turned off on this server.",
    "SealosTokenRequired": "The Sealos desktop did not hand over a session token.",
    "SealosConfigurationError": "This server is not configured for Sealos sign-in (SEALOS_JWT_SECRET is missing).",
    "SealosTokenExpired": "Your Sealos session has expired. Reopen the app from the Sealos desktop.",
    "SealosTokenInvalid": "The Sealos session token is not valid for this server.",
    "SealosKubeconfigInvalid": "The kubeconfig from the Sealos desktop cannot be used.",
    # Reported by the page's desktop bridge (assets/desktop_bridge.js), before the server is asked.
    "SealosDesktopTimeout": "The Sealos desktop did not answer. Reopen the app from the desktop and try again.",
    "SealosDesktopRefused": "The Sealos desktop did not share your session.",
    "SealosDesktopBadReply": "The Sealos desktop sent an answer this app does not understand.",
}


class SealosSignInError(Exception):
    """A refused Sealos sign-in: `code` (SPEC §4.2) and a sentence for the user."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.message = MESSAGES[code] + (f" {detail}" if detail else "")
        super().__init__(f"{code}: {self.message}")


@dataclass(frozen=True)
class SealosClaims:
    user_id: str
    workspace_id: str
    region_uid: str
    user_cr_name: str


def _unverified_expiry(token: str) -> Any:
    try:
        payload = jwt.decode(token, options={"verify_signature": False})
    except Exception:  # noqa: BLE001 (network input: any decoding failure means "not a token")
        raise SealosSignInError("SealosTokenInvalid", "It is not a JWT.") from None
    return payload.get("exp")


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def verify_token(token: Any, secret: str, now: float | None = None) -> SealosClaims:
    """Checks expiry, signature (HS256 only) and the seven string claims.

    Raises SealosSignInError and nothing else, whatever `token` holds.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise SealosSignInError("SealosTokenInvalid", "It is not a JWT.")
    expiry = _unverified_expiry(token)
    if expiry is None:
        raise SealosSignInError("SealosTokenExpired", "The token has no expiry.")
    if not _is_number(expiry):
        raise SealosSignInError("SealosTokenInvalid", "Its expiry is not a number.")
    if expiry <= (time.time() if now is None else now):
        raise SealosSignInError("SealosTokenExpired")
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise SealosSignInError("SealosTokenInvalid", f"Only {ALGORITHM} tokens are accepted.")
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp"]},
                            leeway=CLOCK_SKEW_SECONDS)
    except SealosSignInError:
        raise
    except jwt.ExpiredSignatureError:
        raise SealosSignInError("SealosTokenExpired") from None
    except Exception:  # noqa: BLE001 (bad signature, malformed parts, odd claim types: all "invalid")
        raise SealosSignInError("SealosTokenInvalid") from None
    for name in REQUIRED_CLAIMS:
        value = claims.get(name)
        if not isinstance(value, str) or not value.strip():
            raise SealosSignInError("SealosTokenInvalid", f"The claim {name} is missing or not a string.")
    return SealosClaims(user_id=claims["userId"], workspace_id=claims["workspaceId"],
                        region_uid=claims["regionUid"], user_cr_name=claims["userCrName"])


def kubeconfig_namespace(kubeconfig: Any) -> str:
    """The namespace of the current context (k8s.kubeconfig's checks); SealosKubeconfigInvalid otherwise."""
    if not isinstance(kubeconfig, str) or not kubeconfig.strip():
        raise SealosSignInError("SealosKubeconfigInvalid", "It is empty.")
    try:
        return parse_kubeconfig(kubeconfig).info.namespace
    except KubeconfigError as error:
        raise SealosSignInError("SealosKubeconfigInvalid", str(error)) from None


def _display_name(desktop_user: Any, claims: SealosClaims) -> str:
    name = desktop_user.get("name") if isinstance(desktop_user, Mapping) else None
    if isinstance(name, str) and name.strip():
        return " ".join(name.split())[:MAX_NAME_LENGTH]
    return claims.user_id


def _identity_meta(claims: SealosClaims, namespace: str, kubeconfig: str, previous: Mapping | None) -> dict:
    return {
        # The first login's id stays, as in the original.
        "sealosId": (previous or {}).get("sealosId") or claims.user_id,
        "kubeconfig": crypto.encrypt(kubeconfig),
        "namespace": namespace,
        "workspaceId": claims.workspace_id,
        "regionUid": claims.region_uid,
    }


def _find_identity(session: Session, sealos_user_id: str) -> tuple[UserIdentity, User] | None:
    row = session.exec(select(UserIdentity, User).join(User, User.id == UserIdentity.user_id).where(
        UserIdentity.provider == AuthProvider.SEALOS,
        UserIdentity.provider_user_id == sealos_user_id)).first()
    return (row[0], row[1]) if row else None


def _sign_in_existing(claims: SealosClaims, namespace: str, kubeconfig: str) -> SignIn | None:
    with db.session_scope() as session:
        found = _find_identity(session, claims.user_id)
        if found is None:
            return None
        identity, user = found
        identity.meta = _identity_meta(claims, namespace, kubeconfig, identity.meta)
        session.add(identity)
        loaded = user_config.get_values(session, user.id, (user_config.KUBECONFIG, *anthropic_key.ANTHROPIC_KEYS))
        user_config.set_value(session, user.id, user_config.KUBECONFIG, kubeconfig,
                              source=ConfigSource.sealos, loaded=loaded)
        needs_key = anthropic_key.needs_key(loaded)
        signed_in = open_session(session, user, AuthProvider.SEALOS)
    # After the commit: the Aiproxy call (up to its timeout) holds no transaction open.
    outcome = anthropic_key.provision(user.id, claims.user_id, kubeconfig) if needs_key else None
    notice = outcome.notice if outcome else ""
    return SignIn(user_id=signed_in.user_id, user_name=signed_in.user_name, token=signed_in.token, notice=notice)


def _sign_in_new(claims: SealosClaims, namespace: str, kubeconfig: str, name: str) -> SignIn:
    # Provision first (SPEC §4.2), then everything in one transaction.
    result = aiproxy.request_key(claims.user_id, kubeconfig)
    with db.session_scope() as session:
        user = User(name=name)
        session.add(user)
        session.flush()  # the tables have no ORM relationships to order the inserts by
        session.add(UserIdentity(user_id=user.id, provider=AuthProvider.SEALOS, provider_user_id=claims.user_id,
                                 is_primary=True, meta=_identity_meta(claims, namespace, kubeconfig, None)))
        user_config.set_value(session, user.id, user_config.KUBECONFIG, kubeconfig,
                              source=ConfigSource.sealos, loaded={})
        outcome = anthropic_key.apply_result(session, user.id, result, {})
        audit.record(session, user.id, "auth.account_created", target=AuthProvider.SEALOS.value)
        return open_session(session, user, AuthProvider.SEALOS, notice=outcome.notice)


def _record_failure(error: SealosSignInError) -> None:
    log.warning("Sealos sign-in refused: %s", error.code)
    with db.session_scope() as session:
        audit.record(session, None, "auth.sign_in_failed", target=AuthProvider.SEALOS.value, detail=error.code)


def sign_in(token: Any, kubeconfig: Any, desktop_user: Any = None) -> SignIn:
    """Signs a Sealos desktop user in (creating the account on first use).

    Raises SealosSignInError for bad input; provisioning failures do not fail the sign-in
    but come back as `SignIn.notice`.
    """
    settings = get_settings()
    try:
        if not settings.sealos_auth_enabled:
            raise SealosSignInError("SealosAuthDisabled")
        if not token:
            raise SealosSignInError("SealosTokenRequired")
        if not settings.SEALOS_JWT_SECRET:
            raise SealosSignInError("SealosConfigurationError")
        claims = verify_token(token, settings.SEALOS_JWT_SECRET)
        namespace = kubeconfig_namespace(kubeconfig)
    except SealosSignInError as error:
        _record_failure(error)
        raise
    signed_in = _sign_in_existing(claims, namespace, kubeconfig)
    if signed_in is not None:
        return signed_in
    try:
        return _sign_in_new(claims, namespace, kubeconfig, _display_name(desktop_user, claims))
    except sa.exc.IntegrityError:
        # A parallel first sign-in of the same user created the identity meanwhile.
        signed_in = _sign_in_existing(claims, namespace, kubeconfig)
        if signed_in is None:
            raise
        return signed_in
