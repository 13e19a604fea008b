"""Fixtures of the project engine's tests: a fake Kubernetes API, users, a virtual clock."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from fullstack_agent import db
from fullstack_agent.models import (
    TRANSITIONAL_STATUSES,
    ConfigSource,
    Database,
    Project,
    ResourceStatus,
    Sandbox,
    User,
    utcnow,
)
from fullstack_agent.reconcile.engine import ReconcileReport, reconcile_once
from fullstack_agent.services import projects, user_config
from tests.support.fake_k8s import FakeKubernetes

NAMESPACE = "ns-alice"
OTHER_NAMESPACE = "ns-bob"
DOMAIN = "sandbox.test"


@pytest.fixture
def engine_settings(settings_env):
    """Settings every engine test runs with; returns the applier for more."""
    settings_env(SANDBOX_DOMAIN=DOMAIN, K8S_REQUEST_TIMEOUT_SECONDS="1", SANDBOX_START_TIMEOUT_SECONDS="600",
                 RECONCILE_HANDLER_THREADS="4")
    return settings_env


@pytest.fixture
def fake_k8s() -> Iterator[FakeKubernetes]:
    with FakeKubernetes(namespaces=[NAMESPACE, OTHER_NAMESPACE]) as fake:
        yield fake


def make_user(fake: FakeKubernetes | None, name: str = "alice", namespace: str = NAMESPACE,
              anthropic_key: str = "sk-ant-test-key") -> str:
    """A user with a kubeconfig for the fake server (when given) and an Anthropic key."""
    with db.session_scope() as session:
        user = User(name=name)
        session.add(user)
        session.flush()
        if fake is not None:
            user_config.set_value(session, user.id, user_config.KUBECONFIG, fake.kubeconfig(namespace),
                                  source=ConfigSource.manual)
        if anthropic_key:
            user_config.set_value(session, user.id, user_config.ANTHROPIC_API_KEY, anthropic_key,
                                  source=ConfigSource.aiproxy)
            user_config.set_value(session, user.id, user_config.ANTHROPIC_API, "https://aiproxy.test/anthropic",
                                  source=ConfigSource.aiproxy)
        return user.id


def create_project(user_id: str, name: str = "My App", description: str = "") -> str:
    with db.session_scope() as session:
        return projects.create_project(session, user_id, name, description).id


def running_project(fake: FakeKubernetes, clock: "Clock") -> tuple[str, str, str]:
    """A user's project driven to RUNNING: (user id, project id, slug)."""
    user_id = make_user(fake)
    project_id = create_project(user_id)
    settle(clock)
    return user_id, project_id, project_detail(project_id).project.slug


@dataclasses.dataclass
class Clock:
    """Virtual time for passes: far enough ahead that backoffs and leases never make a test wait."""

    now: datetime = dataclasses.field(default_factory=utcnow)

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def run_passes(clock: Clock, passes: int = 8, step: float = 5.0) -> list[ReconcileReport]:
    """Runs passes, advancing the virtual clock by `step` before each."""
    return [reconcile_once(clock.advance(step)) for _ in range(passes)]


def settle(clock: Clock, step: float = 5.0, limit: int = 30) -> int:
    """Runs passes until no resource is in a transitional status and a pass had nothing to
    do; returns how many ran."""
    for count in range(1, limit + 1):
        report = reconcile_once(clock.advance(step))
        if not report.handled and not transitional_rows():
            return count
    raise AssertionError(f"still busy after {limit} passes")


def transitional_rows() -> int:
    with db.session_scope() as session:
        return sum(session.execute(sa.select(sa.func.count()).select_from(model)
                                   .where(model.status.in_(TRANSITIONAL_STATUSES))).scalar_one()
                   for model in (Sandbox, Database))


def statuses(project_id: str) -> tuple[str | None, str | None, str | None]:
    """(project, sandbox, database) statuses; None for a missing row."""
    detail = project_detail(project_id)
    if detail is None:
        return None, None, None
    return (detail.project.status.value, detail.sandbox.status.value if detail.sandbox else None,
            detail.database.status.value if detail.database else None)


def project_detail(project_id: str) -> projects.ProjectDetail | None:
    with db.session_scope() as session:
        project = session.get(Project, project_id)
        if project is None:
            return None
        return projects.get_project(session, project.user_id, project_id)


RUNNING = (ResourceStatus.RUNNING.value,) * 3


@contextlib.contextmanager
def count_statements() -> Iterator[list[str]]:
    """Collects every SQL statement the app's engine sends while the block runs."""
    statements: list[str] = []

    def collect(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = db.get_engine()
    sa.event.listen(engine, "before_cursor_execute", collect)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", collect)
