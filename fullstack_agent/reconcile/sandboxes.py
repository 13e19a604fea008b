"""Handlers of `sandbox.*` events: drive a sandbox's objects towards its row's status."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from fullstack_agent.k8s.sandbox import DesiredSandbox, SandboxManager, observe
from fullstack_agent.models import Project, ResourceStatus, Sandbox
from fullstack_agent.reconcile.driver import Context, Kind, Outcome
from fullstack_agent.services.sandbox_env import SandboxEnvironment, build_sandbox_environments


# A ready sandbox waits this long for its starting database, so that it starts once with
# DATABASE_URL instead of restarting under the user; a slower database reaches it later
# (the sandbox then goes UPDATING).
DATABASE_WAIT_SECONDS = 120


def _load(session: Session, rows: list[Sandbox], projects: dict[str, Project]) -> dict[str, tuple[str, Any]]:
    environments = build_sandbox_environments(session, list(projects.values()))
    return {row.id: (environments[row.project_id].kubeconfig, environments[row.project_id]) for row in rows}


def _desired(context: Context) -> DesiredSandbox:
    environment: SandboxEnvironment = context.extra
    return DesiredSandbox(project_slug=context.project.slug, env=environment.variables,
                          kubeconfig=environment.kubeconfig, system_prompt=environment.system_prompt)


def _manager(context: Context) -> SandboxManager:
    return SandboxManager(context.client)


def create(context: Context) -> Outcome:
    _manager(context).create(context.row, _desired(context))
    return Outcome(status=ResourceStatus.STARTING, message="Created; starting the sandbox")


def _run(context: Context, *, recreate_missing: bool) -> Outcome:
    """Start and update: one replica with the current environment, RUNNING once ready."""
    manager, sandbox = _manager(context), context.row
    statefulset = manager.read(sandbox)
    if statefulset is None:
        if recreate_missing:
            recreated = manager.create(sandbox, _desired(context))
            return context.waiting(f"re-created the missing {', '.join(recreated) or 'objects'}", lambda: "")
        return context.drift_checked("sandbox", exists=False)
    if manager.converge(sandbox, statefulset, replicas=1, desired=_desired(context)):
        return context.waiting("applying the sandbox's configuration", lambda: manager.latest_event(sandbox))
    observation = observe(statefulset)
    if observation.status is not ResourceStatus.RUNNING:
        return context.waiting(observation.detail, lambda: manager.latest_event(sandbox))
    if context.extra.database_pending and context.elapsed() < DATABASE_WAIT_SECONDS:
        return context.waiting("the sandbox is ready; waiting for its database", lambda: "")
    repaired = manager.ensure_companions(sandbox, context.project.slug)
    return context.settled(ResourceStatus.RUNNING,
                           f"Running (re-created the missing {', '.join(repaired)})" if repaired else "Running")


def start(context: Context) -> Outcome:
    return _run(context, recreate_missing=True)


def update(context: Context) -> Outcome:
    return _run(context, recreate_missing=False)


def stop(context: Context) -> Outcome:
    manager, sandbox = _manager(context), context.row
    statefulset = manager.read(sandbox)
    if statefulset is None:
        return context.settled(ResourceStatus.STOPPED, "Stopped (its objects are re-created on start)")
    if manager.scale(sandbox, statefulset, 0):
        return context.waiting("stopping", lambda: "")
    observation = observe(statefulset)
    if observation.status is ResourceStatus.STOPPED:
        return context.settled(ResourceStatus.STOPPED, "Stopped")
    return context.waiting(observation.detail, lambda: "")


def delete(context: Context) -> Outcome:
    manager, sandbox = _manager(context), context.row
    manager.delete(sandbox)
    return context.removed(still_there=manager.read(sandbox) is not None, detail="Kubernetes is removing the sandbox")


def check(context: Context) -> Outcome:
    return context.drift_checked("sandbox", exists=_manager(context).read(context.row) is not None)


ACTIONS: dict[ResourceStatus, tuple[str, Any]] = {
    ResourceStatus.CREATING: ("create", create),
    ResourceStatus.STARTING: ("start", start),
    ResourceStatus.UPDATING: ("update", update),
    ResourceStatus.STOPPING: ("stop", stop),
    ResourceStatus.TERMINATING: ("delete", delete),
    ResourceStatus.RUNNING: ("check", check),
}

SANDBOXES = Kind(name="sandbox", model=Sandbox, actions=ACTIONS, load=_load,
                 lease_seconds=lambda settings: settings.SANDBOX_LOCK_DURATION_SECONDS,
                 batch_size=lambda settings: settings.MAX_SANDBOXES_PER_RECONCILE)
