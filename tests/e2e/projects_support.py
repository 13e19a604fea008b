"""Helpers of the project page tests: accounts, the app's database, the fake cluster's pace."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from playwright.sync_api import BrowserContext, Page, Route, expect
from sqlmodel import select

from fullstack_agent import db
from fullstack_agent.models import AuthProvider, ConfigSource, Project, UserIdentity
from fullstack_agent.services import projects, user_config
from tests.e2e.conftest import E2E_NAMESPACE, SANDBOX_DOMAIN
from tests.support.app_server import RunningApp
from tests.support.browser import goto_hydrated
from tests.support.fake_k8s import FakeKubernetes
from tests.support.waiting import wait_until

PASSWORD = "a long enough password"
# The terminal iframe points at the sandbox's ttyd host; the browser gets this page instead.
FAKE_TERMINAL = ("<html><body style='margin:0;padding:12px;background:#0c0c0c;color:#d0d0d0;"
                 "font:14px monospace'>agent@sandbox:~$ claude<br>✻ Welcome to Claude Code!</body></html>")


@dataclasses.dataclass(frozen=True)
class Account:
    user_id: str
    username: str


@contextlib.contextmanager
def app_database(settings_env: Callable[..., Any], app: RunningApp) -> Iterator[None]:
    """This process's database calls go to the app's database (to store a kubeconfig, read slugs)."""
    settings_env(DATABASE_URL=app.env["DATABASE_URL"], SANDBOX_DOMAIN=SANDBOX_DOMAIN)
    db.reset_engine()
    try:
        yield
    finally:
        db.reset_engine()


def submit_new_account(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Fills in and sends /login's *Create account* form (a valid one signs in and opens /projects)."""
    # A click before hydration reaches no event handler and the form would stay on *Sign in*.
    goto_hydrated(page, f"{base_url}/login")
    page.get_by_text("Create account", exact=True).first.click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.locator("#login-submit").click()


def sign_up(page: Page, base_url: str, username: str | None = None) -> Account:
    """Creates an account through /login; the browser ends signed in on /projects."""
    username = username or f"user{uuid.uuid4().hex[:8]}"
    submit_new_account(page, base_url, username)
    expect(page).to_have_url(re.compile(r"/projects/?$"))
    with db.session_scope() as session:
        identity = session.exec(select(UserIdentity).where(UserIdentity.provider == AuthProvider.PASSWORD,
                                                           UserIdentity.provider_user_id == username)).one()
        return Account(user_id=identity.user_id, username=username)


def give_kubeconfig(fake: FakeKubernetes, account: Account) -> None:
    with db.session_scope() as session:
        user_config.set_value(session, account.user_id, user_config.KUBECONFIG, fake.kubeconfig(E2E_NAMESPACE),
                              source=ConfigSource.manual)


def create_project(account: Account, name: str, description: str = "") -> str:
    with db.session_scope() as session:
        return projects.create_project(session, account.user_id, name, description).id


def create_in_dialog(page: Page, name: str, description: str = "") -> str:
    """Creates a project through /projects' *New project* dialog; returns its id once its card shows."""
    page.locator("#new-project").click()
    page.locator("#project-name").fill(name)
    page.locator("#project-description").fill(description)
    page.locator("#create-project").click()
    expect(page.locator("#new-project-dialog")).to_be_hidden()
    link = page.locator("[data-project-id]", has_text=name)
    expect(link).to_be_visible()
    return link.get_attribute("data-project-id")


def project_row(project_id: str) -> Project | None:
    with db.session_scope() as session:
        return session.get(Project, project_id)


def _statefulset_settled(statefulset: dict) -> bool:
    status, wanted = statefulset.get("status") or {}, int(statefulset["spec"].get("replicas", 1))
    return (status.get("observedGeneration") == statefulset["metadata"].get("generation")
            and status.get("replicas") == wanted and status.get("readyReplicas") == wanted)


def _play_controllers(fake: FakeKubernetes, slug: str) -> None:
    """One step of the StatefulSet controller and KubeBlocks: whatever is asked becomes true."""
    cluster = fake.get("clusters", E2E_NAMESPACE, slug)
    if cluster is not None:
        replicas = int(cluster["spec"]["componentSpecs"][0].get("replicas", 1))
        phase = "Running" if replicas else "Stopped"
        if (cluster.get("status") or {}).get("phase") != phase:
            fake.set_cluster_phase(E2E_NAMESPACE, slug, phase)
        if replicas and fake.get("secrets", E2E_NAMESPACE, f"{slug}-conn-credential") is None:
            fake.publish_credentials(E2E_NAMESPACE, slug)
    statefulset = fake.get("statefulsets", E2E_NAMESPACE, slug)
    if statefulset is not None and not _statefulset_settled(statefulset):
        fake.mark_ready(E2E_NAMESPACE, slug)


def settle(fake: FakeKubernetes, project_id: str, status: str, timeout: float = 30.0) -> None:
    """Plays the cluster's controllers until the app's reconciler stored `status` for the project."""
    slug = wait_until(lambda: (row := project_row(project_id)) and row.slug, "the project row")

    def reached() -> bool:
        row = project_row(project_id)
        if row is not None and row.status.value == status:
            return True
        _play_controllers(fake, slug)
        return False

    wait_until(reached, f"project {slug} {status}", timeout)


def fake_terminal(context: BrowserContext) -> None:
    """Serves the sandbox terminal's page from the browser itself: no request leaves the machine."""
    def answer(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=FAKE_TERMINAL)

    context.route(re.compile(rf"^https://[^/]+\.{re.escape(SANDBOX_DOMAIN)}/"), answer)


def card(page: Page, project_id: str):
    return page.locator(f'[data-project-id="{project_id}"]')


def card_status(page: Page, project_id: str):
    return card(page, project_id).locator("[data-status]").first


def expect_status(badge, status: str, timeout: float = 15_000) -> None:
    expect(badge).to_have_attribute("data-status", status, timeout=timeout)
