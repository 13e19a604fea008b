"""The cheap question an open project page asks every second: did anything it shows change?"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from fullstack_agent.models import Database, Project, Sandbox

StatusFingerprint = tuple[str, ...]


def status_fingerprint(session: Session, user_id: str, project_id: str) -> StatusFingerprint | None:
    """What the project page shows of the project's and its resources' state, in one statement.

    Equal fingerprints mean nothing on the page changed; None means the project is gone or
    is not the user's. Secrets are not read (only whether the database credentials exist).
    """
    statement = (
        sa.select(Project.status, Project.updated_at,
                  Sandbox.status, Sandbox.status_message, Sandbox.status_changed_at,
                  Database.status, Database.status_message, Database.status_changed_at,
                  Database.host, Database.connection_url.is_not(None))
        .select_from(Project)
        .outerjoin(Sandbox, Sandbox.project_id == Project.id)
        .outerjoin(Database, Database.project_id == Project.id)
        .where(Project.id == project_id, Project.user_id == user_id)
    )
    row = session.execute(statement).first()
    return None if row is None else tuple(str(value) for value in row)
