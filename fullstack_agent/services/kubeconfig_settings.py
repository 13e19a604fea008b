"""The kubeconfig section of Settings (SPEC §6.1, §8): what the page may show, and saving a new one.

The stored kubeconfig never leaves the server: the page gets its namespace and API server.
A Sealos user's kubeconfig comes from the desktop at each sign-in and cannot be replaced
here. A new kubeconfig is checked against its cluster before it is stored (parses, current
context with a namespace, API reachable, credentials accepted, namespace readable), and the
user's sandboxes then apply it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fullstack_agent import db
from fullstack_agent.k8s.kubeconfig import KubeconfigError, parse_kubeconfig, validate_kubeconfig
from fullstack_agent.models import ConfigSource
from fullstack_agent.services import anthropic_key, audit, user_config
from fullstack_agent.services.sandbox_env import request_sandbox_updates_for_user

SAVED_ACTION = "config.kubeconfig_saved"
MANAGED_BY_SEALOS = ("Your kubeconfig comes from the Sealos desktop and is renewed each time you sign in; "
                     "it cannot be replaced here.")


@dataclass(frozen=True)
class KubeconfigSummary:
    present: bool
    from_sealos: bool
    namespace: str = ""
    server: str = ""
    updated_at: datetime | None = None
    problem: str = ""  # why the stored kubeconfig cannot be used ('' when it can)


@dataclass(frozen=True)
class KubeconfigSaved:
    summary: KubeconfigSummary
    sandboxes_updating: int


def summary(user_id: str) -> KubeconfigSummary:
    """Namespace and server of the stored kubeconfig, read without contacting the cluster."""
    with db.session_scope() as session:
        entry = user_config.get_entry(session, user_id, user_config.KUBECONFIG)
        from_sealos = (anthropic_key.sealos_identity(session, user_id) is not None
                       or (entry is not None and entry.source is ConfigSource.sealos))
        if entry is None:
            return KubeconfigSummary(present=False, from_sealos=from_sealos)
        text, updated_at = entry.plain_value, entry.updated_at
    try:
        info = parse_kubeconfig(text).info
    except KubeconfigError as error:
        return KubeconfigSummary(present=True, from_sealos=from_sealos, updated_at=updated_at, problem=str(error))
    return KubeconfigSummary(present=True, from_sealos=from_sealos, namespace=info.namespace, server=info.server,
                             updated_at=updated_at)


def save(user_id: str, text: str) -> KubeconfigSaved:
    """Validates the kubeconfig against its cluster, then stores it (source manual).

    Raises KubeconfigError with one sentence; nothing is stored then.
    """
    if summary(user_id).from_sealos:
        raise KubeconfigError(MANAGED_BY_SEALOS)
    info = validate_kubeconfig(text)
    with db.session_scope() as session:
        user_config.set_value(session, user_id, user_config.KUBECONFIG, text, source=ConfigSource.manual)
        audit.record(session, user_id, SAVED_ACTION, target=user_config.KUBECONFIG,
                     detail=f"namespace {info.namespace} on {info.server_host}")
        moved = request_sandbox_updates_for_user(session, user_id)
    saved = KubeconfigSummary(present=True, from_sealos=False, namespace=info.namespace, server=info.server)
    return KubeconfigSaved(summary=saved, sandboxes_updating=moved)
