"""The environment a sandbox runs with (SPEC §5.2, §6.3), and asking sandboxes to pick up a new one.

Order (later keys win): base variables (`PROJECT_NAME`, `KUBECONFIG`, `DATABASE_URL` once
the database is ready), the user's Anthropic variables, the project's variables, and the
project's `TTYD_ACCESS_TOKEN` last so that nothing can override the terminal's token.

A starting sandbox waits for a database that is still starting, so that it is RUNNING with
its complete environment instead of restarting under the user when DATABASE_URL arrives;
a database that becomes ready later (or changes its credentials) still reaches a running
sandbox, which then goes UPDATING.

`KUBECONFIG` points at a file: the init container writes the user's kubeconfig there, so
`kubectl` in the sandbox works (the variable holds a path for every Kubernetes tool). The
user's system prompt (or the default) travels the same way into a file Claude Code reads.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from fullstack_agent.k8s.manifests import KUBECONFIG_PATH
from fullstack_agent.models import (
    Database,
    Environment,
    EnvironmentCategory,
    Project,
    ResourceStatus,
    Sandbox,
    UserConfig,
    utcnow,
)
from fullstack_agent.services import system_prompt, user_config
from fullstack_agent.services.projects import (
    TTYD_ACCESS_TOKEN,
    ResourceChanges,
    lock_project,
    refresh_project_status,
)

# user_config key → sandbox variable (SPEC §5.2)
ANTHROPIC_VARIABLES = (
    (user_config.ANTHROPIC_API_KEY, "ANTHROPIC_AUTH_TOKEN"),
    (user_config.ANTHROPIC_API, "ANTHROPIC_BASE_URL"),
    (user_config.ANTHROPIC_MODEL, "ANTHROPIC_MODEL"),
    (user_config.ANTHROPIC_SMALL_FAST_MODEL, "ANTHROPIC_SMALL_FAST_MODEL"),
)
_ANTHROPIC_KEYS = tuple(key for key, _ in ANTHROPIC_VARIABLES)
_DATABASE_ON_ITS_WAY = (ResourceStatus.CREATING, ResourceStatus.STARTING)
# Sandboxes whose handler is (or may be) applying an environment: a change makes their
# compare-and-set fail so the next pass applies the newest one.
_APPLYING = (ResourceStatus.STARTING, ResourceStatus.UPDATING)


@dataclasses.dataclass(frozen=True)
class SandboxEnvironment:
    variables: dict[str, str]  # the main container's environment, in order
    kubeconfig: str  # the user's kubeconfig text, for the init container ("" when none)
    system_prompt: str  # for the init container too
    # The project's database is on its way (creating or starting): DATABASE_URL will follow.
    database_pending: bool = False


def user_settings(session: Session, user_ids: Iterable[str], keys: Iterable[str]) -> dict[str, dict[str, str]]:
    """Decrypted user_config values of several users in one query: user id → key → value."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    statement = select(UserConfig).where(col(UserConfig.user_id).in_(set(user_ids)), col(UserConfig.key).in_(set(keys)))
    for entry in session.exec(statement):
        found[entry.user_id][entry.key] = entry.plain_value
    return found


def _anthropic_variables(settings: dict[str, str]) -> dict[str, str]:
    variables = {}
    for key, variable in ANTHROPIC_VARIABLES:
        value = settings.get(key, "").strip()
        if value:
            variables[variable] = value
    return variables


def load_env_vars_for_sandbox(session: Session, user_id: str) -> dict[str, str]:
    """The user's Anthropic settings as sandbox variables; empty values are skipped."""
    return _anthropic_variables(user_settings(session, [user_id], _ANTHROPIC_KEYS)[user_id])


