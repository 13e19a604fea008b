"""What every handler does around its Kubernetes work (SPEC §7).

1. Get the user's client from the kubeconfig that came with the event. 2. Run the kind's
action, which returns an `Outcome`. 3. Turn any exception into an outcome by its class:
transient (backoff, status kept), permanent (ERROR), unauthorized (wait for the user to sign
in again). 4. Write the outcome compare-and-set — only if the row is still as claimed; on a
status change recompute the project's status in the same transaction.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from fullstack_agent import db
from fullstack_agent.config import Settings, get_settings
from fullstack_agent.k8s.client import KubeClient, client_for_user
from fullstack_agent.k8s.errors import Failure, FailureKind, classify
from fullstack_agent.k8s.kubeconfig import KubeconfigError
from fullstack_agent.models import Project, ReconciledResource, ResourceStatus
from fullstack_agent.reconcile import claims
from fullstack_agent.reconcile.claims import Claim
from fullstack_agent.reconcile.events import ResourceEvent
from fullstack_agent.services.projects import ResourceChanges, change_resources
from fullstack_agent.services.sandbox_env import refresh_sandboxes

log = logging.getLogger(__name__)

BACKOFF_CAP_SECONDS = 300
UNAUTHORIZED_RECHECK_SECONDS = 30
SLOW_START_SECONDS = 20  # after this long, waiting messages name the pod's latest event
DEADLINE_STATUSES = frozenset({ResourceStatus.CREATING, ResourceStatus.STARTING, ResourceStatus.UPDATING})
DRIFT_MESSAGE = "deleted outside Fullstack Agent"


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a handler decided. `status` None keeps the status; `recheck_in` is when the row is
    due again (seconds from now; None = only when a user acts)."""

    status: ResourceStatus | None = None
    message: str | None = None
    recheck_in: float | None = 0.0
    attempts: int = 0
    delete_row: bool = False
    values: dict[str, Any] = dataclasses.field(default_factory=dict)
    refresh_sandbox_env: bool = False  # the project's sandbox must pick up a new DATABASE_URL

    def result(self) -> str:
        if self.delete_row:
            return "deleted"
        return self.status.value if self.status else "waiting"


@dataclasses.dataclass
class Context:
    """A handler's view of its claimed row."""

    event: ResourceEvent
    client: KubeClient
    settings: Settings

    @property
    def row(self) -> Any:
        return self.event.row

    @property
    def project(self) -> Project:
        return self.event.project

    @property
    def extra(self) -> Any:
        return self.event.extra

    @property
    def now(self) -> datetime:
        return self.event.now

    def elapsed(self) -> float:
        return (self.now - self.row.status_changed_at).total_seconds()

    def settled(self, status: ResourceStatus, message: str, **values: Any) -> Outcome:
        """The resource reached a status that needs no more work until a user acts (RUNNING
        rows come back for the drift check)."""
        recheck = self.settings.DRIFT_CHECK_INTERVAL_SECONDS if status is ResourceStatus.RUNNING else None
        return Outcome(status=status, message=message, recheck_in=recheck, values=values)

    def removed(self, *, still_there: bool, detail: str) -> Outcome:
        """After a delete: the row goes once the object is gone, else look again next pass."""
        return self.waiting(detail, lambda: "") if still_there else Outcome(delete_row=True)

    def drift_checked(self, noun: str, *, exists: bool) -> Outcome:
        """A resource that should exist: ERROR when it vanished, else look again later."""
        if not exists:
            return Outcome(status=ResourceStatus.ERROR, message=f"The {noun} was {DRIFT_MESSAGE}.", recheck_in=None)
        return Outcome(recheck_in=self.settings.DRIFT_CHECK_INTERVAL_SECONDS)

    def waiting(self, detail: str, latest_event: Callable[[], str]) -> Outcome:
        """Not there yet: look again next pass; past the start deadline, ERROR with the last
        known reason (the pod's newest event, e.g. an image pull or scheduling failure)."""
        elapsed = self.elapsed()
        if self.row.status in DEADLINE_STATUSES and elapsed > self.settings.SANDBOX_START_TIMEOUT_SECONDS:
            reason = latest_event() or detail
            return Outcome(status=ResourceStatus.ERROR, recheck_in=None,
                           message=f"Not ready after {int(elapsed)} s: {reason}")
        message = f"Waiting: {detail}" if detail else "Waiting"
        if elapsed > SLOW_START_SECONDS:
            event = latest_event()
            if event:
                message = f"{message} ({event})"
        return Outcome(message=message, recheck_in=self.settings.RECONCILE_INTERVAL_SECONDS)


