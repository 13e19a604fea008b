"""Claims and compare-and-set writes of reconciled rows (SPEC §7 "Claim", "Leases", "Writes").

One statement claims a batch: rows in a transitional status, or RUNNING rows due for a drift
check, whose `locked_until` is empty or past, longest due first; it sets `locked_until` to the
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
import functools
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from fullstack_agent.models import TRANSITIONAL_STATUSES, ReconciledResource, ResourceStatus

CLAIMABLE_STATUSES = (*TRANSITIONAL_STATUSES, ResourceStatus.RUNNING)


@dataclasses.dataclass(frozen=True)
class Claim:
    """The compare-and-set guard of a claimed row: what it was when claimed, and the lease."""

    resource_id: str
    status: ResourceStatus
    status_changed_at: datetime
    lease: datetime

    @classmethod
    def of(cls, row: ReconciledResource) -> "Claim":
        assert row.locked_until is not None, "only claimed rows have a guard"
        return cls(row.id, row.status, row.status_changed_at, row.locked_until)


def claim(session: Session, model: type[ReconciledResource], *, now: datetime, lease: datetime,
          limit: int) -> list[ReconciledResource]:
    """Claims up to `limit` due rows of `model` until `lease`, in one statement; returns
    them (whole rows, so handlers need not read them again), longest due first."""
    table = model.__table__
    due = (sa.select(table.c.id)
           .where(table.c.status.in_(CLAIMABLE_STATUSES),
                  sa.or_(table.c.locked_until.is_(None), table.c.locked_until <= now))
           # Longest due first: a row never looked at is due since its status changed.
           .order_by(sa.func.coalesce(table.c.locked_until, table.c.status_changed_at))
           .limit(limit)
           .with_for_update(skip_locked=True))
    statement = (sa.update(model)
                 .where(table.c.id.in_(due.scalar_subquery()))
                 .values(locked_until=lease)
                 .returning(model)
                 .execution_options(synchronize_session=False))
    return list(session.scalars(statement))


@dataclasses.dataclass(frozen=True)
class _Statements:
    """The statements of a pass's hot path, built once per table (bound at execution)."""

    write: sa.Update
    remove: sa.Delete
    release: sa.Update


@functools.cache
def _statements(model: type[ReconciledResource]) -> _Statements:
    table = model.__table__
    ours = [table.c.id == sa.bindparam("guard_id"), table.c.locked_until == sa.bindparam("guard_lease")]
    unchanged = [*ours, table.c.status == sa.bindparam("guard_status"),
                 table.c.status_changed_at == sa.bindparam("guard_changed_at")]
    return _Statements(
        write=sa.update(table).where(*unchanged).values(
            status=sa.bindparam("new_status"), status_changed_at=sa.bindparam("new_changed_at"),
            status_message=sa.bindparam("new_message"), locked_until=sa.bindparam("new_locked_until"),
            attempts=sa.bindparam("new_attempts")),
        remove=sa.delete(table).where(*unchanged),
        release=sa.update(table).where(*ours).values(locked_until=sa.bindparam("new_locked_until")),
    )


def _guard(item: Claim) -> dict[str, Any]:
    return {"guard_id": item.resource_id, "guard_lease": item.lease, "guard_status": item.status,
            "guard_changed_at": item.status_changed_at}


def write(session: Session, model: type[ReconciledResource], item: Claim, *, status: ResourceStatus,
          status_changed_at: datetime, message: str, locked_until: datetime | None, attempts: int,
          extra: dict[str, Any] | None = None) -> bool:
    """Updates the claimed row if it is unchanged since the claim; True when written.
    `extra` sets more columns (rarely: a database's credentials)."""
    params = {**_guard(item), "new_status": status, "new_changed_at": status_changed_at, "new_message": message,
              "new_locked_until": locked_until, "new_attempts": attempts}
    statement = _statements(model).write
    if extra:
        statement = statement.values(**extra)
    return session.execute(statement, params).rowcount == 1


def remove(session: Session, model: type[ReconciledResource], item: Claim) -> bool:
    """Deletes the claimed row if it is unchanged since the claim; True when deleted."""
    return session.execute(_statements(model).remove, _guard(item)).rowcount == 1


def release(session: Session, model: type[ReconciledResource], item: Claim, when: datetime) -> None:
    """Gives the lease back (someone changed the row meanwhile): it is due again at `when`."""
    session.execute(_statements(model).release,
                    {"guard_id": item.resource_id, "guard_lease": item.lease, "new_locked_until": when})
