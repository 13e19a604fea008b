"""The 3-second rhythm (SPEC §7): APScheduler runs the sandbox and the database pass.

A `BackgroundScheduler` (threads), not the asyncio one: a pass and its handlers are blocking
work (the `kubernetes` client and SQLAlchemy are synchronous), so they belong on threads of
their own whatever process hosts them — the web server's event loop is never touched, and
the worker process needs no event loop at all.

Each kind is one job (`max_instances=1`, `coalesce=True`). A pass that claimed a full batch
is followed by the next one at once; the interval is the idle rhythm, not a throughput cap.
The slower key-health job (`services/key_health.py`, every KEY_HEALTH_INTERVAL_SECONDS, first
run one interval after start) shares the scheduler, so a process has exactly one.

Several web workers each start a scheduler; on PostgreSQL only the holder of a
session-level advisory lock runs passes (the others stay idle and retry now and then), so
they do not poll the database in parallel for nothing. The claims keep any number of
reconcilers correct regardless; dedicated worker processes skip the election and share the
work through the claims.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable

import sqlalchemy as sa
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from fullstack_agent import db
from fullstack_agent.config import get_settings
from fullstack_agent.models import utcnow
from fullstack_agent.reconcile.engine import KINDS, Reconciler, get_reconciler
from fullstack_agent.reconcile.driver import Kind
from fullstack_agent.services.key_health import run_key_health

log = logging.getLogger(__name__)

LEADER_LOCK_ID = 0x46A_0002
# Full batches are followed at once, but a scheduler tick ends after this many passes so
# that shutdown and the other kind's job are never starved.
MAX_BACK_TO_BACK_PASSES = 50


class _WithoutBusySkips(logging.Filter):
    """A tick that finds the previous one still working is what max_instances=1 is for under
    load; APScheduler would warn about it every few seconds."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


_scheduler_log = logging.getLogger(f"{__name__}.apscheduler")
_scheduler_log.addFilter(_WithoutBusySkips())


class LeaderLock:
    """Leadership among the processes sharing one PostgreSQL database.

    Held as a session-level `pg_try_advisory_lock` on a dedicated connection: it is released
    when the process or its connection dies. A holder re-checks its connection every
    `verify_seconds`; others retry every `retry_seconds`. On SQLite every process leads.
    """

    def __init__(self, engine: sa.Engine, *, retry_seconds: float = 15.0, verify_seconds: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self._retry_seconds = retry_seconds
        self._verify_seconds = verify_seconds
        self._clock = clock
        self._connection: sa.Connection | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def held(self) -> bool:
        if self._engine.dialect.name != "postgresql":
            return True
        with self._lock:
            now = self._clock()
            if self._connection is not None:
                if now - self._checked_at < self._verify_seconds:
                    return True
                try:
                    self._connection.execute(sa.text("SELECT 1"))
                    self._connection.commit()
                    self._checked_at = now
                    return True
                except sa.exc.SQLAlchemyError:
                    log.warning("lost the reconciler leader lock's connection")
                    self._drop()
            if now - self._checked_at < self._retry_seconds:
                return False
            self._checked_at = now
            return self._try_acquire()

    def _try_acquire(self) -> bool:
        try:
            connection = self._engine.connect()
        except sa.exc.SQLAlchemyError:
            return False
        try:
            acquired = connection.execute(sa.text("SELECT pg_try_advisory_lock(:id)"), {"id": LEADER_LOCK_ID}).scalar()
            connection.commit()
        except sa.exc.SQLAlchemyError:
            connection.invalidate()
            return False
        if not acquired:
            connection.close()
            return False
        log.info("this process now runs the reconciler (leader lock acquired)")
        self._connection = connection
        return True

    def _drop(self) -> None:
        if self._connection is not None:
            # Never hand a connection that may still hold the lock back to the pool.
            self._connection.invalidate()
            self._connection = None

    def release(self) -> None:
        with self._lock:
            if self._connection is None:
                return
            try:
                self._connection.execute(sa.text("SELECT pg_advisory_unlock(:id)"), {"id": LEADER_LOCK_ID})
                self._connection.commit()
                self._connection.close()
            except sa.exc.SQLAlchemyError:
                self._connection.invalidate()
            self._connection = None


class ReconcilerScheduler:
    """Runs the passes of every kind on an interval until shut down."""

    def __init__(self, *, leader_election: bool, reconciler: Reconciler | None = None) -> None:
        self._reconciler = reconciler or get_reconciler()
        self._leader = LeaderLock(db.get_engine()) if leader_election else None
        self._stopping = threading.Event()
        self._scheduler = BackgroundScheduler(
            logger=_scheduler_log,
            executors={"default": ThreadPoolExecutor(len(KINDS) + 1)},  # + the key-health job
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
            timezone="UTC",
        )

    def _leading(self) -> bool:
        return not self._stopping.is_set() and (self._leader is None or self._leader.held())

    def _tick(self, kind: Kind) -> None:
        if not self._leading():
            return
        for _ in range(MAX_BACK_TO_BACK_PASSES):
            report = self._reconciler.run_pass(kind)
            if not report.full or self._stopping.is_set():
                return

    def _check_keys(self) -> None:
        if self._leading():
            run_key_health()

    def start(self) -> None:
        settings = get_settings()
        interval = settings.RECONCILE_INTERVAL_SECONDS
        for kind in KINDS:
            self._scheduler.add_job(self._tick, "interval", args=[kind], seconds=interval, id=f"{kind.name}-pass",
                                    next_run_time=utcnow())
        self._scheduler.add_job(self._check_keys, "interval", seconds=settings.KEY_HEALTH_INTERVAL_SECONDS,
                                id="key-health")
        self._scheduler.start()
        log.info("reconciler started (every %s s; key health every %s s)", interval,
                 settings.KEY_HEALTH_INTERVAL_SECONDS)

    def shutdown(self) -> None:
        """Stops scheduling, lets a running pass finish, and gives up leadership."""
        self._stopping.set()
        self._scheduler.shutdown(wait=True)
        if self._leader is not None:
            self._leader.release()
        log.info("reconciler stopped")


@contextlib.asynccontextmanager
async def reconciler_lifespan() -> AsyncIterator[None]:
    """The web app's lifespan task: the reconciler runs while the server does, when
    RECONCILER_ENABLED (turn it off when separate worker processes run it)."""
    if not get_settings().RECONCILER_ENABLED:
        log.info("reconciler disabled in this process (RECONCILER_ENABLED=false)")
        yield
        return
    scheduler = ReconcilerScheduler(leader_election=True)
    scheduler.start()
    try:
        yield
    finally:
        await asyncio.to_thread(scheduler.shutdown)
