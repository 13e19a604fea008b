"""The scheduler, its leader election on PostgreSQL, the web lifespan task and the worker command."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from fullstack_agent import db
from fullstack_agent.reconcile.scheduler import LeaderLock, ReconcilerScheduler, reconciler_lifespan
from tests.conftest import ROOT
from tests.engine.conftest import RUNNING, create_project, make_user, statuses
from tests.support.waiting import wait_until

pytestmark = pytest.mark.usefixtures("engine_settings")


def test_the_scheduler_drives_projects_to_running(database, engine_settings, fake_k8s):
    engine_settings(RECONCILE_INTERVAL_SECONDS="0.2")
    project_id = create_project(make_user(fake_k8s))
    scheduler = ReconcilerScheduler(leader_election=True)
    scheduler.start()
    try:
        wait_until(lambda: statuses(project_id) == RUNNING, "the project to run", timeout=60)
    finally:
        scheduler.shutdown()
    threads = [thread.name for thread in threading.enumerate()]
    assert not any("APScheduler" in name or "reconcile-handler" in name for name in threads), threads


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_only_one_process_leads_on_postgresql(database, settings_env):
    now = [0.0]
    others = db.create_db_engine(settings_env().database_url)
    try:
        leader = LeaderLock(db.get_engine(), clock=lambda: now[0])
        follower = LeaderLock(others, clock=lambda: now[0])
        assert leader.held() is True
        assert follower.held() is False
        now[0] = 5
        assert follower.held() is False  # not retried before retry_seconds
        leader.release()
        assert follower.held() is False
        now[0] = 16
        assert follower.held() is True
        now[0] = 50
        assert follower.held() is True  # re-verified its connection
        follower.release()
    finally:
        others.dispose()


def test_every_process_leads_on_sqlite(settings_env, tmp_path):
    engine = db.create_db_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert LeaderLock(engine).held() is True
    engine.dispose()


def _run_lifespan() -> None:
    async def lifespan() -> None:
        async with reconciler_lifespan():
            await asyncio.sleep(0.05)

    # In a thread of its own: browser tests may leave an event loop in the main thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, lifespan()).result()


def test_the_lifespan_task_respects_reconciler_enabled(database, engine_settings, caplog):

    engine_settings(RECONCILER_ENABLED="false")
    with caplog.at_level(logging.INFO, logger="fullstack_agent"):
        _run_lifespan()
    assert "reconciler disabled" in caplog.text and "reconciler started" not in caplog.text

    caplog.clear()
    engine_settings(RECONCILER_ENABLED="true")
    with caplog.at_level(logging.INFO, logger="fullstack_agent"):
        _run_lifespan()
    assert "reconciler started" in caplog.text and "reconciler stopped" in caplog.text


def test_the_worker_command_reconciles_and_stops_on_sigterm(database, engine_settings, fake_k8s):
    settings = engine_settings()
    project_id = create_project(make_user(fake_k8s))
    env = {**os.environ, "DATABASE_URL": settings.database_url, "SANDBOX_DOMAIN": settings.SANDBOX_DOMAIN,
           "RECONCILE_INTERVAL_SECONDS": "0.2", "LOG_LEVEL": "INFO"}
    worker = subprocess.Popen([sys.executable, "-m", "fullstack_agent", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until(lambda: statuses(project_id) == RUNNING or worker.poll() is not None, "the project to run or the worker to exit", timeout=60)
        assert worker.poll() is None
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    assert statuses(project_id) == RUNNING
    for line in ("schema up to date", "reconciler started", "received SIGTERM", "reconciler stopped"):
        assert line in output, output
