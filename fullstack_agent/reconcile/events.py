"""The in-process event bus of the reconciler (SPEC §7 "Dispatch").

A pass emits one event per claimed row (`sandbox.create`, `database.start`, …); the bus
runs the handlers subscribed to each event on a bounded thread pool and waits for all of
them — nothing is fire-and-forget, so a pass ends only when its work is written.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from fullstack_agent.models import ResourceStatus

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ResourceEvent:
    """One claimed row and everything its handler needs, loaded with the claim (handlers
    read nothing more from the database before they talk to Kubernetes)."""

    name: str  # "<kind>.<action>", e.g. "sandbox.create"
    row: Any  # the claimed Sandbox or Database, detached; its status and lease guard every write
    project: Any  # the row's Project, detached
    kubeconfig: str  # the owner's kubeconfig text ("" when there is none)
    extra: Any  # kind-specific context (a sandbox's environment)
    now: datetime

    @property
    def resource_id(self) -> str:
        return self.row.id

    @property
    def project_id(self) -> str:
        return self.row.project_id

    @property
    def status(self) -> ResourceStatus:
        return self.row.status


@dataclasses.dataclass(frozen=True)
class HandledEvent:
    """What became of one event: for logs, benchmarks and the multi-process test."""

    name: str
    resource_id: str
    result: str
    started: float  # wall clock (time.time()), comparable across processes
    finished: float
    pid: int


Handler = Callable[[ResourceEvent], str]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._lock = threading.Lock()

    def subscribe(self, name: str, handler: Handler) -> None:
        with self._lock:
            self._handlers[name].append(handler)

    def _run(self, handler: Handler, event: ResourceEvent) -> HandledEvent:
        started = time.time()
        try:
            result = handler(event)
        except Exception:  # a handler must never take the pass down with it
            log.exception("handler of %s for %s crashed", event.name, event.resource_id)
            result = "crashed"
        return HandledEvent(event.name, event.resource_id, result, started, time.time(), os.getpid())

    def dispatch(self, events: Sequence[ResourceEvent], max_workers: int) -> list[HandledEvent]:
        """Runs every subscribed handler of every event, at most `max_workers` at a time, and
        returns when all have finished."""
        jobs = [(handler, event) for event in events for handler in self._handlers.get(event.name, ())]
        unhandled = [event.name for event in events if event.name not in self._handlers]
        if unhandled:
            log.error("no handler for events %s", sorted(set(unhandled)))
        if not jobs:
            return []
        if len(jobs) == 1:
            return [self._run(*jobs[0])]
        with ThreadPoolExecutor(max_workers=min(max_workers, len(jobs)),
                                thread_name_prefix="reconcile-handler") as pool:
            futures = [pool.submit(self._run, handler, event) for handler, event in jobs]
            return [future.result() for future in futures]
