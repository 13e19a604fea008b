"""Projects (SPEC §6.2, §7): create, start, stop, delete, list and read them.

A project is a row plus two resources (a sandbox and a database) that the reconciler drives
in Kubernetes. The functions here only change rows: they validate, check ownership, move
resource statuses by the allowed-action table and recompute the project's status; the
reconciler picks the transitional rows up within a pass.

Every function takes the caller's sqlmodel Session and leaves committing to it (use
`db.session_scope()`). Errors meant for the user are `ProjectError` and its subclasses; their
message is a complete sentence that can be shown as is.

Lock order, everywhere: the project row first (`lock_project`), then its resources. The
reconciler follows the same order, so a user's action and a handler never deadlock and
never overwrite each other.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from fullstack_agent.config import get_settings
from fullstack_agent.k8s import names
from fullstack_agent.k8s.kubeconfig import KubeconfigError, parse_kubeconfig
from fullstack_agent.models import (
    Database,
    Environment,
    EnvironmentCategory,
    Project,
    ProjectStatus,
    ReconciledResource,
    ResourceStatus,
    Sandbox,
    utcnow,
)
from fullstack_agent.services import audit, user_config

NAME_MAX = 64
DESCRIPTION_MAX = 2000
TTYD_ACCESS_TOKEN = "TTYD_ACCESS_TOKEN"
_SLUG_ATTEMPTS = 5

# Sizes of new resources (SPEC §6.3, §6.4); stored on the rows, so changing them affects
# only projects created afterwards.
SANDBOX_RESOURCES = {"cpu_request": "200m", "cpu_limit": "2000m", "memory_request": "512Mi",
                     "memory_limit": "4Gi", "storage_size": "10Gi"}
DATABASE_RESOURCES = {"cpu_request": "100m", "cpu_limit": "1000m", "memory_request": "256Mi",
                      "memory_limit": "1Gi", "storage_size": "3Gi"}

# Statuses no handler is working on; a user's action may make such a row claimable at once.
_SETTLED = frozenset({ResourceStatus.RUNNING, ResourceStatus.STOPPED, ResourceStatus.ERROR})
_GOING_AWAY = frozenset({ResourceStatus.TERMINATING, ResourceStatus.TERMINATED})


class ProjectError(Exception):
    """A request about a project that cannot be done; the message is for the user."""


class ProjectNotFound(ProjectError):
    """No such project for this user (another user's project is "not found" too)."""

    def __init__(self) -> None:
        super().__init__("Project not found.")


class KubeconfigRequired(ProjectError):
    """The user has no usable kubeconfig; the UI links to Settings."""


class ActionNotAllowed(ProjectError):
    """Start/stop/delete is not allowed in the project's current status."""


class ProjectAction(str, enum.Enum):
    START = "start"
    STOP = "stop"
    DELETE = "delete"


_ALL = frozenset(ProjectAction)
ALLOWED_ACTIONS: dict[ProjectStatus, frozenset[ProjectAction]] = {
    ProjectStatus.RUNNING: frozenset({ProjectAction.STOP, ProjectAction.DELETE}),
    ProjectStatus.STOPPED: frozenset({ProjectAction.START, ProjectAction.DELETE}),
    ProjectStatus.STARTING: frozenset({ProjectAction.STOP, ProjectAction.DELETE}),
    ProjectStatus.STOPPING: frozenset({ProjectAction.START, ProjectAction.DELETE}),
    ProjectStatus.ERROR: _ALL,
    ProjectStatus.PARTIAL: _ALL,
    ProjectStatus.CREATING: frozenset({ProjectAction.DELETE}),
    ProjectStatus.UPDATING: frozenset({ProjectAction.DELETE}),
    ProjectStatus.TERMINATING: frozenset(),
    ProjectStatus.TERMINATED: frozenset(),
}

# Which resource statuses each action moves, and where to.
_TRANSITIONS: dict[ProjectAction, tuple[frozenset[ResourceStatus], ResourceStatus, str]] = {
    ProjectAction.START: (frozenset({ResourceStatus.STOPPED, ResourceStatus.STOPPING, ResourceStatus.ERROR}),
                          ResourceStatus.STARTING, "Starting"),
    ProjectAction.STOP: (frozenset({ResourceStatus.RUNNING, ResourceStatus.STARTING, ResourceStatus.UPDATING,
                                    ResourceStatus.ERROR}),
                         ResourceStatus.STOPPING, "Stopping"),
    ProjectAction.DELETE: (frozenset(ResourceStatus) - {ResourceStatus.TERMINATING},
                           ResourceStatus.TERMINATING, "Deleting"),
}


def aggregate_status(statuses: Iterable[ResourceStatus]) -> ProjectStatus:
    """The project status from its resources' statuses (SPEC §7), first rule that applies."""
    found = {ResourceStatus(status) for status in statuses}
    if not found:
        return ProjectStatus.TERMINATED
    for dominant in (ResourceStatus.ERROR, ResourceStatus.CREATING, ResourceStatus.UPDATING):
        if dominant in found:
            return ProjectStatus(dominant.value)
    if len(found) == 1:
        return ProjectStatus(found.pop().value)
    for group, result in (
        ({ResourceStatus.RUNNING, ResourceStatus.STARTING}, ProjectStatus.STARTING),
        ({ResourceStatus.STOPPED, ResourceStatus.STOPPING}, ProjectStatus.STOPPING),
        ({ResourceStatus.TERMINATED, ResourceStatus.TERMINATING}, ProjectStatus.TERMINATING),
    ):
        if found <= group:
            return result
    return ProjectStatus.PARTIAL


def allowed_actions(status: ProjectStatus) -> frozenset[ProjectAction]:
    """What the user may do in this project status (SPEC §7)."""
    return ALLOWED_ACTIONS[ProjectStatus(status)]


@dataclasses.dataclass(frozen=True)
class ProjectDetail:
    """A project with its resources, as the project page shows it."""

    project: Project
    sandbox: Sandbox | None
    database: Database | None
    terminal_url: str  # the ttyd URL with the project's access token ("" until known)
    actions: frozenset[ProjectAction]


@dataclasses.dataclass(frozen=True)
class DatabaseConnection:
    """The database's credentials, decrypted: only for a user who asked to reveal them."""

    host: str
    port: int
    database: str
    username: str
    password: str
    url: str


# ---------------------------------------------------------------- reading

def get_owned_project(session: Session, user_id: str, project_id: str) -> Project:
    """The user's project; raises ProjectNotFound for a missing or foreign id."""
    project = session.exec(select(Project).where(Project.id == project_id, Project.user_id == user_id)).first()
    if project is None:
        raise ProjectNotFound()
    return project


def list_projects(session: Session, user_id: str) -> list[Project]:
    """The user's projects, newest first."""
    statement = select(Project).where(Project.user_id == user_id).order_by(col(Project.created_at).desc())
    return list(session.exec(statement))


def _resources(session: Session, project_id: str) -> tuple[Sandbox | None, Database | None]:
    sandbox = session.exec(select(Sandbox).where(Sandbox.project_id == project_id)
                           .execution_options(populate_existing=True)).first()
    database = session.exec(select(Database).where(Database.project_id == project_id)
                            .execution_options(populate_existing=True)).first()
    return sandbox, database


def ttyd_token(session: Session, project_id: str) -> str:
    entry = session.exec(select(Environment).where(Environment.project_id == project_id,
                                                   Environment.key == TTYD_ACCESS_TOKEN)).first()
    return entry.plain_value if entry else ""


def get_project(session: Session, user_id: str, project_id: str) -> ProjectDetail:
    """The user's project with its sandbox, database, terminal URL and allowed actions."""
    project = get_owned_project(session, user_id, project_id)
    sandbox, database = _resources(session, project.id)
    terminal_url = ""
    if sandbox is not None and sandbox.ttyd_url:
        terminal_url = f"{sandbox.ttyd_url}/?arg={ttyd_token(session, project.id)}"
    return ProjectDetail(project=project, sandbox=sandbox, database=database, terminal_url=terminal_url,
                         actions=allowed_actions(project.status))


def database_connection(session: Session, user_id: str, project_id: str) -> DatabaseConnection | None:
    """The project's database credentials once the reconciler stored them, else None."""
    project = get_owned_project(session, user_id, project_id)
    _, database = _resources(session, project.id)
    if database is None or not database.connection_url:
        return None
    return DatabaseConnection(host=database.host, port=database.port or 5432, database=database.database,
                              username=database.username, password=database.password or "",
                              url=database.connection_url)


# ---------------------------------------------------------------- creating

def validate_project_name(name: str) -> str:
    """The trimmed display name; raises ProjectError when empty, longer than 64 characters,
    without any letter or digit (in any script: emoji or punctuation alone do not name
    anything), or holding control characters such as line breaks."""
    trimmed = (name or "").strip()
    if not trimmed:
        raise ProjectError("Enter a project name.")
    if len(trimmed) > NAME_MAX:
        raise ProjectError(f"A project name has at most {NAME_MAX} characters.")
    categories = [unicodedata.category(character) for character in trimmed]
    if "Cc" in categories:
        raise ProjectError("A project name cannot contain line breaks or control characters.")
    if not any(category[0] in "LN" for category in categories):
        raise ProjectError("A project name needs at least one letter or digit.")
    return trimmed


def validate_description(description: str) -> str:
    """The trimmed description; raises ProjectError when longer than DESCRIPTION_MAX."""
    trimmed = (description or "").strip()
    if len(trimmed) > DESCRIPTION_MAX:
        raise ProjectError(f"A description has at most {DESCRIPTION_MAX} characters.")
    return trimmed


def _is_live(project: Project) -> bool:
    return project.status not in (ProjectStatus.TERMINATING, ProjectStatus.TERMINATED)


def _unused_slug(session: Session, namespace: str, display_name: str) -> str:
    for _ in range(_SLUG_ATTEMPTS):
        slug = names.new_slug(display_name)
        taken = session.exec(select(Sandbox.id).where(Sandbox.k8s_namespace == namespace,
                                                      Sandbox.sandbox_name == slug)).first()
        if taken is None:
            return slug
    raise ProjectError("Could not find a free name for the project; try again.")


def create_project(session: Session, user_id: str, name: str, description: str = "") -> Project:
    """Creates the project with its sandbox, database and terminal token, all CREATING.

    Raises ProjectError for a bad or duplicate name or description, KubeconfigRequired when
    the user has no (usable) kubeconfig. The reconciler creates the Kubernetes objects.
    """
    display_name = validate_project_name(name)
    description = validate_description(description)
    live_names = {project.name.casefold() for project in list_projects(session, user_id) if _is_live(project)}
    if display_name.casefold() in live_names:
        raise ProjectError(f'You already have a project named "{display_name}".')
    kubeconfig = user_config.get_value(session, user_id, user_config.KUBECONFIG)
    if not kubeconfig:
        raise KubeconfigRequired("Add your kubeconfig in Settings before creating a project.")
    try:
        info = parse_kubeconfig(kubeconfig).info
    except KubeconfigError as error:
        raise KubeconfigRequired(f"Your kubeconfig cannot be used: {error} Update it in Settings.") from None

    slug = _unused_slug(session, info.namespace, display_name)
    domain = info.sandbox_domain
    project = Project(user_id=user_id, name=display_name, slug=slug, description=description,
                      status=ProjectStatus.CREATING)
    session.add(project)
    session.flush()
    session.add(Sandbox(project_id=project.id, name=display_name, k8s_namespace=info.namespace,
                        sandbox_name=slug, runtime_image=get_settings().RUNTIME_IMAGE,
                        public_url=f"https://{names.app_host(slug, domain)}",
                        ttyd_url=f"https://{names.ttyd_host(slug, domain)}",
                        status_message="Waiting to be created", **SANDBOX_RESOURCES))
    session.add(Database(project_id=project.id, name=display_name, k8s_namespace=info.namespace,
                         cluster_name=slug, status_message="Waiting to be created", **DATABASE_RESOURCES))
    token = Environment(project_id=project.id, key=TTYD_ACCESS_TOKEN, value="",
                        category=EnvironmentCategory.ttyd, is_secret=True)
    token.plain_value = secrets.token_hex(24)
    session.add(token)
    audit.record(session, user_id, "project.create", target=project.id, detail=f"slug {slug}")
    session.flush()
    return project


# ---------------------------------------------------------------- locking and status

_PROJECTS = Project.__table__  # Core statements: the ORM's bulk-update machinery is not needed here


@functools.cache
def _lock_statement(dialect: str, by_owner: bool) -> sa.Select | sa.Update:
    # Bind names must differ from column names in an UPDATE.
    conditions = [_PROJECTS.c.id == sa.bindparam("lock_project_id")]
    if by_owner:
        conditions.append(_PROJECTS.c.user_id == sa.bindparam("lock_user_id"))
    if dialect == "postgresql":
        return sa.select(_PROJECTS.c.status).where(*conditions).with_for_update()
    # SQLite has no row locks: a no-op update takes the database's write lock.
    return (sa.update(_PROJECTS).where(*conditions)
            .values(id=_PROJECTS.c.id, updated_at=_PROJECTS.c.updated_at).returning(_PROJECTS.c.status))


def lock_project(session: Session, project_id: str, user_id: str | None = None) -> ProjectStatus | None:
    """Locks the project row for the rest of the transaction and returns its status; None when
    it does not exist (or is not the user's). Must be the transaction's first statement on
    SQLite, where the lock is the database's write lock."""
    params = {"lock_project_id": project_id, "lock_user_id": user_id}
    statement = _lock_statement(session.get_bind().dialect.name, user_id is not None)
    status = session.execute(statement, params).scalar()
    return None if status is None else ProjectStatus(status)


_SANDBOXES, _DATABASES = Sandbox.__table__, Database.__table__
# The project's status and every resource's (id, status): one row per combination.
_STATE = (
    sa.select(_PROJECTS.c.status, _SANDBOXES.c.id.label("sandbox_id"), _SANDBOXES.c.status.label("sandbox_status"),
              _DATABASES.c.id.label("database_id"), _DATABASES.c.status.label("database_status"))
    .select_from(_PROJECTS.outerjoin(_SANDBOXES, _SANDBOXES.c.project_id == _PROJECTS.c.id)
                 .outerjoin(_DATABASES, _DATABASES.c.project_id == _PROJECTS.c.id))
    .where(_PROJECTS.c.id == sa.bindparam("of_project"))
)
_STATE_FOR_UPDATE = _STATE.with_for_update(of=_PROJECTS)
_DELETE_PROJECT = sa.delete(_PROJECTS).where(_PROJECTS.c.id == sa.bindparam("of_project"))
_SET_PROJECT_STATUS = (sa.update(_PROJECTS).where(_PROJECTS.c.id == sa.bindparam("of_project"))
                       .values(status=sa.bindparam("new_status")))

# What a change of resources wrote: resource id → its new status (None: the row was deleted).
ResourceChanges = dict[str, ResourceStatus | None]


def _read_state(session: Session, project_id: str, *, for_update: bool) -> tuple[ProjectStatus | None,
                                                                                 dict[str, ResourceStatus]]:
    rows = session.execute(_STATE_FOR_UPDATE if for_update else _STATE, {"of_project": project_id}).all()
    resources = {}
    for row in rows:
        for resource_id, status in ((row.sandbox_id, row.sandbox_status), (row.database_id, row.database_status)):
            if resource_id is not None:
                resources[resource_id] = ResourceStatus(status)
    return (ProjectStatus(rows[0].status) if rows else None), resources


def _store_status(session: Session, project_id: str, current: ProjectStatus | None,
                  resources: Iterable[ResourceStatus]) -> ProjectStatus:
    status = aggregate_status(resources)
    if status is ProjectStatus.TERMINATED:
        session.execute(_DELETE_PROJECT, {"of_project": project_id})
    elif status is not current:
        session.execute(_SET_PROJECT_STATUS, {"of_project": project_id, "new_status": status})
    return status


def refresh_project_status(session: Session, project_id: str) -> ProjectStatus:
    """Recomputes and stores the project's status from its resources (call with the project
    locked). A project without resources is deleted with its variables: TERMINATED."""
    current, resources = _read_state(session, project_id, for_update=False)
    return _store_status(session, project_id, current, resources.values())


def change_resources(session: Session, project_id: str, change: Callable[[], ResourceChanges | None]) -> bool:
    """Runs `change` — writes of the project's resource statuses, returning what it wrote, or
    None when it wrote nothing — under the project's lock, then stores the project's status.

    Must start the transaction. Besides the change's own statements it costs one read, and a
    write when the project's status changes: on PostgreSQL the lock itself reads the
    statuses (FOR UPDATE OF project); on SQLite, which has no row locks, the change's first
    write takes the database's write lock and the statuses are read after it.
    """
    if session.get_bind().dialect.name != "postgresql":
        if change() is None:
            return False
        refresh_project_status(session, project_id)
        return True
    current, resources = _read_state(session, project_id, for_update=True)
    changes = change()
    if changes is None:
        return False
    for resource_id, status in changes.items():
        if status is None:
            resources.pop(resource_id, None)
        else:
            resources[resource_id] = status
    _store_status(session, project_id, current, resources.values())
    return True


def move_resource(resource: ReconciledResource, status: ResourceStatus, message: str, now: datetime) -> None:
    """A status change requested by the user (or by a settings change), not by a handler.

    The new `status_changed_at` makes any handler still working on the old status fail its
    compare-and-set. Rows no handler is working on become claimable at once; a row that may
    be in a handler's hands keeps its lease, which the handler gives back when it finishes.
    """
    if resource.status in _SETTLED:
        resource.locked_until = None
    resource.status = status
    resource.status_message = message
    resource.status_changed_at = now
    resource.attempts = 0


def _act(session: Session, user_id: str, project_id: str, action: ProjectAction) -> Project:
    if lock_project(session, project_id, user_id) is None:
        raise ProjectNotFound()
    project = get_owned_project(session, user_id, project_id)
    session.refresh(project)
    if action not in allowed_actions(project.status):
        raise ActionNotAllowed(f'You cannot {action.value} a project that is {project.status.value.lower()}.')
    resources = [row for row in _resources(session, project.id) if row is not None]
    if action is not ProjectAction.DELETE and any(row.status in _GOING_AWAY for row in resources):
        raise ActionNotAllowed(f"You cannot {action.value} the project: some of its resources are being deleted.")
    movable, target, message = _TRANSITIONS[action]
    now = utcnow()
    for resource in resources:
        if resource.status in movable:
            move_resource(resource, target, message, now)
            session.add(resource)
    session.flush()
    refresh_project_status(session, project.id)
    audit.record(session, user_id, f"project.{action.value}", target=project.id, detail=f"slug {project.slug}")
    session.flush()
    session.refresh(project)
    return project


def start_project(session: Session, user_id: str, project_id: str) -> Project:
    """Starts the project's stopped or failed resources (re-creating what is missing)."""
    return _act(session, user_id, project_id, ProjectAction.START)


def stop_project(session: Session, user_id: str, project_id: str) -> Project:
    """Scales the project's resources to zero; data and volumes are kept."""
    return _act(session, user_id, project_id, ProjectAction.STOP)


def delete_project(session: Session, user_id: str, project_id: str) -> Project:
    """Deletes the project: its objects and home volume go, then its rows (the reconciler)."""
    return _act(session, user_id, project_id, ProjectAction.DELETE)
