"""The project pages' event handlers, called the way Reflex calls them, with hostile input.

Any client can send any event with any payload over the websocket, so these tests call the
handlers directly with user B's session and user A's project id (in the URL, and left in a
tab's state by an earlier sign-in) and check that nothing changes and nothing is revealed.
Driving a raw websocket frame would add only Reflex's own transport to the same call.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
from typing import Any

import pytest
import reflex as rx
import sqlalchemy as sa
from reflex.istate.data import RouterData
from reflex_base import constants

from fullstack_agent import db
from fullstack_agent.models import (
    AuthProvider,
    ConfigSource,
    Database,
    Environment,
    Project,
    ResourceStatus,
    Sandbox,
    User,
)
from fullstack_agent.services import environment, project_watch, projects, sessions, user_config
from fullstack_agent.services.projects import refresh_project_status
from fullstack_agent.state.project_detail import FOUND, MISSING, SECRET_MASK, ProjectDetailState
from fullstack_agent.state.projects import ProjectsState

ROUTE = "/projects/[project_id]"
SECRET = "sk-live-alice-secret-value"
DB_PASSWORD = "alice-db-p@ss"
KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://k8s.example.test
contexts:
- name: c
  context:
    cluster: c
    user: u
    namespace: ns-alice
current-context: c
users:
- name: u
  user:
    token: t
"""


@pytest.fixture(scope="module", autouse=True)
def project_route_arg():
    # What registering the page does in the app: the route argument becomes a var.
    if "project_id" not in rx.State.computed_vars:
        rx.State.setup_dynamic_args({"project_id": constants.RouteArgType.SINGLE})


def _user(name: str, kubeconfig: bool = True) -> tuple[str, str]:
    """A user and a session token for them."""
    with db.session_scope() as session:
        user = User(name=name)
        session.add(user)
        session.flush()
        if kubeconfig:
            user_config.set_value(session, user.id, user_config.KUBECONFIG, KUBECONFIG, source=ConfigSource.manual)
        return user.id, sessions.create_session(session, user.id, AuthProvider.PASSWORD)


def _running_project(user_id: str) -> str:
    """A project whose sandbox and database are RUNNING, with credentials and two variables."""
    with db.session_scope() as session:
        project_id = projects.create_project(session, user_id, "Alice's shop", "Sells things").id
    with db.session_scope() as session:
        for row in session.exec(sa.select(Sandbox).where(Sandbox.project_id == project_id)).scalars():
            row.status = ResourceStatus.RUNNING
        for row in session.exec(sa.select(Database).where(Database.project_id == project_id)).scalars():
            row.status = ResourceStatus.RUNNING
            row.host, row.port, row.username, row.password = "db.ns-alice.svc", 5432, "postgres", DB_PASSWORD
            row.connection_url = f"postgresql://postgres:alice-db-p%40ss@db.ns-alice.svc:5432/postgres"
        session.flush()
        refresh_project_status(session, project_id)
    with db.session_scope() as session:
        environment.set_variable(session, user_id, project_id, "API_KEY", SECRET, is_secret=True)
        environment.set_variable(session, user_id, project_id, "MODE", "production")
    with db.session_scope() as session:  # the variables moved the sandbox to UPDATING; settle it again
        for row in session.exec(sa.select(Sandbox).where(Sandbox.project_id == project_id)).scalars():
            row.status = ResourceStatus.RUNNING
        session.flush()
        refresh_project_status(session, project_id)
    return project_id


def _state(cls, token: str, project_id: str = ""):
    root = rx.State()
    root.router = RouterData.from_router_data({
        constants.RouteVar.PATH: ROUTE if project_id else "/projects",
        constants.RouteVar.ORIGIN: f"/projects/{project_id}" if project_id else "/projects",
        constants.RouteVar.QUERY: {"project_id": project_id} if project_id else {},
    })
    state = root.get_substate(cls.get_full_name().split(".")[1:])
    state.session_token = token
    return state


