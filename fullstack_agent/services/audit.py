"""The audit trail (SPEC §5.3): who did what, never with secrets in it."""

from __future__ import annotations

from sqlmodel import Session, col, select

from fullstack_agent.models import AuditEvent


def record(session: Session, user_id: str | None, action: str, target: str = "", detail: str = "") -> AuditEvent:
    """Adds an event to the caller's transaction; `detail` must never hold a secret."""
    event = AuditEvent(user_id=user_id, action=action, target=target[:255], detail=detail)
    session.add(event)
    return event


def recent(session: Session, user_id: str, limit: int = 50) -> list[AuditEvent]:
    statement = (select(AuditEvent).where(AuditEvent.user_id == user_id)
                 .order_by(col(AuditEvent.at).desc()).limit(limit))
    return list(session.exec(statement))