def build_sandbox_environments(session: Session, projects: list[Project]) -> dict[str, SandboxEnvironment]:
    """The environment of each project's sandbox (project id → environment), read fresh from
    the database in three queries whatever the number of projects."""
    project_ids = [project.id for project in projects]
    settings = user_settings(session, {project.user_id for project in projects},
                             (*_ANTHROPIC_KEYS, user_config.KUBECONFIG, user_config.SYSTEM_PROMPT))
    databases = {row.project_id: row for row in session.exec(
        select(Database.project_id, Database.connection_url, Database.status)
        .where(col(Database.project_id).in_(project_ids)))}
    variables_by_project: dict[str, list[Environment]] = defaultdict(list)
    for row in session.exec(select(Environment).where(col(Environment.project_id).in_(project_ids))
                            .order_by(col(Environment.key))):
        variables_by_project[row.project_id].append(row)

    environments = {}
    for project in projects:
        owner = settings[project.user_id]
        variables = {"PROJECT_NAME": project.name, "KUBECONFIG": KUBECONFIG_PATH}
        database = databases.get(project.id)
        if database is not None and database.connection_url:
            variables["DATABASE_URL"] = database.connection_url
        variables.update(_anthropic_variables(owner))
        token = ""
        for row in variables_by_project[project.id]:
            if row.category is EnvironmentCategory.ttyd:
                token = row.plain_value if row.key == TTYD_ACCESS_TOKEN else token
            else:
                variables[row.key] = row.plain_value
        if token:
            variables[TTYD_ACCESS_TOKEN] = token
        environments[project.id] = SandboxEnvironment(
            variables=variables, kubeconfig=owner.get(user_config.KUBECONFIG, ""),
            system_prompt=system_prompt.effective_text(owner.get(user_config.SYSTEM_PROMPT)),
            database_pending=database is not None and database.status in _DATABASE_ON_ITS_WAY)
    return environments


def build_sandbox_environment(session: Session, project: Project) -> SandboxEnvironment:
    """Everything the project's sandbox gets (see the module's docstring for the order)."""
    return build_sandbox_environments(session, [project])[project.id]


_SANDBOXES = Sandbox.__table__
_RUNNING = _SANDBOXES.c.status == ResourceStatus.RUNNING
# One statement (SET expressions see the row as it was): RUNNING rows go UPDATING and become
# claimable at once, like a user's action (see projects.move_resource); starting or updating
# ones only get a new status_changed_at, which makes a handler applying an older environment
# fail its compare-and-set, so the next pass applies the newest one.
_REFRESH = (
    sa.update(_SANDBOXES)
    .where(_SANDBOXES.c.project_id == sa.bindparam("of_project"),
           _SANDBOXES.c.status.in_((ResourceStatus.RUNNING, *_APPLYING)))
    .values(status=sa.case((_RUNNING, ResourceStatus.UPDATING.value), else_=_SANDBOXES.c.status),
            status_message=sa.case((_RUNNING, "Applying the new environment"), else_=_SANDBOXES.c.status_message),
            locked_until=sa.case((_RUNNING, None), else_=_SANDBOXES.c.locked_until),
            attempts=sa.case((_RUNNING, 0), else_=_SANDBOXES.c.attempts),
            status_changed_at=sa.bindparam("now"))
    .returning(_SANDBOXES.c.id, _SANDBOXES.c.status)
)


def refresh_sandboxes(session: Session, project_id: str, now: datetime) -> ResourceChanges:
    """Makes the project's sandbox apply its environment again: RUNNING → UPDATING; stopped or
    failed sandboxes get the environment when they start. Returns what changed (for
    `projects.change_resources`)."""
    rows = session.execute(_REFRESH, {"of_project": project_id, "now": now}).all()
    return {row.id: ResourceStatus(row.status) for row in rows}


def request_env_refresh(session: Session, project_id: str) -> int:
    """`refresh_sandboxes` for a project the caller has locked, then its status; returns how
    many sandboxes were asked."""
    asked = len(refresh_sandboxes(session, project_id, utcnow()))
    refresh_project_status(session, project_id)
    return asked


def request_sandbox_updates_for_user(session: Session, user_id: str) -> int:
    """After the user's Anthropic key, base URL, models or kubeconfig changed: every sandbox
    of the user applies its environment again. Returns how many sandboxes were asked."""
    project_ids = sorted(session.exec(select(Project.id).where(Project.user_id == user_id)))
    asked = 0
    for project_id in project_ids:
        if lock_project(session, project_id) is not None:
            asked += request_env_refresh(session, project_id)
    return asked