def _call(state, handler: str, *args: Any) -> list[Any]:
    """Runs an event handler as Reflex would and returns every event it produced."""
    async def run() -> list[Any]:
        result = state.event_handlers[handler].fn(state, *args)
        produced: list[Any] = []
        if inspect.isasyncgen(result):
            async for item in result:
                produced.append(item)
        elif inspect.iscoroutine(result):
            produced.append(await result)
        else:
            produced.append(result)
        return [item for item in produced if item is not None]

    # On its own thread: the browser tests' Playwright keeps an event loop running on this one.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


def _snapshot(project_id: str) -> tuple:
    with db.session_scope() as session:
        project = session.get(Project, project_id)
        resources = sorted((row.status.value, row.status_changed_at.isoformat()) for model in (Sandbox, Database)
                           for row in session.exec(sa.select(model).where(model.project_id == project_id)).scalars())
        variables = sorted((row.key, row.value, row.is_secret) for row in session.exec(
            sa.select(Environment).where(Environment.project_id == project_id)).scalars())
        return project.status.value, project.updated_at.isoformat(), resources, variables


def _everything_sent(state, events: list[Any]) -> str:
    return repr(state.dict()) + repr(state.get_delta()) + repr(events)


def test_another_users_project_is_not_found_and_their_events_change_nothing(database):
    alice_id, _ = _user("alice")
    _, bob_token = _user("bob")
    project_id = _running_project(alice_id)
    before = _snapshot(project_id)

    bob = _state(ProjectDetailState, bob_token, project_id)
    _call(bob, "load")
    assert bob.view == MISSING and bob.name == "" and bob.variables == []

    # A tab whose state still names Alice's project (Alice signed out, Bob signed in).
    bob._project_id = project_id
    bob.view = FOUND
    events = []
    for handler, args in (
        ("run_action", ("stop",)), ("run_action", ("delete",)), ("run_action", ("start",)),
        ("reveal_variable", ("API_KEY",)), ("copy_variable", ("API_KEY",)),
        ("delete_variable", ("MODE",)), ("reveal_database", ()), ("copy_database", ("password",)),
        ("copy_database", ("url",)), ("copy_database", ("pg",)), ("poll", ()),
    ):
        events += _call(bob, handler, *args)
        assert bob.view == MISSING, handler  # the service said "not found"
        bob._project_id, bob.view = project_id, FOUND
    bob.editor_is_new = True
    events += _call(bob, "save_variable", {"key": "MODE", "value": "hacked", "secret": "on"})
    assert bob.view == MISSING

    assert _snapshot(project_id) == before
    sent = _everything_sent(bob, events)
    for secret in (SECRET, DB_PASSWORD, "alice-db-p%40ss", "production", "Alice's shop"):
        assert secret not in sent
    assert bob.revealed == {} and bob.database_password == "" and bob.database_url == ""

    listing = _state(ProjectsState, bob_token)
    _call(listing, "load")
    _call(listing, "poll")
    assert listing.cards == []


def test_owner_sees_secrets_only_after_asking(database):
    alice_id, alice_token = _user("alice")
    project_id = _running_project(alice_id)

    alice = _state(ProjectDetailState, alice_token, project_id)
    _call(alice, "load")
    assert alice.view == FOUND and alice.name == "Alice's shop" and alice.status == "RUNNING"
    assert alice.actions == ["stop", "delete"]
    assert {row.key: row.value for row in alice.variables} == {"API_KEY": "", "MODE": "production"}
    assert alice.database.ready and alice.database.host == "db.ns-alice.svc"
    assert alice.database.masked_url == f"postgresql://postgres:{SECRET_MASK}@db.ns-alice.svc:5432/postgres"
    assert SECRET not in _everything_sent(alice, []) and DB_PASSWORD not in _everything_sent(alice, [])

    _call(alice, "reveal_variable", "API_KEY")
    assert alice.revealed == {"API_KEY": SECRET}
    _call(alice, "hide_variable", "API_KEY")
    assert alice.revealed == {}
    copied = _call(alice, "copy_variable", "API_KEY")
    assert SECRET in repr(copied) and SECRET not in repr(alice.dict())

    _call(alice, "reveal_database")
    assert alice.database_password == DB_PASSWORD
    pg = _call(alice, "copy_database", "pg")
    assert "PGPASSWORD=alice-db-p@ss" in repr(pg) and "PGHOST=db.ns-alice.svc" in repr(pg)

    # Leaving for another project forgets what was revealed.
    alice.router = RouterData.from_router_data({constants.RouteVar.PATH: ROUTE,
                                                constants.RouteVar.QUERY: {"project_id": "nope"}})
    _call(alice, "load")
    assert alice.view == MISSING and alice.database_password == "" and alice.revealed == {}


