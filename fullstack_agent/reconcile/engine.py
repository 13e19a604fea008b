"""One reconcile pass per kind: claim due rows, emit their events, wait for the handlers."""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select

from fullstack_agent import db
from fullstack_agent.config import get_settings
from fullstack_agent.models import Project, utcnow
from fullstack_agent.reconcile import claims
from fullstack_agent.reconcile.databases import DATABASES
from fullstack_agent.reconcile.driver import Kind, handle
from fullstack_agent.reconcile.events import EventBus, HandledEvent, ResourceEvent
from fullstack_agent.reconcile.sandboxes import SANDBOXES

log = logging.getLogger(__name__)

# Databases first: a database that becomes ready in a pass moves its sandbox before the sandbox
# pass claims it, so a starting sandbox gets DATABASE_URL before it is marked RUNNING.
KINDS: tuple[Kind, ...] = (DATABASES, SANDBOXES)


@dataclasses.dataclass(frozen=True)
class PassReport:
    kind: str
    claimed: int
    batch_size: int
    handled: tuple[HandledEvent, ...]

    @property
    def full(self) -> bool:
        """A full batch means more rows may be due: the next pass should start at once."""
        return self.claimed >= self.batch_size


@dataclasses.dataclass(frozen=True)
class ReconcileReport:
    passes: tuple[PassReport, ...]

    @property
    def handled(self) -> list[HandledEvent]:
        return [event for report in self.passes for event in report.handled]


class Reconciler:
    """The event bus with every kind's handlers subscribed, and the passes that feed it."""

    def __init__(self) -> None:
        self.bus = EventBus()
        for kind in KINDS:
            for status, (_, action) in kind.actions.items():
                self.bus.subscribe(kind.event_name(status), functools.partial(handle, kind, action))

    def run_pass(self, kind: Kind, now: datetime | None = None) -> PassReport:
        settings = get_settings()
        now = now or utcnow()
        batch_size = kind.batch_size(settings)
        lease = now + timedelta(seconds=kind.lease_seconds(settings))
        try:
            with db.session_scope() as session:
                claimed = claims.claim(session, kind.model, now=now, lease=lease, limit=batch_size)
                if not claimed:
                    return PassReport(kind.name, 0, batch_size, ())
                projects = {project.id: project for project in session.exec(
                    select(Project).where(col(Project.id).in_({row.project_id for row in claimed})))}
                contexts = kind.load(session, claimed, projects)
        except sa.exc.SQLAlchemyError as error:  # the database is away: the next tick tries again
            log.warning("%s claim failed: %s", kind.name, type(error).__name__)
            return PassReport(kind.name, 0, batch_size, ())
        events = [ResourceEvent(name=kind.event_name(row.status), row=row, project=projects[row.project_id],
                                kubeconfig=contexts[row.id][0], extra=contexts[row.id][1], now=now)
                  for row in claimed]
        handled = tuple(self.bus.dispatch(events, settings.RECONCILE_HANDLER_THREADS))
        if handled:
            log.debug("%s pass: %d handled", kind.name, len(handled))
        return PassReport(kind.name, len(claimed), batch_size, handled)

    def reconcile_once(self, now: datetime | None = None) -> ReconcileReport:
        """The database pass, then the sandbox pass, each waited for."""
        return ReconcileReport(tuple(self.run_pass(kind, now) for kind in KINDS))


_default: Reconciler | None = None
_default_lock = threading.Lock()


def get_reconciler() -> Reconciler:
    global _default
    with _default_lock:
        if _default is None:
            _default = Reconciler()
        return _default


def reconcile_once(now: datetime | None = None) -> ReconcileReport:
    """One pass over databases and sandboxes (what the scheduler runs every few seconds).

    `now` defaults to the current time; tests pass a later one to reach deadlines and
    backoffs without waiting.
    """
    return get_reconciler().reconcile_once(now)
