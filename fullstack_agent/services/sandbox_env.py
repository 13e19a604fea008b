"""The environment a sandbox runs with (SPEC §5.2, §6.3), and asking sandboxes to pick up a new one.

Order (later keys win): base variables (`PROJECT_NAME`, `KUBECONFIG`, `DATABASE_URL` once
the database is ready), the user's Anthropic variables, the project's variables, and the
project's `TTYD_ACCESS_TOKEN` last so that nothing can override the terminal's token.

`KUBECONFIG` points at a file: the init container writes the user's kubeconfig there, so
`kubectl` in the sandbox works (the variable holds a path for every Kubernetes tool). The
user's system prompt (or the default) travels the same way into a file Claude Code reads.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlmodel import Session, col, select

from fullstack_agent.k8s.manifests import KUBECONFIG_PATH
from fullstack_agent.models import (
    Database,
    Environment,
    EnvironmentCategory,
    Project,
    ResourceStatus,
    Sandbox,
    utcnow,
)
from fullstack_agent.services import system_prompt, user_config
from fullstack_agent.services.projects import (
    TTYD_ACCESS_TOKEN,
    lock_project,
    move_resource,
    refresh_project_status,
)

# user_config key → sandbox variable (SPEC §5.2)
ANTHROPIC_VARIABLES = (
    (user_config.ANTHROPIC_API_KEY, "ANTHROPIC_AUTH_TOKEN"),
    (user_config.ANTHROPIC_API, "ANTHROPIC_BASE_URL"),
    (user_config.ANTHROPIC_MODEL, "ANTHROPIC_MODEL"),
    (user_config.ANTHROPIC_SMALL_FAST_MODEL, "ANTHROPIC_SMALL_FAST_MODEL"),
)
# Sandboxes whose handler is (or may be) applying an environment: a change makes their
# compare-and-set fail so the next pass applies the newest one.
_APPLYING = (ResourceStatus.STARTING, ResourceStatus.UPDATING)


@dataclasses.dataclass(frozen=True)
class SandboxEnvironment:
    variables: dict[str, str]  # the main container's environment, in order
    kubeconfig: str  # the user's kubeconfig text, for the init container ("" when none)
    system_prompt: str  # for the init container too


def load_env_vars_for_sandbox(session: Session, user_id: str) -> dict[str, str]:
    """The user's Anthropic settings as sandbox variables; empty values are skipped."""
    entries = user_config.get_values(session, user_id, tuple(key for key, _ in ANTHROPIC_VARIABLES))
    variables = {}
    for key, variable in ANTHROPIC_VARIABLES:
        entry = entries.get(key)
        value = entry.plain_value.strip() if entry is not None else ""
        if value:
            variables[variable] = value
    return variables


def build_sandbox_environment(session: Session, project: Project) -> SandboxEnvironment:
    """Everything the project's sandbox gets, read fresh from the database."""
    variables = {"PROJECT_NAME": project.name, "KUBECONFIG": KUBECONFIG_PATH}
    database = session.exec(select(Database).where(Database.project_id == project.id)).first()
    if database is not None and database.connection_url:
        variables["DATABASE_URL"] = database.connection_url
    variables.update(load_env_vars_for_sandbox(session, project.user_id))
    token = ""
    rows = session.exec(select(Environment).where(Environment.project_id == project.id)
                        .order_by(col(Environment.key)))
    for row in rows:
        if row.category is EnvironmentCategory.ttyd:
            if row.key == TTYD_ACCESS_TOKEN:
                token = row.plain_value
            continue
        variables[row.key] = row.plain_value
    if token:
        variables[TTYD_ACCESS_TOKEN] = token
    kubeconfig = user_config.get_value(session, project.user_id, user_config.KUBECONFIG) or ""
    prompt = system_prompt.effective(session, project.user_id).text
    return SandboxEnvironment(variables=variables, kubeconfig=kubeconfig, system_prompt=prompt)


def request_env_refresh(session: Session, project_id: str, now: datetime | None = None) -> int:
    """Makes the project's sandbox apply its environment again (call with the project locked).

    RUNNING → UPDATING; a sandbox that is starting or updating is told to re-read its
    environment; stopped or failed ones get it when they start. Returns how many moved.
    """
    now = now or utcnow()
    moved = 0
    for sandbox in session.exec(select(Sandbox).where(Sandbox.project_id == project_id)
                                .execution_options(populate_existing=True)):
        if sandbox.status is ResourceStatus.RUNNING:
            move_resource(sandbox, ResourceStatus.UPDATING, "Applying the new environment", now)
            moved += 1
        elif sandbox.status in _APPLYING:
            sandbox.status_changed_at = now
        else:
            continue
        session.add(sandbox)
    session.flush()
    refresh_project_status(session, project_id)
    return moved


def request_sandbox_updates_for_user(session: Session, user_id: str) -> int:
    """After the user's Anthropic key, base URL, models or kubeconfig changed: every sandbox
    of the user applies its environment again. Returns how many RUNNING sandboxes moved."""
    project_ids = sorted(session.exec(select(Project.id).where(Project.user_id == user_id)))
    moved = 0
    for project_id in project_ids:
        if lock_project(session, project_id):
            moved += request_env_refresh(session, project_id)
    return moved
