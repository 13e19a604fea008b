"""Claims and compare-and-set writes of reconciled rows (SPEC §7 "Claim", "Leases", "Writes").

One statement claims a batch: rows in a transitional status, or RUNNING rows due for a drift
check, whose `locked_until` is empty or past, oldest first; it sets `locked_until` to the
lease's end and returns the rows. On PostgreSQL the inner select uses `FOR UPDATE SKIP
LOCKED`, so processes claiming at the same moment take disjoint rows; on SQLite the single
UPDATE … RETURNING runs under the database's write lock, which is just as exclusive.

The lease value doubles as the claim's token: every write of a handler requires
`locked_until` to still equal it (the row is still ours) and, for status changes, the
status and `status_changed_at` to be the claimed ones (nobody, e.g. a user's Delete, changed
it meanwhile). An idle pass — nothing due — is exactly one statement per kind.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from fullstack_agent.models import TRANSITIONAL_STATUSES, ReconciledResource, ResourceStatus

CLAIMABLE_STATUSES = (*TRANSITIONAL_STATUSES, ResourceStatus.RUNNING)


@dataclasses.dataclass(frozen=True)
class Claim:
    resource_id: str
    project_id: str
    status: ResourceStatus
    status_changed_at: datetime
    attempts: int
    lease: datetime


def claim(session: Session, model: type[ReconciledResource], *, now: datetime, lease: datetime,
          limit: int) -> list[Claim]:
    """Claims up to `limit` due rows of `model` until `lease`, in one statement."""
    table = model.__table__
    due = (sa.select(table.c.id)
           .where(table.c.status.in_(CLAIMABLE_STATUSES),
                  sa.or_(table.c.locked_until.is_(None), table.c.locked_until <= now))
           .order_by(table.c.locked_until.asc().nulls_first(), table.c.status_changed_at.asc())
           .limit(limit)
           .with_for_update(skip_locked=True))
    statement = (sa.update(table)
                 .where(table.c.id.in_(due.scalar_subquery()))
                 .values(locked_until=lease)
                 .returning(table.c.id, table.c.project_id, table.c.status, table.c.status_changed_at,
                            table.c.attempts))
    rows = session.execute(statement).all()
    claims = [Claim(row.id, row.project_id, ResourceStatus(row.status), row.status_changed_at, row.attempts, lease)
              for row in rows]
    return sorted(claims, key=lambda item: item.status_changed_at)


def _guard(table: sa.Table, resource_id: str, lease: datetime) -> list[Any]:
    return [table.c.id == resource_id, table.c.locked_until == lease]


def _status_guard(table: sa.Table, resource_id: str, status: ResourceStatus, status_changed_at: datetime,
                  lease: datetime) -> list[Any]:
    return [*_guard(table, resource_id, lease), table.c.status == status,
            table.c.status_changed_at == status_changed_at]


def write(session: Session, model: type[ReconciledResource], item: Claim, values: dict[str, Any]) -> bool:
    """Updates the claimed row if it is unchanged since the claim; True when written."""
    table = model.__table__
    result = session.execute(sa.update(table)
                             .where(*_status_guard(table, item.resource_id, item.status, item.status_changed_at,
                                                   item.lease))
                             .values(**values))
    return result.rowcount == 1


def remove(session: Session, model: type[ReconciledResource], item: Claim) -> bool:
    """Deletes the claimed row if it is unchanged since the claim; True when deleted."""
    table = model.__table__
    result = session.execute(sa.delete(table).where(
        *_status_guard(table, item.resource_id, item.status, item.status_changed_at, item.lease)))
    return result.rowcount == 1


def release(session: Session, model: type[ReconciledResource], item: Claim, when: datetime) -> None:
    """Gives the lease back (someone changed the row meanwhile): it is due again at `when`."""
    table = model.__table__
    session.execute(sa.update(table).where(*_guard(table, item.resource_id, item.lease)).values(locked_until=when))
