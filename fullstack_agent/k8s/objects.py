"""Idempotent create/read/delete helpers shared by the sandbox and database managers."""

from __future__ import annotations

import dataclasses
from typing import Any

from fullstack_agent.k8s.api import EVENTS, KubeApi, Resource
from fullstack_agent.k8s.errors import is_already_exists, is_not_found
from fullstack_agent.models import ResourceStatus

_MESSAGE_LIMIT = 240


@dataclasses.dataclass(frozen=True)
class Observation:
    """What the cluster says about a resource, mapped to our status (SPEC §6.5)."""

    status: ResourceStatus
    detail: str = ""


def create(api: KubeApi, resource: Resource, namespace: str, body: dict[str, Any]) -> bool:
    """Creates an object; True when created, False when it already existed (409 AlreadyExists)."""
    try:
        api.create(resource, namespace, body)
    except Exception as error:
        if is_already_exists(error):
            return False
        raise
    return True


def read(api: KubeApi, resource: Resource, namespace: str, name: str) -> dict[str, Any] | None:
    """Reads an object; None when it does not exist."""
    try:
        return api.get(resource, namespace, name)
    except Exception as error:
        if is_not_found(error):
            return None
        raise


def delete(api: KubeApi, resource: Resource, namespace: str, name: str) -> bool:
    """Deletes an object; True when a delete was issued, False when it was already gone (404)."""
    try:
        api.delete(resource, namespace, name)
    except Exception as error:
        if is_not_found(error):
            return False
        raise
    return True


def latest_pod_event(api: KubeApi, namespace: str, pod_name: str) -> str:
    """The newest event of a pod, warnings first, as "Reason: message" ("" when none)."""
    events = api.list(EVENTS, namespace, fieldSelector=f"involvedObject.name={pod_name}").get("items") or []
    if not isinstance(events, list):
        return ""
    events = [event for event in events if isinstance(event, dict)]

    def when(event: dict[str, Any]) -> str:
        metadata = event.get("metadata") or {}
        return str(event.get("lastTimestamp") or event.get("eventTime") or metadata.get("creationTimestamp") or "")

    warnings = [event for event in events if event.get("type") == "Warning"]
    newest = max(warnings or events, key=when, default=None)
    if newest is None:
        return ""
    return f"{newest.get('reason') or 'Event'}: {newest.get('message') or ''}".strip()[:_MESSAGE_LIMIT]
