"""`/projects` and `/projects/[id]` in Chromium, against the app whose reconciler drives the fake cluster.

The fake cluster makes nothing ready by itself: each test plays the StatefulSet controller
and KubeBlocks (`settle`) when it wants the next status, so every intermediate status can be
seen on screen. Statuses must reach open pages without a reload.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import expect

from fullstack_agent import db
from fullstack_agent.k8s import names
from fullstack_agent.services import environment, projects
from tests.e2e.conftest import E2E_NAMESPACE, screenshot
from tests.e2e.projects_support import (
    Account,
    app_database,
    card,
    card_status,
    create_in_dialog,
    create_project,
    expect_status,
    fake_terminal,
    give_kubeconfig,
    project_row,
    settle,
    sign_up,
)
from tests.support.fake_k8s import DEFAULT_DB_PASSWORD, FakeKubernetes
from tests.support.waiting import wait_until

pytestmark = pytest.mark.browser

SECRET = "sk_live_51HxSECRETvalue"
MASK = "••••••••"


@pytest.fixture
def app_db(app_server, settings_env):
    with app_database(settings_env, app_server):
        yield


@pytest.fixture
def signed_in(browser, app_server, app_db, fake_k8s_server):
    """A fresh account with a kubeconfig for the fake cluster, signed in in its own browser context."""
    context = browser.new_context(viewport={"width": 1280, "height": 800},
                                  permissions=["clipboard-read", "clipboard-write"])
    fake_terminal(context)
    page = context.new_page()
    account = sign_up(page, app_server.url)
    give_kubeconfig(fake_k8s_server, account)
    created: list[str] = []
    yield page, account, created
    context.close()
    for project_id in created:  # nothing keeps the reconciler busy after the test
        row = project_row(project_id)
        if row is not None and row.status.value not in ("TERMINATING", "TERMINATED"):
            with db.session_scope() as session:
                projects.delete_project(session, account.user_id, project_id)


def _env(fake: FakeKubernetes, slug: str) -> dict[str, str]:
    statefulset = fake.get("statefulsets", E2E_NAMESPACE, slug) or {}
    containers = ((statefulset.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or [{}]
    return {item["name"]: item.get("value", "") for item in containers[0].get("env") or []}


def _clipboard(page, expected_part: str) -> str:
    return wait_until(lambda: (text := page.evaluate("navigator.clipboard.readText()")) and expected_part in text
                      and text, f"the clipboard to hold {expected_part!r}", timeout=10)


def _project_page(page, base_url: str, project_id: str) -> None:
    page.goto(f"{base_url}/projects/{project_id}")
    expect(page.locator("#project-title")).to_be_visible()


def test_create_in_the_dialog_then_running_without_reload(app_server, fake_k8s_server, signed_in):
    page, account, created = signed_in
    expect(page.locator("#empty-state")).to_be_visible()
    # Hold the sandbox's first create for a moment so that CREATING is on screen for sure.
    fake_k8s_server.inject("POST", r"/statefulsets$", delay=3)

    project_id = create_in_dialog(page, "Mug shop", "An online shop for handmade mugs")
    created.append(project_id)
    link = card(page, project_id)
    expect_status(card_status(page, project_id), "CREATING")
    expect(link).to_contain_text("An online shop for handmade mugs")
    expect(link).to_contain_text("Changed just now")

    detail = page.context.new_page()
    _project_page(detail, app_server.url, project_id)
    expect(detail.locator("#project-title")).to_have_text("Mug shop")
    expect(detail.locator("#terminal-unavailable")).to_be_visible()

    settle(fake_k8s_server, project_id, "RUNNING")
    expect_status(card_status(page, project_id), "RUNNING")
    expect_status(detail.locator("#project-status"), "RUNNING")
    slug = project_row(project_id).slug
    expect(detail.locator("#app-url")).to_have_text(f"https://{slug}-app.sandbox.test")
    frame = detail.locator("#terminal-frame")
    expect(frame).to_have_attribute("src", re.compile(rf"^https://{slug}-ttyd\.sandbox\.test/\?arg=\w+"))
    expect(detail.locator("#terminal-loading")).to_be_hidden()
    expect(detail.frame_locator("#terminal-frame").locator("body")).to_contain_text("Claude Code")
    expect(detail.locator("#terminal-new-tab")).to_have_attribute("href", frame.get_attribute("src"))
    expect(detail.locator("#action-stop")).to_be_visible()
    expect(detail.locator("#action-start")).to_have_count(0)


def test_stop_start_and_delete_from_the_project_page(app_server, fake_k8s_server, signed_in):
    page, account, created = signed_in
    project_id = create_project(account, "Blog engine", "Markdown blog with comments")
    created.append(project_id)
    settle(fake_k8s_server, project_id, "RUNNING")
    slug = project_row(project_id).slug
    _project_page(page, app_server.url, project_id)
    expect_status(page.locator("#project-status"), "RUNNING")

    page.locator("#action-stop").click()
    expect_status(page.locator("#project-status"), "STOPPING")
    expect(page.locator("#action-start")).to_be_visible()
    settle(fake_k8s_server, project_id, "STOPPED")
    expect_status(page.locator("#project-status"), "STOPPED")
    expect(page.locator("#action-stop")).to_have_count(0)
    expect(page.locator("#terminal-unavailable")).to_be_visible()
    assert fake_k8s_server.get("statefulsets", E2E_NAMESPACE, slug)["spec"]["replicas"] == 0

    page.locator("#action-start").click()
    expect_status(page.locator("#project-status"), "STARTING")
    settle(fake_k8s_server, project_id, "RUNNING")
    expect_status(page.locator("#project-status"), "RUNNING")
    assert fake_k8s_server.get("statefulsets", E2E_NAMESPACE, slug)["spec"]["replicas"] == 1

    page.locator("#action-delete").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Blog engine")
    expect(dialog.locator("#delete-what")).to_contain_text(f"the sandbox {slug}")
    expect(dialog.locator("#delete-what")).to_contain_text("home volume (10Gi)")
    expect(dialog.locator("#delete-what")).to_contain_text(f"the PostgreSQL database {slug}")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect_status(page.locator("#project-status"), "RUNNING")

    page.locator("#action-delete").click()
    page.locator("#confirm-delete").click()
    expect(page).to_have_url(re.compile(r"/projects/?$"))
    expect(card(page, project_id)).to_have_count(0, timeout=20_000)
    wait_until(lambda: project_row(project_id) is None, "the project row to go")
    for plural, name in (("statefulsets", slug), ("services", names.service_name(slug)),
                         ("ingresses", names.app_ingress_name(slug)), ("ingresses", names.ttyd_ingress_name(slug)),
                         ("persistentvolumeclaims", names.home_pvc_name(slug)), ("clusters", slug)):
        assert fake_k8s_server.get(plural, E2E_NAMESPACE, name) is None, (plural, name)


def _add_variable(page, key: str, value: str, secret: bool = False) -> None:
    page.locator("#add-variable").click()
    page.locator("#variable-key").fill(key)
    page.locator("#variable-value").fill(value)
    if secret:
        page.get_by_role("switch", name="Secret").click()
    page.locator("#save-variable").click()
    expect(page.locator("#variable-dialog")).to_be_hidden()


def test_environment_variables_reach_the_statefulset_and_secrets_stay_hidden(app_server, fake_k8s_server,
                                                                           signed_in):
    page, account, created = signed_in
    frames: list[str] = []
    page.on("websocket", lambda socket: socket.on("framereceived", lambda payload: frames.append(str(payload))))
    project_id = create_project(account, "Payments")
    created.append(project_id)
    settle(fake_k8s_server, project_id, "RUNNING")
    slug = project_row(project_id).slug
    _project_page(page, app_server.url, project_id)
    expect(page.locator("#no-variables")).to_be_visible()

    _add_variable(page, "  STRIPE_SECRET_KEY ", SECRET, secret=True)
    secret_row = page.locator('[data-variable="STRIPE_SECRET_KEY"]')
    expect(secret_row).to_contain_text(MASK)
    expect_status(page.locator("#project-status"), "UPDATING")
    expect(page.locator("#variables-applying")).to_be_visible()
    wait_until(lambda: _env(fake_k8s_server, slug).get("STRIPE_SECRET_KEY") == SECRET, "the secret in the StatefulSet")
    settle(fake_k8s_server, project_id, "RUNNING")
    expect_status(page.locator("#project-status"), "RUNNING")
    expect(page.locator("#variables-applying")).to_be_hidden()
    assert SECRET not in page.content()
    assert frames and not any(SECRET in frame for frame in frames)

    _add_variable(page, "MODE", "production")
    mode_row = page.locator('[data-variable="MODE"]')
    expect(mode_row).to_contain_text("production")
    wait_until(lambda: _env(fake_k8s_server, slug).get("MODE") == "production", "MODE in the StatefulSet")
    settle(fake_k8s_server, project_id, "RUNNING")

    secret_row.locator(".reveal-variable").click()
    expect(secret_row).to_contain_text(SECRET)
    secret_row.locator(".hide-variable").click()
    expect(secret_row).not_to_contain_text(SECRET)
    secret_row.locator(".copy-variable").click()
    assert _clipboard(page, SECRET) == SECRET

    mode_row.locator(".edit-variable").click()
    expect(page.locator("#variable-key")).to_be_disabled()
    expect(page.locator("#variable-value")).to_have_value("production")
    page.locator("#variable-value").fill("staging")
    page.locator("#save-variable").click()
    expect(mode_row).to_contain_text("staging")
    wait_until(lambda: _env(fake_k8s_server, slug).get("MODE") == "staging", "the edited MODE")
    settle(fake_k8s_server, project_id, "RUNNING")

    mode_row.locator(".delete-variable").click()
    expect(mode_row).to_have_count(0)
    wait_until(lambda: "MODE" not in _env(fake_k8s_server, slug), "MODE gone from the StatefulSet")
    settle(fake_k8s_server, project_id, "RUNNING")
    assert _env(fake_k8s_server, slug)["STRIPE_SECRET_KEY"] == SECRET

    page.locator("#add-variable").click()
    page.locator("#variable-key").fill("9-lives")
    page.locator("#save-variable").click()
    expect(page.locator("#variable-error")).to_contain_text("not a valid variable name")
    screenshot(page, "dialog-variable-invalid-1280", full_page=False)


def test_database_panel_shows_credentials_once_ready_and_copies_them(app_server, fake_k8s_server, signed_in):
    page, account, created = signed_in
    project_id = create_project(account, "Inventory")
    created.append(project_id)
    _project_page(page, app_server.url, project_id)
    expect(page.locator("#database-pending")).to_be_visible()

    settle(fake_k8s_server, project_id, "RUNNING")
    slug = project_row(project_id).slug
    host = f"{slug}-postgresql.{E2E_NAMESPACE}.svc"
    panel = page.locator("#database-panel")
    expect(panel).to_contain_text(host)
    expect(page.locator("#database-password")).to_contain_text(MASK)
    expect(page.locator("#database-url")).to_have_text(f"postgresql://postgres:{MASK}@{host}:5432/postgres")
    expect(page.locator("#pg-variables")).to_contain_text(f"PGHOST={host}")
    expect(page.locator("#pg-variables")).to_contain_text(f"PGPASSWORD={MASK}")
    assert "p@ss:w/rd" not in page.content()

    page.locator("#copy-password").click()
    assert _clipboard(page, "p@ss") == DEFAULT_DB_PASSWORD
    page.locator("#copy-url").click()
    url = urlsplit(_clipboard(page, "postgresql://"))
    assert unquote(url.password) == DEFAULT_DB_PASSWORD and url.hostname == host and url.path == "/postgres"
    page.locator("#copy-pg").click()
    assert f"PGPASSWORD={DEFAULT_DB_PASSWORD}" in _clipboard(page, "PGHOST=")

    page.locator("#reveal-database").click()
    expect(page.locator("#database-password")).to_contain_text(DEFAULT_DB_PASSWORD)
    expect(page.locator("#pg-variables")).to_contain_text(f"PGPASSWORD={DEFAULT_DB_PASSWORD}")
    page.locator("#hide-database").click()
    expect(page.locator("#database-password")).to_contain_text(MASK)


def test_another_users_project_is_not_found(app_server, browser, signed_in):
    page, alice, created = signed_in
    project_id = create_project(alice, "Alice's secret plans")
    created.append(project_id)

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        other = context.new_page()
        sign_up(other, app_server.url)
        other.goto(f"{app_server.url}/projects/{project_id}")
        expect(other.locator("#not-found")).to_be_visible()
        assert "secret plans" not in other.content()
        screenshot(other, "project-not-found-1280")
        other.goto(f"{app_server.url}/projects/{'0' * 32}")
        expect(other.locator("#not-found")).to_be_visible()
        other.goto(f"{app_server.url}/projects")
        expect(other.locator("#empty-state")).to_be_visible()
        expect(card(other, project_id)).to_have_count(0)
    finally:
        context.close()
    _project_page(page, app_server.url, project_id)
    expect(page.locator("#project-title")).to_have_text("Alice's secret plans")


def test_invalid_names_show_inline_errors_and_create_nothing(app_server, signed_in):
    page, account, _ = signed_in
    page.locator("#new-project").click()
    for name, message in (("", "Enter a project name."), ("x" * 65, "at most 64 characters"),
                          ("🚀🔥✨", "at least one letter or digit")):
        page.locator("#project-name").fill(name)
        page.locator("#create-project").click()
        expect(page.locator("#name-error")).to_contain_text(message)
    screenshot(page, "dialog-new-project-invalid-1280", full_page=False)
    page.locator("#project-name").fill("Fine name")
    page.locator("#project-name").blur()
    expect(page.locator("#name-error")).to_have_count(0)
    with db.session_scope() as session:
        assert projects.list_projects(session, account.user_id) == []
    expect(page.locator("[data-project-id]")).to_have_count(0)


def test_without_a_kubeconfig_the_dialog_links_to_settings(app_server, browser, app_db):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        sign_up(page, app_server.url)
        page.locator("#new-project").click()
        expect(page.locator("#kubeconfig-needed")).to_contain_text("kubeconfig")
        expect(page.locator("#open-settings")).to_have_attribute("href", "/settings")
        expect(page.locator("#create-project")).to_have_count(0)
        screenshot(page, "dialog-new-project-needs-kubeconfig-1280", full_page=False)
        page.get_by_role("button", name="Close").click()
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(re.compile(r"/$"))
    finally:
        context.close()


# ---------------------------------------------------------------- screenshots

def _showcase(fake: FakeKubernetes, account: Account, created: list[str]) -> dict[str, str]:
    """Projects in the main statuses: {status: project id}."""
    running = create_project(account, "Storefront", "Next.js shop with Stripe checkout and a Postgres catalogue")
    stopped = create_project(account, "Blog engine", "Markdown blog with comments")
    created += [running, stopped]
    with db.session_scope() as session:
        environment.set_variable(session, account.user_id, running, "STRIPE_SECRET_KEY", SECRET, is_secret=True)
        environment.set_variable(session, account.user_id, running, "NEXT_PUBLIC_SITE_NAME", "Storefront")
    settle(fake, running, "RUNNING")
    settle(fake, stopped, "RUNNING")
    with db.session_scope() as session:
        projects.stop_project(session, account.user_id, stopped)
    settle(fake, stopped, "STOPPED")
    starting = create_project(account, "Análisis de ventas", "")
    created.append(starting)
    wait_until(lambda: (row := project_row(starting)) and row.status.value == "STARTING", "a starting project")
    fake.inject("POST", r"/statefulsets$", status=403, reason="Forbidden",
                message='statefulsets.apps "x" is forbidden: exceeded quota: compute, requested: limits.memory=4Gi, '
                        "used: limits.memory=8Gi, limited: limits.memory=8Gi")
    failed = create_project(account, "Image resizer", "Resizes uploads on the fly")
    created.append(failed)
    wait_until(lambda: (row := project_row(failed)) and row.status.value == "ERROR", "a failed project")
    return {"running": running, "stopped": stopped, "starting": starting, "error": failed}


def test_screenshots_at_360_and_1280_in_light_and_dark(app_server, fake_k8s_server, browser, signed_in):
    page, account, created = signed_in
    showcase = _showcase(fake_k8s_server, account, created)
    state = page.context.storage_state()
    for width, scheme in ((1280, "light"), (1280, "dark"), (360, "light"), (360, "dark")):
        viewport = {"width": width, "height": 800 if width > 400 else 740}
        context = browser.new_context(viewport=viewport, color_scheme=scheme, storage_state=state)
        fake_terminal(context)
        try:
            shot = context.new_page()
            suffix = f"{width}-{scheme}"
            shot.goto(f"{app_server.url}/projects")
            for project_id in showcase.values():
                expect(card(shot, project_id)).to_be_visible()
            expect_status(card_status(shot, showcase["error"]), "ERROR")
            screenshot(shot, f"projects-list-{suffix}")
            if width < 768:  # the header folds Projects, Settings and Sign out into a menu
                shot.get_by_role("button", name="Menu").click()
                expect(shot.get_by_role("menuitem", name="Sign out")).to_be_visible()
                expect(shot.get_by_role("menuitem", name="Settings")).to_be_visible()
                screenshot(shot, f"menu-{suffix}", full_page=False)
                shot.keyboard.press("Escape")
            shot.locator("#new-project").first.click()
            expect(shot.locator("#project-name")).to_be_visible()
            screenshot(shot, f"dialog-new-project-{suffix}", full_page=False)
            shot.keyboard.press("Escape")

            for status, project_id in showcase.items():
                _project_page(shot, app_server.url, project_id)
                expect_status(shot.locator("#project-status"), status.upper())
                # The whole page in the viewport: the terminal's frame is painted only where it is on screen.
                shot.set_viewport_size({"width": width, "height": shot.evaluate("document.body.scrollHeight")})
                if status == "running":
                    expect(shot.frame_locator("#terminal-frame").locator("body")).to_contain_text("Claude Code")
                    expect(shot.locator("#terminal-loading")).to_be_hidden()
                screenshot(shot, f"project-{status}-{suffix}")
                shot.set_viewport_size(viewport)

            _project_page(shot, app_server.url, showcase["running"])
            shot.locator("#action-delete").click()
            expect(shot.get_by_role("alertdialog")).to_be_visible()
            screenshot(shot, f"dialog-delete-{suffix}", full_page=False)
            shot.get_by_role("button", name="Cancel").click()
            shot.locator('[data-variable="NEXT_PUBLIC_SITE_NAME"] .edit-variable').click()
            expect(shot.locator("#variable-value")).to_have_value("Storefront")
            screenshot(shot, f"dialog-variable-{suffix}", full_page=False)
        finally:
            context.close()
