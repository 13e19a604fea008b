"""Idempotent create/read/delete helpers shared by the sandbox and database managers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from fullstack_agent.k8s.client import KubeClient
from fullstack_agent.k8s.errors import is_already_exists, is_not_found
from fullstack_agent.models import ResourceStatus

_MESSAGE_LIMIT = 240


@dataclasses.dataclass(frozen=True)
class Observation:
    """What the cluster says about a resource, mapped to our status (SPEC §6.5)."""

    status: ResourceStatus
    detail: str = ""


def create(client: KubeClient, method: Callable[..., Any], *args: Any) -> bool:
    """Creates an object; True when created, False when it already existed (409 AlreadyExists)."""
    try:
        client.call(method, *args)
    except Exception as error:
        if is_already_exists(error):
            return False
        raise
    return True


def read(client: KubeClient, method: Callable[..., Any], *args: Any) -> dict[str, Any] | None:
    """Reads an object; None when it does not exist."""
    try:
        return client.call(method, *args)
    except Exception as error:
        if is_not_found(error):
            return None
        raise


def delete(client: KubeClient, method: Callable[..., Any], *args: Any) -> bool:
    """Deletes an object; True when a delete was issued, False when it was already gone (404)."""
    try:
        client.call(method, *args)
    except Exception as error:
        if is_not_found(error):
            return False
        raise
    return True


def latest_pod_event(client: KubeClient, namespace: str, pod_name: str) -> str:
    """The newest event of a pod, warnings first, as "Reason: message" ("" when none)."""
    events = client.call(client.core.list_namespaced_event, namespace,
                         field_selector=f"involvedObject.name={pod_name}").get("items") or []
    if not isinstance(events, list) or not events:
        return ""

    def when(event: dict[str, Any]) -> str:
        metadata = event.get("metadata") or {}
        return str(event.get("lastTimestamp") or event.get("eventTime") or metadata.get("creationTimestamp") or "")

    warnings = [event for event in events if isinstance(event, dict) and event.get("type") == "Warning"]
    newest = max(warnings or [event for event in events if isinstance(event, dict)], key=when, default=None)
    if newest is None:
        return ""
    return f"{newest.get('reason') or 'Event'}: {newest.get('message') or ''}".strip()[:_MESSAGE_LIMIT]
