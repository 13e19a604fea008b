"""Handlers of `database.*` events: drive a KubeBlocks cluster towards its row's status."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlmodel import Session

from fullstack_agent.k8s.database import DatabaseManager, observe
from fullstack_agent.models import Database, Project, ResourceStatus
from fullstack_agent.reconcile.driver import Context, Kind, Outcome
from fullstack_agent.services import user_config
from fullstack_agent.services.sandbox_env import user_settings


def _load(session: Session, rows: list[Database], projects: dict[str, Project]) -> dict[str, tuple[str, Any]]:
    settings = user_settings(session, {project.user_id for project in projects.values()}, (user_config.KUBECONFIG,))
    return {row.id: (settings[projects[row.project_id].user_id].get(user_config.KUBECONFIG, ""), None)
            for row in rows}


def _manager(context: Context) -> DatabaseManager:
    return DatabaseManager(context.client)


def create(context: Context) -> Outcome:
    _manager(context).create(context.row, context.project.slug, context.settings.DATABASE_STORAGE_CLASS)
    return Outcome(status=ResourceStatus.STARTING, message="Created; KubeBlocks is starting the database")


def start(context: Context) -> Outcome:
    """Start (and update): one replica; RUNNING once KubeBlocks says Running and the
    credentials are readable. A new connection URL reaches the project's sandbox."""
    manager, database = _manager(context), context.row
    cluster = manager.read(database)
    if cluster is None:
        recreated = manager.create(database, context.project.slug, context.settings.DATABASE_STORAGE_CLASS)
        return context.waiting(f"re-created the missing {', '.join(recreated) or 'objects'}", lambda: "")
    if manager.scale(database, cluster, 1):
        return context.waiting("starting the database", lambda: manager.latest_event(database))
    running = str((cluster.get("status") or {}).get("phase") or "") == "Running"
    credentials = manager.read_credentials(database) if running else None
    observation = observe(cluster, credentials_ready=credentials is not None)
    if observation.status is ResourceStatus.RUNNING and credentials is not None:
        outcome = context.settled(ResourceStatus.RUNNING, "Running", host=credentials.host, port=credentials.port,
                                  database=credentials.database, username=credentials.username,
                                  password=credentials.password, connection_url=credentials.url)
        return dataclasses.replace(outcome, refresh_sandbox_env=credentials.url != database.connection_url)
    if observation.status is ResourceStatus.ERROR:
        reason = manager.latest_event(database)
        return Outcome(status=ResourceStatus.ERROR, recheck_in=None,
                       message=f"{observation.detail}{f' ({reason})' if reason else ''}")
    return context.waiting(observation.detail, lambda: manager.latest_event(database))


def stop(context: Context) -> Outcome:
    manager, database = _manager(context), context.row
    cluster = manager.read(database)
    if cluster is None:
        return context.settled(ResourceStatus.STOPPED, "Stopped (the database is re-created on start)")
    if manager.scale(database, cluster, 0):
        return context.waiting("stopping the database", lambda: "")
    observation = observe(cluster, credentials_ready=False)
    if observation.status is ResourceStatus.STOPPED:
        return context.settled(ResourceStatus.STOPPED, "Stopped")
    return context.waiting(observation.detail, lambda: "")


def delete(context: Context) -> Outcome:
    manager, database = _manager(context), context.row
    manager.delete(database, manager.read(database))
    return context.removed(still_there=manager.read(database) is not None,
                           detail="KubeBlocks is removing the database")


def check(context: Context) -> Outcome:
    return context.drift_checked("database", exists=_manager(context).read(context.row) is not None)


ACTIONS: dict[ResourceStatus, tuple[str, Any]] = {
    ResourceStatus.CREATING: ("create", create),
    ResourceStatus.STARTING: ("start", start),
    ResourceStatus.UPDATING: ("update", start),
    ResourceStatus.STOPPING: ("stop", stop),
    ResourceStatus.TERMINATING: ("delete", delete),
    ResourceStatus.RUNNING: ("check", check),
}

DATABASES = Kind(name="database", model=Database, actions=ACTIONS, load=_load,
                 lease_seconds=lambda settings: settings.DATABASE_LOCK_DURATION_SECONDS,
                 batch_size=lambda settings: settings.MAX_DATABASES_PER_RECONCILE)
