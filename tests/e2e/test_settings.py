"""`/settings` in a real browser against the app with fake Aiproxy and Kubernetes servers."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from fullstack_agent import db
from fullstack_agent.models import AuditEvent, ConfigSource, Project, ResourceStatus, Sandbox, UserIdentity
from fullstack_agent.services import (
    agent_settings,
    kubeconfig_settings,
    password_auth,
    projects,
    sealos_auth,
    user_config,
)
from fullstack_agent.services.aiproxy import token_name
from fullstack_agent.services.sessions import BROWSER_STORAGE_KEY
from fullstack_agent.services.system_prompt import DEFAULT_SYSTEM_PROMPT
from tests.e2e.conftest import screenshot, screenshot_element
from tests.support.fake_aiproxy import stable_key
from tests.support.fake_desktop import running_fake_desktop
from tests.support.net import free_port
from tests.support.waiting import wait_until
from tests.support.sealos import JWT_SECRET, desktop_user, kubeconfig_for, make_token

pytestmark = pytest.mark.browser

SECTIONS = ("anthropic", "kubeconfig", "system-prompt-section", "account", "activity")


@pytest.fixture
def app_db(app_server, settings_env, e2e_aiproxy):
    """Points this process's services at the running app's database (and its fakes)."""
    settings_env(DATABASE_URL=app_server.env["DATABASE_URL"], SEALOS_JWT_SECRET=JWT_SECRET,
                 AIPROXY_ENDPOINT=e2e_aiproxy.url, ANTHROPIC_BASE_URL=e2e_aiproxy.url, AIPROXY_TIMEOUT_SECONDS="3")
    db.reset_engine()
    yield
    db.reset_engine()


@pytest.fixture
def namespace(e2e_k8s):
    name = f"ns-{uuid.uuid4().hex[:8]}"
    e2e_k8s.namespaces.add(name)
    return name


def _unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def _password_user() -> tuple[str, str]:
    """(user id, session token) of a fresh password account."""
    signed_in = password_auth.create_account(_unique("ada"), "a long enough password")
    return signed_in.user_id, signed_in.token


def _sealos_user() -> tuple[str, str, str]:
    """(user id, session token, Sealos user id), signed in as the desktop would."""
    sealos_id = _unique("e2e")
    signed_in = sealos_auth.sign_in(make_token(sealos_id), kubeconfig_for(sealos_id), desktop_user(sealos_id))
    return signed_in.user_id, signed_in.token, sealos_id


def _open_settings(browser, app_url: str, token: str, *, width: int = 1280, scheme: str = "light"):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    context.add_init_script(f"window.localStorage.setItem({json.dumps(BROWSER_STORAGE_KEY)}, {json.dumps(token)})")
    page = context.new_page()
    page.goto(f"{app_url}/settings")
    expect(page.locator("#anthropic")).to_be_visible()
    return page


def _save_key(scope, key: str) -> None:
    scope.locator("#anthropic-key").fill(key)
    scope.locator("#save-anthropic").click()
    expect(scope.locator("#anthropic-message")).to_contain_text("Saved.")


def _audit_text(user_id: str) -> str:
    with db.session_scope() as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.user_id == user_id)).all()
        return "\n".join(f"{event.action} {event.target} {event.detail}" for event in events)


def _key_entry(user_id: str):
    with db.session_scope() as session:
        return user_config.get_entry(session, user_id, user_config.ANTHROPIC_API_KEY)


# ---------------------------------------------------------------- Anthropic key

def test_a_manual_key_is_masked_and_survives_a_sealos_sign_in_through_the_desktop(app_server, app_db, page,
                                                                                    aiproxy):
    my_key = f"sk-ant-api03-{uuid.uuid4().hex}-WXYZ"
    sealos_id = _unique("e2e")
    with running_fake_desktop("localhost", app_server.url) as desktop:
        desktop.session = {"token": make_token(sealos_id), "kubeconfig": kubeconfig_for(sealos_id),
                           "user": desktop_user(sealos_id, name=f"Sealos {sealos_id}")}
        page.goto(desktop.page_url("ok"))
        app = page.frame_locator("#app")
        app.get_by_role("button", name="Get Started").click()
        expect(app.get_by_role("heading", name="Projects")).to_be_visible()
        app.get_by_role("link", name="Settings").click()
        expect(app.locator("#key-source")).to_have_text("Aiproxy")
        # A Sealos user's kubeconfig is read-only and never reaches the page.
        expect(app.locator("#kube-sealos")).to_contain_text("comes from the Sealos desktop")
        expect(app.locator("#kubeconfig-text")).to_have_count(0)
        expect(app.locator("#kube-namespace")).to_have_text(f"ns-{sealos_id.lower()}")

        _save_key(app, my_key)
        expect(app.locator("#key-masked")).to_have_text("••••WXYZ")
        expect(app.locator("#key-source")).to_have_text("Your own key")
        frame = page.frame(name="app")
        assert my_key not in frame.content() and "kube-token-of" not in frame.content()
        app.locator("#reveal-key").click()
        expect(app.locator("#key-revealed")).to_have_text(my_key)
        app.locator("#hide-key").click()
        expect(app.locator("#key-revealed")).to_have_count(0)
        assert my_key not in frame.content()

        # Sign out, then in again through the desktop: the key stays the user's own.
        app.locator("#settings-sign-out").click()
        app.get_by_role("button", name="Get Started").click()
        expect(app.get_by_role("heading", name="Projects")).to_be_visible()
        app.get_by_role("link", name="Settings").click()
        expect(app.locator("#key-masked")).to_have_text("••••WXYZ")
        expect(app.locator("#key-source")).to_have_text("Your own key")

    with db.session_scope() as session:
        identity = session.exec(select(UserIdentity).where(UserIdentity.provider_user_id == sealos_id)).one()
    entry = _key_entry(identity.user_id)
    assert entry.plain_value == my_key and entry.source is ConfigSource.manual
    assert [call["name"] for call in aiproxy.calls].count(token_name(sealos_id)) == 1
    assert my_key not in _audit_text(identity.user_id)
    assert my_key not in app_server.log_text()


def test_reprovision_through_aiproxy_fails_readably_then_succeeds(app_server, app_db, browser, aiproxy):
    aiproxy.behaviour = "http_401"
    user_id, token, sealos_id = _sealos_user()
    page = _open_settings(browser, app_server.url, token)
    expect(page.locator("#key-missing")).to_be_visible()
    expect(page.locator("#provisioning-status")).to_have_text("failed")
    expect(page.locator("#provisioning-reason")).to_contain_text("Invalid K8s config")

    aiproxy.behaviour = "http_500"
    page.locator("#reprovision").click()
    expect(page.locator("#anthropic-error")).to_have_text(
        "Re-provisioning failed: Aiproxy refused the request (HTTP 500: Failed to create token: "
        "keyhub: Failed to create token).")
    expect(page.locator("#provisioning-reason")).to_contain_text("HTTP 500")

    aiproxy.behaviour = "success"
    page.locator("#reprovision").click()
    expect(page.locator("#anthropic-message")).to_have_text("A key was provisioned through Aiproxy.")
    key = stable_key(token_name(sealos_id))
    expect(page.locator("#key-masked")).to_have_text(f"••••{key[-4:]}")
    expect(page.locator("#key-source")).to_have_text("Aiproxy")
    expect(page.locator("#provisioning-status")).to_have_text("succeeded")
    expect(page.locator("#provisioning-reason")).to_have_count(0)

    # Over a key of the user's own, re-provisioning asks first.
    _save_key(page, "sk-ant-api03-mine-0000-ABCD")
    page.locator("#reprovision").click()
    page.get_by_role("button", name="Replace with Aiproxy key").click()
    expect(page.locator("#key-source")).to_have_text("Aiproxy")
    assert _key_entry(user_id).plain_value == key
    assert key not in page.content() and key not in app_server.log_text() and key not in _audit_text(user_id)
    page.context.close()


def test_bad_anthropic_values_are_refused_inline_and_fields_can_be_cleared(app_server, app_db, browser):
    user_id, token = _password_user()
    page = _open_settings(browser, app_server.url, token)
    page.locator("#base_url").fill("ftp://example.com")
    page.locator("#save-anthropic").click()
    expect(page.locator("#anthropic-error")).to_contain_text("must start with http:// or https://")
    page.locator("#base_url").fill("https://api.anthropic.com/")
    page.locator("#model").fill("claude-sonnet-4-5")
    page.locator("#save-anthropic").click()
    expect(page.locator("#anthropic-message")).to_have_text("Saved.")
    expect(page.locator("#base_url")).to_have_value("https://api.anthropic.com")
    page.locator("#model").fill("")
    page.locator("#save-anthropic").click()

    def only_the_base_url_is_stored() -> bool:
        with db.session_scope() as session:
            return set(user_config.get_values(session, user_id)) == {"ANTHROPIC_API"}

    # "Saved." is still on screen from the first save, so the stored rows tell when this one landed.
    wait_until(only_the_base_url_is_stored, "the cleared model to be removed", timeout=15)
    expect(page.locator("#anthropic-message")).to_have_text("Saved.")
    page.context.close()


def test_the_system_prompt_is_saved_and_reset_to_the_default(app_server, app_db, browser):
    _, token = _password_user()
    page = _open_settings(browser, app_server.url, token)
    expect(page.locator("#prompt-kind")).to_have_text("Default")
    expect(page.locator("#system-prompt")).to_have_value(DEFAULT_SYSTEM_PROMPT)
    page.locator("#system-prompt").fill("   ")
    page.locator("#save-prompt").click()
    expect(page.locator("#prompt-error")).to_contain_text("The system prompt is empty")
    page.locator("#system-prompt").fill("Use Go and htmx.")
    page.locator("#save-prompt").click()
    expect(page.locator("#prompt-message")).to_have_text("Saved.")
    expect(page.locator("#prompt-kind")).to_have_text("Custom")
    page.reload()
    expect(page.locator("#system-prompt")).to_have_value("Use Go and htmx.\n")
    page.locator("#reset-prompt").click()
    expect(page.locator("#prompt-kind")).to_have_text("Default")
    expect(page.locator("#system-prompt")).to_have_value(DEFAULT_SYSTEM_PROMPT)
    page.context.close()


# ---------------------------------------------------------------- kubeconfig

def test_kubeconfig_validation_names_each_failure_and_saves_a_good_one(app_server, app_db, browser, e2e_k8s,
                                                                       namespace):
    user_id, token = _password_user()
    page = _open_settings(browser, app_server.url, token)
    expect(page.locator("#kube-missing")).to_be_visible()
    good = e2e_k8s.kubeconfig(namespace)
    cases = [
        ("this: is: [not yaml", "The kubeconfig is not valid YAML"),
        (good.replace("current-context: fake\n", ""), "The kubeconfig has no current-context."),
        (good.replace(f"    namespace: {namespace}\n", ""), 'The current context "fake" has no namespace.'),
        (e2e_k8s.kubeconfig(namespace, server=f"http://127.0.0.1:{free_port()}"),
         "Cannot reach the Kubernetes API at http://127.0.0.1:"),
        (e2e_k8s.kubeconfig(namespace, token="an-expired-token"),
         "The Kubernetes API rejected the kubeconfig's credentials (401 Unauthorized)"),
        (e2e_k8s.kubeconfig("ns-of-someone-else"), 'No permission to access namespace "ns-of-someone-else" (403'),
    ]
    for text, message in cases:
        page.locator("#kubeconfig-text").fill(text)
        page.locator("#save-kubeconfig").click()
        expect(page.locator("#kubeconfig-error")).to_contain_text(message)
        expect(page.locator("#kube-missing")).to_be_visible()
    page.locator("#kubeconfig-text").fill(good)
    page.locator("#save-kubeconfig").click()
    expect(page.locator("#kubeconfig-message")).to_have_text(f"Saved. Namespace: {namespace}.")
    expect(page.locator("#kube-namespace")).to_have_text(namespace)
    expect(page.locator("#kube-server")).to_have_text(e2e_k8s.url)
    expect(page.locator("#kubeconfig-text")).to_have_value("")
    page.reload()
    expect(page.locator("#kube-namespace")).to_have_text(namespace)
    assert e2e_k8s.token not in page.content()
    with db.session_scope() as session:
        assert user_config.get_value(session, user_id, user_config.KUBECONFIG) == good
    page.context.close()


# ---------------------------------------------------------------- propagation

def _sandbox(project_id: str) -> Sandbox:
    with db.session_scope() as session:
        return session.exec(select(Sandbox).where(Sandbox.project_id == project_id)).one()


def _project_status(project_id: str) -> str:
    with db.session_scope() as session:
        return session.get(Project, project_id).status.value


def test_a_new_key_saved_in_the_page_reaches_the_running_sandbox(app_server, app_db, browser, e2e_k8s, namespace):
    user_id, token = _password_user()
    kubeconfig_settings.save(user_id, e2e_k8s.kubeconfig(namespace))
    with db.session_scope() as session:
        project_id = projects.create_project(session, user_id, "Shop").id

    def statefulset_env() -> dict[str, str]:
        statefulset = e2e_k8s.get("statefulsets", namespace, _sandbox(project_id).sandbox_name)
        return {item["name"]: item["value"] for item in statefulset["spec"]["template"]["spec"]["containers"][0]["env"]}

    # Settled: the database is ready and its URL already applied to the sandbox (which took an
    # UPDATING of its own).
    wait_until(lambda: _project_status(project_id) == "RUNNING" and "DATABASE_URL" in statefulset_env(),
              "the project to run")
    log_start = len(e2e_k8s.requests)

    page = _open_settings(browser, app_server.url, token)
    new_key = f"sk-ant-api03-{uuid.uuid4().hex}"
    _save_key(page, new_key)
    expect(page.locator("#anthropic-message")).to_have_text("Saved. 1 running sandbox will restart with it.")
    wait_until(lambda: statefulset_env().get("ANTHROPIC_AUTH_TOKEN") == new_key, "the new key in the StatefulSet")
    wait_until(lambda: _project_status(project_id) == "RUNNING", "the project to run again")
    assert _sandbox(project_id).status is ResourceStatus.RUNNING
    patches = [entry for entry in e2e_k8s.requests_since(log_start)
               if entry.method == "PATCH" and entry.name == _sandbox(project_id).sandbox_name]
    assert patches
    assert new_key not in app_server.log_text() and new_key not in _audit_text(user_id)
    page.context.close()


# ---------------------------------------------------------------- screenshots

def _dressed_password_user(e2e_k8s, namespace: str) -> str:
    user_id, token = _password_user()
    kubeconfig_settings.save(user_id, e2e_k8s.kubeconfig(namespace))
    agent_settings.save(user_id, api_key="sk-ant-api03-screenshot-key-7Q2F", base_url="https://api.anthropic.com",
                        model="claude-sonnet-4-5", small_fast_model="claude-haiku-4-5")
    agent_settings.save_system_prompt(user_id, "Build with FastAPI and HTMX.\nWrite tests first.")
    return token


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [360, 1280])
def test_screenshots_of_each_section(app_server, app_db, browser, e2e_k8s, namespace, width, scheme):
    views = {"self-hosted": _dressed_password_user(e2e_k8s, namespace), "sealos": _sealos_user()[1]}
    for view, token in views.items():
        page = _open_settings(browser, app_server.url, token, width=width, scheme=scheme)
        page.wait_for_load_state("networkidle")
        screenshot(page, f"settings-{view}-{width}-{scheme}")
        for section in SECTIONS:
            screenshot_element(page.locator(f"#{section}"), f"settings-{view}-{section}-{width}-{scheme}")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the {view} page scrolls sideways at {width} px"
        page.context.close()
