"""Project services without the reconciler: validation, rows, ownership, allowed actions, status."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from fullstack_agent import db
from fullstack_agent.k8s.names import is_dns1123_label
from fullstack_agent.models import (
    AuditEvent,
    Database,
    Environment,
    EnvironmentCategory,
    Project,
    ProjectStatus,
    ResourceStatus,
    Sandbox,
)
from fullstack_agent.services import projects, user_config
from fullstack_agent.services.projects import ProjectAction, aggregate_status, allowed_actions
from tests.engine.conftest import DOMAIN, NAMESPACE, create_project, make_user

pytestmark = pytest.mark.usefixtures("engine_settings")
R = ResourceStatus


@pytest.mark.parametrize("statuses, expected", [
    ([], ProjectStatus.TERMINATED),
    ([R.ERROR, R.RUNNING], ProjectStatus.ERROR),
    ([R.ERROR, R.CREATING], ProjectStatus.ERROR),
    ([R.CREATING, R.RUNNING], ProjectStatus.CREATING),
    ([R.UPDATING, R.STARTING], ProjectStatus.UPDATING),
    ([R.CREATING, R.UPDATING], ProjectStatus.CREATING),
    ([R.RUNNING, R.RUNNING], ProjectStatus.RUNNING),
    ([R.STOPPED, R.STOPPED], ProjectStatus.STOPPED),
    ([R.TERMINATING], ProjectStatus.TERMINATING),
    ([R.RUNNING, R.STARTING], ProjectStatus.STARTING),
    ([R.STOPPED, R.STOPPING], ProjectStatus.STOPPING),
    ([R.TERMINATED, R.TERMINATING], ProjectStatus.TERMINATING),
    ([R.RUNNING, R.STOPPED], ProjectStatus.PARTIAL),
    ([R.STARTING, R.STOPPING], ProjectStatus.PARTIAL),
    ([R.RUNNING, R.TERMINATING], ProjectStatus.PARTIAL),
])
def test_aggregate_status(statuses, expected):
    assert aggregate_status(statuses) is expected
    assert aggregate_status(reversed(statuses)) is expected


def test_aggregate_status_is_total():
    for pair in itertools.product(ResourceStatus, repeat=2):
        assert isinstance(aggregate_status(pair), ProjectStatus)


def test_allowed_actions_table():
    S, A = ProjectStatus, ProjectAction
    assert allowed_actions(S.RUNNING) == {A.STOP, A.DELETE}
    assert allowed_actions(S.STOPPED) == {A.START, A.DELETE}
    assert allowed_actions(S.STARTING) == {A.STOP, A.DELETE}
    assert allowed_actions(S.STOPPING) == {A.START, A.DELETE}
    assert allowed_actions(S.ERROR) == allowed_actions(S.PARTIAL) == {A.START, A.STOP, A.DELETE}
    assert allowed_actions(S.CREATING) == allowed_actions(S.UPDATING) == {A.DELETE}
    assert allowed_actions(S.TERMINATING) == allowed_actions(S.TERMINATED) == frozenset()
    assert set(projects.ALLOWED_ACTIONS) == set(ProjectStatus)


def test_create_writes_every_row_in_one_go(database, fake_k8s):
    user_id = make_user(fake_k8s)
    with db.session_scope() as session:
        project = projects.create_project(session, user_id, "  Café Über 2.0  ", "  a shop  ")
    with db.session_scope() as session:
        project = session.get(Project, project.id)
        sandbox = session.exec(sa.select(Sandbox)).scalar_one()
        database_row = session.exec(sa.select(Database)).scalar_one()
        token = session.exec(sa.select(Environment)).scalar_one()
        audit_rows = session.exec(sa.select(AuditEvent)).scalars().all()
    assert (project.name, project.description, project.status) == ("Café Über 2.0", "a shop", ProjectStatus.CREATING)
    assert project.slug.startswith("cafe-uber-2-0-") and is_dns1123_label(project.slug)
    assert sandbox.sandbox_name == database_row.cluster_name == project.slug
    assert sandbox.k8s_namespace == database_row.k8s_namespace == NAMESPACE
    assert sandbox.status is database_row.status is ResourceStatus.CREATING
    assert sandbox.public_url == f"https://{project.slug}-app.{DOMAIN}"
    assert sandbox.ttyd_url == f"https://{project.slug}-ttyd.{DOMAIN}"
    assert (token.key, token.category, token.is_secret) == ("TTYD_ACCESS_TOKEN", EnvironmentCategory.ttyd, True)
    assert len(token.plain_value) == 48 and token.plain_value not in token.value
    assert [(row.action, row.target) for row in audit_rows] == [("project.create", project.id)]


def test_the_domain_defaults_to_the_api_servers_host(database, fake_k8s, settings_env):
    settings_env(SANDBOX_DOMAIN="")
    with db.session_scope() as session:
        project = projects.create_project(session, make_user(fake_k8s), "x")
        sandbox = session.exec(sa.select(Sandbox)).scalar_one()
    assert sandbox.public_url == f"https://{project.slug}-app.127.0.0.1"


@pytest.mark.parametrize("name, description, message", [
    ("   ", "", "Enter a project name."),
    ("x" * 65, "", "at most 64 characters"),
    ("ok", "d" * 2001, "at most 2000 characters"),
])
def test_invalid_input_changes_nothing(database, fake_k8s, name, description, message):
    user_id = make_user(fake_k8s)
    with db.session_scope() as session, pytest.raises(projects.ProjectError, match=message):
        projects.create_project(session, user_id, name, description)
    with db.session_scope() as session:
        assert session.exec(sa.select(sa.func.count()).select_from(Project)).one()[0] == 0


def test_names_are_unique_per_user_among_live_projects(database, fake_k8s):
    alice, bob = make_user(fake_k8s, "alice"), make_user(fake_k8s, "bob")
    first = create_project(alice, "Blog")
    with db.session_scope() as session, pytest.raises(projects.ProjectError, match='already have a project named'):
        projects.create_project(session, alice, " blog ")
    create_project(bob, "Blog")  # another user may
    with db.session_scope() as session:
        projects.delete_project(session, alice, first)
    create_project(alice, "Blog")  # a project being deleted no longer holds its name


def test_without_a_kubeconfig_the_error_points_to_settings(database):
    user_id = make_user(None)
    with db.session_scope() as session, pytest.raises(projects.KubeconfigRequired, match="Settings"):
        projects.create_project(session, user_id, "App")


def test_an_unusable_kubeconfig_is_reported(database, fake_k8s):
    user_id = make_user(fake_k8s)
    with db.session_scope() as session:
        user_config.set_value(session, user_id, user_config.KUBECONFIG, "current-context: [", source="manual")
    with db.session_scope() as session, pytest.raises(projects.KubeconfigRequired, match="not valid YAML"):
        projects.create_project(session, user_id, "App")


def test_another_users_project_is_not_found(database, fake_k8s):
    alice, bob = make_user(fake_k8s, "alice"), make_user(fake_k8s, "bob")
    project_id = create_project(alice)
    with db.session_scope() as session:
        for call in (projects.get_project, projects.start_project, projects.stop_project, projects.delete_project,
                     projects.database_connection, projects.get_owned_project):
            with pytest.raises(projects.ProjectNotFound, match="Project not found."):
                call(session, bob, project_id)
        with pytest.raises(projects.ProjectNotFound):
            projects.get_project(session, alice, "no-such-id")
        assert projects.list_projects(session, bob) == []
        assert [p.id for p in projects.list_projects(session, alice)] == [project_id]


def _set_statuses(project_id: str, sandbox: ResourceStatus, database_status: ResourceStatus) -> None:
    with db.session_scope() as session:
        session.execute(sa.update(Sandbox).where(Sandbox.project_id == project_id).values(status=sandbox))
        session.execute(sa.update(Database).where(Database.project_id == project_id).values(status=database_status))
        projects.refresh_project_status(session, project_id)


def test_actions_follow_the_table_and_move_the_right_resources(database, fake_k8s):
    user_id = make_user(fake_k8s)
    project_id = create_project(user_id)
    with db.session_scope() as session:
        for action in (projects.start_project, projects.stop_project):
            with pytest.raises(projects.ActionNotAllowed, match="creating"):
                action(session, user_id, project_id)

    _set_statuses(project_id, R.ERROR, R.RUNNING)
    with db.session_scope() as session:
        project = projects.start_project(session, user_id, project_id)
        detail = projects.get_project(session, user_id, project_id)
    assert project.status is ProjectStatus.STARTING
    assert (detail.sandbox.status, detail.database.status) == (R.STARTING, R.RUNNING)
    assert detail.sandbox.locked_until is None and detail.sandbox.status_message == "Starting"

    _set_statuses(project_id, R.ERROR, R.TERMINATING)
    with db.session_scope() as session, pytest.raises(projects.ActionNotAllowed, match="being deleted"):
        projects.stop_project(session, user_id, project_id)

    _set_statuses(project_id, R.STOPPED, R.STOPPED)
    with db.session_scope() as session:
        assert projects.delete_project(session, user_id, project_id).status is ProjectStatus.TERMINATING
        with pytest.raises(projects.ActionNotAllowed, match="terminating"):
            projects.delete_project(session, user_id, project_id)


def test_a_project_without_resources_is_removed(database, fake_k8s):
    project_id = create_project(make_user(fake_k8s))
    with db.session_scope() as session:
        session.execute(sa.delete(Sandbox))
        session.execute(sa.delete(Database))
        assert projects.refresh_project_status(session, project_id) is ProjectStatus.TERMINATED
    with db.session_scope() as session:
        assert session.get(Project, project_id) is None
        assert session.exec(sa.select(sa.func.count()).select_from(Environment)).one()[0] == 0


def test_database_connection_is_revealed_only_when_stored(database, fake_k8s):
    user_id = make_user(fake_k8s)
    project_id = create_project(user_id)
    with db.session_scope() as session:
        assert projects.database_connection(session, user_id, project_id) is None
        session.execute(sa.update(Database).values(host="h.ns.svc", port=5432, username="postgres",
                                                   password="pw", connection_url="postgresql://postgres:pw@h:5432/postgres"))
    with db.session_scope() as session:
        connection = projects.database_connection(session, user_id, project_id)
    assert (connection.host, connection.port, connection.username, connection.password) == (
        "h.ns.svc", 5432, "postgres", "pw")
