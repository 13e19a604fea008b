"""A project's life through `reconcile_once()` against the fake API server, on both databases."""

from __future__ import annotations

import base64
from urllib.parse import unquote, urlsplit

import pytest
import sqlalchemy as sa

from fullstack_agent import db
from fullstack_agent.k8s import names
from fullstack_agent.models import AuditEvent, Database, Environment, Project, ResourceStatus, Sandbox
from fullstack_agent.services import environment, projects
from fullstack_agent.services.sandbox_env import request_sandbox_updates_for_user
from fullstack_agent.services.system_prompt import DEFAULT_SYSTEM_PROMPT
from fullstack_agent.services import user_config
from fullstack_agent.models import ConfigSource
from tests.engine.conftest import (
    NAMESPACE,
    RUNNING,
    count_statements,
    create_project,
    make_user,
    project_detail,
    reconcile_once,
    run_passes,
    running_project,
    settle,
    statuses,
)
from tests.support.fake_k8s import DEFAULT_DB_PASSWORD, DEFAULT_DB_USER, FakeKubernetes

pytestmark = pytest.mark.usefixtures("engine_settings")


def _env(fake: FakeKubernetes, sandbox_name: str) -> dict[str, str]:
    statefulset = fake.get("statefulsets", NAMESPACE, sandbox_name)
    container = statefulset["spec"]["template"]["spec"]["containers"][0]
    return {item["name"]: item["value"] for item in container.get("env", [])}


def _act(action, user_id: str, project_id: str) -> None:
    with db.session_scope() as session:
        action(session, user_id, project_id)


def _slug(project_id: str) -> str:
    return project_detail(project_id).project.slug


def test_create_reaches_running_for_both_resources(database, fake_k8s, clock):
    user_id = make_user(fake_k8s)
    project_id = create_project(user_id, "Shop 🛒 2024")
    assert statuses(project_id) == ("CREATING", "CREATING", "CREATING")

    settle(clock)

    assert statuses(project_id) == RUNNING
    slug = _slug(project_id)
    for plural, name in (("statefulsets", slug), ("services", names.service_name(slug)),
                         ("ingresses", names.app_ingress_name(slug)), ("ingresses", names.ttyd_ingress_name(slug)),
                         ("persistentvolumeclaims", names.home_pvc_name(slug)), ("serviceaccounts", slug),
                         ("roles", slug), ("rolebindings", slug), ("clusters", slug)):
        assert fake_k8s.get(plural, NAMESPACE, name) is not None, (plural, name)
    assert max(fake_k8s.created().values()) == 1
    detail = project_detail(project_id)
    assert detail.sandbox.public_url == f"https://{slug}-app.sandbox.test"
    assert detail.terminal_url.startswith(f"https://{slug}-ttyd.sandbox.test/?arg=")
    assert detail.sandbox.status_message == "Running"
    assert detail.actions == {projects.ProjectAction.STOP, projects.ProjectAction.DELETE}


def test_database_url_reaches_the_statefulset_percent_encoded(database, fake_k8s, clock):
    _, project_id, slug = running_project(fake_k8s, clock)

    env = _env(fake_k8s, slug)
    url = urlsplit(env["DATABASE_URL"])
    assert url.scheme == "postgresql"
    assert unquote(url.username) == DEFAULT_DB_USER
    assert unquote(url.password) == DEFAULT_DB_PASSWORD
    assert "@" not in url.password and "/" not in url.password and "#" not in url.password
    assert url.hostname == f"{slug}-postgresql.{NAMESPACE}.svc" and url.port == 5432 and url.path == "/postgres"
    assert url.query == ""
    assert env["PROJECT_NAME"] == "My App"
    assert env["ANTHROPIC_AUTH_TOKEN"] == "sk-ant-test-key"
    assert env["ANTHROPIC_BASE_URL"] == "https://aiproxy.test/anthropic"
    assert env["KUBECONFIG"] == "/home/agent/.kube/config"
    assert list(env)[-1] == "TTYD_ACCESS_TOKEN"
    init = fake_k8s.get("statefulsets", NAMESPACE, slug)["spec"]["template"]["spec"]["initContainers"][0]
    assert init["env"] == [{"name": "SANDBOX_KUBECONFIG", "value": fake_k8s.kubeconfig(NAMESPACE)},
                           {"name": "SANDBOX_SYSTEM_PROMPT", "value": DEFAULT_SYSTEM_PROMPT}]
    with db.session_scope() as session:
        stored = session.exec(sa.select(Database.password, Database.connection_url)).one()
        raw = session.execute(sa.text("SELECT password, connection_url FROM database")).one()
    assert stored.password == DEFAULT_DB_PASSWORD and stored.connection_url == env["DATABASE_URL"]
    assert DEFAULT_DB_PASSWORD not in raw.password and "postgresql://" not in raw.connection_url


