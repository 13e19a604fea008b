"""The user's Anthropic key from Aiproxy (SPEC §5.2, §5.3): when to provision, how to store it.

Rules: provision only when the user has no key or the stored aiproxy key was marked
invalid (`invalid_since`); a key the user entered (source `manual`) is never replaced
automatically. Every attempt is an `aiproxy.provision` audit event whose detail starts with
"ok" or "failed: <reason>"; the newest one is the "last provisioning outcome" Settings
shows (`last_outcome`). Every key write is a `config.key_written` event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from fullstack_agent import db
from fullstack_agent.config import get_settings
from fullstack_agent.models import AuditEvent, AuthProvider, ConfigSource, UserConfig, UserIdentity, utcnow
from fullstack_agent.services import aiproxy, audit, user_config
from fullstack_agent.services.aiproxy import KeyhubResult
from fullstack_agent.services.sandbox_env import request_sandbox_updates_for_user

PROVISION_ACTION = "aiproxy.provision"
KEY_WRITTEN_ACTION = "config.key_written"
_OK = "ok"
_FAILED = "failed: "
ANTHROPIC_KEYS = (user_config.ANTHROPIC_API_KEY, user_config.ANTHROPIC_API,
                  user_config.ANTHROPIC_MODEL, user_config.ANTHROPIC_SMALL_FAST_MODEL)


@dataclass(frozen=True)
class ProvisioningOutcome:
    ok: bool
    token_name: str
    reason: str = ""
    at: datetime | None = None

    @property
    def notice(self) -> str:
        """The non-blocking message shown after sign-in when provisioning failed (SPEC §5.3)."""
        if self.ok:
            return ""
        return (f"Your Anthropic key could not be set up through Aiproxy: {self.reason} "
                "You can retry from Settings or enter your own key there.")


def needs_key(loaded: Mapping[str, UserConfig]) -> bool:
    entry = loaded.get(user_config.ANTHROPIC_API_KEY)
    if entry is None:
        return True
    return entry.source is ConfigSource.aiproxy and entry.invalid_since is not None


def apply_result(session: Session, user_id: str, result: KeyhubResult,
                 loaded: Mapping[str, UserConfig]) -> ProvisioningOutcome:
    """Records the attempt and, when it succeeded, stores the key, base URL and default models.

    `loaded` holds the user's rows of ANTHROPIC_KEYS as read in this transaction ({} for a
    new user). Model settings the user already has are kept.
    """
    now = utcnow()
    detail = _OK if result.ok else _FAILED + result.reason
    audit.record(session, user_id, PROVISION_ACTION, target=result.token_name, detail=detail)
    if result.ok:
        settings = get_settings()
        user_config.set_value(session, user_id, user_config.ANTHROPIC_API_KEY, result.key,
                              source=ConfigSource.aiproxy, loaded=loaded)
        user_config.set_value(session, user_id, user_config.ANTHROPIC_API, settings.ANTHROPIC_BASE_URL,
                              source=ConfigSource.aiproxy, loaded=loaded)
        for key in (user_config.ANTHROPIC_MODEL, user_config.ANTHROPIC_SMALL_FAST_MODEL):
            default = getattr(settings, key)
            if default and key not in loaded:
                user_config.set_value(session, user_id, key, default, source=ConfigSource.aiproxy,
                                      loaded=loaded)
        audit.record(session, user_id, KEY_WRITTEN_ACTION, target=user_config.ANTHROPIC_API_KEY,
                     detail=f"source {ConfigSource.aiproxy.value}")
    return ProvisioningOutcome(ok=result.ok, token_name=result.token_name, reason=result.reason, at=now)


def _apply_for_existing_user(session: Session, user_id: str, result: KeyhubResult,
                             loaded: Mapping[str, UserConfig]) -> ProvisioningOutcome:
    """`apply_result` for a user who may have sandboxes: running ones get a changed key or
    base URL (SPEC §5.3)."""
    before = tuple(loaded[key].plain_value if key in loaded else None
                   for key in (user_config.ANTHROPIC_API_KEY, user_config.ANTHROPIC_API))
    outcome = apply_result(session, user_id, result, loaded)
    if outcome.ok and before != (result.key, get_settings().ANTHROPIC_BASE_URL):
        request_sandbox_updates_for_user(session, user_id)
    return outcome


def provision(user_id: str, sealos_user_id: str, kubeconfig: str) -> ProvisioningOutcome | None:
    """Calls Aiproxy for a user whose rows showed `needs_key`, and stores the answer.

    The HTTP call runs outside any transaction; the rows are read again before the write,
    so a key the user typed in the meantime is not overwritten (then None).
    """
    result = aiproxy.request_key(sealos_user_id, kubeconfig)
    with db.session_scope() as session:
        loaded = user_config.get_values(session, user_id, ANTHROPIC_KEYS)
        if not needs_key(loaded):
            return None
        return _apply_for_existing_user(session, user_id, result, loaded)


def sealos_identity(session: Session, user_id: str) -> UserIdentity | None:
    """The user's Sealos identity: only such users can get a key from Aiproxy."""
    return session.exec(select(UserIdentity).where(
        UserIdentity.user_id == user_id, UserIdentity.provider == AuthProvider.SEALOS)).first()


def reprovision(user_id: str, *, replace_manual_key: bool = False) -> ProvisioningOutcome:
    """Settings' *Re-provision via Aiproxy*: asks Aiproxy again with the stored kubeconfig.

    A manual key is replaced only with `replace_manual_key` (the user asked for it).
    """
    with db.session_scope() as session:
        identity = sealos_identity(session, user_id)
        kubeconfig = user_config.get_value(session, user_id, user_config.KUBECONFIG)
        loaded = user_config.get_values(session, user_id, ANTHROPIC_KEYS)
    if identity is None or not kubeconfig:
        return ProvisioningOutcome(ok=False, token_name="", at=utcnow(), reason=(
            "Aiproxy provisioning needs a Sealos account: sign in from the Sealos desktop."))
    current = loaded.get(user_config.ANTHROPIC_API_KEY)
    if current is not None and current.source is ConfigSource.manual and not replace_manual_key:
        return ProvisioningOutcome(ok=False, token_name=aiproxy.token_name(identity.provider_user_id),
                                   at=utcnow(), reason="You use your own key; it was left unchanged.")
    result = aiproxy.request_key(identity.provider_user_id, kubeconfig)
    with db.session_scope() as session:
        return _apply_for_existing_user(session, user_id, result,
                                        user_config.get_values(session, user_id, ANTHROPIC_KEYS))


def last_outcome(session: Session, user_id: str) -> ProvisioningOutcome | None:
    """The newest provisioning attempt of a user, from the audit trail."""
    event = session.exec(select(AuditEvent).where(
        AuditEvent.user_id == user_id, AuditEvent.action == PROVISION_ACTION)
        .order_by(col(AuditEvent.at).desc()).limit(1)).first()
    if event is None:
        return None
    ok = event.detail == _OK
    return ProvisioningOutcome(ok=ok, token_name=event.target, at=event.at,
                               reason="" if ok else event.detail.removeprefix(_FAILED))