Action = Callable[[Context], Outcome]
# Loads, for a batch of claimed rows with their projects, what their handlers need:
# row id → (the owner's kubeconfig, kind-specific extra).
ContextLoader = Callable[[Session, list[Any], dict[str, Project]], dict[str, tuple[str, Any]]]


@dataclasses.dataclass(frozen=True)
class Kind:
    """A reconciled table: its rows, its actions by status, how to load a handler's context."""

    name: str
    model: type[ReconciledResource]
    actions: dict[ResourceStatus, tuple[str, Action]]  # status → (event action, handler action)
    load: ContextLoader
    lease_seconds: Callable[[Settings], int]
    batch_size: Callable[[Settings], int]

    def event_name(self, status: ResourceStatus) -> str:
        return f"{self.name}.{self.actions[status][0]}"


def failure_outcome(failure: Failure, row: Any, now: datetime, settings: Settings) -> Outcome:
    if failure.kind is FailureKind.PERMANENT:
        return Outcome(status=ResourceStatus.ERROR, message=failure.message, recheck_in=None)
    if failure.kind is FailureKind.UNAUTHORIZED:
        return Outcome(message=failure.message, recheck_in=UNAUTHORIZED_RECHECK_SECONDS, attempts=row.attempts)
    elapsed = (now - row.status_changed_at).total_seconds()
    if row.status in DEADLINE_STATUSES and elapsed > settings.SANDBOX_START_TIMEOUT_SECONDS:
        return Outcome(status=ResourceStatus.ERROR, recheck_in=None,
                       message=f"Gave up after {int(elapsed)} s: {failure.message}")
    attempts = row.attempts + 1
    delay = min(BACKOFF_CAP_SECONDS, 2 ** attempts)
    return Outcome(message=f"{failure.message}; retry {attempts} in {delay} s", recheck_in=delay, attempts=attempts)


def write_outcome(kind: Kind, event: ResourceEvent, outcome: Outcome) -> bool:
    """Applies the outcome if the row is still as claimed; else gives the lease back."""
    row, guard = event.row, Claim.of(event.row)
    new_status = outcome.status or row.status
    locked_until = None if outcome.recheck_in is None else event.now + timedelta(seconds=outcome.recheck_in)

    def write(session: Session) -> ResourceChanges | None:
        if outcome.delete_row:
            return {row.id: None} if claims.remove(session, kind.model, guard) else None
        written = claims.write(
            session, kind.model, guard, status=new_status,
            status_changed_at=row.status_changed_at if new_status is row.status else event.now,
            message=row.status_message if outcome.message is None else outcome.message[:2000],
            locked_until=locked_until, attempts=outcome.attempts, extra=outcome.values)
        if not written:
            return None
        changes: ResourceChanges = {row.id: new_status}
        if outcome.refresh_sandbox_env:
            changes.update(refresh_sandboxes(session, event.project_id, event.now))
        return changes

    with db.session_scope() as session:
        if outcome.delete_row or new_status is not row.status:
            written = change_resources(session, event.project_id, lambda: write(session))
        else:
            written = write(session) is not None
        if not written:
            claims.release(session, kind.model, guard, event.now)
    return written


def handle(kind: Kind, action: Action, event: ResourceEvent) -> str:
    """The handler the bus runs for one claimed row; returns a short result for the report."""
    settings = get_settings()
    try:
        if not event.kubeconfig:
            raise KubeconfigError("Add your kubeconfig in Settings.")
        client = client_for_user(event.project.user_id, event.kubeconfig)
        outcome = action(Context(event=event, client=client, settings=settings))
    except KubeconfigError as error:
        outcome = Outcome(message=f"Your kubeconfig cannot be used: {error}", attempts=event.row.attempts,
                          recheck_in=UNAUTHORIZED_RECHECK_SECONDS)
    except Exception as error:  # every failure becomes a status; the class decides which
        failure = classify(error)
        if failure.unexpected:
            log.exception("%s of %s failed", event.name, event.resource_id)
        else:
            log.warning("%s of %s failed: %s", event.name, event.resource_id, failure.message)
        outcome = failure_outcome(failure, event.row, event.now, settings)
    written = write_outcome(kind, event, outcome)
    return outcome.result() if written else "superseded"