def test_a_ready_sandbox_waits_for_its_database(database, engine_settings, clock):
    with FakeKubernetes(namespaces=[NAMESPACE], kubeblocks="manual", credential_secret="account") as fake:
        project_id = create_project(make_user(fake))
        run_passes(clock, 4)
        slug = _slug(project_id)
        assert statuses(project_id) == ("STARTING",) * 3
        assert "waiting for its database" in project_detail(project_id).sandbox.status_message
        assert "DATABASE_URL" not in _env(fake, slug)

        fake.set_cluster_phase(NAMESPACE, slug, "Running")
        fake.publish_credentials(NAMESPACE, slug, empty=True)
        run_passes(clock, 2)
        assert statuses(project_id) == ("STARTING",) * 3
        assert "credentials" in project_detail(project_id).database.status_message

        fake.publish_credentials(NAMESPACE, slug)
        settle(clock)
        assert statuses(project_id) == RUNNING
        url = urlsplit(_env(fake, slug)["DATABASE_URL"])
        assert unquote(url.password) == DEFAULT_DB_PASSWORD
        assert url.hostname == f"{slug}-postgresql.{NAMESPACE}.svc"
        assert not [r for r in fake.requests if r.method == "PATCH" and r.plural == "statefulsets"][1:], \
            "one environment patch, no restart after RUNNING"


def test_a_slow_database_reaches_the_running_sandbox_without_user_action(database, engine_settings, clock):
    with FakeKubernetes(namespaces=[NAMESPACE], kubeblocks="manual") as fake:
        project_id = create_project(make_user(fake))
        run_passes(clock, 3)
        run_passes(clock, 2, step=121)  # past the sandbox's wait for its database
        slug = _slug(project_id)
        assert statuses(project_id) == ("STARTING", "RUNNING", "STARTING")
        assert "DATABASE_URL" not in _env(fake, slug)

        fake.set_cluster_phase(NAMESPACE, slug, "Running")
        fake.publish_credentials(NAMESPACE, slug)
        reconcile_once(clock.advance(5))
        assert statuses(project_id) == ("UPDATING", "UPDATING", "RUNNING")
        settle(clock)

        assert statuses(project_id) == RUNNING
        assert unquote(urlsplit(_env(fake, slug)["DATABASE_URL"]).password) == DEFAULT_DB_PASSWORD


def test_new_database_credentials_reach_the_sandbox(database, fake_k8s, clock):
    user_id, project_id, _ = running_project(fake_k8s, clock)
    _act(projects.stop_project, user_id, project_id)
    settle(clock)
    fake_k8s.db_password = "rotated:p@ss"
    _act(projects.start_project, user_id, project_id)
    settle(clock)
    assert statuses(project_id) == RUNNING
    assert unquote(urlsplit(_env(fake_k8s, _slug(project_id))["DATABASE_URL"]).password) == "rotated:p@ss"


