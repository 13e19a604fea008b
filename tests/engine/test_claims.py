"""The claim statement and the compare-and-set writes (SPEC §7 "Claim", "Writes")."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from fullstack_agent import db
from fullstack_agent.models import Database, Project, ResourceStatus, Sandbox, User, new_id, utcnow
from fullstack_agent.reconcile import claims
from tests.engine.conftest import count_statements, reconcile_once

R = ResourceStatus


def _insert(rows: list[tuple[ResourceStatus, object]]) -> list[str]:
    """Sandboxes with the given (status, locked_until), one project each; returns their ids."""
    now = utcnow()
    user_id = new_id()
    sandbox_rows, project_rows = [], []
    for index, (status, locked_until) in enumerate(rows):
        project_id = new_id()
        project_rows.append({"id": project_id, "user_id": user_id, "name": f"p{index}", "slug": f"p{index}",
                             "description": "", "status": status.value, "created_at": now, "updated_at": now})
        sandbox_rows.append({"id": new_id(), "project_id": project_id, "name": f"p{index}", "k8s_namespace": "ns",
                             "sandbox_name": f"p{index}", "runtime_image": "i", "status": status.value,
                             "status_message": "", "locked_until": locked_until, "attempts": 0,
                             "status_changed_at": now + timedelta(microseconds=index), "created_at": now,
                             "updated_at": now, "public_url": "", "ttyd_url": "", "storage_size": "1Gi",
                             "cpu_request": "1", "cpu_limit": "1", "memory_request": "1", "memory_limit": "1"})
    with db.session_scope() as session:
        session.execute(sa.insert(User), [{"id": user_id, "name": "u", "created_at": now, "updated_at": now}])
        session.execute(sa.insert(Project), project_rows)
        session.execute(sa.insert(Sandbox), sandbox_rows)
    return [row["id"] for row in sandbox_rows]


def test_claims_take_due_rows_oldest_first_and_set_the_lease(database):
    now = utcnow()
    ids = _insert([(R.CREATING, None), (R.STARTING, now - timedelta(seconds=1)), (R.STOPPING, now + timedelta(1)),
                   (R.RUNNING, now - timedelta(seconds=5)), (R.RUNNING, now + timedelta(seconds=5)),
                   (R.STOPPED, None), (R.ERROR, None), (R.UPDATING, None), (R.TERMINATING, None)])
    lease = now + timedelta(seconds=30)
    with db.session_scope() as session:
        first = claims.claim(session, Sandbox, now=now, lease=lease, limit=3)
    with db.session_scope() as session:
        second = claims.claim(session, Sandbox, now=now, lease=lease, limit=10)
        leases = dict(session.execute(sa.select(Sandbox.id, Sandbox.locked_until)).all())

    # Longest due first; a row never looked at is due since its status changed.
    assert sorted(row.id for row in first) == sorted([ids[3], ids[1], ids[0]])
    assert sorted(row.id for row in second) == sorted([ids[7], ids[8]])
    assert all(leases[row.id] == lease for row in first + second)
    assert leases[ids[2]] == now + timedelta(1) and leases[ids[5]] is None


def test_an_idle_pass_over_many_settled_rows_is_two_statements(database):
    now = utcnow()
    _insert([(status, now + timedelta(seconds=60) if status is R.RUNNING else None)
             for status in (R.RUNNING, R.STOPPED, R.ERROR) for _ in range(400)])
    with count_statements() as statements:
        report = reconcile_once(now)
    assert report.handled == [] and len(statements) == 2


def test_writes_are_compare_and_set(database):
    now = utcnow()
    (resource_id,) = _insert([(R.CREATING, None)])
    lease = now + timedelta(seconds=30)
    with db.session_scope() as session:
        item = claims.Claim.of(*claims.claim(session, Sandbox, now=now, lease=lease, limit=1))
    with db.session_scope() as session:  # the user deletes meanwhile
        session.execute(sa.update(Sandbox).values(status=R.TERMINATING, status_changed_at=utcnow()))
    with db.session_scope() as session:
        assert claims.write(session, Sandbox, item, status=R.STARTING, status_changed_at=now, message="",
                            locked_until=None, attempts=0) is False
        assert claims.remove(session, Sandbox, item) is False
        claims.release(session, Sandbox, item, now)
    with db.session_scope() as session:
        row = session.get(Sandbox, resource_id)
    assert row.status is R.TERMINATING and row.locked_until == now

    with db.session_scope() as session:  # a claim that expired and was taken again is no longer ours
        mine = claims.Claim.of(*claims.claim(session, Sandbox, now=now, lease=lease, limit=1))
        theirs = claims.Claim.of(*claims.claim(session, Sandbox, now=lease, lease=lease + timedelta(seconds=30),
                                               limit=1))
        unchanged = dict(status=R.TERMINATING, status_changed_at=theirs.status_changed_at, locked_until=None,
                         attempts=0)
        assert claims.write(session, Sandbox, mine, message="late", **unchanged) is False
        assert claims.write(session, Sandbox, theirs, message="current", **unchanged) is True


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_concurrent_claims_skip_locked_rows(database):
    now = utcnow()
    _insert([(R.CREATING, None)] * 6)
    engine = db.get_engine()
    with Session(engine) as first, Session(engine) as second:
        taken = claims.claim(first, Sandbox, now=now, lease=now + timedelta(seconds=30), limit=4)  # not committed
        other = claims.claim(second, Sandbox, now=now, lease=now + timedelta(seconds=30), limit=4)
        assert len(taken) == 4 and len(other) == 2
        assert not {row.id for row in taken} & {row.id for row in other}
        first.commit()
        second.commit()
    with count_statements() as statements, db.session_scope() as session:
        claims.claim(session, Database, now=now, lease=now, limit=1)
    assert "FOR UPDATE SKIP LOCKED" in statements[0]
