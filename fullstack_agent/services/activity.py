"""A user's recent activity for Settings: their newest audit events in words.

Audit events never hold secrets (`audit.record`'s contract), so they can be shown as they are;
this module only puts a label on each action.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fullstack_agent import db
from fullstack_agent.services import audit

DEFAULT_LIMIT = 20

LABELS = {
    "auth.sign_in": "Signed in",
    "auth.sign_out": "Signed out",
    "auth.account_created": "Account created",
    "auth.password_failed": "Sign-in attempt failed",
    "aiproxy.provision": "Aiproxy key provisioning",
    "config.key_written": "Anthropic key saved",
    "config.key_removed": "Anthropic key removed",
    "config.key_revealed": "Anthropic key revealed",
    "config.anthropic_changed": "Anthropic settings changed",
    "config.kubeconfig_saved": "Kubeconfig saved",
    "config.system_prompt_changed": "System prompt changed",
    "key_health.invalid": "Anthropic key rejected",
    "project.create": "Project created",
    "project.start": "Project started",
    "project.stop": "Project stopped",
    "project.delete": "Project deleted",
    "project.variable.set": "Project variable set",
    "project.variable.delete": "Project variable deleted",
}
# Actions whose target names a sign-in method (PASSWORD, GITHUB, SEALOS).
_PROVIDER_TARGETS = ("auth.sign_in", "auth.sign_out", "auth.account_created")


@dataclass(frozen=True)
class ActivityItem:
    at: datetime
    action: str
    label: str
    detail: str


def describe(action: str, target: str, detail: str) -> tuple[str, str]:
    """(label, detail) of one audit event."""
    label = LABELS.get(action, action)
    if action in _PROVIDER_TARGETS:
        return label, f"with {target.capitalize()}" if target else ""
    if action == "aiproxy.provision":
        return label, "succeeded" if detail == "ok" else detail
    return label, detail


def recent_activity(user_id: str, limit: int = DEFAULT_LIMIT) -> list[ActivityItem]:
    with db.session_scope() as session:
        events = audit.recent(session, user_id, limit=limit)
        items = []
        for event in events:
            label, detail = describe(event.action, event.target, event.detail)
            items.append(ActivityItem(at=event.at, action=event.action, label=label, detail=detail))
        return items