def test_stop_start_and_delete(database, fake_k8s, clock):
    user_id, project_id, slug = running_project(fake_k8s, clock)

    _act(projects.stop_project, user_id, project_id)
    assert statuses(project_id) == ("STOPPING",) * 3
    settle(clock)
    assert statuses(project_id) == ("STOPPED",) * 3
    assert fake_k8s.get("statefulsets", NAMESPACE, slug)["spec"]["replicas"] == 0
    assert fake_k8s.get("clusters", NAMESPACE, slug)["spec"]["componentSpecs"][0]["replicas"] == 0
    assert fake_k8s.get("persistentvolumeclaims", NAMESPACE, names.home_pvc_name(slug)) is not None

    _act(projects.start_project, user_id, project_id)
    assert statuses(project_id) == ("STARTING",) * 3
    settle(clock)
    assert statuses(project_id) == RUNNING
    assert fake_k8s.get("statefulsets", NAMESPACE, slug)["spec"]["replicas"] == 1

    _act(projects.delete_project, user_id, project_id)
    assert statuses(project_id) == ("TERMINATING",) * 3
    settle(clock)

    assert statuses(project_id) == (None, None, None)
    for plural in ("statefulsets", "services", "ingresses", "persistentvolumeclaims", "serviceaccounts", "roles",
                   "rolebindings", "clusters", "secrets"):
        assert fake_k8s.objects(plural, NAMESPACE) == {}, plural
    pvc_deletes = [r for r in fake_k8s.requests if r.method == "DELETE" and r.plural == "persistentvolumeclaims"]
    assert [r.status for r in pvc_deletes] == [200]  # our explicit delete removed it, not the fake's GC
    with db.session_scope() as session:
        for model in (Project, Sandbox, Database, Environment):
            assert session.exec(sa.select(sa.func.count()).select_from(model)).one()[0] == 0
        actions = [event.action for event in session.exec(sa.select(AuditEvent)).scalars()]
    assert actions == ["project.create", "project.stop", "project.start", "project.delete"]


def test_a_settled_project_costs_two_statements_and_no_request(database, fake_k8s, clock):
    user_id = make_user(fake_k8s)
    project_id = create_project(user_id)
    settle(clock, step=1.0)
    with db.session_scope() as session:
        before = [(row.id, row.updated_at) for model in (Project, Sandbox, Database)
                  for row in session.exec(sa.select(model)).scalars()]
    requests_before = len(fake_k8s.requests)

    with count_statements() as statements:
        report = reconcile_once(clock.advance(1.0))

    assert report.handled == []
    assert len(statements) == 2 and all(s.lstrip().upper().startswith("UPDATE") for s in statements)
    assert len(fake_k8s.requests) == requests_before
    with db.session_scope() as session:
        after = [(row.id, row.updated_at) for model in (Project, Sandbox, Database)
                 for row in session.exec(sa.select(model)).scalars()]
    assert after == before
    assert statuses(project_id) == RUNNING


def test_error_is_recovered_by_start(database, fake_k8s, clock):
    user_id = make_user(fake_k8s)
    fake_k8s.inject("POST", r"/statefulsets$", status=422, reason="Invalid", message="spec.template: Invalid value")
    project_id = create_project(user_id)
    settle(clock)
    assert statuses(project_id) == ("ERROR", "ERROR", "RUNNING")
    assert "422" in project_detail(project_id).sandbox.status_message
    assert project_detail(project_id).actions == set(projects.ProjectAction)

    _act(projects.start_project, user_id, project_id)
    settle(clock)

    assert statuses(project_id) == RUNNING
    assert max(fake_k8s.created().values()) == 1


