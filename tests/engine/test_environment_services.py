"""Project variables and the sandbox environment (SPEC §5.2, §6.3)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fullstack_agent import db
from fullstack_agent.models import ConfigSource, Database, EnvironmentCategory, ResourceStatus, Sandbox
from fullstack_agent.services import environment, projects, user_config
from fullstack_agent.services.sandbox_env import (
    build_sandbox_environment,
    load_env_vars_for_sandbox,
    request_sandbox_updates_for_user,
)
from tests.engine.conftest import create_project, make_user

pytestmark = pytest.mark.usefixtures("engine_settings")


@pytest.mark.parametrize("key, normalized", [("  API_URL ", "API_URL"), ("_private", "_private"), ("a1", "a1")])
def test_keys_are_trimmed(key, normalized):
    assert environment.normalize_key(key) == normalized


@pytest.mark.parametrize("key, message", [
    ("", "Enter a variable name"),
    ("1ABC", "not a valid variable name"),
    ("MY-VAR", "not a valid variable name"),
    ("MY VAR", "not a valid variable name"),
    ("ÜBER", "not a valid variable name"),
    ("K" * 256, "at most 255"),
    ("TTYD_ACCESS_TOKEN", "managed by Fullstack Agent"),
])
def test_bad_keys_are_refused(key, message):
    with pytest.raises(environment.VariableError, match=message):
        environment.normalize_key(key)


def _sandbox_status(project_id: str, status: ResourceStatus) -> None:
    with db.session_scope() as session:
        session.execute(sa.update(Sandbox).where(Sandbox.project_id == project_id).values(status=status))
        session.execute(sa.update(Database).where(Database.project_id == project_id)
                        .values(status=ResourceStatus.RUNNING))
        projects.refresh_project_status(session, project_id)


def test_set_list_delete_and_secrets_at_rest(database, fake_k8s):
    user_id = make_user(fake_k8s)
    project_id = create_project(user_id)
    with db.session_scope() as session:
        environment.set_variable(session, user_id, project_id, " STRIPE_SECRET ", "sk_live_123", is_secret=True)
        environment.set_variable(session, user_id, project_id, "PUBLIC_URL", "https://shop.example")
        environment.set_variable(session, user_id, project_id, "PUBLIC_URL", "https://shop2.example")
    with db.session_scope() as session:
        listed = environment.list_variables(session, user_id, project_id)
        raw = dict(session.execute(sa.text("SELECT key, value FROM environment")).all())
        audit_details = [row[0] for row in session.execute(sa.text("SELECT detail FROM audit_event"))]
    assert [(v.key, v.plain_value, v.is_secret, v.category) for v in listed] == [
        ("PUBLIC_URL", "https://shop2.example", False, EnvironmentCategory.general),
        ("STRIPE_SECRET", "sk_live_123", True, EnvironmentCategory.secret),
    ]
    assert raw["PUBLIC_URL"] == "https://shop2.example"
    assert "sk_live_123" not in raw["STRIPE_SECRET"] and raw["TTYD_ACCESS_TOKEN"]
    assert not any("sk_live_123" in detail or "shop2" in detail for detail in audit_details)

    with db.session_scope() as session:
        assert environment.delete_variable(session, user_id, project_id, "STRIPE_SECRET") is True
        assert environment.delete_variable(session, user_id, project_id, "STRIPE_SECRET") is False
        assert [v.key for v in environment.list_variables(session, user_id, project_id)] == ["PUBLIC_URL"]


def test_values_and_categories_are_checked(database, fake_k8s):
    user_id = make_user(fake_k8s)
    project_id = create_project(user_id)
    with db.session_scope() as session:
        with pytest.raises(environment.VariableError, match="at most"):
            environment.set_variable(session, user_id, project_id, "BIG", "x" * (environment.VALUE_MAX + 1))
        with pytest.raises(environment.VariableError, match="category ttyd"):
            environment.set_variable(session, user_id, project_id, "X", "1", category=EnvironmentCategory.ttyd)
        environment.set_variable(session, user_id, project_id, "PAY", "1", category=EnvironmentCategory.payment)


def test_another_users_project_is_not_found(database, fake_k8s):
    alice, bob = make_user(fake_k8s, "alice"), make_user(fake_k8s, "bob")
    project_id = create_project(alice)
    with db.session_scope() as session:
        with pytest.raises(projects.ProjectNotFound):
            environment.set_variable(session, bob, project_id, "A", "1")
        with pytest.raises(projects.ProjectNotFound):
            environment.delete_variable(session, bob, project_id, "A")
        with pytest.raises(projects.ProjectNotFound):
            environment.list_variables(session, bob, project_id)


@pytest.mark.parametrize("before, after, project_after", [
    (ResourceStatus.RUNNING, ResourceStatus.UPDATING, "UPDATING"),
    (ResourceStatus.STOPPED, ResourceStatus.STOPPED, "PARTIAL"),
    (ResourceStatus.STARTING, ResourceStatus.STARTING, "STARTING"),
])
def test_saving_asks_the_sandbox_to_apply_its_environment(database, fake_k8s, before, after, project_after):
    user_id = make_user(fake_k8s)
    project_id = create_project(user_id)
    _sandbox_status(project_id, before)
    with db.session_scope() as session:
        changed_before = session.exec(sa.select(Sandbox)).scalar_one().status_changed_at
        environment.set_variable(session, user_id, project_id, "A", "1")
    with db.session_scope() as session:
        sandbox = session.exec(sa.select(Sandbox)).scalar_one()
        project = projects.get_owned_project(session, user_id, project_id)
    assert sandbox.status is after and project.status.value == project_after
    # A handler already applying an environment must not mark it done with the old one.
    assert (sandbox.status_changed_at > changed_before) is (before is not ResourceStatus.STOPPED)


def test_anthropic_mapping_skips_empty_values(database, fake_k8s):
    user_id = make_user(fake_k8s, anthropic_key="")
    with db.session_scope() as session:
        assert load_env_vars_for_sandbox(session, user_id) == {}
        user_config.set_value(session, user_id, user_config.ANTHROPIC_API_KEY, "sk-1", source=ConfigSource.manual)
        user_config.set_value(session, user_id, user_config.ANTHROPIC_API, "  ", source=ConfigSource.manual)
        user_config.set_value(session, user_id, user_config.ANTHROPIC_MODEL, "claude-x", source=ConfigSource.manual)
        user_config.set_value(session, user_id, user_config.ANTHROPIC_SMALL_FAST_MODEL, "claude-s",
                              source=ConfigSource.manual)
        assert load_env_vars_for_sandbox(session, user_id) == {
            "ANTHROPIC_AUTH_TOKEN": "sk-1", "ANTHROPIC_MODEL": "claude-x", "ANTHROPIC_SMALL_FAST_MODEL": "claude-s"}


def test_environment_order_later_keys_win(database, fake_k8s):
    user_id = make_user(fake_k8s)
    project_id = create_project(user_id, "Shop")
    with db.session_scope() as session:
        environment.set_variable(session, user_id, project_id, "ANTHROPIC_BASE_URL", "https://mine.example")
        environment.set_variable(session, user_id, project_id, "PROJECT_NAME", "override")
        environment.set_variable(session, user_id, project_id, "ZED", "z")
        project = projects.get_owned_project(session, user_id, project_id)
        built = build_sandbox_environment(session, project)
        token = projects.ttyd_token(session, project_id)
    assert list(built.variables) == ["PROJECT_NAME", "KUBECONFIG", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL",
                                     "ZED", "TTYD_ACCESS_TOKEN"]
    assert built.variables["PROJECT_NAME"] == "override"
    assert built.variables["ANTHROPIC_BASE_URL"] == "https://mine.example"
    assert built.variables["TTYD_ACCESS_TOKEN"] == token
    assert "DATABASE_URL" not in built.variables  # not before the database is ready
    assert built.kubeconfig == fake_k8s.kubeconfig()


def test_settings_changes_reach_every_sandbox_of_the_user(database, fake_k8s):
    user_id = make_user(fake_k8s)
    first, second, third = (create_project(user_id, name) for name in ("a", "b", "c"))
    _sandbox_status(first, ResourceStatus.RUNNING)
    _sandbox_status(second, ResourceStatus.RUNNING)
    _sandbox_status(third, ResourceStatus.STOPPED)
    with db.session_scope() as session:
        assert request_sandbox_updates_for_user(session, user_id) == 2
    with db.session_scope() as session:
        by_project = {row.project_id: row.status for row in session.exec(sa.select(Sandbox)).scalars()}
    assert by_project == {first: ResourceStatus.UPDATING, second: ResourceStatus.UPDATING,
                          third: ResourceStatus.STOPPED}