def test_saving_a_variable_moves_the_running_sandbox_to_updating(database):
    alice_id, alice_token = _user("alice")
    project_id = _running_project(alice_id)
    alice = _state(ProjectDetailState, alice_token, project_id)
    _call(alice, "load")

    _call(alice, "open_new_variable")
    events = _call(alice, "save_variable", {"key": "  NEW_FLAG ", "value": "1"})
    assert not alice.editor_open and alice.editor_error == ""
    assert "NEW_FLAG" in [row.key for row in alice.variables]
    assert alice.sandbox_updating and alice.status == "UPDATING"
    assert "applying" in repr(events)

    _call(alice, "open_new_variable")
    _call(alice, "save_variable", {"key": "9LIVES", "value": "x"})
    assert alice.editor_open and "not a valid variable name" in alice.editor_error

    _call(alice, "open_edit_variable", "API_KEY")
    assert alice.editor_secret and alice.editor_value == ""
    _call(alice, "save_variable", {"value": ""})
    assert "new value" in alice.editor_error


@pytest.mark.parametrize("name, message", [
    ("", "Enter a project name."),
    ("x" * 65, "at most 64 characters"),
    ("🚀🔥 ✨", "at least one letter or digit"),
])
def test_invalid_names_show_inline_errors_and_create_nothing(database, name, message):
    alice_id, alice_token = _user("alice")
    listing = _state(ProjectsState, alice_token)
    _call(listing, "load")
    _call(listing, "create", {"name": name, "description": "d"})
    assert message in listing.name_error
    with db.session_scope() as session:
        assert projects.list_projects(session, alice_id) == []


def test_without_a_kubeconfig_the_dialog_explains_and_nothing_is_created(database):
    alice_id, alice_token = _user("alice", kubeconfig=False)
    listing = _state(ProjectsState, alice_token)
    _call(listing, "open_dialog")
    assert listing.dialog_open and listing.kubeconfig_problem
    _call(listing, "create", {"name": "Shop", "description": ""})
    assert "kubeconfig" in listing.kubeconfig_problem.lower()
    with db.session_scope() as session:
        assert projects.list_projects(session, alice_id) == []


def test_signed_out_tabs_are_sent_to_login(database):
    alice_id, _ = _user("alice")
    project_id = _running_project(alice_id)
    stranger = _state(ProjectDetailState, "not-a-session", project_id)
    events = _call(stranger, "load")
    assert "/login" in repr(events) and stranger.view != FOUND


@pytest.mark.parametrize("name", ["Café ☕", "商店", "  trimmed  ", "x" * 64, "2024 plan"])
def test_project_names_in_any_script_are_accepted(name):
    assert projects.validate_project_name(name) == name.strip()


@pytest.mark.parametrize("name", ["🛒", "-- !!", "line\nbreak", "x" * 65, "   "])
def test_names_without_letters_or_with_control_characters_are_refused(name):
    with pytest.raises(projects.ProjectError):
        projects.validate_project_name(name)


def test_status_fingerprint_is_one_statement_and_sees_status_changes(database):
    alice_id, _ = _user("alice")
    bob_id, _ = _user("bob")
    project_id = _running_project(alice_id)
    statements: list[str] = []
    sa.event.listen(db.get_engine(), "before_cursor_execute", lambda *args: statements.append(args[2]))
    with db.session_scope() as session:
        first = project_watch.status_fingerprint(session, alice_id, project_id)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    with db.session_scope() as session:
        assert project_watch.status_fingerprint(session, bob_id, project_id) is None
        projects.stop_project(session, alice_id, project_id)
    with db.session_scope() as session:
        assert project_watch.status_fingerprint(session, alice_id, project_id) != first