def test_start_recreates_whatever_is_missing(database, fake_k8s, clock):
    user_id, project_id, slug = running_project(fake_k8s, clock)

    _act(projects.stop_project, user_id, project_id)
    settle(clock)
    fake_k8s.remove("statefulsets", NAMESPACE, slug)
    fake_k8s.remove("services", NAMESPACE, names.service_name(slug))
    fake_k8s.remove("clusters", NAMESPACE, slug)
    _act(projects.start_project, user_id, project_id)
    settle(clock)
    assert statuses(project_id) == RUNNING
    for plural, name in (("statefulsets", slug), ("services", names.service_name(slug)), ("clusters", slug)):
        assert fake_k8s.get(plural, NAMESPACE, name) is not None

    _act(projects.stop_project, user_id, project_id)
    settle(clock)
    fake_k8s.remove("ingresses", NAMESPACE, names.ttyd_ingress_name(slug))
    _act(projects.start_project, user_id, project_id)
    settle(clock)
    assert statuses(project_id) == RUNNING
    assert project_detail(project_id).sandbox.status_message == "Running (re-created the missing Ingress ttyd)"
    assert fake_k8s.get("ingresses", NAMESPACE, names.ttyd_ingress_name(slug)) is not None


def test_variables_reach_the_sandbox_and_removed_ones_leave(database, fake_k8s, clock):
    user_id, project_id, slug = running_project(fake_k8s, clock)

    with db.session_scope() as session:
        environment.set_variable(session, user_id, project_id, "STRIPE_KEY", "sk_live_secret", is_secret=True)
        environment.set_variable(session, user_id, project_id, "ANTHROPIC_MODEL", "claude-override")
    assert statuses(project_id) == ("UPDATING", "UPDATING", "RUNNING")
    settle(clock)
    assert statuses(project_id) == RUNNING
    env = _env(fake_k8s, slug)
    assert env["STRIPE_KEY"] == "sk_live_secret" and env["ANTHROPIC_MODEL"] == "claude-override"

    with db.session_scope() as session:
        environment.delete_variable(session, user_id, project_id, "STRIPE_KEY")
    settle(clock)
    assert "STRIPE_KEY" not in _env(fake_k8s, slug)
    assert statuses(project_id) == RUNNING


def test_a_new_anthropic_key_reaches_running_sandboxes(database, fake_k8s, clock):
    user_id, project_id, _ = running_project(fake_k8s, clock)

    with db.session_scope() as session:
        user_config.set_value(session, user_id, user_config.ANTHROPIC_API_KEY, "sk-ant-new", source=ConfigSource.manual)
        assert request_sandbox_updates_for_user(session, user_id) == 1
    settle(clock)

    assert _env(fake_k8s, _slug(project_id))["ANTHROPIC_AUTH_TOKEN"] == "sk-ant-new"
    assert statuses(project_id) == RUNNING


def test_secret_of_the_newer_kubeblocks_is_read(database, engine_settings, clock):
    with FakeKubernetes(namespaces=[NAMESPACE], credential_secret="account") as fake:
        user_id = make_user(fake)
        project_id = create_project(user_id)
        settle(clock)
        assert statuses(project_id) == RUNNING
        slug = _slug(project_id)
        secret_reads = [r.path.rsplit("/", 1)[-1] for r in fake.requests if r.plural == "secrets"]
        assert secret_reads[:2] == [f"{slug}-conn-credential", f"{slug}-postgresql-account-postgres"]
        detail = project_detail(project_id)
        assert detail.database.host == f"{slug}-postgresql.{NAMESPACE}.svc"
        assert base64.b64encode(detail.database.password.encode())  # decrypted on read


def test_two_projects_of_two_users_stay_apart(database, fake_k8s, clock):
    alice = make_user(fake_k8s, "alice")
    bob = make_user(fake_k8s, "bob", namespace="ns-bob")
    alice_project = create_project(alice, "Same name")
    bob_project = create_project(bob, "Same name")
    settle(clock)
    assert statuses(alice_project) == RUNNING and statuses(bob_project) == RUNNING
    assert len(fake_k8s.objects("statefulsets", "ns-bob")) == 1
    assert len(fake_k8s.objects("statefulsets", NAMESPACE)) == 1
    with db.session_scope() as session, pytest.raises(projects.ProjectNotFound):
        projects.stop_project(session, bob, alice_project)
